// Store port: where products, the ledger, the outbox and request records live durably.
// Adapters: SQLite (embedded, one process) and PostgreSQL (shared by many nodes, of which one
// at a time writes: ports/writer_lease.h). Core code never sees either.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "ports/records.h"

namespace restock {

// Which products a list holds: those that are not archived (the default), only archived ones,
// or all.
enum class ArchivedFilter { kActive = 0, kArchived = 1, kAll = 2 };

// A page of GET /v1/products: products ordered by sku, strictly after `after_sku`, for which
// every filter given holds.
struct ProductQuery {
    std::optional<ProductStatus> status;
    std::vector<std::string> skus;  // one of these (empty: any)
    // The SKU or the name contains it, ASCII letters in either case (empty: any). Lower-case.
    std::string text;
    ArchivedFilter archived = ArchivedFilter::kActive;
    std::string after_sku;
    std::size_t limit = 50;
};

// A page of the event log: after_seq < seq <= up_to_seq, oldest first, for which every filter
// given holds.
struct EventQuery {
    int64_t after_seq = 0;
    int64_t up_to_seq = 0;
    std::size_t limit = 50;
    std::vector<std::string> types;  // one of these type names (empty: any)
    std::string sku;                 // empty: any
};

// Read access to committed state. NOT thread-safe: one reader per thread at a time.
// Readers never block the writer and see only committed data.
class StockReader {
  public:
    virtual ~StockReader() = default;

    virtual Result<std::optional<Product>> product(std::string_view sku) = 0;
    virtual Result<std::vector<Product>> find_products(const ProductQuery& query) = 0;
    // Products that are not archived, ordered by sku, strictly after `after_sku`, optionally
    // by status.
    Result<std::vector<Product>> products(std::optional<ProductStatus> status,
                                          std::string_view after_sku, std::size_t limit) {
        ProductQuery query;
        query.status = status;
        query.after_sku = std::string(after_sku);
        query.limit = limit;
        return find_products(query);
    }
    // A product's movements, newest first, with ids below `before_id` (0: from the newest) and
    // at most `up_to_id` (the newest durable one: later ones are skipped). A `before_id` that is
    // no movement of the product is an invalid-query error (kInvalidArgument).
    virtual Result<std::vector<Movement>> movements(const Product& product, int64_t before_id,
                                                    std::size_t limit, int64_t up_to_id) = 0;
    virtual Result<std::optional<Movement>> movement(int64_t id) = 0;
    virtual Result<std::vector<Event>> find_events(const EventQuery& query) = 0;
    // Events with after_seq < seq <= up_to_seq, oldest first.
    Result<std::vector<Event>> events(int64_t after_seq, std::size_t limit, int64_t up_to_seq) {
        return find_events(EventQuery{after_seq, up_to_seq, limit, {}, {}});
    }
    // The highest event seq at most up_to_seq (0: none).
    virtual Result<int64_t> last_event_seq(int64_t up_to_seq) = 0;
    virtual Result<std::optional<IdempotencyRecord>> idempotency(std::string_view principal,
                                                                 std::string_view key) = 0;
    virtual Result<std::optional<ReceiptRecord>> receipt(int64_t product_id,
                                                         std::string_view reference) = 0;
    // For each complete run of the checkout index (1..runs), the slice that would hold `key`:
    // the one with the greatest first key at most `key`. Runs with none are left out.
    virtual Result<std::vector<std::string>> checkout_slices(int64_t key, int64_t runs) = 0;
    // The hold with this id, whatever its status.
    virtual Result<std::optional<Reservation>> reservation(std::string_view id) = 0;
    // The key with this hash, revoked or not.
    virtual Result<std::optional<ApiKeyRecord>> api_key(std::string_view hash) = 0;
    // A dashboard session by its token's hash, ended or expired ones included.
    virtual Result<std::optional<SessionRecord>> session(std::string_view hash) = 0;
};

// Thread-safe as documented per method.
class StockStore {
  public:
    virtual ~StockStore() = default;

    // Called once per engine, before its first commit.
    virtual Result<EngineSnapshot> load() = 0;
    // Writes the whole batch atomically. On return it is visible to readers and survives a
    // crash of this process, but it is durable (survives power loss) only once sync() that
    // started after this write has returned.
    // On failure: kUnavailable means nothing was written and the store is as it was, so the
    // writer may undo the batch in memory and go on. kStoreLost means the writer can no longer
    // know the store's state (the connection died during the commit, whose outcome is then
    // unknown, or another node has taken the writer lease): it must stop and load() again.
    // REQUIRES: one caller at a time (the engine's writer thread).
    virtual Status write(const WriteBatch& batch) = 0;
    // Makes every batch written before the call durable. May run on another thread while
    // write() runs: that is how a group commit overlaps the next batch with this one's sync.
    // A failure means durability is unknown; callers treat it as fatal.
    virtual Status sync() = 0;
    // write() then sync().
    Status commit(const WriteBatch& batch) {
        if (auto written = write(batch); !written) return written;
        return sync();
    }
    // A new reader with its own connection. Thread-safe.
    virtual Result<std::unique_ptr<StockReader>> open_reader() = 0;
    // Whether processes other than this one work on the store (several nodes on one database).
    // Then a message in flight or a dispatch hold found at load() may belong to a live
    // receiver on another node and is kept; on an embedded store they belonged to the last
    // process, which is gone, and are released.
    virtual bool shared() const = 0;
    // The secret that signs factory callback tokens: random, fixed when the store was created,
    // the same for every node. Thread-safe.
    virtual Result<std::string> callback_secret() = 0;
    // Deletes idempotency records older than `before_ms`; returns how many. Thread-safe, and
    // safe beside write(): records are only ever added by write() and read by key.
    virtual Result<int64_t> expire_idempotency(int64_t before_ms) = 0;
};

// API keys, stored hashed. Thread-safe.
class KeyStore {
  public:
    virtual ~KeyStore() = default;
    virtual Result<ApiKeyRecord> create_key(ApiKeyRecord record) = 0;
    virtual Result<std::vector<ApiKeyRecord>> list_keys() = 0;
    // Not found is kNotFound.
    virtual Status revoke_key(std::string_view name, int64_t at_ms) = 0;
};

}  // namespace restock
