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

// What open_store may make of an embedded store that is not there yet. No command creates a
// data dir it was not given (docs/operations.md, "Data dirs"): serve and demo create theirs,
// given or default, and say so; keys create only one it was given; keys list and revoke none.
enum class Missing {
    kCreate,     // the data dir and the store file are created if missing
    kNeedDir,    // the data dir must exist; the store file in it may be created
    kNeedStore,  // the data dir and its store file must exist
};

class OpenedStore {
  public:
    StockStore& store();
    KeyStore& keys();
    // Non-null on PostgreSQL: the writer lease, readiness.
    pg::PgStore* postgres() { return postgres_.get(); }
    // "SQLite ./data/restock.db" or "PostgreSQL host:port/db as user": never a password.
    const std::string& description() const { return description_; }
    // The embedded store's data dir did not exist and was created.
    bool created_data_dir() const { return created_data_dir_; }

  private:
    friend Result<OpenedStore> open_store(const std::string&, const std::string&, StoreUse,
                                          std::string_view, Missing);
    std::unique_ptr<sqlite::DataDirLock> owner_;
    std::unique_ptr<sqlite::SqliteStore> sqlite_;
    std::unique_ptr<pg::PgStore> postgres_;
    std::string description_;
    bool created_data_dir_ = false;
};

// `command` names this process to another one refused the same data dir. A data dir or store
// file that is missing and may not be made is kNotFound "no-store", one line naming it.
Result<OpenedStore> open_store(const std::string& data_dir, const std::string& store_url,
                               StoreUse use, std::string_view command,
                               Missing missing = Missing::kCreate);

}  // namespace restock
