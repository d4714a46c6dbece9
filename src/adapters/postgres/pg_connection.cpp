#include "adapters/postgres/pg_connection.h"

#include <charconv>
#include <chrono>
#include <cstring>
#include <utility>

#include "core/ascii.h"

namespace restock::pg {
namespace {

// libpq's messages end in a newline and may span lines; ours are one line.
std::string one_line(std::string_view text) {
    std::string out;
    bool space = false;
    for (char c : text) {
        if (c == '\n' || c == '\r' || c == '\t') {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

Error store_error(std::string message) {
    return make_error(ErrorCode::kUnavailable, "store-error", std::move(message));
}

struct ConninfoDeleter {
    void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};

}  // namespace

Error unreachable(const std::string& target, std::string_view detail) {
    return make_error(ErrorCode::kUnavailable, "store-unreachable",
                      "PostgreSQL at " + target + ": " + one_line(detail));
}

// --- Params ---------------------------------------------------------------------------------

Params& Params::add(int64_t value) {
    values_.push_back(std::to_string(value));
    null_.push_back(false);
    return *this;
}

Params& Params::add(std::string_view value) {
    values_.emplace_back(value);
    null_.push_back(false);
    return *this;
}

Params& Params::add(const std::optional<int64_t>& value) {
    return value ? add(*value) : add_null();
}

Params& Params::add(const std::optional<std::string>& value) {
    return value ? add(std::string_view(*value)) : add_null();
}

Params& Params::add_null() {
    values_.emplace_back();
    null_.push_back(true);
    return *this;
}

const char* const* Params::values() const {
    pointers_.clear();
    for (std::size_t i = 0; i < values_.size(); ++i) {
        pointers_.push_back(null_[i] ? nullptr : values_[i].c_str());
    }
    return pointers_.data();
}

// --- Rows -----------------------------------------------------------------------------------

Rows& Rows::operator=(Rows&& other) noexcept {
    if (this != &other) {
        PQclear(result_);
        result_ = std::exchange(other.result_, nullptr);
    }
    return *this;
}

int64_t Rows::integer(int row, int column) const {
    const char* text = PQgetvalue(result_, row, column);
    int64_t value = 0;
    std::from_chars(text, text + std::strlen(text), value);
    return value;
}

std::string Rows::text(int row, int column) const {
    return std::string(PQgetvalue(result_, row, column),
                       static_cast<std::size_t>(PQgetlength(result_, row, column)));
}

std::optional<int64_t> Rows::optional_integer(int row, int column) const {
    if (is_null(row, column)) return std::nullopt;
    return integer(row, column);
}

std::optional<std::string> Rows::optional_text(int row, int column) const {
    if (is_null(row, column)) return std::nullopt;
    return text(row, column);
}

int64_t Rows::affected() const {
    const char* text = PQcmdTuples(result_);
    int64_t value = 0;
    std::from_chars(text, text + std::strlen(text), value);
    return value;
}

// --- URLs -----------------------------------------------------------------------------------

// The password as written in a URI (scheme://user:password@host) or a key=value string.
std::string password_in(const std::string& url) {
    if (const auto scheme = url.find("://"); scheme != std::string::npos) {
        const auto at = url.find('@', scheme + 3);
        const auto colon = url.find(':', scheme + 3);
        if (at != std::string::npos && colon != std::string::npos && colon < at) {
            return url.substr(colon + 1, at - colon - 1);
        }
        return "";
    }
    const auto key = url.find("password=");
    if (key == std::string::npos) return "";
    const auto start = key + 9;
    return url.substr(start, url.find(' ', start) - start);
}

// libpq's parse errors quote the URI, password and all: keep only what comes before it, and
// never the password, wherever it shows.
std::string without_url(std::string detail, const std::string& url) {
    if (const std::string password = password_in(url); !password.empty()) {
        for (auto at = detail.find(password); at != std::string::npos;
             at = detail.find(password, at)) {
            detail.replace(at, password.size(), "<password>");
        }
    }
    if (const auto at = detail.find(url); at != std::string::npos) {
        detail.resize(at);
        while (!detail.empty() &&
               (detail.back() == '"' || detail.back() == ' ' || detail.back() == ':')) {
            detail.pop_back();
        }
        constexpr std::string_view kInUri = " in URI";
        if (detail.size() >= kInUri.size() &&
            detail.compare(detail.size() - kInUri.size(), kInUri.size(), kInUri) == 0) {
            detail.resize(detail.size() - kInUri.size());
        }
    }
    return detail;
}

namespace {

// "postgresql://u@h/db/" names the database "db/" to libpq, though a trailing slash means
// nothing in any other URL option: the slashes after a database name are dropped. ("h/" and
// "h" both mean the default database; a key=value string is left alone.)
std::string without_trailing_path_slashes(const std::string& url) {
    if (!starts_with_icase(url, "postgresql://") && !starts_with_icase(url, "postgres://")) {
        return url;
    }
    const std::size_t query = url.find('?');
    std::string head = url.substr(0, query);
    const std::size_t path = head.find('/', head.find("://") + 3);
    if (path == std::string::npos) return url;
    while (head.size() > path + 1 && head.back() == '/') head.pop_back();
    return query == std::string::npos ? head : head + url.substr(query);
}

}  // namespace

Status check_url(const std::string& url) {
    char* error = nullptr;
    std::unique_ptr<PQconninfoOption, ConninfoDeleter> options(
        PQconninfoParse(url.c_str(), &error));
    if (options == nullptr) {
        std::string detail =
            error != nullptr ? without_url(one_line(error), url) : std::string("out of memory");
        PQfreemem(error);
        return make_error(ErrorCode::kInvalidArgument, "invalid-config",
                          "store_url is not a PostgreSQL connection URI (" + detail +
                              "); expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE");
    }
    return ok_status();
}

std::string describe_target(const std::string& given) {
    const std::string url = without_trailing_path_slashes(given);
    char* error = nullptr;
    std::unique_ptr<PQconninfoOption, ConninfoDeleter> options(
        PQconninfoParse(url.c_str(), &error));
    PQfreemem(error);
    if (options == nullptr) return "<unparseable store_url>";
    std::string host, port, dbname, user;
    for (PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
        if (o->val == nullptr) continue;
        const std::string_view keyword = o->keyword;
        if (keyword == "host" || (keyword == "hostaddr" && host.empty())) host = o->val;
        if (keyword == "port") port = o->val;
        if (keyword == "dbname") dbname = o->val;
        if (keyword == "user") user = o->val;
    }
    std::string out = host.empty() ? "localhost" : host;
    out += ":" + (port.empty() ? std::string("5432") : port);
    if (!dbname.empty()) out += "/" + dbname;
    if (!user.empty()) out += " as " + user;
    return out;
}

// --- Connection -----------------------------------------------------------------------------

Result<std::unique_ptr<Connection>> Connection::open(const ConnectOptions& options) {
    if (auto valid = check_url(options.url); !valid) return valid.error();
    // Keywords are applied in order, later ones winning: ours come before the URL's, so a URL
    // may set any of them (connect_timeout=2, say).
    const char* keywords[] = {"connect_timeout",     "keepalives",       "keepalives_idle",
                              "keepalives_interval", "keepalives_count", "tcp_user_timeout",
                              "application_name",    "dbname",           nullptr};
    const std::string application =
        options.application_name.empty() ? std::string("restock") : options.application_name;
    const std::string url = without_trailing_path_slashes(options.url);
    const char* values[] = {"5",         "1",    "10", "3", "3", "10000", application.c_str(),
                            url.c_str(), nullptr};
    PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
    if (conn == nullptr) return unreachable(describe_target(options.url), "out of memory");
    if (PQstatus(conn) != CONNECTION_OK) {
        const std::string detail = PQerrorMessage(conn);
        PQfinish(conn);
        return unreachable(describe_target(options.url), detail);
    }
    std::unique_ptr<Connection> connection(new Connection(conn, options));
    if (auto s = connection->setup(); !s) return s.error();
    return connection;
}

Connection::Connection(PGconn* conn, ConnectOptions options)
    : conn_(conn), options_(std::move(options)), target_(describe_target(options_.url)) {}

Connection::~Connection() { PQfinish(conn_); }

Status Connection::setup() {
    // Durable before acknowledged, whatever the server's default; no session sits in an
    // aborted transaction holding locks.
    return exec(
        "SET synchronous_commit = on; SET idle_in_transaction_session_timeout = '60s'; "
        "SET client_min_messages = warning");
}

bool Connection::up() const { return PQstatus(conn_) == CONNECTION_OK; }

Status Connection::reconnect() {
    if (up()) return ok_status();
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
    if (failed_ && now_ms - failed_at_ms_ < kRetryAfterMs) return *failed_;
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) {
        failed_ = unreachable(target_, PQerrorMessage(conn_));
        failed_at_ms_ = now_ms;
        return *failed_;
    }
    failed_.reset();
    if (auto s = setup(); !s) return s;
    for (const auto& [name, sql] : prepared_) {
        PGresult* result = PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr);
        const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
        const Error error = ok ? Error{} : error_of(result, "prepare " + name);
        PQclear(result);
        if (!ok) return error;
    }
    return ok_status();
}

Error Connection::error_of(PGresult* result, std::string_view what) const {
    if (!up()) return unreachable(target_, PQerrorMessage(conn_));
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    std::string message =
        std::string(what) + ": " + one_line(primary != nullptr ? primary : PQerrorMessage(conn_));
    const std::string_view sqlstate = state != nullptr ? state : "";
    if (sqlstate == kNotWriterState) {
        return make_error(ErrorCode::kStoreLost, "unavailable", std::move(message));
    }
    if (sqlstate == "23505") {
        return make_error(ErrorCode::kAlreadyExists, "store-unique", std::move(message));
    }
    return store_error(std::move(message) +
                       (sqlstate.empty() ? "" : " [" + std::string(sqlstate) + "]"));
}

Status Connection::exec(std::string_view sql) {
    const std::string text(sql);
    PGresult* result = PQexec(conn_, text.c_str());
    const ExecStatusType status = PQresultStatus(result);
    const bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    const Error error = ok ? Error{} : error_of(result, "statement");
    PQclear(result);
    if (!ok) return error;
    return ok_status();
}

Result<Rows> Connection::query(std::string_view sql, const Params& params) {
    const std::string text(sql);
    PGresult* result = PQexecParams(conn_, text.c_str(), params.size(), nullptr, params.values(),
                                    nullptr, nullptr, 0);
    const ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        Error error = error_of(result, "query");
        PQclear(result);
        return error;
    }
    return Rows(result);
}

Status Connection::prepare(const std::string& name, std::string_view sql) {
    const std::string text(sql);
    PGresult* result = PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr);
    const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    const Error error = ok ? Error{} : error_of(result, "prepare " + name);
    PQclear(result);
    if (!ok) return error;
    prepared_.emplace_back(name, text);
    return ok_status();
}

