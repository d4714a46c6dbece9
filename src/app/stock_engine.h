// StockEngine: the single writer. It owns the authoritative product state in memory, applies
// commands one after another (so checkout can never oversell, whatever the concurrency), and
// commits them in groups: one transaction and one durable sync per batch. A command's `done`
// runs only after its batch is durable, so every acknowledged write survives a crash.
//
// Thread-safety: submit() from any thread. Everything else runs on the engine's own thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "app/commands.h"
#include "ports/clock.h"
#include "ports/stock_store.h"

namespace restock {

struct EngineOptions {
    std::size_t max_batch = 1024;     // submissions per group commit
    std::size_t max_queue = 100'000;  // beyond this, submit() answers unavailable at once
};

class StockEngine {
  public:
    // REQUIRES: store and clock outlive the engine.
    static Result<std::unique_ptr<StockEngine>> start(StockStore& store, const Clock& clock,
                                                      EngineOptions options = {});
    ~StockEngine();  // drains what was submitted, then stops
    StockEngine(const StockEngine&) = delete;
    StockEngine& operator=(const StockEngine&) = delete;

    void submit(Submission submission);

    struct Stats {
        uint64_t commands = 0;
        uint64_t batches = 0;
        uint64_t failed_batches = 0;
    };
    Stats stats() const;

  private:
    class Batch;
    StockEngine(StockStore& store, const Clock& clock, EngineOptions options,
                std::unique_ptr<StockReader> reader, EngineSnapshot snapshot);

    void run();
    void process(std::deque<Submission>& submissions);
    Outcome execute(Submission& submission, Batch& batch);
    Outcome apply(const Command& command, Batch& batch);
    Outcome apply(const NewProduct& request, Batch& batch);
    Outcome apply(const PatchProduct& request, Batch& batch);
    Outcome apply(const CheckoutRequest& request, Batch& batch);
    Outcome apply(const ReceiptRequest& request, Batch& batch);
    Outcome apply(const AdjustmentRequest& request, Batch& batch);

    Product* find(std::string_view sku);
    Movement& add_movement(Product& product, MovementKind kind, int64_t delta,
                           std::string reference, Batch& batch);
    void add_event_if(std::optional<EventType> type, const Product& product, std::string cause,
                      Batch& batch);

    StockStore& store_;
    const Clock& clock_;
    const EngineOptions options_;
    std::unique_ptr<StockReader> reader_;  // engine thread only: committed idempotency/receipts

    // Engine-thread state.
    std::unordered_map<std::string, Product> products_;
    int64_t last_product_id_ = 0;
    int64_t last_movement_id_ = 0;
    int64_t last_event_seq_ = 0;
    std::string database_id_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Submission> pending_;
    bool stopping_ = false;
    Stats stats_;
    std::thread thread_;
};

}  // namespace restock
