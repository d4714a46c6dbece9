// The SQLite schema and its migrations. Rows become records through adapters/sql/records.h.
#pragma once

#include <string>

#include "adapters/sql/records.h"
#include "adapters/sqlite/sqlite_db.h"

namespace restock::sqlite {

// 1: the first schema. 2: restock orders keep their dispatch hold, and at most one open order
// per product is a constraint of the table. 3: idempotency records keep the first request's id.
// 4: reservations (cart holds). 5: the checkout index (core/checkout_index.h). 6: replenishment
// modes and archived products, factories' lead times. 7: an API key's name is unique among live
// keys only, so a revoked key's name may be given to a new key. 8: dashboard sessions, and an
// index of the alarm events. 9: replenishment mode auto: products' fill_rate_ppm, table replenishment_state.
inline constexpr int kSchemaVersion = 9;

// Creates the tables if missing and records the schema version. Fails on a newer schema.
Status migrate(Connection& db);

// The column lists and record readers are the SQL stores' shared ones.
using namespace restock::sql;  // NOLINT(google-build-using-namespace): one vocabulary

}  // namespace restock::sqlite
