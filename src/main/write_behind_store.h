// WriteBehindStore: a StockStore wrapper for `restock simulate` that writes each batch on a
// thread of its own, so the caller goes on (in the simulation: the next day's learning step)
// while the store works. Everything that could see the store waits first for the batch in
// hand to be written — its readers' every read, load(), sync(), callback_secret(),
// expire_idempotency() — so what is read is exactly what a synchronous write would show, and
// the same inputs give the same results. What it changes is when a failed write is told: not
// by the write() that failed but by the next call (a write, a read, wait()). For a stepped
// engine, whose answers do not wait for the store and whose first failed write is final, that
// only moves the moment it stops. Not for a server: there a write must be visible on return.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "ports/stock_store.h"

namespace restock::sim {

class WriteBehindStore final : public StockStore {
  public:
    // REQUIRES: `store` outlives this; one thread calls write() (as StockStore requires).
    explicit WriteBehindStore(StockStore& store);
    ~WriteBehindStore() override;  // writes what was handed over, then stops its thread
    WriteBehindStore(const WriteBehindStore&) = delete;
    WriteBehindStore& operator=(const WriteBehindStore&) = delete;

    // Waits for the previous batch, then hands a copy of this one to the thread. Returns the
    // failure of an earlier write, if one failed (and every call after that returns it too).
    Status write(const WriteBatch& batch) override;
    // Until every batch handed over is written: the first failure, if any.
    Status wait();

    Result<EngineSnapshot> load() override;
    Status sync() override;
    // A reader of the wrapped store whose every read waits for the batch in hand first.
    Result<std::unique_ptr<StockReader>> open_reader() override;
    bool shared() const override { return store_.shared(); }
    Result<std::string> callback_secret() override;
    Result<int64_t> expire_idempotency(int64_t before_ms) override;

  private:
    void run();

    StockStore& store_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::optional<WriteBatch> pending_;  // handed over, not yet written
    std::optional<Error> failed_;        // the first write that failed
    bool stopping_ = false;
    std::thread thread_;  // last: starts once the rest is set up
};

}  // namespace restock::sim
