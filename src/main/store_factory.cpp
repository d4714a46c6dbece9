#include "main/store_factory.h"

#include <filesystem>

namespace restock {

StockStore& OpenedStore::store() {
    if (postgres_) return *postgres_;
    return *sqlite_;
}

KeyStore& OpenedStore::keys() {
    if (postgres_) return *postgres_;
    return *sqlite_;
}

namespace {

Error no_store(std::string message) {
    return make_error(ErrorCode::kNotFound, "no-store", std::move(message));
}

}  // namespace

Result<OpenedStore> open_store(const std::string& data_dir, const std::string& store_url,
                               StoreUse use, std::string_view command, Missing missing) {
    OpenedStore opened;
    if (!store_url.empty()) {
        auto store = pg::PgStore::open({store_url, "restock"});
        if (!store) return store.error();
        opened.description_ = "PostgreSQL " + store.value()->target();
        opened.postgres_ = std::move(store.value());
        return opened;
    }
    std::error_code ec;
    const std::string file = data_dir + "/restock.db";
    if (!std::filesystem::is_directory(data_dir, ec)) {
        if (missing != Missing::kCreate) return no_store("no data dir " + data_dir);
        opened.created_data_dir_ = std::filesystem::create_directories(data_dir, ec);
        if (ec) {
            return make_error(ErrorCode::kUnavailable, "store-error",
                              "cannot create data dir " + data_dir + ": " + ec.message());
        }
    } else if (missing == Missing::kNeedStore && !std::filesystem::exists(file, ec)) {
        return no_store("no store in " + data_dir + " (it has no restock.db)");
    }
    if (use == StoreUse::kServe) {
        // One process owns the data dir; a second refuses to start rather than serve a
        // stale copy of its state.
        auto owner = sqlite::DataDirLock::acquire(data_dir, command);
        if (!owner) return owner.error();
        opened.owner_ = std::move(owner.value());
    }
    auto store = sqlite::SqliteStore::open(file);
    if (!store) return store.error();
    opened.sqlite_ = std::move(store.value());
    opened.description_ = "SQLite " + file;
    return opened;
}

}  // namespace restock
