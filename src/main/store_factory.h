// Opens the store a command asked for: PostgreSQL when store_url is set, else the SQLite file
// under data_dir. The one place besides the composition root that names an adapter.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "adapters/postgres/pg_store.h"
#include "adapters/sqlite/data_dir_lock.h"
#include "adapters/sqlite/sqlite_store.h"

namespace restock {

enum class StoreUse {
    kServe,  // serve and demo: an embedded store is then owned (locked) by this process
    kKeys,   // keys create|list|revoke: beside a running server
};

class OpenedStore {
  public:
    StockStore& store();
    KeyStore& keys();
    // Non-null on PostgreSQL: the writer lease, readiness.
    pg::PgStore* postgres() { return postgres_.get(); }
    // "SQLite ./data/restock.db" or "PostgreSQL host:port/db as user": never a password.
    const std::string& description() const { return description_; }

  private:
    friend Result<OpenedStore> open_store(const std::string&, const std::string&, StoreUse,
                                          std::string_view);
    std::unique_ptr<sqlite::DataDirLock> owner_;
    std::unique_ptr<sqlite::SqliteStore> sqlite_;
    std::unique_ptr<pg::PgStore> postgres_;
    std::string description_;
};

// `command` names this process to another one refused the same data dir.
Result<OpenedStore> open_store(const std::string& data_dir, const std::string& store_url,
                               StoreUse use, std::string_view command);

}  // namespace restock
