// SimServer: HTTP/1.1 over Boost.Beast for the factory simulator. Keep-alive, a thread pool,
// a 64 KiB body limit, an 8 KiB header limit, read timeouts and a connection cap; each complete
// request goes to the SimHandler, held replies wait on a timer (never blocking a thread), and
// one log line is written per answered request (path without its query).
// Thread-safe: stop() may be called from any thread, more than once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "factory_sim/sim_handler.h"
#include "factory_sim/sim_log.h"

namespace restock::factory_sim {

struct SimServerOptions {
    std::string host = "127.0.0.1";
    uint16_t port = 0;  // 0: any free port
    int io_threads = 4;
    std::size_t body_limit = 64 * 1024;
    std::size_t header_limit = 8 * 1024;
    int read_timeout_ms = 30'000;  // includes a kept-alive connection's idle wait
    std::size_t max_connections = 1024;
};

class SimServer {
  public:
    // Binds and starts serving on background threads. Errors: kUnavailable "listen-failed".
    // REQUIRES: handler and log outlive the server.
    static Result<std::unique_ptr<SimServer>> start(const SimServerOptions& options,
                                                    SimHandler& handler, SimLog& log);
    ~SimServer();  // stop() and join

    uint16_t port() const;
    // Stops accepting and drops open connections (held replies are never sent).
    void stop();

    class Impl;

  private:
    explicit SimServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace restock::factory_sim
