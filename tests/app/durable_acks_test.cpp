// DurableAcks: no answer before the sync that covers it; answers in order; one sync for a
// group; answers do not hold up the next sync; a failed sync reaches the failure handler and
// answers nothing.
#include "app/durable_acks.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "app/engine_test_support.h"

namespace restock::testing {
namespace {

using namespace std::chrono_literals;

// A store whose sync() waits at a gate and can be told to fail.
class GatedSyncStore final : public StockStore {
  public:
    Result<EngineSnapshot> load() override { return EngineSnapshot{}; }
    Status write(const WriteBatch&) override { return ok_status(); }
    Result<std::unique_ptr<StockReader>> open_reader() override {
        return make_error(ErrorCode::kInternal, "internal", "not used");
    }
    bool shared() const override { return false; }
    Result<std::string> callback_secret() override { return std::string("not used"); }
    Result<int64_t> expire_idempotency(int64_t) override { return int64_t{0}; }
    Status sync() override {
        std::unique_lock lock(mutex_);
        ++syncs_in_progress_;
        changed_.notify_all();
        changed_.wait(lock, [this] { return open_; });
        --syncs_in_progress_;
        ++syncs_;
        last_sync_thread_ = std::this_thread::get_id();
        if (fail_) return make_error(ErrorCode::kInternal, "sync-failed", "disk on fire");
        return ok_status();
    }

    void open() {
        std::lock_guard lock(mutex_);
        open_ = true;
        changed_.notify_all();
    }
    void fail() {
        std::lock_guard lock(mutex_);
        fail_ = true;
    }
    bool wait_for_sync_in_progress() {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, 5s, [this] { return syncs_in_progress_ > 0; });
    }
    int syncs() const {
        std::lock_guard lock(mutex_);
        return syncs_;
    }
    std::thread::id last_sync_thread() const {
        std::lock_guard lock(mutex_);
        return last_sync_thread_;
    }

