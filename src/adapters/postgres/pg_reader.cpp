#include "adapters/postgres/pg_reader.h"

#include "adapters/postgres/pg_array.h"
#include "adapters/postgres/pg_schema.h"

namespace restock::pg {
namespace {

// Mirrors status_of() in core/names.cpp, as the SQLite reader does.
constexpr const char* kStatusCondition =
    "CASE WHEN on_hand - reserved <= 0 THEN 'out_of_stock' "
    "WHEN on_hand - reserved <= reorder_point THEN 'low' ELSE 'in_stock' END";

// The filters of a ProductQuery, as the SQLite reader has them: $1 after this SKU, $2 status
// (null: any), $3 lower-case text in the SKU or name ('': any; under the "C" collation lower()
// folds ASCII letters only, as SQLite's does), $4 the ArchivedFilter.
const std::string kProductFilters =
    std::string("sku > $1::text AND ($2::text IS NULL OR ") + kStatusCondition +
    " = $2::text) AND ($3::text = '' OR strpos(lower(sku COLLATE \"C\"), $3::text) > 0 OR "
    "strpos(lower(name COLLATE \"C\"), $3::text) > 0) "
    "AND ($4::int = 2 OR (archived_at IS NOT NULL) = ($4::int = 1))";

Params product_params(const ProductQuery& query) {
    std::optional<std::string> status;
    if (query.status) status = std::string(to_string(*query.status));
    Params params;
    params.add(query.after_sku)
        .add(status)
        .add(query.text)
        .add(static_cast<int64_t>(query.archived))
        .add(static_cast<int64_t>(query.limit));
    return params;
}

std::string array_of(const std::vector<std::string>& items) {
    ArrayText array;
    for (const auto& item : items) array.add(item);
    return array.take();
}

template <typename T, typename Read>
std::vector<T> all(const Rows& rows, Read read) {
    std::vector<T> out;
    out.reserve(static_cast<std::size_t>(rows.size()));
    for (int i = 0; i < rows.size(); ++i) out.push_back(read(RowAt{rows, i}));
    return out;
}

template <typename T, typename Read>
std::optional<T> first(const Rows& rows, Read read) {
    if (rows.size() == 0) return std::nullopt;
    return read(RowAt{rows, 0});
}

}  // namespace

Result<std::unique_ptr<StockReader>> PgReader::open(const ConnectOptions& options) {
    auto db = Connection::open(options);
    if (!db) return db.error();
    std::unique_ptr<PgReader> reader(new PgReader(std::move(db.value())));
    if (auto s = reader->prepare_all(); !s) return s.error();
    return std::unique_ptr<StockReader>(std::move(reader));
}

Status PgReader::prepare_all() {
    const std::string products = "SELECT " + std::string(kProductColumns) + " FROM products ";
    const std::string movements = std::string(kMovementColumns);
    const std::pair<const char*, std::string> statements[] = {
        {"product", products + "WHERE sku = $1"},
        {"products", products + "WHERE " + kProductFilters + " ORDER BY sku LIMIT $5"},
        {"listed_products", products + "WHERE " + kProductFilters +
                                " AND sku = ANY($6::text[]) ORDER BY sku LIMIT $5"},
        {"movement", "SELECT " + movements + " FROM movements WHERE id = $1"},
        // A product's chain, newest first, from movement $1: one primary-key lookup per hop.
        {"chain",
         "WITH RECURSIVE chain AS (SELECT " + movements +
             ", 1 AS n FROM movements WHERE id = $1 "
             "UNION ALL SELECT m.id, m.product_id, m.prev_id, m.kind, m.delta, m.on_hand_after, "
             "m.reference, m.at, c.n + 1 FROM chain c JOIN movements m ON m.id = c.prev_id "
             "WHERE c.n < $2) SELECT " +
             movements + " FROM chain ORDER BY n"},
        {"events", "SELECT " + std::string(kEventColumns) +
                       " FROM events WHERE seq > $1 AND seq <= $2 AND ($4::text[] IS NULL OR "
                       "type = ANY($4::text[])) AND ($5::text = '' OR sku = $5::text) "
                       "ORDER BY seq LIMIT $3"},
        {"last_event_seq", "SELECT coalesce(max(seq), 0) FROM events WHERE seq <= $1"},
        {"idempotency", "SELECT " + std::string(kIdempotencyColumns) +
                            " FROM idempotency WHERE principal = $1 AND key = $2"},
        {"receipt", "SELECT " + std::string(kReceiptColumns) +
                        " FROM receipts WHERE product_id = $1 AND reference = $2"},
        {"reservation",
         "SELECT " + std::string(kReservationColumns) + " FROM reservations WHERE id = $1"},
        {"api_key", "SELECT " + std::string(kKeyColumns) + " FROM api_keys WHERE hash = $1"},
        {"session", "SELECT " + std::string(kSessionColumns) + " FROM sessions WHERE hash = $1"},
        // One probe per complete run, in one round trip.
        {"checkout_slices",
         "SELECT s.entries FROM generate_series(1, $2::bigint) AS r(run) CROSS JOIN LATERAL "
         "(SELECT entries FROM checkout_index c WHERE c.run = r.run AND c.first_key <= $1 "
         "ORDER BY c.first_key DESC LIMIT 1) AS s ORDER BY r.run"},
    };
    for (const auto& [name, sql] : statements) {
        if (auto s = db_->prepare(name, sql); !s) return s;
    }
    return ok_status();
}

Result<Rows> PgReader::run(const std::string& name, const Params& params) {
    if (auto s = db_->reconnect(); !s) return s.error();
    auto rows = db_->run(name, params);
    if (rows || db_->up()) return rows;
    if (auto s = db_->reconnect(); !s) return s.error();
    return db_->run(name, params);
}

Result<std::optional<Product>> PgReader::product(std::string_view sku) {
    auto rows = run("product", Params().add(sku));
    if (!rows) return rows.error();
    return first<Product>(rows.value(), read_product<RowAt>);
}

Result<std::vector<Product>> PgReader::find_products(const ProductQuery& query) {
    Params params = product_params(query);
    if (!query.skus.empty()) params.add(array_of(query.skus));
    auto rows = run(query.skus.empty() ? "products" : "listed_products", params);
    if (!rows) return rows.error();
    return all<Product>(rows.value(), read_product<RowAt>);
}

Result<std::vector<Movement>> PgReader::movements(const Product& product, int64_t before_id,
                                                  std::size_t limit, int64_t up_to_id) {
    int64_t start = product.last_movement_id;
    if (before_id > 0) {
        auto cursor = movement(before_id);
        if (!cursor) return cursor.error();
        if (!cursor.value() || cursor.value()->product_id != product.id) {
            return make_error(ErrorCode::kInvalidArgument, "invalid-query",
                              "'cursor' is no movement of " + product.sku +
                                  ": pass back the next_cursor of this list");
        }
        start = cursor.value()->prev_id;
    }
    if (start == 0 || limit == 0) return std::vector<Movement>();
    auto rows = run("chain", Params().add(start).add(static_cast<int64_t>(limit)));
    if (!rows) return rows.error();
    std::vector<Movement> out;
    for (auto& m : all<Movement>(rows.value(), read_movement<RowAt>)) {
        if (m.id <= up_to_id) out.push_back(std::move(m));
    }
    return out;
}

Result<std::optional<Movement>> PgReader::movement(int64_t id) {
    auto rows = run("movement", Params().add(id));
    if (!rows) return rows.error();
    return first<Movement>(rows.value(), read_movement<RowAt>);
}

Result<std::vector<Event>> PgReader::find_events(const EventQuery& query) {
    std::optional<std::string> types;
    if (!query.types.empty()) types = array_of(query.types);
    auto rows = run("events", Params()
                                  .add(query.after_seq)
                                  .add(query.up_to_seq)
                                  .add(static_cast<int64_t>(query.limit))
                                  .add(types)
                                  .add(query.sku));
    if (!rows) return rows.error();
    return all<Event>(rows.value(), read_event<RowAt>);
}

Result<int64_t> PgReader::last_event_seq(int64_t up_to_seq) {
    auto rows = run("last_event_seq", Params().add(up_to_seq));
    if (!rows) return rows.error();
    return rows->integer(0, 0);
}

Result<std::optional<IdempotencyRecord>> PgReader::idempotency(std::string_view principal,
                                                               std::string_view key) {
    auto rows = run("idempotency", Params().add(principal).add(key));
    if (!rows) return rows.error();
    return first<IdempotencyRecord>(rows.value(), read_idempotency<RowAt>);
}

Result<std::optional<ReceiptRecord>> PgReader::receipt(int64_t product_id,
                                                       std::string_view reference) {
    auto rows = run("receipt", Params().add(product_id).add(reference));
    if (!rows) return rows.error();
    return first<ReceiptRecord>(rows.value(), read_receipt<RowAt>);
}

Result<std::vector<std::string>> PgReader::checkout_slices(int64_t key, int64_t runs) {
    std::vector<std::string> slices;
    if (runs <= 0) return slices;
    auto rows = run("checkout_slices", Params().add(key).add(runs));
    if (!rows) return rows.error();
    for (int i = 0; i < rows->size(); ++i) slices.push_back(rows->text(i, 0));
    return slices;
}

Result<std::optional<Reservation>> PgReader::reservation(std::string_view id) {
    auto rows = run("reservation", Params().add(id));
    if (!rows) return rows.error();
    return first<Reservation>(rows.value(), read_reservation<RowAt>);
}

Result<std::optional<ApiKeyRecord>> PgReader::api_key(std::string_view hash) {
    auto rows = run("api_key", Params().add(hash));
    if (!rows) return rows.error();
    return first<ApiKeyRecord>(rows.value(), read_key<RowAt>);
}

Result<std::optional<SessionRecord>> PgReader::session(std::string_view hash) {
    auto rows = run("session", Params().add(hash));
    if (!rows) return rows.error();
    return first<SessionRecord>(rows.value(), read_session<RowAt>);
}

}  // namespace restock::pg
