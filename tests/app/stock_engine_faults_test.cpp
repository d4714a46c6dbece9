// StockEngine when the store fails: a failed group commit fails every submission in it and
// leaves the engine's memory exactly as the store has it.
#include <gtest/gtest.h>

#include <atomic>

#include "app/engine_fixture.h"

namespace restock::testing {
namespace {

using StockEngineFaultTest = EngineTest;

TEST_F(StockEngineFaultTest, FailedCommitFailsTheWholeBatchAndRollsBack) {
    create("A", 10, /*reorder_point=*/2);
    create("B", 5, /*reorder_point=*/2);
    const auto movements_before = store_.movements();
    const auto events_before = store_.events();

    begin_batch();
    faults_.fail_next_commits(1);
    std::vector<std::future<Outcome>> outcomes;
    outcomes.push_back(submit(checkout("o-1", {{"A", 10}})));  // would empty A
    outcomes.push_back(submit(checkout("o-2", {{"B", 9}})));   // refused: B empty
    outcomes.push_back(submit(new_product("C", 4)));           // would create C
    outcomes.push_back(submit(receipt("B", 3, "ship-1")));     // would book ship-1
    outcomes.push_back(submit(adjustment("A", -1)));           // would adjust A
    outcomes.push_back(submit(checkout("o-3", {{"A", 1}}), tag("k1", "fp-1")));
    ProductPatch rename;
    rename.name = "Renamed";
    outcomes.push_back(submit(patch("B", rename)));
    end_batch();

    for (auto& f : outcomes) expect_error(f.get(), ErrorCode::kUnavailable, "unavailable");
    EXPECT_EQ(engine_->stats().failed_batches, 1u);

    // The store has none of it...
    EXPECT_EQ(on_hand("A"), 10);
    EXPECT_EQ(on_hand("B"), 5);
    EXPECT_FALSE(store_.product("C"));
    EXPECT_EQ(store_.product("B")->name, "Product B");
    EXPECT_EQ(store_.movements().size(), movements_before.size() + 1);  // + the blocker's
    EXPECT_EQ(store_.events().size(), events_before.size());
    EXPECT_EQ(store_.idempotency_records(), 0u);
    EXPECT_EQ(store_.receipt_records(), 0u);

    // ...and neither does the engine: later commands see the old state.
    const auto taken = expect_outcome<CheckoutOutcome>(run(checkout("o-1", {{"A", 10}})));
    EXPECT_EQ(taken.lines[0].available, 0);
    EXPECT_EQ(taken.lines[0].movement_id, movements_before.back().id + 2);  // ids reused
    const auto c = expect_outcome<ProductOutcome>(run(new_product("C", 4)));
    EXPECT_EQ(c.product.id, 4);  // A, B, the blocker, C
    const auto booked = expect_outcome<MovementOutcome>(run(receipt("B", 3, "ship-1")));
    EXPECT_FALSE(booked.replayed);
    expect_outcome<CheckoutRefused>(run(checkout("o-4", {{"A", 1}}), tag("k1", "fp-2")));
    EXPECT_EQ(on_hand("B"), 8);

    // The outbox continues without a gap: A's empty is seq 1 again.
    const auto events = store_.events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].seq, 1);
    EXPECT_EQ(events[0].sku, "A");
    EXPECT_EQ(events[0].type, EventType::kStockEmpty);
}

TEST_F(StockEngineFaultTest, FailedCommitRestoresTheSignal) {
    create("A", 1, /*reorder_point=*/0);
    begin_batch();
    faults_.fail_next_commits(1);
    auto refused = submit(checkout("o-1", {{"A", 5}}));  // would say stock.short
    end_batch();
    expect_error(refused.get(), ErrorCode::kUnavailable);
    EXPECT_TRUE(store_.events().empty());
    // Had the signal stayed kShort in memory, this refusal would say nothing.
    expect_outcome<CheckoutRefused>(run(checkout("o-2", {{"A", 5}})));
    const auto events = store_.events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].type, EventType::kStockShort);
}