  private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool open_ = false;
    bool fail_ = false;
    int syncs_in_progress_ = 0;
    int syncs_ = 0;
    std::thread::id last_sync_thread_;
};

// One submission whose done() appends `tag` to `log`.
Submission recorder(std::mutex& mutex, std::vector<int>& log, int tag) {
    Submission s;
    s.done = [&mutex, &log, tag](Outcome) {
        std::lock_guard lock(mutex);
        log.push_back(tag);
    };
    return s;
}

std::deque<Submission> one(std::mutex& mutex, std::vector<int>& log, int tag) {
    std::deque<Submission> submissions;
    submissions.push_back(recorder(mutex, log, tag));
    return submissions;
}

std::vector<Outcome> done_outcome() { return {Done{"ok", 200}}; }

TEST(DurableAcksTest, NothingIsAnsweredBeforeTheSyncReturns) {
    GatedSyncStore store;
    std::mutex mutex;
    std::vector<int> log;
    {
        DurableAcks acks(store, DurableMarks{});
        acks.hand_over(one(mutex, log, 1), done_outcome(), /*wrote=*/true, {});
        ASSERT_TRUE(store.wait_for_sync_in_progress());
        std::this_thread::sleep_for(50ms);  // the sync is held: no answer may escape
        {
            std::lock_guard lock(mutex);
            EXPECT_TRUE(log.empty());
        }
        store.open();
    }  // the destructor drains
    EXPECT_EQ(log, std::vector<int>({1}));
}

TEST(DurableAcksTest, BatchesHandedOverDuringASyncShareTheNextOneAndKeepTheirOrder) {
    GatedSyncStore store;
    std::mutex mutex;
    std::vector<int> log;
    {
        DurableAcks acks(store, DurableMarks{});
        acks.hand_over(one(mutex, log, 1), done_outcome(), true, {});
        ASSERT_TRUE(store.wait_for_sync_in_progress());
        for (int tag = 2; tag <= 5; ++tag)
            acks.hand_over(one(mutex, log, tag), done_outcome(), true, {});
        store.open();
    }
    EXPECT_EQ(log, std::vector<int>({1, 2, 3, 4, 5}));
    EXPECT_EQ(store.syncs(), 2);  // one for batch 1, one covering batches 2..5
}

TEST(DurableAcksTest, SlowAnswersDoNotHoldUpTheNextSync) {
    GatedSyncStore store;
    store.open();
    std::mutex mutex;
    std::vector<int> log;
    std::mutex gate;
    gate.lock();  // batch 1's answer blocks here until released
    std::atomic<bool> answering{false};
    {
        DurableAcks acks(store, DurableMarks{});
        std::deque<Submission> first;
        Submission blocked;
        blocked.done = [&](Outcome) {
            answering = true;
            std::lock_guard wait(gate);
            std::lock_guard lock(mutex);
            log.push_back(1);
        };
        first.push_back(std::move(blocked));
        acks.hand_over(std::move(first), done_outcome(), true, {});
        ASSERT_TRUE(eventually([&] { return answering.load(); }));
        acks.hand_over(one(mutex, log, 2), done_outcome(), true, {});
        // Batch 2 is synced while batch 1's answer is still being sent...
        eventually([&] { return store.syncs() >= 2; });
        EXPECT_EQ(store.syncs(), 2);
        {
            std::lock_guard lock(mutex);
            EXPECT_TRUE(log.empty());  // ...but not answered before it
        }
        gate.unlock();
    }
    EXPECT_EQ(log, std::vector<int>({1, 2}));
}

TEST(DurableAcksTest, IsBusyFromHandOverUntilTheSyncEndsAndThenSaysSo) {
    GatedSyncStore store;
    std::mutex mutex;
    std::vector<int> log;
    std::atomic<int> idles{0};
    {
        DurableAcks acks(store, DurableMarks{}, nullptr, [&idles] { ++idles; });
        EXPECT_FALSE(acks.busy());
        acks.hand_over(one(mutex, log, 1), done_outcome(), true, {});
        EXPECT_TRUE(acks.busy());
        ASSERT_TRUE(store.wait_for_sync_in_progress());
        EXPECT_TRUE(acks.busy());
        EXPECT_EQ(idles.load(), 0);
        store.open();
        eventually([&] { return idles.load() > 0; });
        EXPECT_EQ(idles.load(), 1);
        EXPECT_FALSE(acks.busy());
    }
    EXPECT_EQ(log, std::vector<int>({1}));
}

TEST(DurableAcksTest, ASyncOnTheCallersThreadIsAnsweredAfterEverythingBefore) {
    GatedSyncStore store;
    store.open();
    std::mutex mutex;
    std::vector<int> log;
    {
        DurableAcks acks(store, DurableMarks{});
        acks.hand_over(one(mutex, log, 1), done_outcome(), true, {});
        eventually([&] { return !acks.busy(); });
        ASSERT_FALSE(acks.busy());
        acks.sync_here_and_hand_over(one(mutex, log, 2), done_outcome(), true, {});
        EXPECT_EQ(store.syncs(), 2);
        EXPECT_EQ(store.last_sync_thread(), std::this_thread::get_id());
    }
    EXPECT_EQ(log, std::vector<int>({1, 2}));
}

TEST(DurableAcksTest, BatchesThatWroteNothingNeedNoSync) {
    GatedSyncStore store;  // never opened: a sync would hang the test
    std::mutex mutex;
    std::vector<int> log;
    {
        DurableAcks acks(store, DurableMarks{});
        acks.hand_over(one(mutex, log, 1), done_outcome(), /*wrote=*/false, {});
    }
    EXPECT_EQ(log, std::vector<int>({1}));
    EXPECT_EQ(store.syncs(), 0);
}

TEST(DurableAcksTest, AFailedSyncGoesToTheHandlerAndAnswersNothing) {
    GatedSyncStore store;
    store.fail();
    store.open();
    std::mutex mutex;
    std::vector<int> log;
    std::atomic<bool> handled{false};
    std::mutex stuck;
    stuck.lock();  // the handler must not return: it waits here until the test ends
    auto acks = std::make_unique<DurableAcks>(store, DurableMarks{}, [&](const Error& error) {
        EXPECT_EQ(error.slug, "sync-failed");
        handled = true;
        std::lock_guard wait(stuck);  // never acquired while the test runs
    });
    acks->hand_over(one(mutex, log, 1), done_outcome(), true, {});
    EXPECT_TRUE(eventually([&] { return handled.load(); }));
    {
        std::lock_guard lock(mutex);
        EXPECT_TRUE(log.empty());
    }
    // Let the handler return only now, so the thread can finish; the answers that follow are
    // the test's own business (production aborts instead).
    stuck.unlock();
    acks.reset();
}

TEST(DurableAcksTest, MarksBecomeDurableAfterTheirSyncAndBeforeTheirAnswers) {
    GatedSyncStore store;
    std::vector<int64_t> seen_by_answer;
    std::mutex mutex;
    std::vector<int> log;
    {
        DurableAcks acks(store, DurableMarks{5, 7});
        EXPECT_EQ(acks.durable().event_seq, 5);
        EXPECT_EQ(acks.durable().movement_id, 7);
        std::deque<Submission> batch(1);
        batch[0].done = [&](Outcome) {
            std::lock_guard lock(mutex);
            seen_by_answer = {acks.durable().event_seq, acks.durable().movement_id};
        };
        acks.hand_over(std::move(batch), done_outcome(), true, DurableMarks{9, 12});
        ASSERT_TRUE(store.wait_for_sync_in_progress());
        EXPECT_EQ(acks.durable().event_seq, 5);  // written, not yet on disk
        EXPECT_EQ(acks.durable().movement_id, 7);
        store.open();
        eventually([&] {
            std::lock_guard lock(mutex);
            return !seen_by_answer.empty();
        });
        eventually([&] { return !acks.busy(); });  // sync_here_and_hand_over requires it
        EXPECT_EQ(acks.durable().event_seq, 9);
        EXPECT_EQ(acks.durable().movement_id, 12);

        // On the caller's thread too; and a batch whose write failed (it hands over the marks
        // it found) never moves them back.
        acks.sync_here_and_hand_over(one(mutex, log, 2), done_outcome(), true,
                                     DurableMarks{10, 20});
        EXPECT_EQ(acks.durable().event_seq, 10);
        EXPECT_EQ(acks.durable().movement_id, 20);
        acks.hand_over(one(mutex, log, 3), done_outcome(), false, DurableMarks{8, 15});
        eventually([&] { return !acks.busy(); });
        EXPECT_EQ(acks.durable().event_seq, 10);
        EXPECT_EQ(acks.durable().movement_id, 20);
    }
    EXPECT_EQ(seen_by_answer, std::vector<int64_t>({9, 12}));
    EXPECT_EQ(log, std::vector<int>({2, 3}));
}

// Like the engine: sync on the calling thread when nothing is in flight, else hand over. The
// syncer keeps finishing rounds while new batches arrive; no answer may overtake an earlier one,
// and a batch's answer must see the marks of its own sync.
TEST(DurableAcksTest, OrderAndMarksHoldWhileTheSyncerFinishesRoundsDuringHandOvers) {
    GatedSyncStore store;
    store.open();
    constexpr int kBatches = 4000;
    std::mutex mutex;
    std::vector<int> log;
    std::atomic<int> marks_behind{0};
    {
        DurableAcks acks(store, DurableMarks{});
        auto batch = [&](int i) {
            std::deque<Submission> submissions(1);
            submissions[0].done = [&, i](Outcome) {
                if (acks.durable().event_seq < i) ++marks_behind;
                std::lock_guard lock(mutex);
                log.push_back(i);
            };
            return submissions;
        };
        for (int i = 1; i <= kBatches; ++i) {
            if (acks.busy()) {
                acks.hand_over(batch(i), done_outcome(), true, DurableMarks{i, i});
            } else {
                acks.sync_here_and_hand_over(batch(i), done_outcome(), true, DurableMarks{i, i});
            }
        }
        eventually([&] { return !acks.busy(); });
        EXPECT_EQ(acks.durable().event_seq, kBatches);
    }
    EXPECT_EQ(marks_behind.load(), 0);
    ASSERT_EQ(log.size(), static_cast<std::size_t>(kBatches));
    for (int i = 0; i < kBatches; ++i) {
        if (log[i] != i + 1) {
            ADD_FAILURE() << "answer " << i << " was batch " << log[i];
            break;
        }
    }
}

}  // namespace
}  // namespace restock::testing
