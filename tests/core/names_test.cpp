// Names of enums on the wire, and the derived product status.
#include <gtest/gtest.h>

#include "core/event.h"
#include "core/movement.h"
#include "core/product.h"

namespace restock {
namespace {

Product with_stock(int64_t on_hand, int64_t reserved, int64_t reorder_point) {
    Product p;
    p.on_hand = on_hand;
    p.reserved = reserved;
    p.settings.reorder_point = reorder_point;
    return p;
}

TEST(ProductTest, AvailableAndPositionAreDerived) {
    Product p = with_stock(10, 3, 0);
    p.on_order = 5;
    EXPECT_EQ(p.available(), 7);
    EXPECT_EQ(p.position(), 12);
}

TEST(ProductStatusTest, OutOfStockWhenNothingAvailable) {
    EXPECT_EQ(status_of(with_stock(0, 0, 5)), ProductStatus::kOutOfStock);
    EXPECT_EQ(status_of(with_stock(4, 4, 0)), ProductStatus::kOutOfStock);
}

TEST(ProductStatusTest, LowAtAndBelowTheReorderPoint) {
    EXPECT_EQ(status_of(with_stock(5, 0, 5)), ProductStatus::kLow);
    EXPECT_EQ(status_of(with_stock(1, 0, 5)), ProductStatus::kLow);
}

TEST(ProductStatusTest, InStockAboveTheReorderPoint) {
    EXPECT_EQ(status_of(with_stock(6, 0, 5)), ProductStatus::kInStock);
    EXPECT_EQ(status_of(with_stock(1, 0, 0)), ProductStatus::kInStock);
}

TEST(ProductStatusTest, StatusIgnoresOnOrder) {
    // What a shopper can buy now: open restock orders do not make a product in stock.
    Product p = with_stock(2, 0, 5);
    p.on_order = 100;
    EXPECT_EQ(status_of(p), ProductStatus::kLow);
}

TEST(NamesTest, ProductStatusRoundTrips) {
    for (auto s : {ProductStatus::kInStock, ProductStatus::kLow, ProductStatus::kOutOfStock}) {
        EXPECT_EQ(parse_product_status(to_string(s)), s);
    }
    EXPECT_EQ(to_string(ProductStatus::kOutOfStock), "out_of_stock");
    EXPECT_FALSE(parse_product_status("LOW"));
    EXPECT_FALSE(parse_product_status(""));
}

TEST(NamesTest, MovementKindRoundTrips) {
    for (auto k : {MovementKind::kCheckout, MovementKind::kReceipt, MovementKind::kAdjustment,
                   MovementKind::kInitial}) {
        EXPECT_EQ(parse_movement_kind(to_string(k)), k);
    }
    EXPECT_EQ(to_string(MovementKind::kInitial), "initial");
    EXPECT_FALSE(parse_movement_kind("sale"));
}

TEST(NamesTest, EventTypeRoundTrips) {
    for (auto t : {EventType::kStockLow, EventType::kStockEmpty, EventType::kStockRestored}) {
        EXPECT_EQ(parse_event_type(to_string(t)), t);
    }
    EXPECT_EQ(to_string(EventType::kStockEmpty), "stock.empty");
    EXPECT_FALSE(parse_event_type("stock.full"));
}

}  // namespace
}  // namespace restock
