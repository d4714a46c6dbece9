// StockEngine over an in-memory store: what each command does to stock, ledger and outbox.
#include <gtest/gtest.h>

#include "app/engine_fixture.h"
#include "core/limits.h"

namespace restock::testing {
namespace {

using StockEngineTest = EngineTest;

std::vector<EventType> types_of(const std::vector<Event>& events) {
    std::vector<EventType> types;
    for (const auto& e : events) types.push_back(e.type);
    return types;
}

// --- products ----------------------------------------------------------------------------------

TEST_F(StockEngineTest, CreateProductAssignsIdsAndBooksInitialStock) {
    const auto created = expect_outcome<ProductOutcome>(run(new_product("A", 10)));
    EXPECT_TRUE(created.created);
    EXPECT_EQ(created.product.id, 1);
    EXPECT_EQ(created.product.on_hand, 10);
    EXPECT_EQ(created.product.last_movement_id, 1);
    EXPECT_EQ(created.product.created_at_ms, clock_.now_ms());
    EXPECT_EQ(create("B", 5).id, 2);

    const auto stored = store_.product("A");
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->on_hand, 10);
    EXPECT_EQ(stored->name, "Product A");
    EXPECT_EQ(stored->settings.factory_id, "factory-1");

    const auto movements = store_.movements();
    ASSERT_EQ(movements.size(), 2u);
    EXPECT_EQ(movements[0].kind, MovementKind::kInitial);
    EXPECT_EQ(movements[0].delta, 10);
    EXPECT_EQ(movements[0].on_hand_after, 10);
    EXPECT_EQ(movements[0].prev_id, 0);
    EXPECT_EQ(movements[0].product_id, 1);
    EXPECT_EQ(movements[0].at_ms, clock_.now_ms());
    EXPECT_TRUE(store_.events().empty());  // 10 and 5 are above the reorder point 2
}

TEST_F(StockEngineTest, AnsweredWritesAreWithinTheDurableMarks) {
    EXPECT_EQ(engine_->durable_marks().movement_id, 0);
    create("A", 3);                                                     // movement 1
    expect_outcome<CheckoutOutcome>(run(checkout("o-1", {{"A", 3}})));  // movement 2, an event
    const auto events = store_.events();
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(engine_->durable_marks().movement_id, 2);
    EXPECT_EQ(engine_->durable_marks().event_seq, events.back().seq);
    // A refused checkout writes no movement and leaves the movement mark where it was.
    expect_outcome<CheckoutRefused>(run(checkout("o-2", {{"A", 1}})));
    EXPECT_EQ(engine_->durable_marks().movement_id, 2);
    EXPECT_EQ(engine_->durable_marks().event_seq, store_.events().back().seq);
}

TEST_F(StockEngineTest, CreateWithoutStockBooksNoMovementAndIsEmpty) {
    create("A", 0);
    EXPECT_TRUE(store_.movements().empty());
    const auto events = store_.events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].type, EventType::kStockEmpty);
    EXPECT_EQ(events[0].cause, "created");
}

TEST_F(StockEngineTest, CreateAtTheReorderPointIsLow) {
    create("A", 2, /*reorder_point=*/2);
    ASSERT_EQ(store_.events().size(), 1u);
    EXPECT_EQ(store_.events()[0].type, EventType::kStockLow);
}

TEST_F(StockEngineTest, DuplicateSkuAlreadyExists) {
    create("A", 1);
    expect_error(run(new_product("A", 7)), ErrorCode::kAlreadyExists, "product-exists");
    EXPECT_EQ(on_hand("A"), 1);
}

TEST_F(StockEngineTest, PatchChangesSettingsButNeverStock) {
    create("A", 10);
    ProductPatch p;
    p.name = "Renamed";
    p.reorder_qty = 99;
    p.ad_id = std::optional<std::string>("ad-7");
    const auto patched = expect_outcome<ProductOutcome>(run(patch("A", p)));
    EXPECT_FALSE(patched.created);
    EXPECT_EQ(patched.product.name, "Renamed");
    EXPECT_EQ(patched.product.settings.reorder_qty, 99);
    EXPECT_EQ(patched.product.settings.ad_id, "ad-7");
    EXPECT_EQ(patched.product.on_hand, 10);
    EXPECT_EQ(store_.product("A")->name, "Renamed");
    EXPECT_EQ(store_.movements().size(), 1u);  // the initial stock only
}

