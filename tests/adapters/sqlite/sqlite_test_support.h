// SQLite store tests: opening stores and readers, and raw SQL for assertions. The record
// builders shared with the other stores are in ports/store_records.h.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "adapters/sqlite/sqlite_db.h"
#include "adapters/sqlite/sqlite_store.h"
#include "adapters/sqlite/temp_dir.h"
#include "ports/store_records.h"

namespace restock::testing {

inline std::unique_ptr<sqlite::SqliteStore> open_store(const std::string& path) {
    auto store = sqlite::SqliteStore::open(path);
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store.ok() ? std::move(store.value()) : nullptr;
}

inline std::unique_ptr<StockReader> open_reader(StockStore& store) {
    auto reader = store.open_reader();
    EXPECT_TRUE(reader.ok()) << reader.error().message;
    return reader.ok() ? std::move(reader.value()) : nullptr;
}

// One integer from a query on a separate connection (e.g. "SELECT count(*) FROM movements").
inline int64_t query_integer(const std::string& path, const std::string& sql) {
    auto db = sqlite::Connection::open(path, /*create=*/false);
    EXPECT_TRUE(db.ok()) << db.error().message;
    if (!db.ok()) return -1;
    auto stmt = db.value()->prepare(sql);
    EXPECT_TRUE(stmt.ok()) << sql;
    if (!stmt.ok()) return -1;
    auto row = stmt->step();
    EXPECT_TRUE(row.ok() && row.value()) << sql;
    return stmt->integer(0);
}

}  // namespace restock::testing
