// NodeClient: HTTP/1.1 from one Restock node to another (the writer), on pooled keep-alive
// connections. Blocking, with a deadline for the whole exchange; POSIX sockets and Beast's
// response parser. Thread-safe: each call takes a connection of its own from the pool.
//
// What a failure means matters to the caller, so it is part of the answer: `delivered` says
// whether any byte of the request may have reached the other node. A request that was never
// delivered changed nothing there and may be sent again; one that was may have been executed.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace restock::cluster {

struct NodeRequest {
    std::string method;
    std::string target;  // path and query
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

struct NodeResponse {
    int status = 0;
    std::string content_type;
    std::string location;
    bool replayed = false;    // Idempotent-Replayed: true
    bool not_writer = false;  // X-Restock-Not-Writer: the node does not write (nothing done)
    std::string request_id;   // X-Request-Id (an idempotent replay's is the first request's)
    std::string set_cookie;   // a dashboard login's or logout's cookie
    std::string body;
};

struct NodeFailure {
    Error error;
    bool delivered = false;
};

class NodeClient {
  public:
    // Connections idle longer than this are closed, not reused: well under the other node's
    // keep-alive idle limit (header_timeout_ms, 30 s by default), so a pooled connection is
    // never one the other side is closing at that moment.
    static constexpr auto kMaxIdle = std::chrono::seconds(5);

    NodeClient() = default;
    ~NodeClient();
    NodeClient(const NodeClient&) = delete;
    NodeClient& operator=(const NodeClient&) = delete;

    // Sends `request` to `base_url` ("http://host:port") and reads the answer, within
    // `timeout_ms` in all.
    std::variant<NodeResponse, NodeFailure> send(const std::string& base_url,
                                                 const NodeRequest& request, int timeout_ms);

  private:
    struct Connection {
        std::string base_url;
        int fd = -1;
        std::chrono::steady_clock::time_point idle_since;
    };
    // A pooled connection to base_url, or -1.
    int take(const std::string& base_url);
    void give_back(const std::string& base_url, int fd);

    std::mutex mutex_;
    std::vector<Connection> idle_;
};

}  // namespace restock::cluster