TEST_F(StockEngineTest, PatchRaisingTheReorderPointCanMakeItLow) {
    create("A", 10);
    ProductPatch p;
    p.reorder_point = 10;
    expect_outcome<ProductOutcome>(run(patch("A", p)));
    const auto events = store_.events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].type, EventType::kStockLow);
    EXPECT_EQ(events[0].cause, "settings-changed");
}

TEST_F(StockEngineTest, PatchIsValidatedAsAWhole) {
    create("A", 10, /*reorder_point=*/5);
    ProductPatch p;
    p.order_up_to = std::optional<int64_t>(5);  // not above reorder_point
    expect_error(run(patch("A", p)), ErrorCode::kInvalidArgument, "invalid-request");
    EXPECT_FALSE(store_.product("A")->settings.order_up_to);
}

TEST_F(StockEngineTest, PatchUnknownProduct) {
    ProductPatch p;
    p.name = "x";
    expect_error(run(patch("nope", p)), ErrorCode::kNotFound, "product-not-found");
}

// --- checkout ----------------------------------------------------------------------------------

TEST_F(StockEngineTest, CheckoutTakesEveryLine) {
    create("A", 10);
    create("B", 4);
    const auto done = expect_outcome<CheckoutOutcome>(run(checkout("o-1", {{"A", 3}, {"B", 4}})));
    EXPECT_EQ(done.order_id, "o-1");
    ASSERT_EQ(done.lines.size(), 2u);
    EXPECT_EQ(done.lines[0].sku, "A");
    EXPECT_EQ(done.lines[0].qty, 3);
    EXPECT_EQ(done.lines[0].available, 7);
    EXPECT_EQ(done.lines[1].available, 0);
    EXPECT_EQ(done.lines[1].movement_id, done.lines[0].movement_id + 1);
    EXPECT_EQ(done.at_ms, clock_.now_ms());
    EXPECT_EQ(on_hand("A"), 7);
    EXPECT_EQ(on_hand("B"), 0);

    const auto movements = store_.movements();
    const Movement& a = movements.at(2);
    EXPECT_EQ(a.id, done.lines[0].movement_id);
    EXPECT_EQ(a.kind, MovementKind::kCheckout);
    EXPECT_EQ(a.delta, -3);
    EXPECT_EQ(a.on_hand_after, 7);
    EXPECT_EQ(a.reference, "o-1");
    EXPECT_EQ(a.prev_id, 1);  // A's initial stock
    EXPECT_EQ(store_.product("A")->last_movement_id, a.id);
}

TEST_F(StockEngineTest, CheckoutIsAllOrNothing) {
    create("A", 5, /*reorder_point=*/0);
    create("B", 1, /*reorder_point=*/0);
    const auto refused =
        expect_outcome<CheckoutRefused>(run(checkout("o-1", {{"A", 2}, {"B", 2}})));
    EXPECT_EQ(refused.order_id, "o-1");
    ASSERT_EQ(refused.shortfalls.size(), 1u);
    EXPECT_EQ(refused.shortfalls[0].sku, "B");
    EXPECT_EQ(refused.shortfalls[0].requested, 2);
    EXPECT_EQ(refused.shortfalls[0].available, 1);
    EXPECT_EQ(on_hand("A"), 5);
    EXPECT_EQ(on_hand("B"), 1);
    EXPECT_EQ(store_.movements().size(), 2u);  // initial stock only

    // The short line says stock.short (refused for lack of stock, 1 left); the other nothing.
    const auto events = store_.events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].sku, "B");
    EXPECT_EQ(events[0].type, EventType::kStockShort);
    EXPECT_EQ(events[0].cause, "refused-checkout");
}

