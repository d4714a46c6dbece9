#include "adapters/sqlite/sqlite_reader.h"

#include "adapters/sqlite/schema.h"
#include "json/json.h"

namespace restock::sqlite {
namespace {

// Rows of a query as records; resets the statement whatever happens.
template <typename T, typename Read>
Result<std::vector<T>> collect(Statement& stmt, Read read) {
    std::vector<T> rows;
    while (true) {
        auto row = stmt.step();
        if (!row) return row.error();
        if (!row.value()) break;
        rows.push_back(read(stmt));
    }
    stmt.reset();
    return rows;
}

template <typename T, typename Read>
Result<std::optional<T>> first(Statement& stmt, Read read) {
    auto rows = collect<T>(stmt, read);
    if (!rows) return rows.error();
    if (rows->empty()) return std::optional<T>();
    return std::optional<T>(std::move(rows->front()));
}

// Status filter on the derived figures; mirrors status_of() in core/names.cpp.
constexpr const char* kStatusCondition =
    "CASE WHEN on_hand - reserved <= 0 THEN 'out_of_stock' "
    "WHEN on_hand - reserved <= reorder_point THEN 'low' ELSE 'in_stock' END";

// The filters of a ProductQuery, each neutral when its parameter is: ?1 after this SKU, ?2
// status (null: any), ?3 lower-case text in the SKU or name ('': any; lower() folds ASCII
// letters only, as on PostgreSQL), ?4 the ArchivedFilter.
const std::string kProductFilters =
    std::string("sku > ?1 AND (?2 IS NULL OR ") + kStatusCondition +
    " = ?2) AND (?3 = '' OR instr(lower(sku), ?3) > 0 OR instr(lower(name), ?3) > 0) "
    "AND (?4 = 2 OR (archived_at IS NOT NULL) = ?4)";

// A JSON array of strings, for json_each(). The strings are identifiers or type names, but
// quote them properly all the same.
std::string json_array(const std::vector<std::string>& items) {
    std::string out;
    json::Writer w(out);
    w.begin_array();
    for (const auto& item : items) w.value(item);
    w.end_array();
    return out;
}

}  // namespace

Result<std::unique_ptr<StockReader>> SqliteReader::create(std::unique_ptr<Connection> connection) {
    std::unique_ptr<SqliteReader> reader(new SqliteReader(std::move(connection)));
    if (auto s = reader->db_->exec("PRAGMA query_only=ON"); !s) return s.error();
    if (auto s = reader->prepare_all(); !s) return s.error();
    return std::unique_ptr<StockReader>(std::move(reader));
}

Status SqliteReader::prepare_all() {
    const std::string products = "SELECT " + std::string(kProductColumns) + " FROM products ";
    const std::initializer_list<std::pair<Statement*, std::string>> statements = {
        {&product_, products + "WHERE sku = ?"},
        {&products_, products + "WHERE " + kProductFilters + " ORDER BY sku LIMIT ?5"},
        {&listed_products_, products + "WHERE " + kProductFilters +
                                " AND sku IN (SELECT value FROM json_each(?6)) "
                                "ORDER BY sku LIMIT ?5"},
        {&movement_, "SELECT " + std::string(kMovementColumns) + " FROM movements WHERE id = ?"},
        {&events_, "SELECT " + std::string(kEventColumns) +
                       " FROM events WHERE seq > ?1 AND seq <= ?2 AND (?4 IS NULL OR type IN "
                       "(SELECT value FROM json_each(?4))) AND (?5 = '' OR sku = ?5) "
                       "ORDER BY seq LIMIT ?3"},
        {&last_event_seq_, "SELECT coalesce(max(seq), 0) FROM events WHERE seq <= ?"},
        {&idempotency_, "SELECT " + std::string(kIdempotencyColumns) +
                            " FROM idempotency WHERE principal = ? AND key = ?"},
        {&receipt_, "SELECT " + std::string(kReceiptColumns) +
                        " FROM receipts WHERE product_id = ? AND reference = ?"},
        {&reservation_,
         "SELECT " + std::string(kReservationColumns) + " FROM reservations WHERE id = ?"},
        {&checkout_slice_,
         "SELECT entries FROM checkout_index WHERE run = ? AND first_key <= ? "
         "ORDER BY first_key DESC LIMIT 1"},
        {&api_key_, "SELECT " + std::string(kKeyColumns) + " FROM api_keys WHERE hash = ?"},
        {&session_, "SELECT " + std::string(kSessionColumns) + " FROM sessions WHERE hash = ?"},
    };
    for (const auto& [target, sql] : statements) {
        auto stmt = db_->prepare(sql);
        if (!stmt) return stmt.error();
        *target = std::move(stmt.value());
    }
    return ok_status();
}

Result<std::optional<Product>> SqliteReader::product(std::string_view sku) {
    product_.bind(1, sku);
    return first<Product>(product_, read_product<Statement>);
}

Result<std::vector<Product>> SqliteReader::find_products(const ProductQuery& query) {
    Statement& stmt = query.skus.empty() ? products_ : listed_products_;
    // Bound without a copy (SQLITE_STATIC): they must outlive the query.
    const std::string skus = json_array(query.skus);
    std::optional<std::string> status;
    if (query.status) status = std::string(to_string(*query.status));
    stmt.bind(1, std::string_view(query.after_sku))
        .bind(2, status)
        .bind(3, std::string_view(query.text))
        .bind(4, static_cast<int64_t>(query.archived))
        .bind(5, static_cast<int64_t>(query.limit));
    if (!query.skus.empty()) stmt.bind(6, std::string_view(skus));
    return collect<Product>(stmt, read_product<Statement>);
}

Result<std::vector<Movement>> SqliteReader::movements(const Product& product, int64_t before_id,
                                                      std::size_t limit, int64_t up_to_id) {
    // Walk the product's chain from its newest movement (or from the cursor) backwards. Each hop
    // is a rowid lookup; all of them share one read transaction so the chain is consistent.
    if (auto s = db_->exec("BEGIN"); !s) return s.error();
    std::vector<Movement> result;
    int64_t next = product.last_movement_id;
    if (before_id > 0) {
        movement_.bind(1, before_id);
        auto cursor = first<Movement>(movement_, read_movement<Statement>);
        if (!cursor) {
            (void)db_->exec("COMMIT");
            return cursor.error();
        }
        if (!cursor.value() || cursor.value()->product_id != product.id) {
            (void)db_->exec("COMMIT");
            return make_error(ErrorCode::kInvalidArgument, "invalid-query",
                              "'cursor' is no movement of " + product.sku +
                                  ": pass back the next_cursor of this list");
        }
        next = cursor.value()->prev_id;
    }
    while (next != 0 && result.size() < limit) {
        movement_.bind(1, next);
        auto found = first<Movement>(movement_, read_movement<Statement>);
        if (!found) {
            (void)db_->exec("COMMIT");
            return found.error();
        }
        if (!found.value()) break;
        next = found.value()->prev_id;
        if (found.value()->id > up_to_id) continue;  // not durable yet: not shown
        result.push_back(std::move(*found.value()));
    }
    (void)db_->exec("COMMIT");
    return result;
}

Result<std::optional<Movement>> SqliteReader::movement(int64_t id) {
    movement_.bind(1, id);
    return first<Movement>(movement_, read_movement<Statement>);
}

Result<std::vector<Event>> SqliteReader::find_events(const EventQuery& query) {
    std::optional<std::string> types;
    if (!query.types.empty()) types = json_array(query.types);
    events_.bind(1, query.after_seq)
        .bind(2, query.up_to_seq)
        .bind(3, static_cast<int64_t>(query.limit))
        .bind(4, types)
        .bind(5, std::string_view(query.sku));
    return collect<Event>(events_, read_event<Statement>);
}

Result<int64_t> SqliteReader::last_event_seq(int64_t up_to_seq) {
    last_event_seq_.bind(1, up_to_seq);
    auto row = last_event_seq_.step();
    if (!row) return row.error();
    const int64_t last = last_event_seq_.integer(0);
    last_event_seq_.reset();
    return last;
}

Result<std::optional<IdempotencyRecord>> SqliteReader::idempotency(std::string_view principal,
                                                                   std::string_view key) {
    idempotency_.bind(1, principal).bind(2, key);
    return first<IdempotencyRecord>(idempotency_, read_idempotency<Statement>);
}

Result<std::optional<ReceiptRecord>> SqliteReader::receipt(int64_t product_id,
                                                           std::string_view reference) {
    receipt_.bind(1, product_id).bind(2, reference);
    return first<ReceiptRecord>(receipt_, read_receipt<Statement>);
}

Result<std::vector<std::string>> SqliteReader::checkout_slices(int64_t key, int64_t runs) {
    std::vector<std::string> slices;
    for (int64_t run = 1; run <= runs; ++run) {
        checkout_slice_.bind(1, run).bind(2, key);
        auto found =
            first<std::string>(checkout_slice_, [](const Statement& s) { return s.text(0); });
        if (!found) return found.error();
        if (*found) slices.push_back(std::move(**found));
    }
    return slices;
}

Result<std::optional<Reservation>> SqliteReader::reservation(std::string_view id) {
    reservation_.bind(1, id);
    return first<Reservation>(reservation_, read_reservation<Statement>);
}

Result<std::optional<ApiKeyRecord>> SqliteReader::api_key(std::string_view hash) {
    api_key_.bind(1, hash);
    return first<ApiKeyRecord>(api_key_, read_key<Statement>);
}

Result<std::optional<SessionRecord>> SqliteReader::session(std::string_view hash) {
    session_.bind(1, hash);
    return first<SessionRecord>(session_, read_session<Statement>);
}

}  // namespace restock::sqlite