TEST_F(StockEngineFaultTest, ProductCreatedAndChangedInAFailedBatchIsForgotten) {
    begin_batch();
    faults_.fail_next_commits(1);
    auto created = submit(new_product("C", 5));
    auto sold = submit(checkout("o-1", {{"C", 2}}));
    auto restocked = submit(receipt("C", 1, "r"));
    end_batch();
    for (auto* f : {&created, &sold, &restocked}) expect_error(f->get(), ErrorCode::kUnavailable);
    expect_error(run(checkout("o-2", {{"C", 1}})), ErrorCode::kUnprocessable, "unknown-sku");
    const auto again = expect_outcome<ProductOutcome>(run(new_product("C", 5)));
    EXPECT_EQ(again.product.on_hand, 5);
}

TEST_F(StockEngineFaultTest, IdempotentReplayInAFailedBatchFailsToo) {
    create("A", 10);
    expect_outcome<CheckoutOutcome>(run(checkout("o-1", {{"A", 1}}), tag("k1", "fp")));
    begin_batch();
    faults_.fail_next_commits(1);
    auto replay = submit(checkout("o-1", {{"A", 1}}), tag("k1", "fp"));
    auto fresh = submit(checkout("o-2", {{"A", 1}}));
    end_batch();
    expect_error(replay.get(), ErrorCode::kUnavailable);
    expect_error(fresh.get(), ErrorCode::kUnavailable);
    expect_outcome<StoredResponse>(run(checkout("o-1", {{"A", 1}}), tag("k1", "fp")));
    EXPECT_EQ(on_hand("A"), 9);
}

TEST_F(StockEngineFaultTest, EngineRecoversAfterSeveralFailedCommits) {
    create("A", 10);
    faults_.fail_next_commits(3);
    for (int i = 0; i < 3; ++i) {
        expect_error(run(checkout("o-" + std::to_string(i), {{"A", 1}})), ErrorCode::kUnavailable);
    }
    expect_outcome<CheckoutOutcome>(run(checkout("o-x", {{"A", 1}})));
    EXPECT_EQ(on_hand("A"), 9);
    EXPECT_EQ(engine_->stats().failed_batches, 3u);
}

TEST_F(StockEngineFaultTest, RepeatedSkuIsRefusedBeforeItReachesTheStore) {
    // A checkout naming a sku twice passes the per-line stock check (2 <= 3 twice) but would
    // take on_hand to -1; the engine validates it itself, whoever the caller.
    create("A", 3);
    expect_error(run(checkout("o-1", {{"A", 2}, {"A", 2}})), ErrorCode::kInvalidArgument);
    EXPECT_EQ(on_hand("A"), 3);
    expect_outcome<CheckoutOutcome>(run(checkout("o-2", {{"A", 3}})));
}

TEST_F(StockEngineFaultTest, UnreadableIdempotencyRecordsAreUnavailable) {
    create("A", 10);
    faults_.fail_reads(true);
    const Error e = expect_error(run(checkout("o-1", {{"A", 1}}), tag("k1", "fp")),
                                 ErrorCode::kUnavailable, "unavailable");
    EXPECT_NE(e.message.find("idempotency"), std::string::npos) << e.message;
    // Without a key, no read is needed.
    expect_outcome<CheckoutOutcome>(run(checkout("o-2", {{"A", 1}})));
    faults_.fail_reads(false);
    // Nothing was stored for k1: it executes now.
    expect_outcome<CheckoutOutcome>(run(checkout("o-1", {{"A", 1}}), tag("k1", "fp")));
    EXPECT_EQ(on_hand("A"), 8);
}

TEST_F(StockEngineFaultTest, UnreadableReceiptsAreUnavailable) {
    create("A", 10);
    faults_.fail_reads(true);
    expect_error(run(receipt("A", 5, "ship-1")), ErrorCode::kUnavailable, "unavailable");
    faults_.fail_reads(false);
    expect_outcome<MovementOutcome>(run(receipt("A", 5, "ship-1")));
    EXPECT_EQ(on_hand("A"), 15);
}