TEST_F(StockEngineTest, RefusalsDoNotRepeatStockEmpty) {
    create("A", 1, /*reorder_point=*/0);
    for (int i = 0; i < 3; ++i) {
        expect_outcome<CheckoutRefused>(run(checkout("o-" + std::to_string(i), {{"A", 2}})));
    }
    EXPECT_EQ(store_.events().size(), 1u);
}

// Regression (issue 16, item 2): a checkout refused with 1 available said stock.empty (with
// available 1), and the sale of that last unit said it again. A storefront hiding products on
// stock.empty hid one that still had stock.
TEST_F(StockEngineTest, StockEmptyIsSaidOnceAndOnlyWhenNothingIsLeft) {
    create("A", 1, /*reorder_point=*/0);
    expect_outcome<CheckoutRefused>(run(checkout("o-1", {{"A", 2}})));
    expect_outcome<CheckoutOutcome>(run(checkout("o-2", {{"A", 1}})));
    const auto events = store_.events();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].type, EventType::kStockShort);
    EXPECT_EQ(events[0].figures.available, 1);
    EXPECT_EQ(events[0].cause, "refused-checkout");
    EXPECT_EQ(events[1].type, EventType::kStockEmpty);
    EXPECT_EQ(events[1].figures.available, 0);
    EXPECT_EQ(events[1].cause, "checkout");
}

TEST_F(StockEngineTest, CheckoutOfEverythingEmpties) {
    create("A", 3, /*reorder_point=*/1);
    expect_outcome<CheckoutOutcome>(run(checkout("o-1", {{"A", 3}})));
    EXPECT_EQ(on_hand("A"), 0);
    EXPECT_EQ(types_of(store_.events()), std::vector<EventType>{EventType::kStockEmpty});
    expect_outcome<CheckoutRefused>(run(checkout("o-2", {{"A", 1}})));
    EXPECT_EQ(store_.events().size(), 1u);  // already said
}

TEST_F(StockEngineTest, CheckoutWithAnUnknownSkuTakesNothing) {
    create("A", 5);
    const Error e = expect_error(run(checkout("o-1", {{"A", 1}, {"nope", 1}, {"gone", 1}})),
                                 ErrorCode::kUnprocessable, "unknown-sku");
    EXPECT_NE(e.message.find("'nope', 'gone'"), std::string::npos) << e.message;
    EXPECT_EQ(on_hand("A"), 5);
}

// --- receipts ----------------------------------------------------------------------------------

TEST_F(StockEngineTest, ReceiptAddsStock) {
    create("A", 1, /*reorder_point=*/2);  // low on creation
    const auto booked = expect_outcome<MovementOutcome>(run(receipt("A", 10, "ship-1")));
    EXPECT_FALSE(booked.replayed);
    EXPECT_EQ(booked.movement.kind, MovementKind::kReceipt);
    EXPECT_EQ(booked.movement.delta, 10);
    EXPECT_EQ(booked.movement.on_hand_after, 11);
    EXPECT_EQ(booked.movement.reference, "ship-1");
    EXPECT_EQ(booked.product.on_hand, 11);
    EXPECT_EQ(on_hand("A"), 11);
    EXPECT_EQ(store_.receipt_records(), 1u);
    const auto events = store_.events();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[1].type, EventType::kStockRestored);
    EXPECT_EQ(events[1].cause, "receipt");
}

TEST_F(StockEngineTest, ReceiptIsReplayedByReference) {
    create("A", 1);
    const auto first = expect_outcome<MovementOutcome>(run(receipt("A", 10, "ship-1")));
    const auto again = expect_outcome<MovementOutcome>(run(receipt("A", 10, "ship-1")));
    EXPECT_TRUE(again.replayed);
    EXPECT_EQ(again.movement.id, first.movement.id);
    EXPECT_EQ(again.movement.delta, 10);
    EXPECT_EQ(again.product.on_hand, 11);
    EXPECT_EQ(on_hand("A"), 11);
    EXPECT_EQ(store_.movements().size(), 2u);
}

