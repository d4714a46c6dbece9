// CallbackDispatcher: sends the factory's "goods shipped" callbacks from one worker thread, in
// order of due time (ties in scheduling order), never on the request path. A failed attempt
// (transport error or non-2xx) is retried up to policy.max_retries times with exponential
// backoff; retries are re-queued, so one failing receiver does not hold up the others.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "factory_sim/order_book.h"
#include "ports/http_client.h"

namespace restock::factory_sim {

struct CallbackPolicy {
    int max_retries = 5;
    int64_t backoff_base_ms = 100;  // retry n waits base * 2^(n-1)
    int64_t timeout_ms = 5000;      // per attempt
    std::size_t max_pending = 100'000;
};

struct CallbackJob {
    uint64_t seq = 0;
    std::string url;   // POSTed exactly as given
    std::string body;  // JSON
};

class CallbackDispatcher {
  public:
    // Called on the worker thread after every attempt.
    using Reporter = std::function<void(const CallbackJob&, const CallbackAttempt&, int attempt)>;

    // REQUIRES: client outlives this. Starts the worker.
    CallbackDispatcher(HttpClient& client, CallbackPolicy policy, Reporter reporter);
    ~CallbackDispatcher();  // stop()
    CallbackDispatcher(const CallbackDispatcher&) = delete;
    CallbackDispatcher& operator=(const CallbackDispatcher&) = delete;

    // Queues a first attempt `delay` from now. False when max_pending jobs wait already.
    bool schedule(CallbackJob job, std::chrono::milliseconds delay);
    // Drops what is queued, waits for an attempt in flight (bounded by its timeout), joins.
    void stop();

  private:
    using Clock = std::chrono::steady_clock;
    struct Entry {
        Clock::time_point due;
        uint64_t order;  // FIFO among equal due times
        int attempt;     // 1 for the first
        CallbackJob job;
        bool operator>(const Entry& other) const {
            return due != other.due ? due > other.due : order > other.order;
        }
    };

    void run();
    CallbackAttempt attempt(const CallbackJob& job);

    HttpClient& client_;
    const CallbackPolicy policy_;
    const Reporter reporter_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue_;
    uint64_t next_order_ = 0;
    bool stopping_ = false;
    std::thread worker_;
};

}  // namespace restock::factory_sim
