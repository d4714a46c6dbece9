// Builders for store tests, whatever the store: records with every field set, and a comparison
// of products field by field.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "ports/records.h"

namespace restock::testing {

inline Product make_product(int64_t id, std::string sku, int64_t on_hand, int64_t reorder_point) {
    Product p;
    p.id = id;
    p.sku = std::move(sku);
    p.name = "Product " + p.sku;
    p.on_hand = on_hand;
    p.settings.reorder_point = reorder_point;
    p.settings.reorder_qty = 10;
    p.settings.factory_id = "factory-1";
    p.created_at_ms = 1000;
    p.updated_at_ms = 2000;
    return p;
}

inline Movement make_movement(int64_t id, const Product& product, int64_t prev_id, int64_t delta,
                              int64_t on_hand_after, MovementKind kind = MovementKind::kCheckout) {
    Movement m;
    m.id = id;
    m.product_id = product.id;
    m.prev_id = prev_id;
    m.kind = kind;
    m.delta = delta;
    m.on_hand_after = on_hand_after;
    m.reference = "ref-" + std::to_string(id);
    m.at_ms = 3000 + id;
    return m;
}

inline Event make_event(int64_t seq, std::string sku, EventType type) {
    Event e;
    e.seq = seq;
    e.id = "evt_test_" + std::to_string(seq);
    e.type = type;
    e.sku = std::move(sku);
    e.figures = StockFigures{1, 0, 1, 4, 5, 2};
    e.cause = "checkout";
    e.at_ms = 4000 + seq;
    return e;
}

inline IdempotencyRecord idempotency_record(std::string principal, std::string key,
                                            std::string fingerprint, int status, std::string body,
                                            int64_t at_ms) {
    IdempotencyRecord r;
    r.principal = std::move(principal);
    r.key = std::move(key);
    r.fingerprint = std::move(fingerprint);
    r.status = status;
    r.body = std::move(body);
    r.at_ms = at_ms;
    return r;
}

inline ReceiptRecord receipt_record(int64_t product_id, std::string reference, int64_t qty,
                                    int64_t movement_id) {
    ReceiptRecord r;
    r.product_id = product_id;
    r.reference = std::move(reference);
    r.qty = qty;
    r.movement_id = movement_id;
    return r;
}

inline void expect_same_product(const Product& a, const Product& b) {
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.sku, b.sku);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.on_hand, b.on_hand);
    EXPECT_EQ(a.reserved, b.reserved);
    EXPECT_EQ(a.on_order, b.on_order);
    EXPECT_EQ(a.settings.reorder_point, b.settings.reorder_point);
    EXPECT_EQ(a.settings.reorder_qty, b.settings.reorder_qty);
    EXPECT_EQ(a.settings.order_up_to, b.settings.order_up_to);
    EXPECT_EQ(a.settings.min_order_qty, b.settings.min_order_qty);
    EXPECT_EQ(a.settings.pack_size, b.settings.pack_size);
    EXPECT_EQ(a.settings.factory_id, b.settings.factory_id);
    EXPECT_EQ(a.settings.ad_id, b.settings.ad_id);
    EXPECT_EQ(a.settings.replenishment, b.settings.replenishment);
    EXPECT_EQ(a.archived_at_ms, b.archived_at_ms);
    EXPECT_EQ(a.signal, b.signal);
    EXPECT_EQ(a.last_movement_id, b.last_movement_id);
    EXPECT_EQ(a.created_at_ms, b.created_at_ms);
    EXPECT_EQ(a.updated_at_ms, b.updated_at_ms);
}

}  // namespace restock::testing
