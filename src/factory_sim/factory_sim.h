// The factory simulator: an in-process imitation of the external legacy factory
// (docs/design.md, "Legacy Factory API") for the demo, the tests and the benchmarks. It accepts
// manufacture orders, answers 202/400/500 or hangs as configured, and later POSTs each order's
// CallbackUrl from a worker thread, with retries. See sim_handler.h for the routes.
// `restock factory-sim` runs it as a separate process through run_factory_sim().
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace restock::factory_sim {

struct FactorySimOptions {
    std::string host = "127.0.0.1";
    uint16_t port = 0;  // 0: any free port
    int64_t delay_ms = 200;
    double fail_rate = 0;
    double hang_rate = 0;
    int64_t hang_ms = 30000;
    bool callbacks = true;
    uint64_t seed = 0;  // 0: random
    // JSON-lines log (the "listening" line, one line per request and per callback attempt);
    // null: silent. REQUIRES: outlives the simulator.
    std::FILE* log = stdout;
    int io_threads = 4;
    int64_t callback_timeout_ms = 5000;  // per callback attempt
};

class FactorySim {
  public:
    // Binds, starts serving and the callback worker; when logging, writes
    // {"level":"info","msg":"listening","address":"HOST:PORT"}.
    // Errors: kInvalidArgument for bad options, kUnavailable "listen-failed".
    static Result<std::unique_ptr<FactorySim>> start(const FactorySimOptions& options);
    ~FactorySim();  // stop()

    uint16_t port() const;
    std::string address() const;  // "HOST:PORT" ("[v6]:PORT" for IPv6)
    // Stops serving (open and held connections are dropped) and drops queued callbacks, waiting
    // at most one callback timeout for an attempt in flight. Idempotent; thread-safe.
    void stop();

    class Parts;

  private:
    explicit FactorySim(std::unique_ptr<Parts> parts);
    std::unique_ptr<Parts> parts_;
};

}  // namespace restock::factory_sim

namespace restock {

// `restock factory-sim [--listen HOST:PORT] [--delay-ms N] [--fail-rate F] [--hang-rate F]
// [--hang-ms N] [--no-callbacks] [--seed N]`: args are the words after "factory-sim" (a leading
// "factory-sim" is skipped too). Serves until SIGINT or SIGTERM. Returns the exit code: 0 after
// a signal, 1 if it cannot listen, 2 for bad flags (with a message on stderr).
int run_factory_sim(const std::vector<std::string>& args);

}  // namespace restock