TEST_F(StockEngineTest, ReceiptReferenceWithAnotherQtyIsAConflict) {
    create("A", 1);
    expect_outcome<MovementOutcome>(run(receipt("A", 10, "ship-1")));
    const Error e =
        expect_error(run(receipt("A", 9, "ship-1")), ErrorCode::kConflict, "duplicate-reference");
    EXPECT_NE(e.message.find("qty 10"), std::string::npos) << e.message;
    EXPECT_EQ(on_hand("A"), 11);
}

TEST_F(StockEngineTest, ReceiptReferencesArePerProduct) {
    create("A", 1);
    create("B", 1);
    expect_outcome<MovementOutcome>(run(receipt("A", 10, "ship-1")));
    const auto b = expect_outcome<MovementOutcome>(run(receipt("B", 10, "ship-1")));
    EXPECT_FALSE(b.replayed);
    EXPECT_EQ(on_hand("B"), 11);
}

TEST_F(StockEngineTest, ReceiptReplaySurvivesARestart) {
    create("A", 1);
    const auto first = expect_outcome<MovementOutcome>(run(receipt("A", 10, "ship-1")));
    restart();
    const auto again = expect_outcome<MovementOutcome>(run(receipt("A", 10, "ship-1")));
    EXPECT_TRUE(again.replayed);
    EXPECT_EQ(again.movement.id, first.movement.id);
    EXPECT_EQ(on_hand("A"), 11);
}

TEST_F(StockEngineTest, ReceiptBeyondTheQuantityLimit) {
    create("A", limits::kMaxQuantity - 1);
    expect_error(run(receipt("A", 2, "ship-1")), ErrorCode::kConflict, "stock-limit");
    expect_outcome<MovementOutcome>(run(receipt("A", 1, "ship-2")));
    EXPECT_EQ(on_hand("A"), limits::kMaxQuantity);
}

TEST_F(StockEngineTest, ReceiptForUnknownProduct) {
    expect_error(run(receipt("nope", 1, "r")), ErrorCode::kNotFound, "product-not-found");
}

// --- adjustments -------------------------------------------------------------------------------

TEST_F(StockEngineTest, AdjustmentMovesStockBothWays) {
    create("A", 10);
    const auto down = expect_outcome<MovementOutcome>(run(adjustment("A", -4, "breakage")));
    EXPECT_EQ(down.movement.kind, MovementKind::kAdjustment);
    EXPECT_EQ(down.movement.delta, -4);
    EXPECT_EQ(down.movement.reference, "breakage");
    EXPECT_EQ(down.product.on_hand, 6);
    expect_outcome<MovementOutcome>(run(adjustment("A", 3, "found")));
    EXPECT_EQ(on_hand("A"), 9);
}

TEST_F(StockEngineTest, AdjustmentNeverTakesStockBelowZero) {
    create("A", 10);
    expect_error(run(adjustment("A", -11)), ErrorCode::kConflict, "negative-stock");
    EXPECT_EQ(on_hand("A"), 10);
    expect_outcome<MovementOutcome>(run(adjustment("A", -10)));
    EXPECT_EQ(on_hand("A"), 0);
}

TEST_F(StockEngineTest, AdjustmentForUnknownProduct) {
    expect_error(run(adjustment("nope", 1)), ErrorCode::kNotFound, "product-not-found");
}

// --- restart -----------------------------------------------------------------------------------

TEST_F(StockEngineTest, RestartContinuesIdsFromTheStore) {
    create("A", 3);
    expect_outcome<CheckoutOutcome>(run(checkout("o-1", {{"A", 3}})));  // empty: event 1
    restart();
    const Product b = create("B", 0);  // empty: event 2
    EXPECT_EQ(b.id, 2);
    const auto booked = expect_outcome<MovementOutcome>(run(receipt("A", 5, "r")));
    EXPECT_EQ(booked.movement.id, 3);
    EXPECT_EQ(booked.movement.prev_id, 2);
    const auto events = store_.events();
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[1].seq, 2);
    EXPECT_EQ(events[2].seq, 3);
    EXPECT_EQ(events[2].type, EventType::kStockRestored);
}

}  // namespace
}  // namespace restock::testing
