// The day loop of `restock simulate` (docs/simulate.md): replays a demand trace through the
// real stock engine (stepped, on this thread), the real order-dispatch and stock-increase
// functions and the real factory-callback route of the HTTP API, against a simulated clock and
// factory. The composition (simulate_cli.cpp) builds the parts; this runs them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "adapters/http/handlers.h"
#include "app/functions/function_runner.h"
#include "app/stock_engine.h"
#include "main/sim_factory.h"
#include "main/sim_report.h"
#include "main/simulate_input.h"
#include "ports/stock_store.h"

namespace restock::sim {

// Each product's on_hand as last written to the store: a batch's figures are the state its
// products were left in. Fed by ObservedStore, read at the end of each day.
class OnHandBook {
  public:
    explicit OnHandBook(std::size_t products) : on_hand_(products, 0) {}
    void bind(int64_t product_id, std::size_t index);
    void written(const WriteBatch& batch);
    int64_t on_hand(std::size_t index) const { return on_hand_[index]; }

  private:
    std::vector<int64_t> on_hand_;
    std::vector<int32_t> index_by_id_;  // product id -> index (-1: not simulated)
};

// A StockStore that hands every written batch to an OnHandBook, then to the store it wraps
// (LevelDB's EnvWrapper pattern: the real store does the work).
class ObservedStore final : public StockStore {
  public:
    ObservedStore(StockStore& store, OnHandBook& book) : store_(store), book_(book) {}
    Result<EngineSnapshot> load() override { return store_.load(); }
    Status write(const WriteBatch& batch) override;
    Status sync() override { return store_.sync(); }
    Result<std::unique_ptr<StockReader>> open_reader() override { return store_.open_reader(); }
    bool shared() const override { return store_.shared(); }
    Result<std::string> callback_secret() override { return store_.callback_secret(); }
    Result<int64_t> expire_idempotency(int64_t before_ms) override {
        return store_.expire_idempotency(before_ms);
    }

  private:
    StockStore& store_;
    OnHandBook& book_;
};

struct SimFunction {
    FunctionSpec spec;
    Handler handler;
};

struct SimParts {
    StockEngine& engine;  // stepped
    http::Api& api;       // takes the factory's callbacks
    SimFactory& factory;
    SimClock& clock;
    OnHandBook& book;
    std::vector<SimFunction> functions;  // run to completion after every command
    std::string factory_id;
    std::function<void(std::string_view level, const std::string& message)> log;
};

struct SimSettings {
    int64_t days = 0;                               // days 0 .. days-1 are replayed
    int64_t warmup_days = 0;                        // counted from this day on
    std::optional<int64_t> factory_lead_time_days;  // the factory's promised lead time
    std::string products_file;                      // named in errors about a product
};

Result<SimReport> run_simulation(const SimInput& input, const SimSettings& settings,
                                 SimParts& parts);

}  // namespace restock::sim
