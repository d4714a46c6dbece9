// CallbackDispatcher over a scripted fake HttpClient: due-time order, exact requests, retries
// with backoff, giving up, and a prompt stop.
#include "factory_sim/callback_dispatcher.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

namespace restock::factory_sim {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Answers from a script (then 200), records calls with their times.
class ScriptedHttpClient final : public HttpClient {
  public:
    explicit ScriptedHttpClient(std::deque<Result<HttpAnswer>> script = {})
        : script_(std::move(script)) {}

    Result<HttpAnswer> send(const HttpCall& call) override {
        std::lock_guard lock(mutex_);
        calls_.push_back(call);
        times_.push_back(Clock::now());
        if (script_.empty()) return HttpAnswer{200, ""};
        auto next = std::move(script_.front());
        script_.pop_front();
        return next;
    }

    std::vector<HttpCall> calls() const {
        std::lock_guard lock(mutex_);
        return calls_;
    }
    std::vector<Clock::time_point> times() const {
        std::lock_guard lock(mutex_);
        return times_;
    }

  private:
    mutable std::mutex mutex_;
    std::deque<Result<HttpAnswer>> script_;
    std::vector<HttpCall> calls_;
    std::vector<Clock::time_point> times_;
};

// Collects reports and lets a test wait for the n-th.
class Reports {
  public:
    CallbackDispatcher::Reporter reporter() {
        return [this](const CallbackJob& job, const CallbackAttempt& attempt, int n) {
            std::lock_guard lock(mutex_);
            entries_.push_back({job.seq, attempt, n});
            cv_.notify_all();
        };
    }
    struct Entry {
        uint64_t seq;
        CallbackAttempt attempt;
        int n;
    };
    std::vector<Entry> wait_for(std::size_t count, milliseconds timeout = milliseconds(5000)) {
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, timeout, [&] { return entries_.size() >= count; });
        return entries_;
    }

  private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<Entry> entries_;
};

CallbackJob job(uint64_t seq) {
    return CallbackJob{seq, "http://127.0.0.1:1/cb/" + std::to_string(seq) + "?token=t",
                       R"({"n":)" + std::to_string(seq) + "}"};
}

TEST(CallbackDispatcherTest, SendsInOrderOfDueTime) {
    ScriptedHttpClient client;
    Reports reports;
    CallbackDispatcher dispatcher(client, CallbackPolicy{}, reports.reporter());
    ASSERT_TRUE(dispatcher.schedule(job(1), milliseconds(200)));
    ASSERT_TRUE(dispatcher.schedule(job(2), milliseconds(0)));
    ASSERT_TRUE(dispatcher.schedule(job(3), milliseconds(100)));
    ASSERT_TRUE(dispatcher.schedule(job(4), milliseconds(100)));
    const auto done = reports.wait_for(4);
    ASSERT_EQ(done.size(), 4u);
    EXPECT_EQ(done[0].seq, 2u);
    EXPECT_EQ(done[1].seq, 3u);  // equal due times keep scheduling order
    EXPECT_EQ(done[2].seq, 4u);
    EXPECT_EQ(done[3].seq, 1u);
    for (const auto& entry : done) {
        EXPECT_TRUE(entry.attempt.delivered);
        EXPECT_TRUE(entry.attempt.final);
        EXPECT_EQ(entry.n, 1);
    }
}

TEST(CallbackDispatcherTest, PostsTheUrlAndBodyExactly) {
    ScriptedHttpClient client;
    Reports reports;
    CallbackDispatcher dispatcher(client, CallbackPolicy{.timeout_ms = 1234}, reports.reporter());
    ASSERT_TRUE(dispatcher.schedule(job(7), milliseconds(0)));
    reports.wait_for(1);
    const auto calls = client.calls();
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].method, "POST");
    EXPECT_EQ(calls[0].url, "http://127.0.0.1:1/cb/7?token=t");
    EXPECT_EQ(calls[0].body, R"({"n":7})");
    EXPECT_EQ(calls[0].timeout_ms, 1234);
    ASSERT_EQ(calls[0].headers.size(), 1u);
    EXPECT_EQ(calls[0].headers[0],
              (std::pair<std::string, std::string>{"Content-Type", "application/json"}));
}

TEST(CallbackDispatcherTest, RetriesWithExponentialBackoffUntilDelivered) {
    std::deque<Result<HttpAnswer>> script;
    script.emplace_back(HttpAnswer{503, ""});
    script.emplace_back(make_error(ErrorCode::kUnavailable, "http-failed", "refused"));
    ScriptedHttpClient client(std::move(script));
    Reports reports;
    CallbackDispatcher dispatcher(client, CallbackPolicy{.backoff_base_ms = 50},
                                  reports.reporter());
    ASSERT_TRUE(dispatcher.schedule(job(1), milliseconds(0)));
    const auto done = reports.wait_for(3);
    ASSERT_EQ(done.size(), 3u);
    EXPECT_EQ(done[0].attempt.status, 503);
    EXPECT_FALSE(done[0].attempt.final);
    EXPECT_FALSE(done[1].attempt.status.has_value());
    EXPECT_EQ(done[1].attempt.error, "refused");
    EXPECT_FALSE(done[1].attempt.final);
    EXPECT_TRUE(done[2].attempt.delivered);
    EXPECT_TRUE(done[2].attempt.final);
    EXPECT_EQ(done[2].n, 3);
    const auto times = client.times();
    EXPECT_GE(times[1] - times[0], milliseconds(50));
    EXPECT_GE(times[2] - times[1], milliseconds(100));
}

TEST(CallbackDispatcherTest, GivesUpAfterMaxRetries) {
    std::deque<Result<HttpAnswer>> script;
    for (int i = 0; i < 10; ++i) script.emplace_back(HttpAnswer{500, ""});
    ScriptedHttpClient client(std::move(script));
    Reports reports;
    CallbackDispatcher dispatcher(client, CallbackPolicy{.max_retries = 2, .backoff_base_ms = 5},
                                  reports.reporter());
    ASSERT_TRUE(dispatcher.schedule(job(1), milliseconds(0)));
    auto done = reports.wait_for(3);
    ASSERT_EQ(done.size(), 3u);
    EXPECT_TRUE(done[2].attempt.final);
    EXPECT_FALSE(done[2].attempt.delivered);
    done = reports.wait_for(4, milliseconds(200));
    EXPECT_EQ(done.size(), 3u);  // no fourth attempt
}

TEST(CallbackDispatcherTest, StopDropsQueuedJobsPromptly) {
    ScriptedHttpClient client;
    Reports reports;
    CallbackDispatcher dispatcher(client, CallbackPolicy{}, reports.reporter());
    ASSERT_TRUE(dispatcher.schedule(job(1), milliseconds(60'000)));
    const auto started = Clock::now();
    dispatcher.stop();
    EXPECT_LT(Clock::now() - started, milliseconds(500));
    EXPECT_TRUE(client.calls().empty());
    EXPECT_FALSE(dispatcher.schedule(job(2), milliseconds(0)));
}

TEST(CallbackDispatcherTest, BoundedQueue) {
    ScriptedHttpClient client;
    Reports reports;
    CallbackDispatcher dispatcher(client, CallbackPolicy{.max_pending = 2}, reports.reporter());
    EXPECT_TRUE(dispatcher.schedule(job(1), milliseconds(60'000)));
    EXPECT_TRUE(dispatcher.schedule(job(2), milliseconds(60'000)));
    EXPECT_FALSE(dispatcher.schedule(job(3), milliseconds(60'000)));
}

}  // namespace
}  // namespace restock::factory_sim
