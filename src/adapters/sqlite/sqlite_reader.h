// StockReader over its own SQLite connection. Each read is its own short read transaction, so
// it sees committed data only and never blocks the writer (WAL).
#pragma once

#include <memory>

#include "adapters/sqlite/sqlite_db.h"
#include "ports/stock_store.h"

namespace restock::sqlite {

class SqliteReader final : public StockReader {
  public:
    static Result<std::unique_ptr<StockReader>> create(std::unique_ptr<Connection> connection);

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
    explicit SqliteReader(std::unique_ptr<Connection> connection) : db_(std::move(connection)) {}
    Status prepare_all();

    std::unique_ptr<Connection> db_;
    Statement product_;
    Statement products_;         // by the filters of a ProductQuery
    Statement listed_products_;  // ...of the SKUs it lists
    Statement movement_;
    Statement events_;
    Statement last_event_seq_;
    Statement idempotency_;
    Statement receipt_;
    Statement checkout_slice_;
    Statement reservation_;
    Statement api_key_;
    Statement session_;
};

}  // namespace restock::sqlite
