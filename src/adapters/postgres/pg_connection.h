// Thin RAII wrappers over libpq: one connection, its prepared statements, text parameters and
// result rows, and a pipeline (many statements, one round trip).
//
// Errors are classified for the callers: a connection that is gone is kUnavailable with slug
// "store-unreachable" (the statement was not run, or its outcome is unknown: the caller decides
// which, see Pipeline), a refused statement is kUnavailable "store-error" (or kAlreadyExists for
// a unique violation), and the fencing check of a writer that lost its lease is kStoreLost.
// Messages never carry the password: they name the server as host:port/database.
//
// Not thread-safe: each connection belongs to one thread at a time.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace restock::pg {

// SQLSTATE of the error the fencing check raises (schema: restock_fence()).
inline constexpr std::string_view kNotWriterState = "RS001";

// Text-format parameters of one statement.
class Params {
  public:
    Params& add(int64_t value);
    Params& add(std::string_view value);
    Params& add(const char* value) { return add(std::string_view(value)); }
    Params& add(const std::string& value) { return add(std::string_view(value)); }
    Params& add(const std::optional<int64_t>& value);
    Params& add(const std::optional<std::string>& value);
    Params& add_null();

    int size() const { return static_cast<int>(values_.size()); }
    // Pointers into this object: valid until it changes.
    const char* const* values() const;

  private:
    std::vector<std::string> values_;
    std::vector<bool> null_;
    mutable std::vector<const char*> pointers_;
};

// The rows of one result. Columns by 0-based index.
class Rows {
  public:
    explicit Rows(PGresult* result) : result_(result) {}
    ~Rows() { PQclear(result_); }
    Rows(Rows&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
    Rows& operator=(Rows&& other) noexcept;
    Rows(const Rows&) = delete;
    Rows& operator=(const Rows&) = delete;

    int size() const { return PQntuples(result_); }
    bool is_null(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }
    int64_t integer(int row, int column) const;
    std::string text(int row, int column) const;
    std::optional<int64_t> optional_integer(int row, int column) const;
    std::optional<std::string> optional_text(int row, int column) const;
    // Rows an INSERT/UPDATE/DELETE touched.
    int64_t affected() const;

  private:
    PGresult* result_;
};

// One row of Rows, with the accessors adapters/sql/records.h reads records through.
struct RowAt {
    const Rows& rows;
    int index;
    int64_t integer(int column) const { return rows.integer(index, column); }
    std::string text(int column) const { return rows.text(index, column); }
    std::optional<int64_t> optional_integer(int column) const {
        return rows.optional_integer(index, column);
    }
    std::optional<std::string> optional_text(int column) const {
        return rows.optional_text(index, column);
    }
};

struct ConnectOptions {
    std::string url;               // a libpq URI or key=value string
    std::string application_name;  // shown in pg_stat_activity
};

// "host:port/database as user": what messages say about a URL, never its password.
std::string describe_target(const std::string& url);
// Checks that `url` parses as a libpq connection string or URI (no connection is made).
Status check_url(const std::string& url);

class Connection {
  public:
    // Connects (libpq's connect_timeout applies: 5 s unless the URL says otherwise), with
    // synchronous_commit on: a commit returns once it is durable on the server.
    static Result<std::unique_ptr<Connection>> open(const ConnectOptions& options);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // The simple query protocol: one or several statements, no parameters, rows ignored.
    Status exec(std::string_view sql);
    // One statement with parameters.
    Result<Rows> query(std::string_view sql, const Params& params = {});
    // Prepares `sql` under `name`; kept across reconnect().
    Status prepare(const std::string& name, std::string_view sql);
    Result<Rows> run(const std::string& name, const Params& params = {});

    // Whether the connection is up, as far as libpq knows.
    bool up() const;
    // Connects again (and prepares every statement again) if the connection is down. Within
    // kRetryAfterMs of a failed attempt it fails at once with that attempt's error, so that a
    // server that is down costs the callers (I/O threads among them) no wait each.
    Status reconnect();
    static constexpr int64_t kRetryAfterMs = 500;
    // Sends the statements queued with add() in one round trip, then reads every result.
    // Statements run in order; after a failed one the rest are skipped.
    class Pipeline {
      public:
        explicit Pipeline(Connection& connection) : connection_(connection) {}
        void add(const std::string& name, Params params);
        struct Outcome {
            bool sent = false;             // everything reached the server's socket
            int failed_at = -1;            // index of the statement that failed, -1: none
            bool connection_lost = false;  // the connection died before every result arrived
            Error error{ErrorCode::kUnavailable, "store-error", ""};
            std::vector<int64_t> affected;  // per statement, for those that ran
        };
        Outcome run();

      private:
        Connection& connection_;
        std::vector<std::pair<std::string, Params>> statements_;
    };

    const std::string& target() const { return target_; }
    // For LISTEN's socket (pg_listener.cpp).
    PGconn* handle() { return conn_; }

  private:
    Connection(PGconn* conn, ConnectOptions options);
    Status setup();
    Error error_of(PGresult* result, std::string_view what) const;

    PGconn* conn_;
    const ConnectOptions options_;
    const std::string target_;
    std::vector<std::pair<std::string, std::string>> prepared_;
    std::optional<Error> failed_;  // the last reconnect's error, while it is recent
    int64_t failed_at_ms_ = 0;     // steady clock
};

// The error of a failed connection attempt or of a lost connection.
Error unreachable(const std::string& target, std::string_view detail);

}  // namespace restock::pg
