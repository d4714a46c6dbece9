// WriterLink: how a node that is not the writer sends a request to the one that is. It finds
// the writer in the lease (Leadership::writer()), and rides out a failover: while no node
// writes, or the one it tried is gone or no longer the writer, it waits for the next writer and
// sends again, within its timeout, a request that cannot have been executed (never delivered,
// or refused as not-the-writer), and one that is safe to repeat (`repeatable`: a GET, or a
// request with an Idempotency-Key, which the writer answers with the first response). Any
// other request whose delivery was cut has an unknown outcome, and says so.
// Thread-safe; blocking (callers: forwarding threads and function workers, never I/O threads).
#pragma once

#include <atomic>
#include <string>
#include <variant>

#include "adapters/cluster/node_client.h"
#include "app/leadership.h"

namespace restock::cluster {

struct WriterLinkOptions {
    std::string node_id;          // this node: a target only while it is the writer itself
    int64_t timeout_ms = 10'000;  // per request, retries and failover waits included
};

class WriterLink {
  public:
    WriterLink(Leadership& leadership, WriterLinkOptions options)
        : leadership_(leadership), options_(std::move(options)) {}

    std::variant<NodeResponse, Error> send(const NodeRequest& request, bool repeatable);
    // From now on send() gives up at once instead of waiting for a writer (shutdown).
    void stop() { stopping_ = true; }

  private:
    Leadership& leadership_;
    const WriterLinkOptions options_;
    NodeClient client_;
    std::atomic<bool> stopping_{false};
};

}  // namespace restock::cluster
