// SimHandler: what the simulated legacy factory answers, independent of sockets.
//
//   POST /api/manufactures        validate -> 400; maybe fail -> 500; maybe hang -> 504 after
//                                 hang_ms; else record, schedule the callback, 202
//   GET  /api/orders[?after=N&limit=M]   the order book (see OrderBook::to_json)
//   GET  /control, POST /control  read / change SimSettings
//   POST /api/callbacks/replay    {"seq":N}: send order N's callback once more
//   GET  /healthz                 200
// Errors are JSON {"error":slug,"message":text}. Whether an order is called back, and after
// how long, is decided with the settings in force when it is accepted.
// Thread-safe: handle() may run on many I/O threads at once.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

#include "factory_sim/callback_dispatcher.h"
#include "factory_sim/order_book.h"
#include "factory_sim/sim_log.h"
#include "factory_sim/sim_settings.h"

namespace restock::factory_sim {

struct SimRequest {
    std::string_view method;
    std::string_view path;   // without the query
    std::string_view query;  // after '?', or ""
    std::string_view body;
};

struct SimReply {
    int status = 200;
    std::string body;     // JSON
    int64_t hold_ms = 0;  // > 0: keep the client waiting this long before answering
};

class SimHandler {
  public:
    // seed 0: a random seed. REQUIRES: book, dispatcher and log outlive this.
    SimHandler(const SimSettings& initial, uint64_t seed, OrderBook& book,
               CallbackDispatcher& dispatcher, SimLog& log);

    SimReply handle(const SimRequest& request);
    SimSettings settings() const;

  private:
    SimReply manufacture(std::string_view body);
    SimReply orders(std::string_view query) const;
    SimReply control(std::string_view method, std::string_view body);
    SimReply replay(std::string_view body);
    bool schedule_callback(const FactoryOrder& order, int64_t delay_ms);
    bool draw(double probability);

    OrderBook& book_;
    CallbackDispatcher& dispatcher_;
    SimLog& log_;
    mutable std::mutex mutex_;  // guards settings_ and random_
    SimSettings settings_;
    std::mt19937_64 random_;
};

}  // namespace restock::factory_sim
