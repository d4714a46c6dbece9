// EventLoop: edge-triggered readiness of a real socket pair, work posted from other threads,
// the tick, and objects released only after the batch of events that dropped them.
#include "adapters/http/event_loop.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace restock::http::testing {
namespace {

using namespace std::chrono_literals;

struct SocketPair {
    SocketPair() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0); }
    ~SocketPair() {
        ::close(fds[0]);
        ::close(fds[1]);
    }
    int fds[2] = {-1, -1};
};

std::unique_ptr<EventLoop> make_loop(std::chrono::milliseconds tick = 5ms) {
    auto loop = EventLoop::create(tick);
    EXPECT_TRUE(loop.ok());
    return std::move(loop.value());
}

// Runs a loop on its own thread for the length of a test.
class Running {
  public:
    explicit Running(
        EventLoop& loop, std::function<void()> on_tick = [] {})
        : loop_(loop), thread_([this, on_tick = std::move(on_tick)] { loop_.run(on_tick); }) {}
    ~Running() {
        loop_.stop();
        thread_.join();
    }

    // Runs `task` on the loop thread and waits for it.
    template <typename Task>
    auto on_loop(Task task) {
        std::promise<decltype(task())> done;
        auto result = done.get_future();
        loop_.post([&] {
            if constexpr (std::is_void_v<decltype(task())>) {
                task();
                done.set_value();
            } else {
                done.set_value(task());
            }
        });
        return result.get();
    }

  private:
    EventLoop& loop_;
    std::thread thread_;
};

// Counts the events it is given and what it read; reads until the socket is empty.
class Reader final : public EventLoop::Handler {
  public:
    explicit Reader(int fd) : fd_(fd) {}
    void on_event(uint32_t events) override {
        std::lock_guard lock(mutex_);
        ++events_seen_;
        if (!(events & EPOLLIN)) return;
        char buffer[256];
        ssize_t n = 0;
        while ((n = ::read(fd_, buffer, sizeof buffer)) > 0) {
            received_.append(buffer, static_cast<std::size_t>(n));
        }
    }
    std::string received() {
        std::lock_guard lock(mutex_);
        return received_;
    }
    int events_seen() {
        std::lock_guard lock(mutex_);
        return events_seen_;
    }

  private:
    const int fd_;
    std::mutex mutex_;
    std::string received_;
    int events_seen_ = 0;
};

template <typename Condition>
bool eventually(Condition condition) {
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < until) {
        if (condition()) return true;
        std::this_thread::sleep_for(1ms);
    }
    return condition();
}

TEST(EventLoopTest, ReportsBytesThatArriveOnAWatchedSocket) {
    SocketPair pair;
    auto loop = make_loop();
    Reader reader(pair.fds[0]);
    ASSERT_TRUE(loop->add(pair.fds[0], &reader, EPOLLIN | EPOLLRDHUP | EPOLLET));
    Running running(*loop);

    ASSERT_EQ(::write(pair.fds[1], "hello", 5), 5);
    ASSERT_TRUE(eventually([&] { return reader.received() == "hello"; }));
    // Edge-triggered: new bytes bring a new event, without re-arming.
    ASSERT_EQ(::write(pair.fds[1], " again", 6), 6);
    ASSERT_TRUE(eventually([&] { return reader.received() == "hello again"; }));
    EXPECT_GE(reader.events_seen(), 2);
}

TEST(EventLoopTest, ARemovedSocketReportsNothingMore) {
    SocketPair pair;
    auto loop = make_loop();
    Reader reader(pair.fds[0]);
    ASSERT_TRUE(loop->add(pair.fds[0], &reader, EPOLLIN | EPOLLET));
    Running running(*loop);
    ASSERT_EQ(::write(pair.fds[1], "a", 1), 1);
    ASSERT_TRUE(eventually([&] { return reader.received() == "a"; }));

    running.on_loop([&] { loop->remove(pair.fds[0]); });
    const int seen = reader.events_seen();
    ASSERT_EQ(::write(pair.fds[1], "b", 1), 1);
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(reader.events_seen(), seen);
    EXPECT_EQ(reader.received(), "a");
}