Result<Rows> Connection::run(const std::string& name, const Params& params) {
    PGresult* result =
        PQexecPrepared(conn_, name.c_str(), params.size(), params.values(), nullptr, nullptr, 0);
    const ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        Error error = error_of(result, name);
        PQclear(result);
        return error;
    }
    return Rows(result);
}

// --- Pipeline -------------------------------------------------------------------------------

void Connection::Pipeline::add(const std::string& name, Params params) {
    statements_.emplace_back(name, std::move(params));
}

Connection::Pipeline::Outcome Connection::Pipeline::run() {
    Outcome outcome;
    PGconn* conn = connection_.conn_;
    auto lost = [&](std::string_view detail) {
        outcome.connection_lost = true;
        outcome.error = unreachable(connection_.target_, detail);
        return outcome;
    };
    if (PQenterPipelineMode(conn) != 1) return lost(PQerrorMessage(conn));
    for (const auto& [name, params] : statements_) {
        if (PQsendQueryPrepared(conn, name.c_str(), params.size(), params.values(), nullptr,
                                nullptr, 0) != 1) {
            const std::string detail = PQerrorMessage(conn);
            (void)PQexitPipelineMode(conn);
            return lost(detail);
        }
    }
    // Flushes everything (blocking mode): the results are small, so the server never waits
    // for us to read while we still write.
    if (PQpipelineSync(conn) != 1) {
        const std::string detail = PQerrorMessage(conn);
        (void)PQexitPipelineMode(conn);
        return lost(detail);
    }
    outcome.sent = true;
    // Each statement's results end with a null; the sync point's result ends the pipeline.
    // After a failed statement the others report PGRES_PIPELINE_ABORTED.
    std::size_t index = 0;
    while (true) {
        PGresult* result = PQgetResult(conn);
        if (result == nullptr) {
            if (!connection_.up()) return lost(PQerrorMessage(conn));
            if (++index > statements_.size() + 1) return lost("the pipeline lost its sync point");
            continue;
        }
        const ExecStatusType status = PQresultStatus(result);
        if (status == PGRES_PIPELINE_SYNC) {
            PQclear(result);
            break;
        }
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
            const char* tuples = PQcmdTuples(result);
            int64_t affected = 0;
            std::from_chars(tuples, tuples + std::strlen(tuples), affected);
            outcome.affected.push_back(affected);
        } else if (status != PGRES_PIPELINE_ABORTED && outcome.failed_at < 0) {
            outcome.failed_at = static_cast<int>(index);
            const std::string& name =
                index < statements_.size() ? statements_[index].first : std::string("pipeline");
            outcome.error = connection_.error_of(result, name);
        }
        PQclear(result);
        if (!connection_.up()) return lost(PQerrorMessage(conn));
    }
    if (!connection_.up()) return lost(PQerrorMessage(conn));
    (void)PQexitPipelineMode(conn);
    return outcome;
}

}  // namespace restock::pg
