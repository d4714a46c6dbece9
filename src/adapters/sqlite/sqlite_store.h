// The embedded store: one SQLite file in WAL mode. Ledger, outbox, idempotency records and keys
// share one file so one transaction covers them all.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "adapters/sqlite/checkpointer.h"
#include "adapters/sqlite/sqlite_db.h"
#include "ports/stock_store.h"

namespace restock::sqlite {

class SqliteStore final : public StockStore, public KeyStore {
  public:
    // Opens or creates `path` and brings its schema up to date.
    static Result<std::unique_ptr<SqliteStore>> open(const std::string& path);
    ~SqliteStore() override;

    Result<EngineSnapshot> load() override;
    Status write(const WriteBatch& batch) override;
    Status sync() override;
    Result<std::unique_ptr<StockReader>> open_reader() override;
    bool shared() const override { return false; }
    Result<std::string> callback_secret() override;
    Result<int64_t> expire_idempotency(int64_t before_ms) override;

    Result<ApiKeyRecord> create_key(ApiKeyRecord record) override;
    Result<std::vector<ApiKeyRecord>> list_keys() override;
    Status revoke_key(std::string_view name, int64_t at_ms) override;

  private:
    SqliteStore(std::string path, std::unique_ptr<Connection> writer);
    Status write_rows(const WriteBatch& batch);
    Status open_wal_for_sync();
    Status write_movements(const std::vector<Movement>& movements);
    Status write_loop_state(const WriteBatch& batch);
    Status load_loop_state(EngineSnapshot& snapshot);
    Status load_checkout_index(EngineSnapshot& snapshot);
    Status write_checkout_index(const CheckoutIndexWrite& write);

    const std::string path_;
    std::mutex writer_mutex_;  // commit() is single-caller, key admin may come from elsewhere
    std::unique_ptr<Connection> writer_;
    Statement begin_;
    Statement commit_;
    Statement upsert_product_;
    Statement update_figures_;
    Statement insert_movement_;
    Statement insert_movements_wide_;
    Statement insert_event_;
    Statement insert_idempotency_;
    Statement insert_receipt_;
    Statement upsert_order_;
    Statement upsert_factory_;
    Statement upsert_subscription_;
    Statement upsert_reservation_;
    Statement delete_subscription_;
    Statement delete_factory_;
    Statement insert_session_;
    Statement end_session_;
    Statement upsert_learned_;
    Statement upsert_queue_;
    Statement upsert_message_;
    Statement delete_message_;
    Statement set_message_mark_;
    Statement discard_slices_;
    Statement insert_slice_;
    Statement complete_run_;
    int wal_fd_ = -1;  // the WAL, opened by us for sync(): fdatasync needs no SQLite lock
    std::unique_ptr<Checkpointer> checkpointer_;  // last: stops before the writer closes
};

}  // namespace restock::sqlite