TEST_F(StockEngineFaultTest, StartFailsWhenTheStoreCannotLoad) {
    stop();
    faults_.fail_load(true);
    auto engine = StockEngine::start(faults_, clock_);
    ASSERT_FALSE(engine.ok());
    EXPECT_EQ(engine.error().code, ErrorCode::kUnavailable);
    faults_.fail_load(false);
    start();
}

// A commit whose outcome is unknown (a connection lost during COMMIT) leaves the engine's
// memory unmatched to the store either way: the engine answers that batch "outcome unknown",
// refuses everything queued or sent after it, tells its owner once, and a new engine loaded
// from the store carries on from whatever the store really has.
class StockEngineStoreLostTest : public EngineTest {
  protected:
    void SetUp() override {
        EngineOptions options;
        options.on_store_lost = [this] { lost_calls_.fetch_add(1); };
        start(options);
    }
    std::atomic<int> lost_calls_{0};
};

TEST_F(StockEngineStoreLostTest, ALostCommitStopsTheEngineWhetherOrNotItWasApplied) {
    for (const bool applied : {true, false}) {
        SCOPED_TRACE(applied ? "applied" : "not applied");
        restart(EngineOptions{.on_store_lost = [this] { lost_calls_.fetch_add(1); }});
        lost_calls_ = 0;
        const std::string sku = applied ? "APPLIED" : "NOT-APPLIED";
        create(sku, 10);

        begin_batch();
        faults_.lose_next_commit(applied);
        auto first = submit(checkout("o-1", {{sku, 4}}));
        auto second = submit(checkout("o-2", {{sku, 1}}), tag("k-" + sku, "fp"));
        faults_.release_commits();
        // The blocker's commit is the one lost (it was first at the gate): its batch, which
        // holds nothing else, is answered outcome-unknown...
        // ...and the checkouts queued behind it are refused without being applied.
        expect_error(first.get(), ErrorCode::kUnavailable);
        expect_error(second.get(), ErrorCode::kUnavailable);
        ASSERT_TRUE(eventually([&] { return lost_calls_.load() == 1; }));
        EXPECT_TRUE(engine_->store_lost());
        // Later submissions are refused at once.
        expect_error(run(checkout("o-3", {{sku, 1}})), ErrorCode::kUnavailable);
        EXPECT_EQ(on_hand(sku), 10);

        // A fresh engine loads what the store has and goes on: the lost batch's product exists
        // for it exactly when the store has it.
        restart();
        EXPECT_EQ(store_.product(blocker_sku()).has_value(), applied);
        const Outcome again = run(new_product(blocker_sku(), 1, 0));
        if (applied) {
            expect_error(again, ErrorCode::kAlreadyExists, "product-exists");
        } else {
            expect_outcome<ProductOutcome>(again);
        }
        EXPECT_EQ(on_hand(sku), 10);
        const auto taken = expect_outcome<CheckoutOutcome>(run(checkout("o-1", {{sku, 4}})));
        EXPECT_EQ(taken.lines[0].available, 6);
        EXPECT_EQ(lost_calls_.load(), 1);
    }
}

TEST_F(StockEngineStoreLostTest, TheLostBatchIsAnsweredOutcomeUnknown) {
    create("A", 10);
    faults_.lose_next_commit(/*applied=*/true);
    const Error unknown =
        expect_error(run(checkout("o-1", {{"A", 4}})), ErrorCode::kStoreLost, "outcome-unknown");
    EXPECT_NE(unknown.message.find("COMMIT"), std::string::npos) << unknown.message;
    ASSERT_TRUE(eventually([&] { return lost_calls_.load() == 1; }));
    // It was applied: a new engine sees it, and a retry of the same order would be a new sale
    // (the client's Idempotency-Key is what makes such a retry safe).
    restart();
    EXPECT_EQ(on_hand("A"), 6);
    EXPECT_EQ(store_.movements().back().reference, "o-1");
}

}  // namespace
}  // namespace restock::testing
