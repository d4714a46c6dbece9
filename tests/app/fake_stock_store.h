// FakeStockStore: an in-memory StockStore for engine tests (Envoy-style: a fake per interface).
// It keeps what a real store keeps and refuses what the SQLite schema refuses (negative stock,
// repeated ids, repeated idempotency keys or receipt references), all or nothing per batch.
// Readers see committed state only. It is also the KeyStore, as the SQLite store is. Thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ports/stock_store.h"

namespace restock::testing {

class FakeStockStore final : public StockStore, public KeyStore {
  public:
    explicit FakeStockStore(std::string database_id = "fakedb")
        : database_id_(std::move(database_id)) {}

    Result<EngineSnapshot> load() override;
    Status write(const WriteBatch& batch) override;
    Status sync() override { return ok_status(); }  // memory: written is as durable as it gets
    Result<std::unique_ptr<StockReader>> open_reader() override;
    bool shared() const override { return shared_.load(); }
    // Behave as a store several nodes share (StockStore::shared()) from the next load on.
    void set_shared(bool shared) { shared_.store(shared); }
    Result<std::string> callback_secret() override {
        return std::string("fake-callback-secret-of-thirty-two-or-more-bytes");
    }
    Result<int64_t> expire_idempotency(int64_t before_ms) override;

    Result<ApiKeyRecord> create_key(ApiKeyRecord record) override;
    Result<std::vector<ApiKeyRecord>> list_keys() override;
    Status revoke_key(std::string_view name, int64_t at_ms) override;

    // Committed state, for assertions.
    std::optional<Product> product(std::string_view sku) const;
    std::vector<Movement> movements() const;  // by id
    std::vector<Event> events() const;        // by seq
    std::size_t idempotency_records() const;
    std::size_t receipt_records() const;
    std::size_t commits() const;
    std::vector<QueueMessage> messages(std::string_view queue) const;  // by id
    std::size_t checkout_runs() const;  // complete runs of the checkout index

  private:
    friend class FakeStockReader;

    struct State {
        std::map<int64_t, Product> products;  // by id
        std::map<std::string, int64_t, std::less<>> ids_by_sku;
        std::map<int64_t, Movement> movements;
        std::map<int64_t, Event> events;
        std::map<std::pair<std::string, std::string>, IdempotencyRecord> idempotency;
        std::map<std::pair<int64_t, std::string>, ReceiptRecord> receipts;
        std::vector<ApiKeyRecord> keys;
        // The restock loop's state, kept so that a restarted engine finds it again.
        std::map<std::string, RestockOrder> orders;
        std::map<std::string, Factory> factories;
        std::map<std::pair<std::string, std::string>, LearnedRecord> learned;  // by scope, key
        std::map<std::string, Subscription> subscriptions;
        std::map<std::string, QueuePolicy> queues;
        std::map<int64_t, QueueMessage> messages;
        std::map<std::string, Reservation, std::less<>> reservations;
        std::map<std::string, SessionRecord> sessions;
        std::map<std::pair<int64_t, int64_t>, std::string> slices;  // by (run, first key)
        std::map<int64_t, int64_t> runs;                            // complete: run -> through
        int64_t last_message_id = 0;  // a high-water mark: acknowledged messages are deleted
        std::size_t commits = 0;
    };

    Status check(const WriteBatch& batch) const;  // REQUIRES: mutex_ held

    const std::string database_id_;
    std::atomic<bool> shared_{false};
    mutable std::mutex mutex_;
    State state_;
};

}  // namespace restock::testing
