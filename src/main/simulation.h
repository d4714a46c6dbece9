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

// Each product's end-of-day on_hand over the counted days, from the ledger as it is written:
// on_hand changes only by movements, each of which carries the time it happened and the
// on_hand it left, so a batch covering several days still tells each day's end. Fed by
// ObservedStore.
class OnHandBook {
  public:
    // Days from `warmup_days` up to (not including) `days` are counted.
    OnHandBook(std::size_t products, int64_t warmup_days, int64_t days);
    // Every product is bound before the first batch with movements is written: written() runs
    // on the write-behind store's thread (main/write_behind_store.h), bind() on the caller's.
    void bind(int64_t product_id, std::size_t index);
    void written(const WriteBatch& batch);
    // After the last write: every product's stock holds to the last day.
    void finish();
    int64_t on_hand_days(std::size_t index) const { return runs_[index].on_hand_days; }
    int64_t stockout_days(std::size_t index) const { return runs_[index].stockout_days; }

  private:
    // The stock a product has held since the end of `from_day`.
    struct Run {
        int64_t from_day = 0;
        int64_t on_hand = 0;
        int64_t on_hand_days = 0;   // sum of end-of-day on_hand over counted days closed
        int64_t stockout_days = 0;  // counted days closed with on_hand 0
    };
    // Books the run's days [from_day, until_day) that are counted.
    void close(Run& run, int64_t until_day) const;

    const int64_t warmup_days_;
    const int64_t days_;
    std::vector<Run> runs_;
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
    // Waits until the store has every batch written (WriteBehindStore::wait): before the
    // figures are read. Empty: the writes are done on return.
    std::function<Status()> written;
    // Asked before every day: true stops the run with an error (a signal came). Empty: never.
    std::function<bool()> interrupted;
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
