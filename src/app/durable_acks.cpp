#include "app/durable_acks.h"

#include <cstdio>
#include <cstdlib>

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

DurableAcks::DurableAcks(StockStore& store, std::function<void(const Error&)> on_sync_failure)
    : store_(store),
      on_sync_failure_(on_sync_failure ? std::move(on_sync_failure) : abort_on_sync_failure) {
    thread_ = std::thread([this] { run(); });
}

DurableAcks::~DurableAcks() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void DurableAcks::hand_over(std::deque<Submission> submissions, std::vector<Outcome> outcomes,
                            bool wrote) {
    {
        std::lock_guard lock(mutex_);
        pending_.push_back(Batch{std::move(submissions), std::move(outcomes), wrote});
    }
    wake_.notify_one();
}

void DurableAcks::run() {
    std::vector<Batch> work;
    while (true) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
            if (pending_.empty()) return;  // stopping and drained
            work.swap(pending_);
        }
        bool needs_sync = false;
        for (const auto& batch : work) needs_sync = needs_sync || batch.wrote;
        // One sync covers every batch written before it started: all of `work`.
        if (needs_sync) {
            if (auto synced = store_.sync(); !synced) on_sync_failure_(synced.error());
        }
        for (auto& batch : work) {
            for (std::size_t i = 0; i < batch.submissions.size(); ++i) {
                batch.submissions[i].done(std::move(batch.outcomes[i]));
            }
        }
        work.clear();
    }
}

}  // namespace restock
