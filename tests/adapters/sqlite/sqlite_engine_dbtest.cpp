// The whole write path on a real file: StockEngine over SqliteStore, many threads, then reopen.
#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "adapters/sqlite/sqlite_test_support.h"
#include "app/engine_test_support.h"
#include "app/fault_injecting_store.h"

namespace restock::testing {
namespace {

class SqliteEngineTest : public ::testing::Test {
  protected:
    void SetUp() override { open(); }
    void TearDown() override { close(); }

    void open(EngineOptions options = {}) {
        store_ = open_store(path_);
        ASSERT_NE(store_, nullptr);
        faults_ = std::make_unique<FaultInjectingStore>(*store_);
        auto engine = StockEngine::start(*faults_, clock_, options);
        ASSERT_TRUE(engine.ok()) << engine.error().message;
        engine_ = std::move(engine.value());
        ensure_factory(*engine_);
    }
    void close() {
        engine_.reset();
        faults_.reset();
        store_.reset();
    }
    void reopen(EngineOptions options = {}) {
        close();
        open(options);
    }
    Outcome run(Command command, std::optional<IdempotencyTag> idempotency = std::nullopt) {
        return testing::run(*engine_, std::move(command), std::move(idempotency));
    }
    Product committed(const std::string& sku) {
        auto reader = open_reader(*store_);
        auto product = reader->product(sku);
        EXPECT_TRUE(product.ok() && product.value()) << sku;
        return product.ok() && product.value() ? *product.value() : Product{};
    }

    TempDir dir_;
    const std::string path_ = dir_.file("restock.db");
    FakeClock clock_;
    std::unique_ptr<sqlite::SqliteStore> store_;
    std::unique_ptr<FaultInjectingStore> faults_;
    std::unique_ptr<StockEngine> engine_;
};

TEST_F(SqliteEngineTest, TenThousandConcurrentCheckoutsAddUpAfterReopening) {
    constexpr int kThreads = 8;
    constexpr int kCheckoutsPerThread = 1250;  // 10,000 in all
    constexpr int kWindow = 64;                // outstanding submissions per thread
    constexpr int64_t kInitial = 3000;         // 5 skus x 3000 < ~15,000 units wanted
    const std::vector<std::string> skus = {"A", "B", "C", "D", "E"};
    for (const auto& sku : skus) {
        expect_outcome<ProductOutcome>(run(new_product(sku, kInitial, 10)));
    }

    std::vector<int64_t> accepted_units(kThreads, 0);
    std::vector<int64_t> accepted_orders(kThreads, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            std::mt19937 random(static_cast<unsigned>(100 + t));
            std::vector<std::pair<int64_t, std::future<Outcome>>> window;
            auto drain = [&] {
                for (auto& [qty, future] : window) {
                    Outcome outcome = future.get();
                    if (std::holds_alternative<CheckoutOutcome>(outcome)) {
                        accepted_units[t] += qty;
                        ++accepted_orders[t];
                    } else if (!std::holds_alternative<CheckoutRefused>(outcome)) {
                        ADD_FAILURE() << describe(outcome);
                    }
                }
                window.clear();
            };
            for (int i = 0; i < kCheckoutsPerThread; ++i) {
                const int64_t qty = 1 + static_cast<int64_t>(random() % 2);
                const std::string& sku = skus[random() % skus.size()];
                window.emplace_back(
                    qty, submit_async(*engine_,
                                      checkout("t" + std::to_string(t) + "-" + std::to_string(i),
                                               {{sku, qty}})));
                if (window.size() == kWindow) drain();
            }
            drain();
        });
    }
    for (auto& thread : threads) thread.join();
    const auto stats = engine_->stats();
    // ...and the two commands that registered the test's factory.
    EXPECT_EQ(stats.commands,
              static_cast<uint64_t>(2 + skus.size() + kThreads * kCheckoutsPerThread));
    EXPECT_EQ(stats.failed_batches, 0u);

