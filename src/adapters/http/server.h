// HttpServer: one epoll loop per I/O thread (event_loop.h) and Beast's HTTP/1.1 parser. Owns
// sockets, limits and timeouts; hands each complete request to the Api and writes what it
// answers. Every connection has a body limit, a header limit, read timeouts and a cap on the
// number of connections.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "adapters/http/access_log.h"
#include "adapters/http/handlers.h"
#include "core/result.h"

namespace restock::http {

struct ServerOptions {
    std::string host = "127.0.0.1";
    uint16_t port = 8080;  // 0: any free port
    int io_threads = 2;
    std::size_t body_limit = 64 * 1024;
    std::size_t header_limit = 8 * 1024;
    int header_timeout_ms = 30'000;  // includes a keep-alive connection's idle wait
    int body_timeout_ms = 10'000;
    std::size_t max_connections = 10'000;
};

class HttpServer {
  public:
    // Binds and starts serving on background threads.
    static Result<std::unique_ptr<HttpServer>> start(const ServerOptions& options, Api& api,
                                                     AccessLog& log);
    // Stops accepting, closes connections, joins threads. REQUIRES: whatever answers requests
    // on other threads (the engine) has stopped; a later answer would reach a destroyed loop.
    ~HttpServer();

    uint16_t port() const;
    // Blocks until stop() is called (e.g. from a signal handler thread).
    void wait();
    void stop();
    // After stop(): waits for the I/O threads to end, so no request handler runs any more (it
    // may touch the engine). Connections whose answers are still in the engine stay open and
    // get them; they close when the server is destroyed.
    void join();

    class Impl;

  private:
    explicit HttpServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace restock::http
