// The PostgreSQL schema and its versioned migrations. Rows become records through
// adapters/sql/records.h (RowAt in pg_connection.h).
#pragma once

#include "adapters/postgres/pg_connection.h"
#include "adapters/sql/records.h"

namespace restock::pg {

// 1: the first PostgreSQL schema (the SQLite schema 2, plus the writer lease). 2: idempotency
// records keep the first request's id (SQLite's 3). 3: reservations (SQLite's 4). 4: the
// checkout index (SQLite's 5). 5: replenishment modes, archived products, lead times (SQLite's
// 6). 6: an API key's name is unique among live keys only (SQLite's 7). 7: dashboard sessions and
// the alarm events' index (SQLite's 8). 8: replenishment mode auto (SQLite's 9).
inline constexpr int kSchemaVersion = 8;

// Brings the database to kSchemaVersion, one migration at a time, each in its own
// transaction, under a transaction-scoped advisory lock: nodes that start together migrate
// once, the others wait and find it done. Fails on a newer schema.
Status migrate(Connection& db);

// The column lists and record readers are the SQL stores' shared ones.
using namespace restock::sql;  // NOLINT(google-build-using-namespace): one vocabulary

}  // namespace restock::pg