TEST(EventLoopTest, RunsPostedTasksOnItsThreadInOrder) {
    auto loop = make_loop();
    Running running(*loop);
    const std::thread::id loop_thread = running.on_loop([] { return std::this_thread::get_id(); });
    EXPECT_NE(loop_thread, std::this_thread::get_id());
    EXPECT_TRUE(running.on_loop([&] { return loop->in_loop_thread(); }));
    EXPECT_FALSE(loop->in_loop_thread());

    std::mutex mutex;
    std::vector<int> order;
    std::vector<std::thread> posters;
    for (int t = 0; t < 4; ++t) {
        posters.emplace_back([&, t] {
            for (int i = 0; i < 1000; ++i) {
                loop->post([&, t, i] {
                    std::lock_guard lock(mutex);
                    order.push_back(t * 1000 + i);
                });
            }
        });
    }
    for (auto& poster : posters) poster.join();
    ASSERT_TRUE(eventually([&] {
        std::lock_guard lock(mutex);
        return order.size() == 4000;
    }));
    // Each poster's tasks ran in the order it posted them.
    std::vector<int> last(4, -1);
    for (int value : order) {
        const int t = value / 1000;
        EXPECT_GT(value % 1000, last[t]);
        last[t] = value % 1000;
    }
}

TEST(EventLoopTest, TicksWhileIdle) {
    auto loop = make_loop(5ms);
    std::atomic<int> ticks{0};
    Running running(*loop, [&] { ticks.fetch_add(1); });
    EXPECT_TRUE(eventually([&] { return ticks.load() >= 3; }));
}

TEST(EventLoopTest, StopEndsRunFromAnotherThread) {
    auto loop = make_loop(1000ms);  // a long tick: stop must not wait for it
    std::thread thread([&] { loop->run([] {}); });
    std::this_thread::sleep_for(20ms);
    const auto asked = std::chrono::steady_clock::now();
    loop->stop();
    thread.join();
    EXPECT_LT(std::chrono::steady_clock::now() - asked, 500ms);
}

// A handler that drops its own last owner from inside on_event, as a closing session does.
class SelfReleasing final : public EventLoop::Handler {
  public:
    struct Record {
        std::atomic<bool> destroyed{false};
        std::atomic<bool> alive_after_release{false};
    };
    SelfReleasing(EventLoop& loop, std::shared_ptr<SelfReleasing>& owner, int fd, Record& record)
        : loop_(loop), owner_(owner), fd_(fd), record_(record) {}
    ~SelfReleasing() { record_.destroyed.store(true); }
    void on_event(uint32_t) override {
        loop_.remove(fd_);
        loop_.release_later(std::move(owner_));
        // Still alive here: the loop holds it until the batch is handled.
        record_.alive_after_release.store(!record_.destroyed.load());
    }

  private:
    EventLoop& loop_;
    std::shared_ptr<SelfReleasing>& owner_;
    const int fd_;
    SelfReleasing::Record& record_;
};

TEST(EventLoopTest, AReleasedHandlerLivesUntilItsBatchIsHandled) {
    SocketPair pair;
    auto loop = make_loop();
    SelfReleasing::Record record;
    std::shared_ptr<SelfReleasing> owner;
    owner = std::make_shared<SelfReleasing>(*loop, owner, pair.fds[0], record);
    ASSERT_TRUE(loop->add(pair.fds[0], owner.get(), EPOLLIN | EPOLLET));
    Running running(*loop);
    ASSERT_EQ(::write(pair.fds[1], "x", 1), 1);
    ASSERT_TRUE(eventually([&] { return record.destroyed.load(); }));
    EXPECT_TRUE(record.alive_after_release.load());
    EXPECT_EQ(owner, nullptr);
}

}  // namespace
}  // namespace restock::http::testing
