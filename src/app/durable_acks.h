// DurableAcks: the second half of a group commit. The engine writes a batch (visible, not yet
// durable) and hands its submissions here; this thread makes everything written so far durable
// with one StockStore::sync() and only then calls each submission's `done`, in order. Meanwhile
// the engine applies and writes the next batch, so the sync of one batch overlaps the work of
// the next instead of adding to it.
//
// A failed sync means the store cannot promise durability: nothing more is acknowledged and the
// process stops (like PostgreSQL's fsync PANIC); what is on disk is recovered at restart.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "app/commands.h"
#include "ports/stock_store.h"

namespace restock {

class DurableAcks {
  public:
    // `on_sync_failure` must not return (default: print and abort).
    DurableAcks(StockStore& store, std::function<void(const Error&)> on_sync_failure = {});
    ~DurableAcks();  // acknowledges everything handed over, then stops

    // `wrote`: the batch changed the store, so it needs a sync before its answers.
    void hand_over(std::deque<Submission> submissions, std::vector<Outcome> outcomes, bool wrote);

  private:
    struct Batch {
        std::deque<Submission> submissions;
        std::vector<Outcome> outcomes;
        bool wrote = false;
    };
    void run();

    StockStore& store_;
    const std::function<void(const Error&)> on_sync_failure_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<Batch> pending_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace restock
