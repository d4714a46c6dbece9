// The SQLite schema and the row <-> record mapping shared by the store and its readers.
#pragma once

#include <string>

#include "adapters/sqlite/sqlite_db.h"
#include "core/event.h"
#include "core/movement.h"
#include "core/product.h"
#include "core/queue_book.h"
#include "core/restock_order.h"
#include "core/subscription.h"

namespace restock::sqlite {

// 1: the first schema. 2: restock orders keep their dispatch hold, and at most one open order
// per product is a constraint of the table.
inline constexpr int kSchemaVersion = 2;

// Creates the tables if missing and records the schema version. Fails on a newer schema.
Status migrate(Connection& db);

// Column lists in the order read_*() expects.
inline constexpr const char* kProductColumns =
    "id, sku, name, on_hand, reserved, on_order, reorder_point, reorder_qty, order_up_to, "
    "min_order_qty, pack_size, factory_id, ad_id, signal, last_movement_id, created_at, "
    "updated_at";
inline constexpr const char* kMovementColumns =
    "id, product_id, prev_id, kind, delta, on_hand_after, reference, at";
inline constexpr const char* kEventColumns =
    "seq, id, type, sku, on_hand, reserved, available, on_order, position, reorder_point, cause, "
    "order_id, qty, at";
inline constexpr const char* kOrderColumns =
    "id, product_id, sku, qty, factory_id, status, attempts, received_qty, last_error, "
    "trigger_event_id, created_at, updated_at, dispatch_message_id, dispatch_until";
inline constexpr const char* kFactoryColumns = "id, url, format, timeout_ms, created_at";
inline constexpr const char* kSubscriptionColumns =
    "id, topic, protocol, endpoint, event_types, secret, created_at";
inline constexpr const char* kQueueColumns =
    "name, dlq, max_receive_count, visibility_timeout_ms, backoff_base_ms, backoff_max_ms";
inline constexpr const char* kMessageColumns =
    "id, queue, body, receive_count, visible_at, in_flight, last_error, source_queue, created_at";

Product read_product(const Statement& row);
Movement read_movement(const Statement& row);
Event read_event(const Statement& row);
RestockOrder read_order(const Statement& row);
Factory read_factory(const Statement& row);
Subscription read_subscription(const Statement& row);
QueuePolicy read_queue(const Statement& row);
QueueMessage read_message(const Statement& row);

}  // namespace restock::sqlite
