// Reservations in the engine (issue 16, item 8): a hold moves stock from available into
// reserved, all or none; a checkout naming it takes exactly its lines; a release or the expiry
// gives it back, on time and across restarts; and the restock loop sees held stock as gone.
#include <gtest/gtest.h>

#include "app/engine_fixture.h"
#include "support/system_clock.h"

namespace restock::testing {
namespace {

constexpr int64_t kTtlMs = 60'000;

class ReservationsTest : public EngineTest {
  protected:
    NewReservation hold(std::string id, std::vector<CheckoutLine> lines, int64_t ttl = kTtlMs) {
        return NewReservation{std::move(id), std::move(lines), ttl};
    }
    Reservation reserve(std::string id, std::vector<CheckoutLine> lines, int64_t ttl = kTtlMs) {
        auto made = expect_outcome<ReservationOutcome>(run(hold(std::move(id), lines, ttl)));
        EXPECT_TRUE(made.created);
        return made.reservation;
    }
    CheckoutRequest take(std::string order_id, std::string reservation_id,
                         std::vector<CheckoutLine> lines = {}) {
        CheckoutRequest r;
        r.order_id = std::move(order_id);
        r.reservation_id = std::move(reservation_id);
        r.lines = std::move(lines);
        return r;
    }
    Product committed(const std::string& sku) { return *store_.product(sku); }
    std::vector<std::pair<EventType, std::string>> events(const std::string& sku) {
        std::vector<std::pair<EventType, std::string>> out;
        for (const auto& e : store_.events()) {
            if (e.sku == sku) out.emplace_back(e.type, e.cause);
        }
        return out;
    }
};

TEST_F(ReservationsTest, AHoldMovesStockFromAvailableIntoReservedAllOrNone) {
    create("A", 10, /*reorder_point=*/0);
    create("B", 2, /*reorder_point=*/0);
    const Reservation h = reserve("cart-1", {{"A", 4}, {"B", 2}});
    EXPECT_EQ(h.status, ReservationStatus::kHeld);
    EXPECT_EQ(h.expires_at_ms, clock_.now_ms() + kTtlMs);
    EXPECT_EQ(committed("A").reserved, 4);
    EXPECT_EQ(committed("A").on_hand, 10);  // nothing left the shelf
    EXPECT_EQ(committed("B").reserved, 2);

    // B has nothing available now: a second cart wanting some of it gets nothing at all.
    const auto refused = expect_outcome<CheckoutRefused>(run(hold("cart-2", {{"A", 1}, {"B", 1}})));
    EXPECT_TRUE(refused.reservation);
    ASSERT_EQ(refused.shortfalls.size(), 1u);
    EXPECT_EQ(refused.shortfalls[0].sku, "B");
    EXPECT_EQ(refused.shortfalls[0].available, 0);
    EXPECT_EQ(committed("A").reserved, 4);
    // Nor can a checkout without a reservation take reserved stock.
    expect_outcome<CheckoutRefused>(run(checkout("o-1", {{"B", 1}})));
    expect_outcome<CheckoutRefused>(run(checkout("o-2", {{"A", 7}})));
    expect_outcome<CheckoutOutcome>(run(checkout("o-3", {{"A", 6}})));
    EXPECT_EQ(committed("A").available(), 0);
}

TEST_F(ReservationsTest, HeldStockIsGoneFromAvailableForTheRestockLoop) {
    create("A", 10, /*reorder_point=*/4);
    reserve("cart-1", {{"A", 6}});  // available 4: at the reorder point
    EXPECT_EQ(events("A"),
              (std::vector<std::pair<EventType, std::string>>{{EventType::kStockLow, "reserved"}}));
    reserve("cart-2", {{"A", 4}});  // available 0
    EXPECT_EQ(events("A").back(), std::make_pair(EventType::kStockEmpty, std::string("reserved")));
    run(ReleaseReservation{"cart-2"});
    run(ReleaseReservation{"cart-1"});  // available 10: above the reorder point again
    EXPECT_EQ(events("A").back(),
              std::make_pair(EventType::kStockRestored, std::string("reservation-released")));
}

TEST_F(ReservationsTest, ACheckoutNamingTheHoldTakesExactlyItsLines) {
    create("A", 10, 0);
    create("B", 5, 0);
    reserve("cart-1", {{"A", 3}, {"B", 1}});
    // Other lines than the hold's: nothing taken.
    expect_error(run(take("o-1", "cart-1", {{"A", 4}, {"B", 1}})), ErrorCode::kUnprocessable,
                 "reservation-mismatch");
    expect_error(run(take("o-1", "cart-1", {{"A", 3}})), ErrorCode::kUnprocessable,
                 "reservation-mismatch");
    // The same lines (in any order), or none.
    const auto taken =
        expect_outcome<CheckoutOutcome>(run(take("o-1", "cart-1", {{"B", 1}, {"A", 3}})));
    ASSERT_EQ(taken.lines.size(), 2u);
    EXPECT_EQ(committed("A").on_hand, 7);
    EXPECT_EQ(committed("A").reserved, 0);
    EXPECT_EQ(committed("B").on_hand, 4);
    EXPECT_EQ(store_.movements().back().reference, "o-1");
    // Consumed: a second checkout with it takes nothing.
    const Error again =
        expect_error(run(take("o-2", "cart-1")), ErrorCode::kConflict, "reservation-closed");
    EXPECT_NE(again.message.find("o-1"), std::string::npos) << again.message;
    EXPECT_EQ(committed("A").on_hand, 7);
    expect_error(run(take("o-3", "nope")), ErrorCode::kUnprocessable, "unknown-reservation");

    reserve("cart-2", {{"A", 2}});
    expect_outcome<CheckoutOutcome>(run(take("o-4", "cart-2")));  // no lines: the hold's
    EXPECT_EQ(committed("A").on_hand, 5);
}

TEST_F(ReservationsTest, AReleaseGivesTheStockBackOnceAndAnsweringAgainIsHarmless) {
    create("A", 10, 0);
    reserve("cart-1", {{"A", 4}});
    const auto released = expect_outcome<ReservationOutcome>(run(ReleaseReservation{"cart-1"}));
    EXPECT_EQ(released.reservation.status, ReservationStatus::kReleased);
    EXPECT_EQ(committed("A").reserved, 0);
    const auto again = expect_outcome<ReservationOutcome>(run(ReleaseReservation{"cart-1"}));
    EXPECT_EQ(again.reservation.status, ReservationStatus::kReleased);
    EXPECT_EQ(committed("A").reserved, 0);
    expect_error(run(ReleaseReservation{"nope"}), ErrorCode::kNotFound, "reservation-not-found");
    // A released hold cannot be taken, and its id stays used.
    expect_error(run(take("o-1", "cart-1")), ErrorCode::kConflict, "reservation-closed");
    expect_error(run(hold("cart-1", {{"A", 1}})), ErrorCode::kAlreadyExists, "reservation-exists");
    // A consumed one cannot be released.
    reserve("cart-2", {{"A", 1}});
    expect_outcome<CheckoutOutcome>(run(take("o-2", "cart-2")));
    expect_error(run(ReleaseReservation{"cart-2"}), ErrorCode::kConflict, "reservation-closed");
    EXPECT_EQ(committed("A").on_hand, 9);
}

TEST_F(ReservationsTest, AnExpiredHoldGivesItsStockBackOnTime) {
    create("A", 10, 0);
    reserve("short", {{"A", 4}}, 5'000);
    reserve("long", {{"A", 3}}, 60'000);
    clock_.advance(5'000);
    // The next batch, whatever it is, sees the expiry first.
    expect_outcome<CheckoutOutcome>(run(checkout("o-1", {{"A", 7}})));
    EXPECT_EQ(committed("A").reserved, 3);
    EXPECT_EQ(committed("A").on_hand, 3);
    expect_error(run(take("o-2", "short")), ErrorCode::kConflict, "reservation-closed");
    expect_outcome<CheckoutOutcome>(run(take("o-3", "long")));
    EXPECT_EQ(committed("A").on_hand, 0);
}

TEST_F(ReservationsTest, TheEngineExpiresHoldsOnItsOwnWithoutTraffic) {
    stop();
    SystemClock real;  // this engine waits for the expiry itself
    auto engine = StockEngine::start(faults_, real);
    ASSERT_TRUE(engine.ok());
    ensure_factory(*engine.value());
    expect_outcome<ProductOutcome>(testing::run(*engine.value(), new_product("A", 5, 0)));
    expect_outcome<ReservationOutcome>(
        testing::run(*engine.value(), NewReservation{"cart", {{"A", 2}}, 1'000}));
    EXPECT_EQ(store_.product("A")->reserved, 2);
    EXPECT_TRUE(eventually([&] { return store_.product("A")->reserved == 0; }));
    engine.value().reset();
    start();
}

TEST_F(ReservationsTest, HoldsSurviveARestartAndExpireAfterIt) {
    create("A", 10, 0);
    reserve("cart-1", {{"A", 4}}, 10'000);
    reserve("cart-2", {{"A", 1}}, 30'000);
    restart();
    EXPECT_EQ(committed("A").reserved, 5);
    expect_outcome<CheckoutRefused>(run(checkout("o-1", {{"A", 6}})));
    clock_.advance(10'000);
    restart();  // expired while "down": given back at the first batch
    expect_outcome<CheckoutOutcome>(run(checkout("o-2", {{"A", 9}})));
    EXPECT_EQ(committed("A").reserved, 1);
    expect_outcome<CheckoutOutcome>(run(take("o-3", "cart-2")));
    EXPECT_EQ(committed("A").on_hand, 0);
}

TEST_F(ReservationsTest, AFailedBatchLeavesTheHoldsAsTheyWere) {
    create("A", 10, 0);
    reserve("cart-1", {{"A", 4}});
    begin_batch();
    faults_.fail_next_commits(1);
    auto made = submit(hold("cart-2", {{"A", 2}}));
    auto taken = submit(take("o-1", "cart-1"));
    end_batch();
    expect_error(made.get(), ErrorCode::kUnavailable);
    expect_error(taken.get(), ErrorCode::kUnavailable);
    EXPECT_EQ(committed("A").reserved, 4);
    // Both work now, as if the failed batch had never been.
    reserve("cart-2", {{"A", 2}});
    expect_outcome<CheckoutOutcome>(run(take("o-1", "cart-1")));
    EXPECT_EQ(committed("A").reserved, 2);
    EXPECT_EQ(committed("A").on_hand, 6);
}

TEST_F(ReservationsTest, BadHoldsAreRefused) {
    create("A", 10, 0);
    expect_error(run(hold("", {{"A", 1}})), ErrorCode::kInvalidArgument);
    expect_error(run(hold("c", {})), ErrorCode::kInvalidArgument);
    expect_error(run(hold("c", {{"A", 1}, {"A", 1}})), ErrorCode::kInvalidArgument);
    expect_error(run(hold("c", {{"A", 1}}, 0)), ErrorCode::kInvalidArgument);
    expect_error(run(hold("c", {{"nope", 1}})), ErrorCode::kUnprocessable, "unknown-sku");
    EXPECT_EQ(committed("A").reserved, 0);
}

}  // namespace
}  // namespace restock::testing
