// StockEngine::start_stepped: the engine without its thread, as `restock simulate` drives it.
#include <gtest/gtest.h>

#include "app/engine_test_support.h"
#include "app/fake_stock_store.h"
#include "app/fault_injecting_store.h"
#include "app/stock_engine.h"

namespace restock::testing {
namespace {

constexpr int64_t kDayMs = 86'400'000;

std::unique_ptr<StockEngine> stepped(StockStore& store, const Clock& clock) {
    auto engine = StockEngine::start_stepped(store, clock);
    EXPECT_TRUE(engine) << engine.error().message;
    return std::move(engine.value());
}

// Submits and returns the outcome, which a stepped engine gives before submit() returns.
Outcome apply_now(StockEngine& engine, Command command) {
    std::optional<Outcome> answer;
    Submission submission;
    submission.command = std::move(command);
    submission.done = [&answer](Outcome outcome) { answer = std::move(outcome); };
    engine.submit(std::move(submission));
    EXPECT_TRUE(answer.has_value()) << "a stepped engine answers within submit()";
    return answer.value_or(Outcome{Error{ErrorCode::kInternal, "", "no answer"}});
}

TEST(SteppedEngine, AnswersAtOnceAndWritesOnStep) {
    FakeStockStore store;
    FakeClock clock;
    auto engine = stepped(store, clock);
    const std::size_t commits = store.commits();
    ensure_factory(*engine);
    expect_outcome<ProductOutcome>(apply_now(*engine, new_product("A", 5)));
    const auto taken =
        expect_outcome<CheckoutOutcome>(apply_now(*engine, checkout("o1", {{"A", 2}})));
    EXPECT_EQ(taken.lines.at(0).available, 3);
    EXPECT_FALSE(store.product("A")) << "nothing is written before step()";
    EXPECT_EQ(store.commits(), commits);

    ASSERT_TRUE(engine->step());
    EXPECT_EQ(store.commits(), commits + 1);  // one batch for everything applied
    ASSERT_TRUE(store.product("A"));
    EXPECT_EQ(store.product("A")->on_hand, 3);
    ASSERT_TRUE(engine->step());  // nothing applied since: nothing written
    EXPECT_EQ(store.commits(), commits + 1);
    EXPECT_EQ(engine->stats().checkouts_completed, 1u);
}

TEST(SteppedEngine, ABatchHoldsOneInstantOfTheClock) {
    FakeStockStore store;
    FakeClock clock;
    auto engine = stepped(store, clock);
    ensure_factory(*engine);
    expect_outcome<ProductOutcome>(apply_now(*engine, new_product("A", 5, 0)));
    const int64_t first = clock.now_ms();
    expect_outcome<CheckoutOutcome>(apply_now(*engine, checkout("o1", {{"A", 1}})));
    const std::size_t commits = store.commits();
    clock.advance(kDayMs);
    // The clock moved: what was applied at the first instant is written before this runs.
    expect_outcome<CheckoutOutcome>(apply_now(*engine, checkout("o2", {{"A", 1}})));
    EXPECT_EQ(store.commits(), commits + 1);
    EXPECT_EQ(store.product("A")->on_hand, 4);
    ASSERT_TRUE(engine->step());
    EXPECT_EQ(store.commits(), commits + 2);
    std::vector<int64_t> times;
    for (const Movement& m : store.movements()) {
        if (m.kind == MovementKind::kCheckout) times.push_back(m.at_ms);
    }
    EXPECT_EQ(times, (std::vector<int64_t>{first, first + kDayMs}));
    EXPECT_EQ(store.product("A")->on_hand, 3);
}

TEST(SteppedEngine, AFailedWriteIsFinal) {
    FakeStockStore target;
    FaultInjectingStore store(target);
    FakeClock clock;
    auto engine = stepped(store, clock);
    ensure_factory(*engine);
    expect_outcome<ProductOutcome>(apply_now(*engine, new_product("A", 5)));
    store.fail_next_commits(1);
    EXPECT_FALSE(engine->step());
    EXPECT_TRUE(engine->store_lost());
    expect_error(apply_now(*engine, checkout("o1", {{"A", 1}})), ErrorCode::kUnavailable);
}

TEST(SteppedEngine, WritesWhatWasAppliedWhenDestroyed) {
    FakeStockStore store;
    FakeClock clock;
    {
        auto engine = stepped(store, clock);
        ensure_factory(*engine);
        expect_outcome<ProductOutcome>(apply_now(*engine, new_product("A", 5)));
    }
    ASSERT_TRUE(store.product("A"));
    EXPECT_EQ(store.product("A")->on_hand, 5);
}

}  // namespace
}  // namespace restock::testing
