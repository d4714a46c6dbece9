// The SQLite schema and the row <-> record mapping shared by the store and its readers.
#pragma once

#include <string>

#include "adapters/sqlite/sqlite_db.h"
#include "core/event.h"
#include "core/movement.h"
#include "core/product.h"

namespace restock::sqlite {

inline constexpr int kSchemaVersion = 1;

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
    "at";

Product read_product(const Statement& row);
Movement read_movement(const Statement& row);
Event read_event(const Statement& row);

}  // namespace restock::sqlite
