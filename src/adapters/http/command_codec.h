// The wire format of commands between Restock nodes: a node that is not the writer sends the
// commands of its functions (receive, settle, place and complete an order, book a shipment,
// ...) and of its start-up hooks to the writer's POST /internal/v1/commands, and gets the
// outcome back. Every field of a record is carried, so the outcome on the calling node is the
// one the engine produced. Pure code.
//
// HTTP requests of clients are not encoded here: a node forwards those as they are, and the
// writer answers them itself (adapters/cluster/http_forwarder.h).
#pragma once

#include <string>
#include <string_view>

#include "app/commands.h"

namespace restock::http {

// The commands that may cross between nodes; others are refused by encode_command.
bool is_remote_command(const Command& command);

// REQUIRES: is_remote_command(command).
std::string encode_command(const Command& command);
// 400-style errors (kInvalidArgument) for anything malformed or not a remote command.
Result<Command> decode_command(std::string_view body);

std::string encode_outcome(const Outcome& outcome);
// kUnavailable if the body is not an outcome this version knows.
Result<Outcome> decode_outcome(std::string_view body);

}  // namespace restock::http