    int64_t units = 0;
    int64_t orders = 0;
    for (int t = 0; t < kThreads; ++t) {
        units += accepted_units[t];
        orders += accepted_orders[t];
    }
    EXPECT_LE(units, kInitial * static_cast<int64_t>(skus.size()));

    reopen();
    auto snapshot = store_->load();
    ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
    int64_t on_hand = 0;
    for (const auto& product : snapshot->products) {
        EXPECT_GE(product.on_hand, 0) << product.sku;
        const int64_t sold = -query_integer(
            path_,
            "SELECT coalesce(sum(delta), 0) FROM movements WHERE kind = 1 AND product_id = " +
                std::to_string(product.id));
        EXPECT_EQ(product.on_hand, kInitial - sold) << product.sku;
        on_hand += product.on_hand;
    }
    EXPECT_EQ(on_hand, kInitial * static_cast<int64_t>(skus.size()) - units);
    EXPECT_EQ(query_integer(path_, "SELECT count(*) FROM movements WHERE kind = 1"), orders);
    EXPECT_EQ(query_integer(path_, "SELECT min(on_hand_after) >= 0 FROM movements"), 1);
    EXPECT_EQ(snapshot->last_movement_id,
              query_integer(path_, "SELECT count(*) FROM movements"));  // no gaps

    // The reopened engine carries on from the same state.
    const Product a = committed("A");
    expect_outcome<MovementOutcome>(run(receipt("A", 5, "after-reopen")));
    EXPECT_EQ(committed("A").on_hand, a.on_hand + 5);
}

TEST_F(SqliteEngineTest, EventsAreInTheOutboxInOrder) {
    expect_outcome<ProductOutcome>(run(new_product("A", 5, 2)));
    expect_outcome<CheckoutOutcome>(run(checkout("o-1", {{"A", 3}})));  // low
    expect_outcome<CheckoutOutcome>(run(checkout("o-2", {{"A", 2}})));  // empty
    expect_outcome<MovementOutcome>(run(receipt("A", 10, "r-1")));      // restored
    reopen();
    auto reader = open_reader(*store_);
    auto events = reader->events(0, 10, INT64_MAX);
    ASSERT_TRUE(events.ok());
    ASSERT_EQ(events->size(), 3u);
    const auto database_id = store_->load()->database_id;
    const std::vector<EventType> types = {EventType::kStockLow, EventType::kStockEmpty,
                                          EventType::kStockRestored};
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ((*events)[i].seq, static_cast<int64_t>(i + 1));
        EXPECT_EQ((*events)[i].type, types[i]);
        EXPECT_EQ((*events)[i].id, "evt_" + database_id + "_" + std::to_string(i + 1));
    }
}

TEST_F(SqliteEngineTest, IdempotencyAndReceiptsReplayAcrossReopening) {
    expect_outcome<ProductOutcome>(run(new_product("A", 5, 2)));
    const auto sold =
        expect_outcome<CheckoutOutcome>(run(checkout("o-1", {{"A", 1}}), tag("k", "fp")));
    const auto booked = expect_outcome<MovementOutcome>(run(receipt("A", 4, "ship-1")));
    reopen();
    const auto replay =
        expect_outcome<StoredResponse>(run(checkout("o-1", {{"A", 1}}), tag("k", "fp")));
    EXPECT_EQ(replay.body, "checkout:o-1:" + std::to_string(sold.lines[0].movement_id));
    expect_error(run(checkout("o-1", {{"A", 2}}), tag("k", "fp-2")), ErrorCode::kUnprocessable,
                 "idempotency-key-reuse");
    const auto again = expect_outcome<MovementOutcome>(run(receipt("A", 4, "ship-1")));
    EXPECT_TRUE(again.replayed);
    EXPECT_EQ(again.movement.id, booked.movement.id);
    EXPECT_EQ(committed("A").on_hand, 8);
}

