// PgReader: a StockReader on its own PostgreSQL connection. It sees committed rows only, and on
// PostgreSQL every committed row is durable, so the up-to marks of the port do not hide
// anything here. A read whose connection was lost is tried once more on a new connection
// (reads change nothing), so a restarted server costs one slow read, not an error.
// Not thread-safe: one thread at a time (the ReaderPool's lease).
#pragma once

#include <memory>

#include "adapters/postgres/pg_connection.h"
#include "ports/stock_store.h"

namespace restock::pg {

class PgReader final : public StockReader {
  public:
    static Result<std::unique_ptr<StockReader>> open(const ConnectOptions& options);

    Result<std::optional<Product>> product(std::string_view sku) override;
    Result<std::vector<Product>> find_products(const ProductQuery& query) override;
    Result<std::vector<Movement>> movements(const Product& product, int64_t before_id,
                                            std::size_t limit, int64_t up_to_id) override;
    Result<std::optional<Movement>> movement(int64_t id) override;
    Result<std::vector<Event>> find_events(const EventQuery& query) override;
    Result<int64_t> last_event_seq(int64_t up_to_seq) override;
    Result<std::optional<IdempotencyRecord>> idempotency(std::string_view principal,
                                                         std::string_view key) override;
    Result<std::optional<ReceiptRecord>> receipt(int64_t product_id,
                                                 std::string_view reference) override;
    Result<std::vector<std::string>> checkout_slices(int64_t key, int64_t runs) override;
    Result<std::optional<Reservation>> reservation(std::string_view id) override;
    Result<std::optional<ApiKeyRecord>> api_key(std::string_view hash) override;
    Result<std::optional<SessionRecord>> session(std::string_view hash) override;

  private:
    explicit PgReader(std::unique_ptr<Connection> db) : db_(std::move(db)) {}
    Status prepare_all();
    // Runs a prepared statement; on a lost connection, reconnects and runs it once more.
    Result<Rows> run(const std::string& name, const Params& params);

    std::unique_ptr<Connection> db_;
};

}  // namespace restock::pg
