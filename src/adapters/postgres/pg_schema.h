// The PostgreSQL schema, its versioned migrations, and the row <-> record mapping shared by
// the store and its readers.
#pragma once

#include "adapters/postgres/pg_connection.h"
#include "core/event.h"
#include "core/movement.h"
#include "core/product.h"
#include "core/queue_book.h"
#include "core/restock_order.h"
#include "core/subscription.h"
#include "ports/records.h"

namespace restock::pg {

// 1: the first PostgreSQL schema (the SQLite schema 2, plus the writer lease).
inline constexpr int kSchemaVersion = 1;

// Brings the database to kSchemaVersion, one migration at a time, each in its own
// transaction, under a transaction-scoped advisory lock: nodes that start together migrate
// once, the others wait and find it done. Fails on a newer schema.
Status migrate(Connection& db);

// Column lists in the order the read_*() functions expect.
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
inline constexpr const char* kKeyColumns = "id, name, role, hash, created_at, revoked_at";

Product read_product(const Rows& rows, int row);
Movement read_movement(const Rows& rows, int row);
Event read_event(const Rows& rows, int row);
RestockOrder read_order(const Rows& rows, int row);
Factory read_factory(const Rows& rows, int row);
Subscription read_subscription(const Rows& rows, int row);
QueuePolicy read_queue(const Rows& rows, int row);
QueueMessage read_message(const Rows& rows, int row);
ApiKeyRecord read_key(const Rows& rows, int row);

}  // namespace restock::pg
