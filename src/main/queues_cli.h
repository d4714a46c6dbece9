// `restock queues list|peek|redrive|purge|delete`: the queue admin routes from the command line.
// The running server owns the queues, so this talks to it over HTTP with an admin key.
#pragma once

#include <string>
#include <vector>

namespace restock {

// args: everything after "queues". Returns the exit code.
int run_queues_cli(const std::vector<std::string>& args);

}  // namespace restock