TEST_F(SqliteEngineTest, ARepeatedSkuLeavesFileAndEngineUnchanged) {
    expect_outcome<ProductOutcome>(run(new_product("A", 3, 0)));
    // Bypassing the HTTP validation, a checkout naming A twice would pass the per-line stock
    // check and take on_hand to -1; the engine refuses it and writes nothing.
    expect_error(run(checkout("o-1", {{"A", 2}, {"A", 2}})), ErrorCode::kInvalidArgument);
    EXPECT_EQ(committed("A").on_hand, 3);
    expect_outcome<CheckoutOutcome>(run(checkout("o-2", {{"A", 3}})));
    EXPECT_EQ(committed("A").on_hand, 0);
    EXPECT_EQ(query_integer(path_, "SELECT count(*) FROM movements"), 2);
}

TEST_F(SqliteEngineTest, InjectedCommitFailureWritesNothing) {
    expect_outcome<ProductOutcome>(run(new_product("A", 3, 0)));
    faults_->fail_next_commits(1);
    expect_error(run(checkout("o-1", {{"A", 1}})), ErrorCode::kUnavailable);
    reopen();
    EXPECT_EQ(committed("A").on_hand, 3);
    expect_outcome<CheckoutOutcome>(run(checkout("o-1", {{"A", 3}})));
}

// Releases on a real file (issue 16, item 9): orders checked out concurrently, with ids in no
// order, are found through the checkout index's runs on disk, its tail, and across reopening.
TEST_F(SqliteEngineTest, ReleasesFindEveryOrderThroughTheIndexOnDisk) {
    EngineOptions small;
    small.checkout_run_entries = 64;
    small.checkout_slice_entries = 8;
    reopen(small);
    ASSERT_TRUE(std::holds_alternative<ProductOutcome>(run(new_product("A", 100'000, 0))));
    ASSERT_TRUE(std::holds_alternative<ProductOutcome>(run(new_product("B", 100'000, 0))));
    constexpr int kOrders = 1'000;
    std::mt19937_64 random(7);
    std::vector<std::string> ids;
    for (int i = 0; i < kOrders; ++i) ids.push_back("o-" + std::to_string(random()));
    // In waves of 20 at once: many group commits, each writing slices of the run that is due.
    for (int wave = 0; wave < kOrders; wave += 20) {
        std::vector<std::future<Outcome>> taken;
        for (int i = wave; i < wave + 20; ++i) {
            std::vector<CheckoutLine> lines = {{"A", 1 + i % 3}};
            if (i % 2 == 0) lines.push_back({"B", 2});
            taken.push_back(submit_async(*engine_, checkout(ids[i], lines)));
        }
        for (auto& f : taken) ASSERT_TRUE(std::holds_alternative<CheckoutOutcome>(f.get()));
    }
    EXPECT_GE(query_integer(path_, "SELECT count(*) FROM checkout_index_runs"), 10);

    // Half now, half after reopening (the tail is read back from the ledger).
    auto release_half = [&](int parity) {
        for (int i = parity; i < kOrders; i += 2) {
            const Outcome o = run(ReleaseRequest{ids[i], {}});
            const auto* released = std::get_if<ReleaseOutcome>(&o);
            ASSERT_NE(released, nullptr) << ids[i] << ": " << describe(o);
            ASSERT_EQ(released->lines.size(), i % 2 == 0 ? 2u : 1u) << ids[i];
            EXPECT_EQ(released->lines[0].released_now, 1 + i % 3) << ids[i];
        }
    };
    release_half(0);
    reopen(small);
    release_half(1);
    EXPECT_EQ(committed("A").on_hand, 100'000);
    EXPECT_EQ(committed("B").on_hand, 100'000);
    // Everything is back once: a second release of any of them gives nothing more.
    reopen();
    for (int i = 0; i < kOrders; i += 97) {
        const auto o = std::get<ReleaseOutcome>(run(ReleaseRequest{ids[i], {}}));
        EXPECT_EQ(o.lines[0].released_now, 0) << ids[i];
        EXPECT_EQ(o.lines[0].released, 1 + i % 3) << ids[i];
    }
}

}  // namespace
}  // namespace restock::testing
