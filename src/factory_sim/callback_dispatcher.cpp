#include "factory_sim/callback_dispatcher.h"

#include <algorithm>

namespace restock::factory_sim {

CallbackDispatcher::CallbackDispatcher(HttpClient& client, CallbackPolicy policy, Reporter reporter)
    : client_(client), policy_(policy), reporter_(std::move(reporter)) {
    worker_ = std::thread([this] { run(); });
}

CallbackDispatcher::~CallbackDispatcher() { stop(); }

bool CallbackDispatcher::schedule(CallbackJob job, std::chrono::milliseconds delay) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || queue_.size() >= policy_.max_pending) return false;
        queue_.push(Entry{Clock::now() + delay, next_order_++, 1, std::move(job)});
    }
    wake_.notify_one();
    return true;
}

void CallbackDispatcher::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        queue_ = {};
    }
    wake_.notify_one();
    if (worker_.joinable()) worker_.join();
}

CallbackAttempt CallbackDispatcher::attempt(const CallbackJob& job) {
    HttpCall call;
    call.method = "POST";
    call.url = job.url;
    call.headers = {{"Content-Type", "application/json"}};
    call.body = job.body;
    call.timeout_ms = policy_.timeout_ms;
    auto answer = client_.send(call);
    CallbackAttempt result;
    if (answer) {
        result.status = answer->status;
        result.delivered = answer->status >= 200 && answer->status < 300;
    } else {
        result.error = answer.error().message;  // names host:port/path, never the query
    }
    return result;
}

void CallbackDispatcher::run() {
    std::unique_lock lock(mutex_);
    while (true) {
        if (stopping_) return;
        if (queue_.empty()) {
            wake_.wait(lock);
            continue;
        }
        if (const Clock::time_point due = queue_.top().due; due > Clock::now()) {
            // A copy: the queue may reallocate while we wait. Any schedule() wakes us, as a new
            // job may be due sooner.
            wake_.wait_until(lock, due);
            continue;
        }
        Entry entry = queue_.top();
        queue_.pop();
        lock.unlock();

        CallbackAttempt result = attempt(entry.job);
        result.final = result.delivered || entry.attempt > policy_.max_retries;
        reporter_(entry.job, result, entry.attempt);

        lock.lock();
        if (!result.final && !stopping_) {
            const int64_t backoff = policy_.backoff_base_ms
                                    << std::min(entry.attempt - 1, 20);  // 100, 200, 400...
            entry.due = Clock::now() + std::chrono::milliseconds(backoff);
            entry.order = next_order_++;
            ++entry.attempt;
            queue_.push(std::move(entry));
        }
    }
}

}  // namespace restock::factory_sim
