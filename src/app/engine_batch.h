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

    // What a command is about to change in a product: its stock figures only (the common
    // case: the undo copy and the write are small), its settings too, or all of it (new).
    enum class Change { kFigures, kSettings, kCreated };

    // Call before changing the product. Products live in node-based maps, so the pointers stay
    // valid for the batch.
    void touch(Product& product, Change change) {
        auto [it, first] = undo_.try_emplace(&product);
        ProductUndo& undo = it->second;
        if (first) {
            undo.figures = ProductFigures::of(product);
            touched_.push_back(&product);
        }
        if (change == Change::kCreated) {
            undo.created = true;
        } else if (change == Change::kSettings && !undo.created && !undo.full) {
            undo.full = product;
            undo.figures.apply_to(*undo.full);  // as it was before this batch
        }
    }

    // Restores every touched product; returns the skus of products this batch created.
    std::vector<std::string> restore_products() const {
        std::vector<std::string> created;
        for (const auto& [product, undo] : undo_) {
            if (undo.created) {
                created.push_back(product->sku);
            } else if (undo.full) {
                *product = *undo.full;
            } else {
                undo.figures.apply_to(*product);
            }
        }
        return created;
    }

    // Moves the touched products' current state into the writes: full rows for created or
    // re-set products, figures for the rest.
    void collect_products() {
        for (Product* product : touched_) {
            const ProductUndo& undo = undo_.at(product);
            if (undo.created || undo.full) {
                writes.products.push_back(*product);
            } else {
                writes.figures.push_back(ProductFigures::of(*product));
            }
        }
    }

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
    bool index_whole_run = false;  // write a due run of the checkout index in this one batch
    UndoLog<std::string, RestockOrder> orders;
    UndoLog<int64_t, OpenOrder> open_orders;
    UndoLog<std::string, Factory> factories;
    UndoLog<std::string, Subscription> subscriptions;
    UndoLog<std::string, Reservation> holds;         // of StockEngine::held_ (nullopt: not held)
    std::map<std::string, Reservation> hold_writes;  // final state of every hold touched
    std::optional<std::map<std::string, Alarm>> alarms_before;  // set: this batch checked them
    // Replenishment: slots and factory lead times changed by a command (before-images), the
    // whole of them before a daily step, and demand refused for lack of stock (product id,
    // units), counted once the batch is written.
    UndoLog<int64_t, LearningSlot> slots;
    UndoLog<std::string, LeadTimeStats> factory_leads;
    struct DayUndo {
        int64_t learning_day = -1;
        LearningSlots learning;
    };
    std::optional<DayUndo> day_undo;
    // The lines of refused checkouts: demand that was lost (replenishment learns it).
    struct LostLine {
        int64_t product_id = 0;
        int64_t units = 0;
        bool nothing_available = false;  // the product had nothing available then
    };
    std::vector<LostLine> lost_demand;

    int64_t saved_product_id = 0;
    int64_t saved_movement_id = 0;
    int64_t saved_event_seq = 0;
    int64_t saved_order_number = 0;
    int64_t saved_subscription_number = 0;

  private:
    struct ProductUndo {
        bool created = false;
        ProductFigures figures;       // before this batch
        std::optional<Product> full;  // before this batch, when settings change
    };
    std::unordered_map<Product*, ProductUndo> undo_;
    std::vector<Product*> touched_;
};

}  // namespace restock
