// TestHttpReceiver: a small loopback HTTP/1.1 server for tests. It records every request and
// answers what the responder returns (200 "" by default). Keep-alive supported. One I/O
// thread; the responder runs on it, so it must be quick. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace restock::testing {

struct ReceivedRequest {
    std::string method;
    std::string target;  // path and query, as sent
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    // First header with this name (case-insensitive), or "" .
    std::string header(std::string_view name) const;
};

struct ReceiverReply {
    int status = 200;
    std::string body;
};

class TestHttpReceiver {
  public:
    // index: 0 for the first request received, 1 for the next...
    using Responder = std::function<ReceiverReply(const ReceivedRequest&, std::size_t index)>;

    TestHttpReceiver();  // binds 127.0.0.1:0 and starts
    ~TestHttpReceiver();

    uint16_t port() const;
    std::string base_url() const;  // "http://127.0.0.1:PORT"
    void set_responder(Responder responder);

    std::vector<ReceivedRequest> requests() const;
    // Waits until at least n requests arrived; false on timeout.
    bool wait_for(std::size_t n, std::chrono::milliseconds timeout) const;

    class Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace restock::testing
