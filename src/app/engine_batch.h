// The work of one group commit: what it will write, and how to undo its in-memory effects if
// the commit fails. Private to the engine.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "app/stock_engine.h"

namespace restock {

// Before-images of the entries of one map that a batch changed, in first-touch order.
template <typename Key, typename Value>
class UndoLog {
  public:
    // Records `before` (nullopt: the entry did not exist) the first time `key` is touched.
    void record(const Key& key, const std::optional<Value>& before) {
        if (before_.emplace(key, before).second) order_.push_back(key);
    }
    const std::vector<Key>& keys() const { return order_; }
    const std::optional<Value>& before(const Key& key) const { return before_.at(key); }

    template <typename Map>
    void restore(Map& map) const {
        for (const auto& key : order_) {
            const auto& image = before_.at(key);
            if (image) {
                map.insert_or_assign(key, *image);
            } else {
                map.erase(key);
            }
        }
    }

  private:
    std::map<Key, std::optional<Value>> before_;
    std::vector<Key> order_;
};

class StockEngine::Batch {
  public:
    explicit Batch(int64_t now_ms) : now_ms(now_ms) {}

    // Products live in node-based maps, so the pointers stay valid for the batch.
    void touch(Product& product, bool created) {
        if (!undo_.emplace(&product, created ? std::nullopt : std::optional<Product>(product))
                 .second) {
            return;
        }
        touched_.push_back(&product);
    }

    const std::vector<Product*>& touched() const { return touched_; }
    const std::unordered_map<Product*, std::optional<Product>>& undo() const { return undo_; }

    const IdempotencyRecord* find_idempotency(const std::string& principal,
                                              const std::string& key) const {
        for (const auto& record : writes.idempotency) {
            if (record.principal == principal && record.key == key) return &record;
        }
        return nullptr;
    }

    const ReceiptRecord* find_receipt(int64_t product_id, const std::string& reference) const {
        for (const auto& record : writes.receipts) {
            if (record.product_id == product_id && record.reference == reference) return &record;
        }
        return nullptr;
    }

    const Movement* find_movement(int64_t id) const {
        for (const auto& movement : writes.movements) {
            if (movement.id == id) return &movement;
        }
        return nullptr;
    }

    const int64_t now_ms;
    WriteBatch writes;
    UndoLog<std::string, RestockOrder> orders;
    UndoLog<int64_t, std::string> open_orders;
    UndoLog<std::string, Factory> factories;
    UndoLog<std::string, Subscription> subscriptions;

    int64_t saved_product_id = 0;
    int64_t saved_movement_id = 0;
    int64_t saved_event_seq = 0;
    int64_t saved_order_number = 0;
    int64_t saved_subscription_number = 0;

  private:
    std::unordered_map<Product*, std::optional<Product>> undo_;  // nullopt: created in this batch
    std::vector<Product*> touched_;
};

}  // namespace restock
