#include "adapters/sqlite/sqlite_db.h"

#include <utility>

namespace restock::sqlite {

Error store_error(std::string_view what, sqlite3* db) {
    return make_error(ErrorCode::kUnavailable, "store-error",
                      std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(stmt_);
        db_ = other.db_;
        stmt_ = std::exchange(other.stmt_, nullptr);
    }
    return *this;
}

Statement& Statement::bind(int index, int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    // SQLITE_STATIC: no copy. Every caller steps the statement and resets it while the text
    // is alive (see the contract in sqlite_db.h).
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
    return *this;
}

Statement& Statement::bind(int index, const std::optional<int64_t>& value) {
    return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind(int index, const std::optional<std::string>& value) {
    return value ? bind(index, std::string_view(*value)) : bind_null(index);
}

Statement& Statement::bind_null(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
}

Result<bool> Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    Error error = store_error("statement failed", db_);
    sqlite3_reset(stmt_);
    return error;
}

Status Statement::run() {
    while (true) {
        auto row = step();
        if (!row) {
            reset();
            return row.error();
        }
        if (!row.value()) break;
    }
    reset();
    return ok_status();
}

void Statement::reset() {
    // Bindings are kept: every use binds every parameter again.
    sqlite3_reset(stmt_);
}

std::string Statement::text(int column) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    const int size = sqlite3_column_bytes(stmt_, column);
    return data ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

std::optional<int64_t> Statement::optional_integer(int column) const {
    if (is_null(column)) return std::nullopt;
    return integer(column);
}

std::optional<std::string> Statement::optional_text(int column) const {
    if (is_null(column)) return std::nullopt;
    return text(column);
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path, bool create) {
    sqlite3* db = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (create) flags |= SQLITE_OPEN_CREATE;
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        Error error = store_error("cannot open " + path, db);
        sqlite3_close(db);
        return error;
    }
    std::unique_ptr<Connection> connection(new Connection(db));
    sqlite3_busy_timeout(db, 5000);
    // synchronous=FULL in WAL mode: every commit syncs the WAL, so a commit that returned
    // survives power loss.
    const Status pragmas = connection->exec(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF;");
    if (!pragmas) return pragmas.error();
    return connection;
}

Connection::~Connection() { sqlite3_close_v2(db_); }

Status Connection::exec(const std::string& sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        std::string text = message ? message : sqlite3_errmsg(db_);
        sqlite3_free(message);
        return make_error(ErrorCode::kUnavailable, "store-error", text);
    }
    return ok_status();
}

Result<Statement> Connection::prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return store_error("cannot prepare statement", db_);
    return Statement(db_, stmt);
}

std::string Connection::last_error() const { return sqlite3_errmsg(db_); }

}  // namespace restock::sqlite
