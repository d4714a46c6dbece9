// DurableAcks: the second half of a group commit. The engine writes a batch (visible, not yet
// durable) and hands its submissions here. Two threads form a pipeline behind it:
//   - the syncer makes everything written so far durable with one StockStore::sync() (one sync
//     covers every batch handed over before it started), then passes those batches on;
//   - the answerer calls each submission's `done`, in hand-over order.
// So the engine applies and writes batch N+2 while batch N+1 is being synced and the answers of
// batch N are going out: neither the next sync nor the next batch waits for answers to be sent.
// busy() tells the engine a sync is under way or due, so it can let work queue up rather than
// write a small batch that would only wait for the next sync; `on_idle` tells it when that ends.
// When nothing is in flight, the engine may sync a small batch itself (sync_here_and_hand_over).
//
// It also keeps the durable marks: the last event seq and movement id that are on disk. Readers
// list events and movements only up to them, so a client never sees a record that a power
// loss could take back (and whose seq or id would then be given to another one).
//
// A failed sync means the store cannot promise durability: nothing more is acknowledged and the
// process stops (like PostgreSQL's fsync PANIC); what is on disk is recovered at restart.
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "app/commands.h"
#include "app/latency_histogram.h"
#include "ports/stock_store.h"

namespace restock {

// The newest event seq and movement id a batch leaves behind.
struct DurableMarks {
    int64_t event_seq = 0;
    int64_t movement_id = 0;
};

class DurableAcks {
  public:
    // `on_sync_failure` must not return (default: print and abort). `on_idle` is called on the
    // syncer thread each time busy() becomes false; it must not block.
    // `durable`: the marks of what is on disk already.
    DurableAcks(StockStore& store, DurableMarks durable,
                std::function<void(const Error&)> on_sync_failure = {},
                std::function<void()> on_idle = {});
    ~DurableAcks();  // syncs and answers everything handed over, then stops

    // `wrote`: the batch changed the store, so it needs a sync before its answers. `marks`:
    // the store's marks once the batch is written; they become durable() with its sync.
    // `write_started`: when its write began; the time from then until it is durable is its
    // commit latency (not measured if unset).
    using Time = std::chrono::steady_clock::time_point;
    void hand_over(std::deque<Submission> submissions, std::vector<Outcome> outcomes, bool wrote,
                   DurableMarks marks, Time write_started = {});

    // Like hand_over, but syncs on the calling thread. REQUIRES: !busy() (nothing is being or
    // waiting to be synced, so the answers stay in order).
    void sync_here_and_hand_over(std::deque<Submission> submissions, std::vector<Outcome> outcomes,
                                 bool wrote, DurableMarks marks, Time write_started = {});

    // Commit latencies of the batches that wrote: write begun to durable.
    LatencyHistogram::Snapshot commit_latency() const { return commit_latency_.snapshot(); }

    // The marks of the last synced batch: set after its sync, before its answers go out.
    DurableMarks durable() const {
        return {durable_event_seq_.load(std::memory_order_acquire),
                durable_movement_id_.load(std::memory_order_acquire)};
    }

    // A sync is running, or batches are waiting for one.
    bool busy() const { return busy_.load(std::memory_order_acquire); }

  private:
    struct Batch {
        std::deque<Submission> submissions;
        std::vector<Outcome> outcomes;
        bool wrote = false;
        DurableMarks marks;
        Time write_started{};
    };
    // A deque: Batch's move may throw (std::deque's does), so a growing vector would copy
    // every waiting batch, submissions and all.
    using Batches = std::deque<Batch>;
    // Batches waiting for one stage, and the thread of that stage.
    struct Stage {
        Batches batches;
        std::condition_variable wake;
        bool closed = false;  // nothing more will arrive
    };
    // One StockStore::sync(); a failure goes to on_sync_failure_, which does not return.
    void sync_or_stop();
    // After a sync: what the batches up to `last` wrote is on disk.
    void mark_durable(const Batch& last);
    // After a sync: the commit latency of each batch that wrote.
    void measure(const Batches& synced);
    void sync_loop();
    void answer_loop();
    // Waits for batches (or the close) of `stage` and takes them all; empty: closed and drained.
    Batches take(Stage& stage);
    void put(Stage& stage, Batches& batches);

    StockStore& store_;
    const std::function<void(const Error&)> on_sync_failure_;
    const std::function<void()> on_idle_;
    std::atomic<bool> busy_{false};
    std::atomic<int64_t> durable_event_seq_;
    std::atomic<int64_t> durable_movement_id_;
    LatencyHistogram commit_latency_;
    std::mutex mutex_;
    Stage to_sync_;
    Stage to_answer_;
    std::thread syncer_;
    std::thread answerer_;
};

}  // namespace restock
