// What a catalogue does over time, inside StockEngine: products that are never reordered
// (replenishment mode none), archived products, factories that must be registered, and restock
// orders that never arrive (overdue by their factory's lead time) found by the list's filters.
#include <gtest/gtest.h>

#include <algorithm>

#include "app/engine_fixture.h"

namespace restock::testing {
namespace {

constexpr int64_t kDayMs = 86'400'000;

class CatalogTest : public EngineTest {
  protected:
    Product get(const std::string& sku) {
        auto p = store_.product(sku);
        EXPECT_TRUE(p) << sku;
        return p ? *p : Product{};
    }
    std::vector<Event> events_of(EventType type, const std::string& sku) {
        std::vector<Event> out;
        for (const auto& e : store_.events()) {
            if (e.type == type && e.sku == sku) out.push_back(e);
        }
        return out;
    }
    ProductOutcome change(const std::string& sku, ProductPatch p) {
        return expect_outcome<ProductOutcome>(run(patch(sku, std::move(p))));
    }
    ProductOutcome archive(const std::string& sku) {
        ProductPatch p;
        p.archived = true;
        return change(sku, p);
    }
    ProductOutcome set_mode(const std::string& sku, ReplenishmentMode mode) {
        ProductPatch p;
        p.replenishment = mode;
        return change(sku, p);
    }
    std::vector<QueueMessage> receive(const std::string& queue) {
        return expect_outcome<MessagesOutcome>(run(QueueReceive{queue, 10})).messages;
    }
    // Every restock-orders message is handed to order-dispatch; what did it do?
    std::vector<OrderOutcome> dispatch_all() {
        std::vector<OrderOutcome> out;
        for (const auto& m : receive(kRestockOrdersQueue)) {
            const std::string sku = m.body.substr(m.body.find("\"sku\":\"") + 7);
            out.push_back(expect_outcome<OrderOutcome>(run(
                PlaceRestockOrder{sku.substr(0, sku.find('"')), "evt", m.id, m.receive_count})));
            expect_outcome<Done>(run(QueueAck{m.id, m.receive_count}));
        }
        return out;
    }
    OrdersOutcome list(GetRestockOrders request) {
        return expect_outcome<OrdersOutcome>(run(std::move(request)));
    }
    std::vector<std::string> ids(const OrdersOutcome& outcome) {
        std::vector<std::string> out;
        for (const auto& o : outcome.orders) out.push_back(o.id);
        return out;
    }
    // An order for the product, acknowledged by its factory.
    RestockOrder acknowledged(const std::string& sku) {
        create(sku, 1, 5);
        const auto placed = dispatch_all();
        EXPECT_EQ(placed.size(), 1u);
        if (placed.empty() || !placed.front().order) return {};
        const RestockOrder& order = *placed.front().order;
        expect_outcome<Done>(run(CompleteDispatch{order.id, true, "", 0, 0}));
        return list(GetRestockOrders{order.id, 1, ""}).orders.front();
    }
};

TEST_F(CatalogTest, ModeNoneRaisesEventsButNeverOrders) {
    NewProduct request = new_product("A", 10, 5);
    request.settings.replenishment = ReplenishmentMode::kNone;
    const Product created = expect_outcome<ProductOutcome>(run(request)).product;
    EXPECT_EQ(created.settings.replenishment, ReplenishmentMode::kNone);
    expect_outcome<CheckoutOutcome>(run(checkout("o1", {{"A", 6}})));  // low
    expect_outcome<CheckoutOutcome>(run(checkout("o2", {{"A", 4}})));  // empty
    EXPECT_EQ(events_of(EventType::kStockLow, "A").size(), 1u);
    EXPECT_EQ(events_of(EventType::kStockEmpty, "A").size(), 1u);
    const auto placed = dispatch_all();
    ASSERT_EQ(placed.size(), 2u);  // stock.low and stock.empty both reached the loop...
    for (const auto& outcome : placed) {
        EXPECT_FALSE(outcome.order);  // ...and neither placed an order
        EXPECT_NE(outcome.note.find("mode is none"), std::string::npos) << outcome.note;
    }
    EXPECT_EQ(get("A").on_order, 0);
    EXPECT_TRUE(list(GetRestockOrders{}).orders.empty());
    restart();
    EXPECT_EQ(get("A").settings.replenishment, ReplenishmentMode::kNone);  // it was stored
}

TEST_F(CatalogTest, ModeFixedAgainOrdersAProductThatWentLowMeanwhile) {
    create("A", 10, 5);
    set_mode("A", ReplenishmentMode::kNone);
    expect_outcome<CheckoutOutcome>(run(checkout("o1", {{"A", 7}})));
    ASSERT_TRUE(dispatch_all().front().order == std::nullopt);
    set_mode("A", ReplenishmentMode::kFixed);
    // Its stock.low was said already; without saying it again nothing would ever order it.
    const auto again = events_of(EventType::kStockLow, "A");
    ASSERT_EQ(again.size(), 2u);
    EXPECT_EQ(again.back().cause, "replenishment-resumed");
    const auto placed = dispatch_all();
    ASSERT_EQ(placed.size(), 1u);
    ASSERT_TRUE(placed.front().order);
    EXPECT_EQ(placed.front().order->qty, 10);
    // A product that is not low when it resumes is left alone.
    create("B", 10, 5);
    set_mode("B", ReplenishmentMode::kNone);
    set_mode("B", ReplenishmentMode::kFixed);
    EXPECT_TRUE(events_of(EventType::kStockLow, "B").empty());
}

TEST_F(CatalogTest, AnArchivedProductCannotBeSoldOrHeldButKeepsItsLedger) {
    create("A", 10, 2);
    create("B", 10, 2);
    expect_outcome<CheckoutOutcome>(run(checkout("o1", {{"A", 1}})));
    const Product archived = archive("A").product;
    ASSERT_TRUE(archived.archived_at_ms);
    EXPECT_EQ(*archived.archived_at_ms, clock_.now_ms());
    const Error refused = expect_error(run(checkout("o2", {{"B", 1}, {"A", 1}})),
                                       ErrorCode::kConflict, "product-archived");
    EXPECT_NE(refused.message.find("'A'"), std::string::npos) << refused.message;
    EXPECT_EQ(get("B").on_hand, 10);  // nothing was taken
    expect_error(run(NewReservation{"cart", {{"A", 1}}, 60'000}), ErrorCode::kConflict,
                 "product-archived");
    EXPECT_EQ(get("A").reserved, 0);
    // Stock still arrives (a shipment in transit) and can be counted.
    expect_outcome<MovementOutcome>(run(receipt("A", 5, "late-shipment")));
    expect_outcome<MovementOutcome>(run(adjustment("A", -2)));
    EXPECT_EQ(get("A").on_hand, 12);
    // Archiving again keeps the first time; the release of an earlier order still works.
    clock_.advance(1'000);
    const std::size_t written = faults_.batches().size();
    const Product again = archive("A").product;
    EXPECT_EQ(again.archived_at_ms, archived.archived_at_ms);
    EXPECT_EQ(again.updated_at_ms, get("A").updated_at_ms);  // unchanged...
    EXPECT_EQ(faults_.batches().size(), written);            // ...and nothing written
    expect_outcome<ReleaseOutcome>(run(ReleaseRequest{"o1", {}}));
    restart();
    EXPECT_EQ(get("A").archived_at_ms, archived.archived_at_ms);  // it was stored
    ProductPatch restore;
    restore.archived = false;
    EXPECT_FALSE(change("A", restore).product.archived());
    expect_outcome<CheckoutOutcome>(run(checkout("o3", {{"A", 1}})));
}

TEST_F(CatalogTest, AHoldOnAProductArchivedSinceCannotBeCheckedOut) {
    create("A", 10, 2);
    expect_outcome<ReservationOutcome>(run(NewReservation{"cart", {{"A", 3}}, 60'000}));
    archive("A");
    CheckoutRequest take = checkout("o1", {});
    take.reservation_id = "cart";
    expect_error(run(take), ErrorCode::kConflict, "product-archived");
    EXPECT_EQ(get("A").reserved, 3);  // the hold is kept, to be released or to expire
    EXPECT_EQ(get("A").on_hand, 10);
    expect_outcome<ReservationOutcome>(run(ReleaseReservation{"cart"}));
    EXPECT_EQ(get("A").reserved, 0);
}

TEST_F(CatalogTest, AnArchivedProductIsNotReorderedUntilRestored) {
    create("A", 10, 5);
    expect_outcome<CheckoutOutcome>(run(checkout("o1", {{"A", 6}})));
    archive("A");
    const auto placed = dispatch_all();
    ASSERT_EQ(placed.size(), 1u);
    EXPECT_FALSE(placed.front().order);
    EXPECT_NE(placed.front().note.find("archived"), std::string::npos) << placed.front().note;
    ProductPatch restore;
    restore.archived = false;
    change("A", restore);
    EXPECT_EQ(events_of(EventType::kStockLow, "A").back().cause, "replenishment-resumed");
    const auto again = dispatch_all();
    ASSERT_EQ(again.size(), 1u);
    EXPECT_TRUE(again.front().order);
}

TEST_F(CatalogTest, AProductMustNameARegisteredFactory) {
    NewProduct request = new_product("A", 10);
    request.settings.factory_id = "nobody";
    const Error refused = expect_error(run(request), ErrorCode::kUnprocessable, "unknown-factory");
    EXPECT_NE(refused.message.find("'nobody'"), std::string::npos) << refused.message;
    EXPECT_FALSE(store_.product("A"));
    create("A", 10);
    ProductPatch move;
    move.factory_id = "elsewhere";
    expect_error(run(patch("A", move)), ErrorCode::kUnprocessable, "unknown-factory");
    EXPECT_EQ(get("A").settings.factory_id, kTestFactory);
    ensure_factory(*engine_, "elsewhere");
    EXPECT_EQ(change("A", move).product.settings.factory_id, "elsewhere");
    // A patch that leaves the factory alone is not checked against it.
    ProductPatch rename;
    rename.name = "Renamed";
    EXPECT_EQ(change("A", rename).product.name, "Renamed");
}

TEST_F(CatalogTest, AnAcknowledgedOrderIsOverduePastItsFactorysLeadTime) {
    Factory slow;
    slow.id = "slow";
    slow.url = "http://slow.test";
    slow.lead_time_days = 30;
    expect_outcome<FactoriesOutcome>(run(PutFactory{slow}));
    const RestockOrder by_default = acknowledged("A");  // factory-1: the default, 14 days
    NewProduct b = new_product("B", 1, 5);
    b.settings.factory_id = "slow";
    expect_outcome<ProductOutcome>(run(b));
    const auto placed = dispatch_all();
    ASSERT_EQ(placed.size(), 1u);
    const RestockOrder on_slow = *placed.front().order;  // pending: not yet acknowledged

    const OrdersOutcome now = list(GetRestockOrders{});
    ASSERT_EQ(now.orders.size(), 2u);
    EXPECT_EQ(now.due_at_ms[1], by_default.created_at_ms + 14 * kDayMs);
    EXPECT_EQ(now.due_at_ms[0], on_slow.created_at_ms + 30 * kDayMs);

    GetRestockOrders overdue;
    overdue.overdue = true;
    EXPECT_TRUE(list(overdue).orders.empty());
    clock_.advance(14 * kDayMs + 1);
    EXPECT_EQ(ids(list(overdue)), std::vector<std::string>{by_default.id});
    clock_.advance(30 * kDayMs);
    // The slow factory never accepted its order: late, but not overdue (it is retried, then
    // fails); only an acknowledged order is overdue.
    EXPECT_EQ(ids(list(overdue)), std::vector<std::string>{by_default.id});
    overdue.overdue = false;
    EXPECT_EQ(ids(list(overdue)), std::vector<std::string>{on_slow.id});

    // Cancelled, it is overdue no more, and the loop orders again.
    expect_outcome<OrdersOutcome>(run(CancelRestockOrder{by_default.id}));
    overdue.overdue = true;
    EXPECT_TRUE(list(overdue).orders.empty());
    const auto reordered = dispatch_all();
    ASSERT_EQ(reordered.size(), 1u);
    ASSERT_TRUE(reordered.front().order);
    EXPECT_NE(reordered.front().order->id, by_default.id);
}

TEST_F(CatalogTest, TheDefaultLeadTimeIsAnOption) {
    stop();
    EngineOptions options;
    options.default_lead_time_days = 3;
    start(options);
    const RestockOrder order = acknowledged("A");
    EXPECT_EQ(list(GetRestockOrders{order.id, 1, ""}).due_at_ms.front(),
              order.created_at_ms + 3 * kDayMs);
}

TEST_F(CatalogTest, OrdersAreFoundByStatusSkuAndCreationTime) {
    const RestockOrder a = acknowledged("A");
    clock_.advance(60'000);
    create("B", 1, 5);
    const RestockOrder b = *dispatch_all().front().order;  // pending
    clock_.advance(60'000);
    const RestockOrder c = acknowledged("C");
    expect_outcome<OrdersOutcome>(run(CancelRestockOrder{c.id}));
    dispatch_all();  // C's reorder: pending
    const std::string c2 = list(GetRestockOrders{}).orders.front().id;

    GetRestockOrders q;
    q.statuses = {OrderStatus::kAcknowledged};
    EXPECT_EQ(ids(list(q)), std::vector<std::string>{a.id});
    q.statuses = {OrderStatus::kPending, OrderStatus::kCancelled};
    EXPECT_EQ(ids(list(q)), (std::vector<std::string>{c2, c.id, b.id}));  // newest first
    q.sku = "C";
    EXPECT_EQ(ids(list(q)), (std::vector<std::string>{c2, c.id}));
    q = {};
    q.created_before_ms = c.created_at_ms;
    EXPECT_EQ(ids(list(q)), (std::vector<std::string>{b.id, a.id}));
    // Pages follow the filters: the cursor continues below the last order given.
    q = {};
    q.statuses = {OrderStatus::kPending, OrderStatus::kCancelled, OrderStatus::kAcknowledged};
    q.limit = 2;
    const OrdersOutcome first = list(q);
    EXPECT_EQ(ids(first), (std::vector<std::string>{c2, c.id}));
    ASSERT_EQ(first.next_cursor, c.id);
    q.after_id = first.next_cursor;
    const OrdersOutcome second = list(q);
    EXPECT_EQ(ids(second), (std::vector<std::string>{b.id, a.id}));
    EXPECT_TRUE(second.next_cursor.empty());
}

}  // namespace
}  // namespace restock::testing
