// PgStore: the store on PostgreSQL, shared by any number of Restock nodes.
//
// Every node reads (its own reader connections). One node at a time writes: the one holding
// the writer lease (WriterLease, implemented here), whose engine commits each group as one
// transaction sent in one round trip (libpq pipeline mode), its first statement the fencing
// check of the lease generation. A commit returns once durable (synchronous_commit on), so
// sync() has nothing left to do.
//
// Connections: the writer's (load and write, the engine thread), a control connection (keys,
// the lease, expiry: any thread, serialised), and one per reader. Each reconnects by itself
// when it finds its connection gone.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "adapters/postgres/pg_connection.h"
#include "ports/stock_store.h"
#include "ports/writer_lease.h"

namespace restock::pg {

class PgStore final : public StockStore, public KeyStore, public WriterLease {
  public:
    // Connects, brings the schema up to date (safe when several nodes start at once) and
    // prepares the writer's statements. A bad URL, an unreachable server or a failed login is
    // an error that says which, without the password.
    static Result<std::unique_ptr<PgStore>> open(const ConnectOptions& options);
    ~PgStore() override;

    Result<EngineSnapshot> load() override;
    // REQUIRES: this node holds the writer lease (else kStoreLost, nothing written).
    Status write(const WriteBatch& batch) override;
    Status sync() override { return ok_status(); }  // every commit was durable already
    Result<std::unique_ptr<StockReader>> open_reader() override;
    bool shared() const override { return true; }
    Result<std::string> callback_secret() override;
    Result<int64_t> expire_idempotency(int64_t before_ms) override;

    Result<ApiKeyRecord> create_key(ApiKeyRecord record) override;
    Result<std::vector<ApiKeyRecord>> list_keys() override;
    Status revoke_key(std::string_view name, int64_t at_ms) override;

    Result<LeaseHolder> holder() override;
    Result<std::optional<int64_t>> try_acquire(const std::string& node_id,
                                               const std::string& node_url,
                                               int64_t ttl_ms) override;
    Result<bool> renew(int64_t ttl_ms) override;
    Status release() override;

    // Whether every connection of this store has reached the server recently enough to answer
    // (a cheap round trip on the control connection).
    Status ping();

    const std::string& target() const { return target_; }

  private:
    PgStore(ConnectOptions options, std::unique_ptr<Connection> writer,
            std::unique_ptr<Connection> control);
    Status prepare_writer();
    // The control connection, reconnected if it was lost. REQUIRES: control_mutex_ held.
    Result<Connection*> control();

    const ConnectOptions options_;
    const std::string target_;
    std::mutex writer_mutex_;
    std::unique_ptr<Connection> writer_;
    std::mutex control_mutex_;
    std::unique_ptr<Connection> control_;
    std::atomic<int64_t> generation_{0};  // the lease this node holds; 0: none
};

}  // namespace restock::pg
