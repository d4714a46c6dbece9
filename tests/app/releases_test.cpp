// Releases in the engine (issue 16, item 9): an order puts back what its checkouts took, as
// release movements, never more than it took, and a repeat changes nothing; the order is found
// wherever the checkout index holds it (memory, a run being written, the store's complete runs),
// across restarts and failed commits.
#include <gtest/gtest.h>

#include "app/engine_fixture.h"

namespace restock::testing {
namespace {

class ReleasesTest : public EngineTest {
  protected:
    ReleaseRequest release(std::string order_id, std::vector<CheckoutLine> lines = {}) {
        return ReleaseRequest{std::move(order_id), std::move(lines)};
    }
    ReleaseOutcome released(std::string order_id, std::vector<CheckoutLine> lines = {}) {
        return expect_outcome<ReleaseOutcome>(run(release(std::move(order_id), std::move(lines))));
    }
    Error refused(std::string order_id, std::vector<CheckoutLine> lines = {}) {
        return expect_outcome<Error>(run(release(std::move(order_id), std::move(lines))));
    }
    void take(std::string order_id, std::vector<CheckoutLine> lines) {
        expect_outcome<CheckoutOutcome>(run(checkout(std::move(order_id), std::move(lines))));
    }
    std::vector<Movement> releases_of(const std::string& order_id) {
        std::vector<Movement> out;
        for (const auto& m : store_.movements()) {
            if (m.kind == MovementKind::kRelease && m.reference == order_id) out.push_back(m);
        }
        return out;
    }
    // Small runs and slices, so a few checkouts fill the index's runs.
    static EngineOptions small_runs() {
        EngineOptions options;
        options.checkout_run_entries = 4;
        options.checkout_slice_entries = 2;
        return options;
    }
};

TEST_F(ReleasesTest, AWholeOrderGoesBackOnceAndARepeatChangesNothing) {
    create("A", 10, 0);
    create("B", 5, 0);
    take("o-1", {{"B", 2}, {"A", 3}});
    const ReleaseOutcome first = released("o-1");
    ASSERT_EQ(first.lines.size(), 2u);
    EXPECT_EQ(first.lines[0].sku, "B");  // in the order taken
    EXPECT_EQ(first.lines[0].taken, 2);
    EXPECT_EQ(first.lines[0].released, 2);
    EXPECT_EQ(first.lines[0].released_now, 2);
    EXPECT_EQ(first.lines[0].available, 5);
    EXPECT_EQ(first.lines[1].sku, "A");
    EXPECT_EQ(first.lines[1].released_now, 3);
    EXPECT_EQ(on_hand("A"), 10);
    EXPECT_EQ(on_hand("B"), 5);
    const auto movements = releases_of("o-1");
    ASSERT_EQ(movements.size(), 2u);
    EXPECT_EQ(movements[0].delta + movements[1].delta, 5);
    EXPECT_EQ(movements[0].id, first.lines[0].movement_id);

    const ReleaseOutcome again = released("o-1");
    EXPECT_EQ(again.lines[0].released, 2);
    EXPECT_EQ(again.lines[0].released_now, 0);
    EXPECT_EQ(again.lines[0].movement_id, 0);
    EXPECT_EQ(again.lines[1].released_now, 0);
    EXPECT_EQ(on_hand("A"), 10);
    EXPECT_EQ(releases_of("o-1").size(), 2u);
}

TEST_F(ReleasesTest, LinesNameTheTotalThatShouldBeBack) {
    create("A", 10, 0);
    take("o-1", {{"A", 5}});
    EXPECT_EQ(released("o-1", {{"A", 2}}).lines[0].released_now, 2);
    EXPECT_EQ(released("o-1", {{"A", 2}}).lines[0].released_now, 0);  // the same return again
    const ReleaseOutcome second = released("o-1", {{"A", 4}});        // a second return
    EXPECT_EQ(second.lines[0].released_now, 2);
    EXPECT_EQ(second.lines[0].released, 4);
    EXPECT_EQ(released("o-1", {{"A", 1}}).lines[0].released_now, 0);  // a late, earlier one
    EXPECT_EQ(on_hand("A"), 9);

    const Error too_much = refused("o-1", {{"A", 6}});
    EXPECT_EQ(too_much.code, ErrorCode::kConflict);
    EXPECT_EQ(too_much.slug, "release-exceeds-order");
    EXPECT_EQ(on_hand("A"), 9);
    // The rest of the order, without lines: only what is still out.
    EXPECT_EQ(released("o-1").lines[0].released_now, 1);
    EXPECT_EQ(on_hand("A"), 10);
}

TEST_F(ReleasesTest, RefusalsNameTheProblemAndChangeNothing) {
    create("A", 10, 0);
    create("B", 1, 0);
    take("o-1", {{"A", 3}});
    const Error unknown = refused("o-none");
    EXPECT_EQ(unknown.code, ErrorCode::kNotFound);
    EXPECT_EQ(unknown.slug, "checkout-not-found");

    const Error stranger = refused("o-1", {{"A", 1}, {"B", 1}, {"ZZ", 1}});
    EXPECT_EQ(stranger.code, ErrorCode::kUnprocessable);
    EXPECT_EQ(stranger.slug, "sku-not-in-order");
    EXPECT_NE(stranger.message.find("'B', 'ZZ'"), std::string::npos) << stranger.message;
    EXPECT_EQ(on_hand("A"), 7);  // not even the good line went back

    // A checkout that was refused took nothing: there is nothing to release.
    expect_outcome<CheckoutRefused>(run(checkout("o-2", {{"B", 5}})));
    EXPECT_EQ(refused("o-2").slug, "checkout-not-found");

    EXPECT_EQ(refused("o-1", {{"A", 0}}).code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(refused("o-1", {{"A", 1}, {"A", 1}}).code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(refused("").code, ErrorCode::kInvalidArgument);
    EXPECT_TRUE(releases_of("o-1").empty());
}

TEST_F(ReleasesTest, StockThatComesBackRaisesItsEvents) {
    create("A", 5, /*reorder_point=*/2);
    take("o-1", {{"A", 5}});
    ASSERT_EQ(store_.events().back().type, EventType::kStockEmpty);
    released("o-1");
    const Event last = store_.events().back();
    EXPECT_EQ(last.type, EventType::kStockRestored);
    EXPECT_EQ(last.cause, "release");
    EXPECT_EQ(last.figures.available, 5);
}

TEST_F(ReleasesTest, ACheckoutAndItsReleaseInOneBatch) {
    create("A", 10, 0);
    begin_batch();
    auto taken = submit(checkout("o-1", {{"A", 4}}));
    auto back = submit(release("o-1", {{"A", 3}}));
    end_batch();
    expect_outcome<CheckoutOutcome>(taken.get());
    EXPECT_EQ(expect_outcome<ReleaseOutcome>(back.get()).lines[0].released_now, 3);
    EXPECT_EQ(on_hand("A"), 9);
    EXPECT_EQ(released("o-1").lines[0].released_now, 1);
}

TEST_F(ReleasesTest, OrdersAreFoundInEveryPartOfTheIndexAndAcrossRestarts) {
    restart(small_runs());
    create("A", 1000, 0);
    for (int i = 0; i < 30; ++i) take("o-" + std::to_string(i), {{"A", 1 + i % 3}});
    EXPECT_GE(store_.checkout_runs(), 3u);  // most of the orders are in runs on "disk"
    int64_t expected = 1000;
    for (int i = 0; i < 30; ++i) expected -= 1 + i % 3;
    EXPECT_EQ(on_hand("A"), expected);

    // Release every other order, restart (the tail comes back from the ledger), then the rest.
    for (int i = 0; i < 30; i += 2) {
        EXPECT_EQ(released("o-" + std::to_string(i)).lines.at(0).released_now, 1 + i % 3) << i;
    }
    restart(small_runs());
    for (int i = 0; i < 30; ++i) {
        const ReleaseOutcome o = released("o-" + std::to_string(i));
        ASSERT_EQ(o.lines.size(), 1u);
        EXPECT_EQ(o.lines[0].taken, 1 + i % 3) << i;
        EXPECT_EQ(o.lines[0].released_now, i % 2 == 0 ? 0 : 1 + i % 3) << i;
    }
    EXPECT_EQ(on_hand("A"), 1000);
    // And with the default run size, whose first run is far away: all in the tail.
    restart();
    EXPECT_EQ(released("o-7").lines.at(0).released, 1 + 7 % 3);
    EXPECT_EQ(refused("o-30").slug, "checkout-not-found");
}

TEST_F(ReleasesTest, AFailedCommitLosesNoPartOfTheIndex) {
    restart(small_runs());
    create("A", 1000, 0);
    for (int i = 0; i < 7; ++i) take("o-" + std::to_string(i), {{"A", 1}});
    // Every commit from here on may be writing slices: fail a few of them on the way.
    for (int i = 7; i < 20; ++i) {
        if (i % 4 == 0) {
            faults_.fail_next_commits(1);
            expect_outcome<Error>(run(checkout("o-" + std::to_string(i), {{"A", 1}})));
        }
        take("o-" + std::to_string(i), {{"A", 1}});
    }
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(released("o-" + std::to_string(i)).lines.at(0).released_now, 1) << i;
    }
    EXPECT_EQ(on_hand("A"), 1000);
    restart(small_runs());
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(released("o-" + std::to_string(i)).lines.at(0).released, 1) << i;
    }
}

TEST_F(ReleasesTest, AnUnreadableIndexIsUnavailableNotAnEmptyOrder) {
    create("A", 10, 0);
    take("o-1", {{"A", 2}});
    faults_.fail_reads(true);
    const Error error = refused("o-1");
    EXPECT_EQ(error.code, ErrorCode::kUnavailable);
    faults_.fail_reads(false);
    EXPECT_EQ(on_hand("A"), 8);
    EXPECT_EQ(released("o-1").lines.at(0).released_now, 2);
}

}  // namespace
}  // namespace restock::testing
