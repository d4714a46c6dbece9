// ClusterCommands: the CommandSink of a node on a shared store. While this node is the writer,
// commands go to its engine; otherwise they are encoded (adapters/http/command_codec.h) and
// sent to the writer's POST /internal/v1/commands, and the writer's outcome comes back.
// On a node that is not the writer, submit() blocks for that round trip (and for a failover, up
// to the link's timeout): call it from worker threads (functions, start-up hooks), never from
// an I/O thread. Every remote command is safe to repeat (receipts are checked, shipments and
// orders deduplicated), so a cut delivery is sent again.
#pragma once

#include <string>

#include "adapters/cluster/writer_link.h"
#include "app/command_sink.h"
#include "app/leadership.h"

namespace restock::cluster {

class ClusterCommands final : public CommandSink {
  public:
    ClusterCommands(Leadership& leadership, WriterLink& link, std::string cluster_token)
        : leadership_(leadership), link_(link), cluster_token_(std::move(cluster_token)) {}

    void submit(Submission submission) override;

  private:
    Leadership& leadership_;
    WriterLink& link_;
    const std::string cluster_token_;
};

// The secret nodes present to each other, derived from the store's callback secret (every node
// of a database has it; nobody outside the database does).
std::string cluster_token(std::string_view callback_secret);

}  // namespace restock::cluster
