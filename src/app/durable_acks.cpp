#include "app/durable_acks.h"

#include <cstdio>
#include <cstdlib>

#include "support/thread_name.h"

namespace restock {
namespace {

void abort_on_sync_failure(const Error& error) {
    std::fprintf(stderr,
                 "restock: FATAL: the store could not make committed data durable (%s); stopping "
                 "without acknowledging it. Restart to recover from what is on disk.\n",
                 error.message.c_str());
    std::fflush(stderr);
    std::abort();
}

}  // namespace

DurableAcks::DurableAcks(StockStore& store, DurableMarks durable,
                         std::function<void(const Error&)> on_sync_failure,
                         std::function<void()> on_idle)
    : store_(store),
      on_sync_failure_(on_sync_failure ? std::move(on_sync_failure) : abort_on_sync_failure),
      on_idle_(std::move(on_idle)),
      durable_event_seq_(durable.event_seq),
      durable_movement_id_(durable.movement_id) {
    answerer_ = start_named_thread("restock-answer", [this] { answer_loop(); });
    syncer_ = start_named_thread("restock-sync", [this] { sync_loop(); });
}

DurableAcks::~DurableAcks() {
    {
        std::lock_guard lock(mutex_);
        to_sync_.closed = true;
    }
    to_sync_.wake.notify_one();
    syncer_.join();  // it closes to_answer_ once it has passed everything on
    answerer_.join();
}

void DurableAcks::hand_over(std::deque<Submission> submissions, std::vector<Outcome> outcomes,
                            bool wrote, DurableMarks marks, Time write_started) {
    Batches batch;
    batch.push_back(
        Batch{std::move(submissions), std::move(outcomes), wrote, marks, write_started});
    put(to_sync_, batch);
}

void DurableAcks::sync_here_and_hand_over(std::deque<Submission> submissions,
                                          std::vector<Outcome> outcomes, bool wrote,
                                          DurableMarks marks, Time write_started) {
    Batches batch;
    batch.push_back(
        Batch{std::move(submissions), std::move(outcomes), wrote, marks, write_started});
    if (wrote) sync_or_stop();
    measure(batch);
    mark_durable(batch.back());
    put(to_answer_, batch);
}

void DurableAcks::measure(const Batches& synced) {
    const Time now = std::chrono::steady_clock::now();
    for (const auto& batch : synced) {
        if (batch.wrote && batch.write_started != Time{}) {
            commit_latency_.observe(now - batch.write_started);
        }
    }
}

void DurableAcks::mark_durable(const Batch& last) {
    // Marks only grow: a batch that failed to write hands over the marks it found.
    auto raise = [](std::atomic<int64_t>& mark, int64_t value) {
        int64_t seen = mark.load(std::memory_order_relaxed);
        while (value > seen && !mark.compare_exchange_weak(seen, value, std::memory_order_release,
                                                           std::memory_order_relaxed)) {
        }
    };
    raise(durable_event_seq_, last.marks.event_seq);
    raise(durable_movement_id_, last.marks.movement_id);
}

void DurableAcks::sync_or_stop() {
    if (auto synced = store_.sync(); !synced) on_sync_failure_(synced.error());
}

DurableAcks::Batches DurableAcks::take(Stage& stage) {
    Batches batches;
    std::unique_lock lock(mutex_);
    stage.wake.wait(lock, [&stage] { return stage.closed || !stage.batches.empty(); });
    batches.swap(stage.batches);
    return batches;
}

void DurableAcks::put(Stage& stage, Batches& batches) {
    bool was_empty = false;
    {
        std::lock_guard lock(mutex_);
        // Under the lock the syncer uses to decide it is idle: it either sees this batch or has
        // cleared busy_ before it is set again here, never clears it with the batch waiting.
        if (&stage == &to_sync_) busy_.store(true, std::memory_order_release);
        was_empty = stage.batches.empty();
        for (auto& batch : batches) stage.batches.push_back(std::move(batch));
    }
    if (was_empty) stage.wake.notify_one();  // otherwise its thread is awake already
}

void DurableAcks::sync_loop() {
    while (true) {
        Batches work = take(to_sync_);
        if (work.empty()) break;  // closed and drained
        bool needs_sync = false;
        for (const auto& batch : work) needs_sync = needs_sync || batch.wrote;
        // One sync covers every batch written before it started: all of `work`.
        if (needs_sync) sync_or_stop();
        measure(work);
        mark_durable(work.back());
        put(to_answer_, work);
        bool idle = false;
        {
            std::lock_guard lock(mutex_);
            idle = to_sync_.batches.empty();
            if (idle) busy_.store(false, std::memory_order_release);
        }
        if (idle && on_idle_) on_idle_();
    }
    {
        std::lock_guard lock(mutex_);
        to_answer_.closed = true;
    }
    to_answer_.wake.notify_one();
}

void DurableAcks::answer_loop() {
    while (true) {
        Batches work = take(to_answer_);
        if (work.empty()) return;  // closed and drained
        for (auto& batch : work) {
            for (std::size_t i = 0; i < batch.submissions.size(); ++i) {
                batch.submissions[i].done(std::move(batch.outcomes[i]));
            }
        }
    }
}

}  // namespace restock
