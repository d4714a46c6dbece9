// Restock orders: sizing (reorder_qty / order_up_to, min_order_qty, pack_size), when one is
// needed, and the order statuses.
#include "core/restock_order.h"

#include <gtest/gtest.h>

#include "core/limits.h"

namespace restock {
namespace {

Product product(int64_t on_hand, int64_t reorder_point, int64_t reorder_qty) {
    Product p;
    p.id = 1;
    p.sku = "SKU-1";
    p.on_hand = on_hand;
    p.settings.reorder_point = reorder_point;
    p.settings.reorder_qty = reorder_qty;
    p.settings.factory_id = "factory-1";
    return p;
}

// --- restock_quantity ----------------------------------------------------------------------

TEST(RestockQuantityTest, ReorderQtyByDefault) {
    EXPECT_EQ(restock_quantity(product(0, 5, 20)), 20);
    EXPECT_EQ(restock_quantity(product(3, 5, 1)), 1);
    // The position does not matter without order_up_to.
    Product p = product(5, 5, 20);
    p.on_order = 0;
    EXPECT_EQ(restock_quantity(p), 20);
}

TEST(RestockQuantityTest, OrderUpToOrdersTheGapToThePosition) {
    Product p = product(3, 5, 20);
    p.settings.order_up_to = 50;
    EXPECT_EQ(restock_quantity(p), 47);  // 50 - (3 available + 0 on order)
    p.on_order = 10;
    EXPECT_EQ(restock_quantity(p), 37);  // on_order counts in the position
    p.reserved = 2;
    EXPECT_EQ(restock_quantity(p), 39);  // position uses available, not on_hand
}

TEST(RestockQuantityTest, OrderUpToIgnoresReorderQty) {
    Product p = product(0, 5, 1000);
    p.settings.order_up_to = 8;
    EXPECT_EQ(restock_quantity(p), 8);
}

TEST(RestockQuantityTest, OrderUpToAtOrBelowThePositionStillOrdersOne) {
    Product p = product(30, 5, 20);
    p.settings.order_up_to = 30;
    EXPECT_EQ(restock_quantity(p), 1);
    p.settings.order_up_to = 10;
    EXPECT_EQ(restock_quantity(p), 1);
}

TEST(RestockQuantityTest, MinOrderQtyRaisesTheQuantity) {
    Product p = product(0, 5, 20);
    p.settings.min_order_qty = 50;
    EXPECT_EQ(restock_quantity(p), 50);
    p.settings.min_order_qty = 10;  // below reorder_qty: no effect
    EXPECT_EQ(restock_quantity(p), 20);
    p.settings.order_up_to = 12;  // gap 12 < min 30
    p.settings.min_order_qty = 30;
    EXPECT_EQ(restock_quantity(p), 30);
}

TEST(RestockQuantityTest, RoundsUpToWholePacks) {
    Product p = product(0, 5, 20);
    p.settings.pack_size = 6;
    EXPECT_EQ(restock_quantity(p), 24);
    p.settings.pack_size = 5;
    EXPECT_EQ(restock_quantity(p), 20);  // already whole
    p.settings.pack_size = 1;
    EXPECT_EQ(restock_quantity(p), 20);
    p.settings.pack_size = 100;
    EXPECT_EQ(restock_quantity(p), 100);
}

TEST(RestockQuantityTest, MinimumThenPacks) {
    Product p = product(0, 5, 20);
    p.settings.min_order_qty = 25;
    p.settings.pack_size = 12;
    EXPECT_EQ(restock_quantity(p), 36);  // 20 -> 25 -> 3 packs
    p.settings.order_up_to = 40;         // gap 40 -> 4 packs
    EXPECT_EQ(restock_quantity(p), 48);
}

TEST(RestockQuantityTest, NeverBelowOneEvenWithBadSettings) {
    Product p = product(0, 5, 0);
    p.settings.min_order_qty = 0;
    p.settings.pack_size = 0;
    EXPECT_EQ(restock_quantity(p), 1);
    p.settings.reorder_qty = -7;
    p.settings.pack_size = -3;
    EXPECT_EQ(restock_quantity(p), 1);
}

TEST(RestockQuantityTest, NeverAboveTheQuantityLimit) {
    Product p = product(0, 5, limits::kMaxQuantity);
    p.settings.pack_size = 7;
    EXPECT_LE(restock_quantity(p), limits::kMaxQuantity);
    EXPECT_GE(restock_quantity(p), 1);
}

// --- needs_restock --------------------------------------------------------------------------

TEST(NeedsRestockTest, AtOrBelowTheReorderPoint) {
    EXPECT_TRUE(needs_restock(product(0, 5, 10)));
    EXPECT_TRUE(needs_restock(product(5, 5, 10)));
    EXPECT_FALSE(needs_restock(product(6, 5, 10)));
    EXPECT_TRUE(needs_restock(product(0, 0, 10)));
}

TEST(NeedsRestockTest, OnOrderCountsInThePosition) {
    Product p = product(2, 5, 10);
    p.on_order = 3;
    EXPECT_TRUE(needs_restock(p));  // position 5
    p.on_order = 4;
    EXPECT_FALSE(needs_restock(p));  // position 6
}

TEST(NeedsRestockTest, ReservedStockIsNotAvailable) {
    Product p = product(8, 5, 10);
    p.reserved = 3;
    EXPECT_TRUE(needs_restock(p));
}

// --- statuses -----------------------------------------------------------------------------------

TEST(OrderStatusTest, NamesRoundTrip) {
    for (auto s : {OrderStatus::kPending, OrderStatus::kSent, OrderStatus::kAcknowledged,
                   OrderStatus::kReceived, OrderStatus::kFailed, OrderStatus::kCancelled}) {
        const auto parsed = parse_order_status(to_string(s));
        ASSERT_TRUE(parsed) << to_string(s);
        EXPECT_EQ(*parsed, s);
    }
    EXPECT_EQ(to_string(OrderStatus::kAcknowledged), "acknowledged");
    EXPECT_FALSE(parse_order_status("Pending"));
    EXPECT_FALSE(parse_order_status(""));
    EXPECT_FALSE(parse_order_status("open"));
}

TEST(OrderStatusTest, OpenStatuses) {
    EXPECT_TRUE(is_open(OrderStatus::kPending));
    EXPECT_TRUE(is_open(OrderStatus::kSent));
    EXPECT_TRUE(is_open(OrderStatus::kAcknowledged));
    EXPECT_FALSE(is_open(OrderStatus::kReceived));
    EXPECT_FALSE(is_open(OrderStatus::kFailed));
    EXPECT_FALSE(is_open(OrderStatus::kCancelled));
}

TEST(OrderStatusTest, AwaitingTheFactory) {
    EXPECT_TRUE(awaits_factory(OrderStatus::kPending));
    EXPECT_TRUE(awaits_factory(OrderStatus::kSent));
    EXPECT_FALSE(awaits_factory(OrderStatus::kAcknowledged));
    EXPECT_FALSE(awaits_factory(OrderStatus::kReceived));
    EXPECT_FALSE(awaits_factory(OrderStatus::kFailed));
    EXPECT_FALSE(awaits_factory(OrderStatus::kCancelled));
}

}  // namespace
}  // namespace restock
