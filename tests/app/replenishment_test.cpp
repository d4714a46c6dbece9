// Replenishment in the engine: day counters, the daily learning step on the engine's Clock,
// mode auto's effective settings, lost sales, lead times from receipts and the learned due
// time, persistence across a restart, a failed commit undoing a day's learning, and the daily
// step's parallel part learning the same whatever the number of threads.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "app/engine_fixture.h"
#include "json/json.h"

namespace restock::testing {
namespace {

constexpr int64_t kDay = 86'400'000;

class ReplenishmentTest : public EngineTest {
  protected:
    void SetUp() override {
        clock_.set(20'000 * kDay + 3'600'000);  // 01:00 on some day
        EngineTest::SetUp();
        run(GetGauges{});  // the first batch: today's counting starts
    }

    void create_auto(const std::string& sku, int64_t on_hand, double fill_rate = 0.95,
                     int64_t reorder_point = 5, int64_t reorder_qty = 10) {
        NewProduct p = new_product(sku, on_hand, reorder_point, reorder_qty);
        p.settings.replenishment = ReplenishmentMode::kAuto;
        p.settings.fill_rate = fill_rate;
        expect_outcome<ProductOutcome>(run(p));
    }
    // One checkout of `qty` (taken or refused) per day for `days` days, then the next day
    // begins (and with its first command the step learns the last one).
    void sell_daily(const std::string& sku, int64_t qty, int days) {
        for (int d = 0; d < days; ++d) {
            run(checkout("o-" + sku + "-" + std::to_string(orders_++), {{sku, qty}}));
            clock_.advance(kDay);
        }
        run(GetGauges{});
    }
    ReplenishmentOutcome report(const std::string& sku) {
        return expect_outcome<ReplenishmentOutcome>(run(GetReplenishment{sku}));
    }
    Product product(const std::string& sku) { return *store_.product(sku); }
    // A's order, placed from its stock.low message, accepted by the factory.
    RestockOrder acknowledged(const std::string& sku) {
        const auto got = expect_outcome<MessagesOutcome>(run(QueueReceive{kRestockOrdersQueue, 1}));
        EXPECT_EQ(got.messages.size(), 1u);
        const QueueMessage m = got.messages.front();
        const OrderOutcome placed =
            expect_outcome<OrderOutcome>(run(PlaceRestockOrder{sku, "evt", m.id}));
        expect_outcome<Done>(
            run(CompleteDispatch{placed.order->id, true, "", m.id, m.receive_count}));
        return *placed.order;
    }
    void receive_whole(const RestockOrder& order) {
        expect_outcome<Done>(run(AcceptCallback{order.id, order.sku, order.qty, "s1"}));
        const auto got = expect_outcome<MessagesOutcome>(run(QueueReceive{kStockReceiptsQueue, 1}));
        ASSERT_EQ(got.messages.size(), 1u);
        const QueueMessage& m = got.messages.front();
        expect_outcome<MovementOutcome>(
            run(ReceiveShipment{order.id, "s1", order.qty, m.id, m.receive_count}));
    }
    int64_t due_of(const std::string& order_id) {
        auto found = expect_outcome<OrdersOutcome>(run(GetRestockOrders{order_id, 1, ""}));
        return found.due_at_ms.front();
    }

    int orders_ = 0;
};

TEST_F(ReplenishmentTest, AutoKeepsTheGivenSettingsUntilLearnedThenFollowsThem) {
    create_auto("A", 1'000'000);
    sell_daily("A", 10, kMinLearningDays - 1);
    EXPECT_EQ(product("A").settings.reorder_point, 5);
    EXPECT_EQ(product("A").settings.reorder_qty, 10);
    EXPECT_FALSE(report("A").follows);

    sell_daily("A", 10, 1);
    const ReplenishmentOutcome r = report("A");
    EXPECT_TRUE(r.follows);
    EXPECT_EQ(r.learning.demand.days, kMinLearningDays);
    EXPECT_NEAR(r.demand.mean, 10, 1e-9);  // ten a day, every day
    EXPECT_NEAR(r.demand.variance, 0, 1e-9);
    // No receipts: the default lead time of 14 days, sd 25 % of it. Lead-time demand 140 with
    // sd 10 × 3.5 = 35, normal: the reorder point carries safety stock above 140.
    EXPECT_NEAR(r.policy.lead_demand_mean, 140, 1e-9);
    EXPECT_NEAR(r.policy.lead_demand_sd, 35, 1e-9);
    EXPECT_EQ(r.policy.distribution, LeadDemandDistribution::kNormal);
    EXPECT_GT(r.policy.reorder_point, 140);
    EXPECT_GT(r.policy.reorder_qty, r.policy.reorder_point);
    const Product a = product("A");  // the stored product shows the effective values
    EXPECT_EQ(a.settings.reorder_point, r.policy.reorder_point);
    EXPECT_EQ(a.settings.reorder_qty, r.policy.reorder_qty);
    EXPECT_EQ(r.learning.fixed_reorder_point, 5);  // the settings given are kept
    EXPECT_EQ(r.learning.fixed_reorder_qty, 10);
}

TEST_F(ReplenishmentTest, AHigherFillRateHoldsMoreStock) {
    create_auto("LOW", 1'000'000, 0.8);
    create_auto("HIGH", 1'000'000, 0.99);
    for (int d = 0; d < kMinLearningDays; ++d) {
        run(checkout("l" + std::to_string(d), {{"LOW", 10}}));
        run(checkout("h" + std::to_string(d), {{"HIGH", 10}}));
        clock_.advance(kDay);
    }
    run(GetGauges{});
    EXPECT_LT(product("LOW").settings.reorder_point, product("HIGH").settings.reorder_point);
}

TEST_F(ReplenishmentTest, RefusedCheckoutsAreLostDemandNotNoDemand) {
    create_auto("A", 0);
    sell_daily("A", 4, 3);  // every checkout refused: nothing on hand
    const ReplenishmentOutcome r = report("A");
    EXPECT_EQ(r.learning.demand.days, 3);
    EXPECT_EQ(r.learning.demand.censored_days, 0);
    EXPECT_NEAR(r.learning.demand.level, 4, 1e-9);
    // Checkouts reached it with nothing available: the storefront shows it out of stock, so
    // a day out of stock with no demand is a day without demand.
    EXPECT_EQ(r.learning.demand.empty_refusals, 3);
    clock_.advance(kDay);
    run(GetGauges{});
    EXPECT_EQ(report("A").learning.demand.censored_days, 0);
    EXPECT_NEAR(report("A").learning.demand.level, 3, 1e-9);  // the running mean of 4, 4, 4, 0
}

TEST_F(ReplenishmentTest, AStockedOutDayIsCensoredUntilACheckoutIsRefusedWithNothingLeft) {
    create_auto("B", 4);
    sell_daily("B", 4, 1);  // sold out, nothing refused
    clock_.advance(kDay);
    run(GetGauges{});
    ReplenishmentOutcome r = report("B");
    // The storefront may hide it out of stock: a day with no demand seen teaches nothing.
    EXPECT_EQ(r.learning.demand.empty_refusals, 0);
    EXPECT_EQ(r.learning.demand.censored_days, 1);
    EXPECT_NEAR(r.learning.demand.level, 4, 1e-9);
    // A refusal with something left but not enough does not show that either.
    expect_outcome<MovementOutcome>(run(adjustment("B", 2)));
    run(checkout("big", {{"B", 3}}));
    EXPECT_EQ(report("B").learning.demand.empty_refusals, 0);
}

TEST_F(ReplenishmentTest, TodaysCountsAreCheckoutsTakenAndRefused) {
    create_auto("A", 5);
    run(checkout("o1", {{"A", 3}}));
    run(checkout("o2", {{"A", 7}}));  // refused: 2 left
    const ReplenishmentOutcome r = report("A");
    EXPECT_EQ(r.sold_today, 3);
    EXPECT_EQ(r.lost_today, 7);
    // Both lines teach the size of a line (the undershoot's moments).
    EXPECT_EQ(r.learning.demand.lines, 2);
    EXPECT_DOUBLE_EQ(r.learning.demand.line_m1, 5);
    EXPECT_DOUBLE_EQ(r.learning.demand.line_m2, (9 + 49) / 2.0);
    EXPECT_DOUBLE_EQ(r.demand.undershoot.mean, (29 - 5) / 10.0);
}

TEST_F(ReplenishmentTest, LeavingAutoGoesBackToTheSettingsGiven) {
    create_auto("A", 1'000'000);
    sell_daily("A", 10, kMinLearningDays);
    ASSERT_NE(product("A").settings.reorder_point, 5);
    ProductPatch fixed;
    fixed.replenishment = ReplenishmentMode::kFixed;
    const Product back = expect_outcome<ProductOutcome>(run(patch("A", fixed))).product;
    EXPECT_EQ(back.settings.reorder_point, 5);
    EXPECT_EQ(back.settings.reorder_qty, 10);
    EXPECT_EQ(back.settings.fill_rate, 0);
    // And auto again: the learned ones at once (it is still learned).
    ProductPatch automatic;
    automatic.replenishment = ReplenishmentMode::kAuto;
    automatic.fill_rate = 0.95;
    const Product again = expect_outcome<ProductOutcome>(run(patch("A", automatic))).product;
    EXPECT_EQ(again.settings.reorder_point, report("A").policy.reorder_point);
}

TEST_F(ReplenishmentTest, APatchOfTheSettingsGivenHoldsOnceLearned) {
    create_auto("A", 1'000'000);
    sell_daily("A", 10, kMinLearningDays + 1);
    const Product learned = product("A");
    ASSERT_NE(learned.settings.reorder_point, 5);
    // The effective settings stay the learned ones; the ones given change, and are kept.
    ProductPatch p;
    p.reorder_point = 3;
    p.reorder_qty = 77;
    const Product patched = expect_outcome<ProductOutcome>(run(patch("A", p))).product;
    EXPECT_EQ(patched.settings.reorder_point, learned.settings.reorder_point);
    EXPECT_EQ(report("A").learning.fixed_reorder_point, 3);
    EXPECT_EQ(report("A").learning.fixed_reorder_qty, 77);
    restart();
    EXPECT_EQ(report("A").learning.fixed_reorder_qty, 77);
    // An order_up_to at or below the learned reorder point: the refusal names that one.
    ProductPatch up;
    up.order_up_to = learned.settings.reorder_point;
    EXPECT_EQ(
        expect_error(run(patch("A", up)), ErrorCode::kInvalidArgument, "invalid-request").message,
        "order_up_to must be greater than reorder_point (the reorder_point in effect is " +
            std::to_string(learned.settings.reorder_point) + ", learned in mode auto)");
    // Leaving auto with an order_up_to above the given reorder point (not the learned one).
    ProductPatch fixed;
    fixed.replenishment = ReplenishmentMode::kFixed;
    fixed.order_up_to = learned.settings.reorder_point;
    ASSERT_GT(*fixed.order_up_to, 3);
    const Product back = expect_outcome<ProductOutcome>(run(patch("A", fixed))).product;
    EXPECT_EQ(back.settings.reorder_point, 3);
    EXPECT_EQ(back.settings.reorder_qty, 77);
    EXPECT_EQ(back.settings.order_up_to, learned.settings.reorder_point);
}

TEST_F(ReplenishmentTest, APatchInAutoSetsTheSettingsGiven) {
    create_auto("A", 1'000'000);
    ProductPatch p;
    p.reorder_point = 7;
    p.reorder_qty = 30;
    run(patch("A", p));
    EXPECT_EQ(product("A").settings.reorder_point, 7);  // not learned yet: the given ones
    EXPECT_EQ(report("A").learning.fixed_reorder_qty, 30);
    ProductPatch bad;
    bad.replenishment = ReplenishmentMode::kAuto;
    bad.fill_rate = 0.2;
    expect_error(run(patch("A", bad)), ErrorCode::kInvalidArgument, "invalid-request");
}

TEST_F(ReplenishmentTest, LearnedFiguresSurviveARestart) {
    create_auto("A", 1'000'000);
    sell_daily("A", 10, kMinLearningDays + 2);
    const ReplenishmentOutcome before = report("A");
    restart();
    const ReplenishmentOutcome after = report("A");
    EXPECT_EQ(after.learning, before.learning);
    EXPECT_EQ(after.product.settings.reorder_point, before.product.settings.reorder_point);
    EXPECT_DOUBLE_EQ(after.product.settings.fill_rate, 0.95);
}

TEST_F(ReplenishmentTest, ARestartWithinTheDayKeepsTodaysCounts) {
    create_auto("A", 5);
    run(checkout("o1", {{"A", 3}}));
    run(checkout("o2", {{"A", 7}}));  // refused: 2 left
    const ProductLearning before = report("A").learning;
    restart();  // the engine saves what it counted as it stops
    run(GetGauges{});
    const ReplenishmentOutcome r = report("A");
    EXPECT_EQ(r.sold_today, 3);
    EXPECT_EQ(r.lost_today, 7);
    EXPECT_EQ(r.learning.demand.lines, 2);
    // The next day learns the whole day, as if the engine had never stopped.
    clock_.advance(kDay);
    run(GetGauges{});
    ProductLearning expected = before;
    observe_day(expected.demand, 3, 7, false);
    const ProductLearning after = report("A").learning;
    EXPECT_EQ(after.demand, expected.demand);
    EXPECT_EQ(report("A").sold_today, 0);
}

TEST_F(ReplenishmentTest, ARestartKeepsWhatAProductNotReplenishedCounted) {
    NewProduct none = new_product("N", 100, 5, 10);
    none.settings.replenishment = ReplenishmentMode::kNone;
    expect_outcome<ProductOutcome>(run(none));
    expect_outcome<ProductOutcome>(run(new_product("R", 100, 5, 10)));
    for (const std::string sku : {"N", "R"}) {
        run(checkout("a-" + sku, {{sku, 3}}));
        run(checkout("b-" + sku, {{sku, 4}}));
    }
    ProductPatch archive;
    archive.archived = true;
    run(patch("R", archive));
    const ReplenishmentOutcome n = report("N");
    const ReplenishmentOutcome r = report("R");
    ASSERT_EQ(n.learning.demand.lines, 2);
    restart();
    EXPECT_EQ(report("N").learning, n.learning);
    EXPECT_EQ(report("R").learning, r.learning);
    EXPECT_EQ(report("N").sold_today, 7);
}

TEST_F(ReplenishmentTest, CountsOfADayGoneByAreNotLearnedAfterARestart) {
    create_auto("A", 100);
    run(checkout("o1", {{"A", 3}}));
    const int64_t days = report("A").learning.demand.days;
    stop();
    clock_.advance(2 * kDay);  // down for the rest of the day and the next
    start();
    run(GetGauges{});
    const ReplenishmentOutcome r = report("A");
    EXPECT_EQ(r.sold_today, 0);
    EXPECT_EQ(r.learning.demand.days, days);  // days down are not learned, nor their part
}

TEST_F(ReplenishmentTest, AFailedCommitUndoesTheDaysLearning) {
    create_auto("A", 1'000'000);
    sell_daily("A", 10, 2);
    const ProductLearning before = report("A").learning;
    run(checkout("late", {{"A", 10}}));
    clock_.advance(kDay);
    faults_.fail_next_commits(1);
    expect_error(run(GetGauges{}), ErrorCode::kUnavailable, "unavailable");
    // Nothing learned from the failed batch: the next one learns the day once.
    const ReplenishmentOutcome r = report("A");
    EXPECT_EQ(r.learning.demand.days, before.demand.days + 1);
}

TEST_F(ReplenishmentTest, TheDueTimeIsTheLearnedLeadTimesQuantileOnceReceiptsExist) {
    expect_outcome<ProductOutcome>(run(new_product("A", 1, 5, 10)));
    const RestockOrder first = acknowledged("A");
    // Before receipts: the factory's lead time (the default, 14 days), whole days.
    EXPECT_EQ(due_of(first.id), first.created_at_ms + 14 * kDay);
    clock_.advance(3 * kDay);
    receive_whole(first);

    // The factory: prior 14 (sd 3.5) with weight 0.9 beside one receipt of 3 days; the product:
    // the factory's estimate as its prior, with weight 0.9, beside the same receipt.
    const double wf = 0.9;
    const double mf = (wf * 14 + 3) / (wf + 1);
    const double vf = (wf * (14 * 14 + 3.5 * 3.5) + 9) / (wf + 1) - mf * mf;
    const double mp = (wf * mf + 3) / (wf + 1);
    const double vp = (wf * (mf * mf + vf) + 9) / (wf + 1) - mp * mp;
    const double s2 = std::log(1 + vp / (mp * mp));
    const double q95 = std::exp(std::log(mp) - s2 / 2 + 1.6448536269514722 * std::sqrt(s2));

    run(checkout("drain", {{"A", 8}}));  // 11 - 8 = 3: low again
    const RestockOrder second = acknowledged("A");
    EXPECT_NEAR(static_cast<double>(due_of(second.id) - second.created_at_ms), q95 * kDay, 2.0);
    // One receipt far from the prior leaves a wide spread: the 95th percentile is past 14 days.
    EXPECT_NE(due_of(second.id) - second.created_at_ms, 14 * kDay);
    const int64_t due = due_of(second.id);
    const ReplenishmentOutcome r = report("A");
    EXPECT_EQ(r.lead.source, LeadTimeSource::kProduct);
    EXPECT_EQ(r.lead.receipts, 1);
    ASSERT_TRUE(r.due_days.has_value());
    EXPECT_NEAR(*r.due_days, q95, 1e-6);

    // Past it, the order is overdue; and it counts as a censored observation.
    clock_.advance(static_cast<int64_t>(q95 * kDay) + kDay);
    GetRestockOrders late;
    late.overdue = true;
    const auto overdue = expect_outcome<OrdersOutcome>(run(late));
    ASSERT_EQ(overdue.orders.size(), 1u);
    EXPECT_EQ(overdue.orders.front().id, second.id);
    const ReplenishmentOutcome waiting = report("A");
    EXPECT_EQ(waiting.lead.censored, 1);
    EXPECT_GT(waiting.lead.mean, r.lead.mean);
    // Once: in the product's own estimate, whose prior is the factory's from receipts alone
    // (the factory's estimate now counts the same order: it is the factory's only one).
    EXPECT_EQ(waiting.factory_lead.censored, 1);
    const std::vector<double> age{static_cast<double>(clock_.now_ms() - second.created_at_ms) /
                                  kDay};
    const LeadTimeEstimate once =
        estimate_lead_time(waiting.learning.lead, LeadTimePrior{r.factory_lead.mean, vf}, age,
                           LeadTimeSource::kProduct);
    EXPECT_EQ(r.factory_lead.censored, 0);
    EXPECT_NEAR(r.factory_lead.mean, mf, 1e-9);
    EXPECT_NEAR(waiting.lead.mean, once.mean, 1e-9);
    EXPECT_NEAR(waiting.lead.sd, once.sd, 1e-9);
    // Its own lateness does not postpone its own due time.
    EXPECT_EQ(due_of(second.id), due);
    EXPECT_NEAR(*waiting.due_days, q95, 1e-6);
}

// Many products in mode auto (more than one block of the daily step), with demand drawn from
// a seed, over enough days to learn: every product's settings and learning, and every event
// in order, from a fresh store and an engine with `threads` learning threads.
struct LearnedRun {
    std::vector<Product> products;
    std::vector<ProductLearning> learning;
    std::vector<Event> events;
};
LearnedRun learn_with(unsigned threads) {
    FakeStockStore store;
    FakeClock clock;
    clock.set(20'000 * kDay + 3'600'000);
    EngineOptions options;
    options.learning_threads = threads;
    auto started = StockEngine::start(store, clock, options);
    EXPECT_TRUE(started.ok());
    StockEngine& engine = *started.value();
    ensure_factory(engine);
    constexpr int kProducts = 700;
    for (int i = 0; i < kProducts; ++i) {
        NewProduct p = new_product("P" + std::to_string(i), 40 + i % 13, 3, 8);
        p.settings.replenishment =
            i % 5 == 0 ? ReplenishmentMode::kFixed : ReplenishmentMode::kAuto;
        p.settings.fill_rate = 0.9 + 0.01 * (i % 9);
        expect_outcome<ProductOutcome>(run(engine, p));
    }
    std::mt19937_64 random(7);
    int order = 0;
    for (int day = 0; day < kMinLearningDays + 6; ++day) {
        for (int i = 0; i < kProducts; ++i) {
            // Some sell most days, some rarely (intermittent), in lines of 1 to 4.
            if (random() % 100 >= static_cast<uint64_t>(i % 2 == 0 ? 70 : 15)) continue;
            const auto qty = static_cast<int64_t>(1 + random() % 4);
            run(engine, checkout("o" + std::to_string(order++), {{"P" + std::to_string(i), qty}}));
        }
        clock.advance(kDay);
    }
    run(engine, GetGauges{});  // the last day is learned
    LearnedRun out;
    for (int i = 0; i < kProducts; ++i) {
        const std::string sku = "P" + std::to_string(i);
        out.products.push_back(*store.product(sku));
        out.learning.push_back(
            expect_outcome<ReplenishmentOutcome>(run(engine, GetReplenishment{sku})).learning);
    }
    started.value().reset();
    out.events = store.events();
    return out;
}

TEST(ReplenishmentThreadsTest, TheDailyStepLearnsTheSameWhateverTheThreads) {
    const LearnedRun one = learn_with(1);
    const LearnedRun four = learn_with(4);
    ASSERT_EQ(one.products.size(), four.products.size());
    int followed = 0;
    for (std::size_t i = 0; i < one.products.size(); ++i) {
        const Product& a = one.products[i];
        const Product& b = four.products[i];
        EXPECT_EQ(a.settings.reorder_point, b.settings.reorder_point) << a.sku;
        EXPECT_EQ(a.settings.reorder_qty, b.settings.reorder_qty) << a.sku;
        EXPECT_EQ(a.updated_at_ms, b.updated_at_ms) << a.sku;
        EXPECT_EQ(one.learning[i], four.learning[i]) << a.sku;
        if (a.settings.reorder_point != 3 || a.settings.reorder_qty != 8) ++followed;
    }
    // The run is worth comparing: most products in mode auto moved off the settings given.
    EXPECT_GT(followed, 400);
    ASSERT_EQ(one.events.size(), four.events.size());
    for (std::size_t i = 0; i < one.events.size(); ++i) {
        EXPECT_EQ(one.events[i].type, four.events[i].type) << i;
        EXPECT_EQ(one.events[i].sku, four.events[i].sku) << i;
        EXPECT_EQ(one.events[i].cause, four.events[i].cause) << i;
    }
}

TEST_F(ReplenishmentTest, UnknownProduct) {
    expect_error(run(GetReplenishment{"NOPE"}), ErrorCode::kNotFound, "product-not-found");
}

}  // namespace
}  // namespace restock::testing
