// StockEngine: idempotency, receipts replay, the outbox order, group commits and concurrency.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "app/engine_fixture.h"

namespace restock::testing {
namespace {

using StockEngineBatchTest = EngineTest;

// --- idempotency -------------------------------------------------------------------------------

TEST_F(StockEngineBatchTest, IdempotencyKeyReplaysTheFirstResponse) {
    create("A", 10);
    const auto first =
        expect_outcome<CheckoutOutcome>(run(checkout("o-1", {{"A", 2}}), tag("k1", "fp-1")));
    EXPECT_EQ(store_.idempotency_records(), 1u);

    const auto again =
        expect_outcome<StoredResponse>(run(checkout("o-1", {{"A", 2}}), tag("k1", "fp-1")));
    EXPECT_EQ(again.status, 200);
    EXPECT_EQ(again.body, "checkout:o-1:" + std::to_string(first.lines[0].movement_id));
    EXPECT_EQ(on_hand("A"), 8);  // taken once
    EXPECT_EQ(store_.idempotency_records(), 1u);
}

TEST_F(StockEngineBatchTest, IdempotencyKeyWithAnotherRequestIsRefused) {
    create("A", 10);
    expect_outcome<CheckoutOutcome>(run(checkout("o-1", {{"A", 2}}), tag("k1", "fp-1")));
    const Error e = expect_error(run(checkout("o-2", {{"A", 5}}), tag("k1", "fp-2")),
                                 ErrorCode::kUnprocessable, "idempotency-key-reuse");
    EXPECT_NE(e.message.find("'k1'"), std::string::npos) << e.message;
    EXPECT_EQ(on_hand("A"), 8);
}

TEST_F(StockEngineBatchTest, IdempotencyKeysAreScopedPerPrincipal) {
    create("A", 10);
    expect_outcome<CheckoutOutcome>(run(checkout("o-1", {{"A", 2}}), tag("k1", "fp", "alice")));
    expect_outcome<CheckoutOutcome>(run(checkout("o-1", {{"A", 2}}), tag("k1", "fp", "bob")));
    EXPECT_EQ(on_hand("A"), 6);
    EXPECT_EQ(store_.idempotency_records(), 2u);
}

TEST_F(StockEngineBatchTest, IdempotencyStoresRefusalsAndErrorsToo) {
    create("A", 1);
    expect_outcome<CheckoutRefused>(run(checkout("o-1", {{"A", 2}}), tag("k1", "fp")));
    expect_outcome<MovementOutcome>(run(receipt("A", 10, "r-1")));
    // The first answer stands, even though the stock is there now.
    const auto again =
        expect_outcome<StoredResponse>(run(checkout("o-1", {{"A", 2}}), tag("k1", "fp")));
    EXPECT_EQ(again.status, 409);
    EXPECT_EQ(on_hand("A"), 11);

    expect_error(run(checkout("o-2", {{"nope", 1}}), tag("k2", "fp")), ErrorCode::kUnprocessable);
    const auto replayed =
        expect_outcome<StoredResponse>(run(checkout("o-2", {{"nope", 1}}), tag("k2", "fp")));
    EXPECT_EQ(replayed.body, "error:unknown-sku");
}

TEST_F(StockEngineBatchTest, IdempotencyReplaySurvivesARestart) {
    create("A", 10);
    expect_outcome<CheckoutOutcome>(run(checkout("o-1", {{"A", 2}}), tag("k1", "fp")));
    restart();
    expect_outcome<StoredResponse>(run(checkout("o-1", {{"A", 2}}), tag("k1", "fp")));
    EXPECT_EQ(on_hand("A"), 8);
}

TEST_F(StockEngineBatchTest, IdempotencyWithinOneBatch) {
    create("A", 10);
    begin_batch();
    auto first = submit(checkout("o-1", {{"A", 2}}), tag("k1", "fp-1"));
    auto repeat = submit(checkout("o-1", {{"A", 2}}), tag("k1", "fp-1"));
    auto other = submit(checkout("o-9", {{"A", 1}}), tag("k1", "fp-2"));
    auto fresh = submit(checkout("o-2", {{"A", 1}}), tag("k2", "fp-1"));
    end_batch();

    const auto taken = expect_outcome<CheckoutOutcome>(first.get());
    const auto replay = expect_outcome<StoredResponse>(repeat.get());
    EXPECT_EQ(replay.status, 200);
    EXPECT_EQ(replay.body, "checkout:o-1:" + std::to_string(taken.lines[0].movement_id));
    expect_error(other.get(), ErrorCode::kUnprocessable, "idempotency-key-reuse");
    expect_outcome<CheckoutOutcome>(fresh.get());
    EXPECT_EQ(on_hand("A"), 7);
    EXPECT_EQ(store_.idempotency_records(), 2u);

    // All four went through one commit, after the blocker's.
    const auto batches = faults_.batches();
    ASSERT_GE(batches.size(), 2u);
    EXPECT_EQ(batches.back().idempotency, 2u);
    EXPECT_EQ(batches.back().movements, 2u);
}

TEST_F(StockEngineBatchTest, ReceiptReplayWithinOneBatch) {
    create("A", 0);
    begin_batch();
    auto first = submit(receipt("A", 5, "ship-1"));
    auto repeat = submit(receipt("A", 5, "ship-1"));
    auto conflict = submit(receipt("A", 6, "ship-1"));
    end_batch();
    const auto booked = expect_outcome<MovementOutcome>(first.get());
    const auto replay = expect_outcome<MovementOutcome>(repeat.get());
    EXPECT_FALSE(booked.replayed);
    EXPECT_TRUE(replay.replayed);
    EXPECT_EQ(replay.movement.id, booked.movement.id);
    expect_error(conflict.get(), ErrorCode::kConflict, "duplicate-reference");
    EXPECT_EQ(on_hand("A"), 5);
    EXPECT_EQ(store_.receipt_records(), 1u);
}

// --- the outbox --------------------------------------------------------------------------------

TEST_F(StockEngineBatchTest, EventsFollowTheStockInOrder) {
    create("A", 10, /*reorder_point=*/3);
    expect_outcome<CheckoutOutcome>(run(checkout("o-1", {{"A", 5}})));  // 5: nothing
    expect_outcome<CheckoutOutcome>(run(checkout("o-2", {{"A", 2}})));  // 3: low
    expect_outcome<CheckoutOutcome>(run(checkout("o-3", {{"A", 1}})));  // 2: still low
    expect_outcome<CheckoutOutcome>(run(checkout("o-4", {{"A", 2}})));  // 0: empty
    expect_outcome<CheckoutRefused>(run(checkout("o-5", {{"A", 1}})));  // refused: said already
    expect_outcome<MovementOutcome>(run(receipt("A", 2, "r-1")));       // 2: low, not restored
    expect_outcome<MovementOutcome>(run(adjustment("A", -2)));          // 0: empty again
    clock_.advance(1000);
    expect_outcome<MovementOutcome>(run(receipt("A", 20, "r-2")));  // 20: restored

    const auto events = store_.events();
    ASSERT_EQ(events.size(), 4u);
    const std::vector<std::pair<EventType, std::string>> expected = {
        {EventType::kStockLow, "checkout"},
        {EventType::kStockEmpty, "checkout"},
        {EventType::kStockEmpty, "adjustment"},
        {EventType::kStockRestored, "receipt"},
    };
    for (std::size_t i = 0; i < events.size(); ++i) {
        EXPECT_EQ(events[i].seq, static_cast<int64_t>(i + 1));
        EXPECT_EQ(events[i].id, "evt_fakedb_" + std::to_string(i + 1));
        EXPECT_EQ(events[i].type, expected[i].first) << i;
        EXPECT_EQ(events[i].cause, expected[i].second) << i;
        EXPECT_EQ(events[i].sku, "A");
    }
    EXPECT_EQ(events[0].figures.on_hand, 3);
    EXPECT_EQ(events[0].figures.available, 3);
    EXPECT_EQ(events[0].figures.position, 3);
    EXPECT_EQ(events[0].figures.reorder_point, 3);
    EXPECT_EQ(events[1].figures.on_hand, 0);
    EXPECT_EQ(events[3].figures.on_hand, 20);
    EXPECT_EQ(events[3].at_ms, events[2].at_ms + 1000);
}

TEST_F(StockEngineBatchTest, EventsWithinOneBatchKeepSubmissionOrder) {
    create("A", 5, 2);
    create("B", 5, 2);
    begin_batch();
    auto a = submit(checkout("o-1", {{"A", 5}}));     // A empty
    auto b = submit(checkout("o-2", {{"B", 3}}));     // B low
    auto both = submit(checkout("o-3", {{"B", 9}}));  // refused: B short (2 left)
    auto back = submit(receipt("A", 10, "r-1"));      // A restored
    end_batch();
    for (auto* f : {&a, &b, &back}) EXPECT_NE(f->get().index(), 0u);
    expect_outcome<CheckoutRefused>(both.get());
    const auto events = store_.events();
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(events[0].sku, "A");
    EXPECT_EQ(events[0].type, EventType::kStockEmpty);
    EXPECT_EQ(events[1].sku, "B");
    EXPECT_EQ(events[1].type, EventType::kStockLow);
    EXPECT_EQ(events[2].sku, "B");
    EXPECT_EQ(events[2].type, EventType::kStockShort);
    EXPECT_EQ(events[2].cause, "refused-checkout");
    EXPECT_EQ(events[3].type, EventType::kStockRestored);
    for (std::size_t i = 1; i < events.size(); ++i) EXPECT_EQ(events[i].seq, events[i - 1].seq + 1);
}

// --- group commit ------------------------------------------------------------------------------

TEST_F(StockEngineBatchTest, BatchesAreBoundedByMaxBatch) {
    restart(EngineOptions{/*max_batch=*/2, /*max_queue=*/100});
    create("A", 100);
    begin_batch();
    std::vector<std::future<Outcome>> pending;
    for (int i = 0; i < 5; ++i)
        pending.push_back(submit(checkout("o-" + std::to_string(i), {{"A", 1}})));
    end_batch();
    for (auto& f : pending) expect_outcome<CheckoutOutcome>(f.get());
    const auto batches = faults_.batches();
    std::size_t movements = 0;
    for (const auto& batch : batches) {
        EXPECT_LE(batch.movements, 2u);
        movements += batch.movements;
    }
    EXPECT_EQ(movements, 1u + 1u + 5u);  // A's initial, the blocker's initial, five checkouts
    EXPECT_EQ(on_hand("A"), 95);
}

TEST_F(StockEngineBatchTest, FullQueueAnswersUnavailableAtOnce) {
    restart(EngineOptions{/*max_batch=*/1024, /*max_queue=*/1});
    create("A", 10);
    begin_batch();
    auto queued = submit(checkout("o-1", {{"A", 1}}));
    auto refused = submit(checkout("o-2", {{"A", 1}}));
    ASSERT_EQ(refused.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    expect_error(refused.get(), ErrorCode::kUnavailable, "unavailable");
    end_batch();
    expect_outcome<CheckoutOutcome>(queued.get());
    EXPECT_EQ(on_hand("A"), 9);
}

TEST_F(StockEngineBatchTest, StoppingDrainsWhatWasSubmitted) {
    create("A", 1000);
    std::vector<std::future<Outcome>> pending;
    for (int i = 0; i < 200; ++i)
        pending.push_back(submit(checkout("o-" + std::to_string(i), {{"A", 1}})));
    engine_.reset();
    for (auto& f : pending) {
        ASSERT_EQ(f.wait_for(std::chrono::seconds(0)), std::future_status::ready);
        expect_outcome<CheckoutOutcome>(f.get());
    }
    EXPECT_EQ(on_hand("A"), 800);
}

TEST_F(StockEngineBatchTest, SubmissionsArrivingDuringASyncAreWrittenTogetherAfterIt) {
    create("A", 100);
    faults_.hold_syncs();
    auto first = submit(checkout("o-1", {{"A", 1}}));
    faults_.wait_until_sync_held();  // o-1 is written; its sync waits at the gate
    const std::size_t written = faults_.batches().size();
    std::vector<std::future<Outcome>> later;
    for (int i = 2; i <= 6; ++i)
        later.push_back(submit(checkout("o-" + std::to_string(i), {{"A", 1}})));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // ample time to write them
    EXPECT_EQ(faults_.batches().size(), written);  // but nothing is written while it syncs
    faults_.release_syncs();
    expect_outcome<CheckoutOutcome>(first.get());
    for (auto& f : later) expect_outcome<CheckoutOutcome>(f.get());
    const auto batches = faults_.batches();
    ASSERT_EQ(batches.size(), written + 1);
    EXPECT_EQ(batches.back().movements, 5u);  // o-2..o-6, one commit
    EXPECT_EQ(on_hand("A"), 94);
}

TEST_F(StockEngineBatchTest, AFullBatchIsWrittenWithoutWaitingForTheSync) {
    restart(EngineOptions{/*max_batch=*/3, /*max_queue=*/100});
    create("A", 100);
    faults_.hold_syncs();
    auto first = submit(checkout("o-1", {{"A", 1}}));
    faults_.wait_until_sync_held();
    const std::size_t written = faults_.batches().size();
    std::vector<std::future<Outcome>> later;
    for (int i = 2; i <= 4; ++i)
        later.push_back(submit(checkout("o-" + std::to_string(i), {{"A", 1}})));
    eventually([&] { return faults_.batches().size() > written; });
    EXPECT_EQ(faults_.batches().size(), written + 1);  // written while the sync is still held
    faults_.release_syncs();
    expect_outcome<CheckoutOutcome>(first.get());
    for (auto& f : later) expect_outcome<CheckoutOutcome>(f.get());
    EXPECT_EQ(on_hand("A"), 96);
}

// The engine with the convoy wait set to `window`, after one batch of 10 checkouts of "A"
// (stock 100), all answered: the next batch may wait for as many.
class GatheringTest : public EngineTest {
  protected:
    void start_after_a_batch_of_ten(std::chrono::microseconds window) {
        restart(EngineOptions{1024, 100'000, nullptr, GatherOptions{window, 8}});
        create("A", 100);
        begin_batch();
        std::vector<std::future<Outcome>> ten;
        for (int i = 1; i <= 10; ++i)
            ten.push_back(submit(checkout("a-" + std::to_string(i), {{"A", 1}})));
        end_batch();
        for (auto& f : ten) expect_outcome<CheckoutOutcome>(f.get());
        ASSERT_EQ(faults_.batches().back().movements, 10u);
    }
};

// Under load the clients of a large batch come back one after another: the next batch waits
// for as many as the last one had (within the window) and they share one commit and sync.
TEST_F(GatheringTest, AfterALargeBatchTheNextWaitsForTheConvoy) {
    start_after_a_batch_of_ten(std::chrono::seconds(30));
    const std::size_t written = faults_.batches().size();
    std::vector<std::future<Outcome>> convoy;
    convoy.push_back(submit(checkout("b-1", {{"A", 1}})));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // ample time to write it
    EXPECT_EQ(faults_.batches().size(), written);                 // but it waits for the rest
    for (int i = 2; i <= 10; ++i)
        convoy.push_back(submit(checkout("b-" + std::to_string(i), {{"A", 1}})));
    for (auto& f : convoy) expect_outcome<CheckoutOutcome>(f.get());
    const auto batches = faults_.batches();
    ASSERT_EQ(batches.size(), written + 1);
    EXPECT_EQ(batches.back().movements, 10u);  // b-1..b-10, one commit
    EXPECT_EQ(on_hand("A"), 80);
}

// A wait that runs out writes what came, and answers it.
TEST_F(GatheringTest, AWaitThatRunsOutWritesWhatCame) {
    start_after_a_batch_of_ten(std::chrono::milliseconds(20));
    const std::size_t written = faults_.batches().size();
    expect_outcome<CheckoutOutcome>(run(checkout("b-1", {{"A", 1}})));  // alone: nobody follows
    const auto batches = faults_.batches();
    ASSERT_EQ(batches.size(), written + 1);
    EXPECT_EQ(batches.back().movements, 1u);
    EXPECT_EQ(on_hand("A"), 89);
}

TEST_F(StockEngineBatchTest, StatsCountCommandsAndBatches) {
    const auto before = engine_->stats();  // the fixture registered its factory
    create("A", 10);
    expect_outcome<CheckoutOutcome>(run(checkout("o-1", {{"A", 1}})));
    const auto stats = engine_->stats();
    EXPECT_EQ(stats.commands - before.commands, 2u);
    EXPECT_EQ(stats.batches - before.batches, 2u);
    EXPECT_EQ(stats.failed_batches, 0u);
}

TEST_F(StockEngineBatchTest, StatsCountCheckoutsByResultOnceEach) {
    create("A", 10);
    expect_outcome<CheckoutOutcome>(run(checkout("o-1", {{"A", 3}})));
    expect_outcome<CheckoutRefused>(run(checkout("o-2", {{"A", 8}})));
    expect_error(run(checkout("o-3", {{"NOPE", 1}})), ErrorCode::kUnprocessable, "unknown-sku");
    // An idempotent replay answers again without counting again.
    const auto tagged = tag("k-1", "fp-1");
    expect_outcome<CheckoutOutcome>(run(checkout("o-4", {{"A", 2}}), tagged));
    run(checkout("o-4", {{"A", 2}}), tagged);
    // A checkout in a batch the store refuses did not happen.
    faults_.fail_next_commits(1);
    expect_error(run(checkout("o-5", {{"A", 1}})), ErrorCode::kUnavailable);
    const auto stats = engine_->stats();
    EXPECT_EQ(stats.checkouts_completed, 2u);
    EXPECT_EQ(stats.checkouts_insufficient, 1u);
    EXPECT_EQ(stats.checkouts_rejected, 1u);
    EXPECT_EQ(stats.checkout_units, 5u);
    // Every batch that wrote was timed, from its write to its sync.
    EXPECT_GE(stats.commit_latency.count, 4u);
    EXPECT_LE(stats.commit_latency.count, stats.batches);
    EXPECT_GT(stats.commit_latency.sum_seconds, 0.0);
}

// --- concurrency -------------------------------------------------------------------------------

TEST_F(StockEngineBatchTest, ConcurrentCheckoutsNeverOversell) {
    constexpr int kThreads = 8;
    constexpr int kOrdersPerThread = 300;
    const std::vector<std::string> skus = {"A", "B", "C", "D"};
    constexpr int64_t kInitial = 400;  // demand (~8*300*2*1.5/4 per sku) is well above supply
    for (const auto& sku : skus) create(sku, kInitial, 0);

    std::vector<std::map<std::string, int64_t>> taken(kThreads);
    std::vector<int> refusals(kThreads, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            std::mt19937 random(static_cast<unsigned>(t + 1));
            std::vector<std::pair<CheckoutRequest, std::future<Outcome>>> pending;
            for (int i = 0; i < kOrdersPerThread; ++i) {
                // Two distinct skus per order, 1..2 each.
                const std::size_t first = random() % skus.size();
                const std::size_t second = (first + 1 + random() % (skus.size() - 1)) % skus.size();
                CheckoutRequest request =
                    checkout("t" + std::to_string(t) + "-" + std::to_string(i),
                             {{skus[first], 1 + static_cast<int64_t>(random() % 2)},
                              {skus[second], 1 + static_cast<int64_t>(random() % 2)}});
                auto future = submit_async(*engine_, request);
                pending.emplace_back(std::move(request), std::move(future));
                if (pending.size() == 16 || i + 1 == kOrdersPerThread) {
                    for (auto& [sent, outcome] : pending) {
                        Outcome o = outcome.get();
                        if (std::holds_alternative<CheckoutOutcome>(o)) {
                            for (const auto& line : sent.lines) taken[t][line.sku] += line.qty;
                        } else if (std::holds_alternative<CheckoutRefused>(o)) {
                            ++refusals[t];
                        } else {
                            ADD_FAILURE() << describe(o);
                        }
                    }
                    pending.clear();
                }
            }
        });
    }
    for (auto& thread : threads) thread.join();

    int total_refusals = 0;
    for (int r : refusals) total_refusals += r;
    EXPECT_GT(total_refusals, 0) << "demand should exceed supply";

    std::map<int64_t, int64_t> ledger;  // product id -> sum of checkout deltas
    for (const auto& m : store_.movements()) {
        EXPECT_GE(m.on_hand_after, 0);
        if (m.kind == MovementKind::kCheckout) ledger[m.product_id] += m.delta;
    }
    for (const auto& sku : skus) {
        int64_t sold = 0;
        for (const auto& per_thread : taken) {
            auto it = per_thread.find(sku);
            if (it != per_thread.end()) sold += it->second;
        }
        const auto product = store_.product(sku);
        ASSERT_TRUE(product);
        EXPECT_GE(product->on_hand, 0) << sku;
        EXPECT_EQ(product->on_hand, kInitial - sold) << sku;
        EXPECT_EQ(-ledger[product->id], sold) << sku;
    }
}

}  // namespace
}  // namespace restock::testing
