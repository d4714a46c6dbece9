// Thin RAII wrappers over the SQLite C API: a connection and a prepared statement.
// Not thread-safe: each connection belongs to one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace restock::sqlite {

class Statement {
  public:
    Statement() = default;
    Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Bind by 1-based index. Text is NOT copied: it must stay alive until the statement is
    // reset (run() and the readers reset before returning). Every use binds every parameter.
    Statement& bind(int index, int64_t value);
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, const std::optional<int64_t>& value);
    Statement& bind(int index, const std::optional<std::string>& value);
    Statement& bind_null(int index);

    // Runs one step: true if a row is ready, false when done. Errors become a Status.
    Result<bool> step();
    // Runs to completion, ignoring rows.
    Status run();
    void reset();

    int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
    std::string text(int column) const;
    bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
    std::optional<int64_t> optional_integer(int column) const;
    std::optional<std::string> optional_text(int column) const;

  private:
    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
};

class Connection {
  public:
    // Opens (creating if asked) the file, in WAL mode with synchronous=FULL.
    static Result<std::unique_ptr<Connection>> open(const std::string& path, bool create);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    Status exec(const std::string& sql);
    Result<Statement> prepare(std::string_view sql);
    sqlite3* handle() { return db_; }
    std::string last_error() const;

  private:
    explicit Connection(sqlite3* db) : db_(db) {}
    sqlite3* db_;
};

Error store_error(std::string_view what, sqlite3* db);

}  // namespace restock::sqlite
