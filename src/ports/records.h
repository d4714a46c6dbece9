// Plain records the store keeps beside products, movements and events.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/checkout_index.h"
#include "core/event.h"
#include "core/movement.h"
#include "core/product.h"
#include "core/queue_book.h"
#include "core/reservation.h"
#include "core/restock_order.h"
#include "core/subscription.h"

namespace restock {

// The stored first response to a request that carried an Idempotency-Key.
struct IdempotencyRecord {
    std::string principal;    // who sent it: keys are scoped per API key
    std::string key;          // the Idempotency-Key header
    std::string fingerprint;  // hash of method, path and the body's canonical JSON
    int status = 0;
    std::string body;
    std::string location;  // Location header of the first response, if any
    int64_t at_ms = 0;
    std::string request_id;  // of the first request: a replay carries it, as its body does
};

// A receipt already booked under (product, reference): receipts are idempotent per reference.
struct ReceiptRecord {
    int64_t product_id = 0;
    std::string reference;
    int64_t qty = 0;
    int64_t movement_id = 0;
};

struct ApiKeyRecord {
    int64_t id = 0;
    std::string name;
    std::string role;  // "admin", "storefront" or "factory"
    std::string hash;  // hex SHA-256 of the key; the key itself is never stored
    int64_t created_at_ms = 0;
    std::optional<int64_t> revoked_at_ms;
};

// A dashboard login: the session cookie's token (by its hash; the token itself is never
// stored) stands for the API key it was exchanged for, until it expires or ends (logout).
struct SessionRecord {
    std::string hash;      // hex SHA-256 of the cookie's token
    std::string key_hash;  // the API key's hash (ApiKeyRecord::hash): revoking it ends this
    int64_t created_at_ms = 0;
    int64_t expires_at_ms = 0;
    std::optional<int64_t> ended_at_ms;
};

// A logout: the session ends at this time.
struct SessionEnd {
    std::string hash;
    int64_t at_ms = 0;
};

// What replenishment has learned (core/replenishment_policy.h) about a product (scope
// "product", key its id) or a factory (scope "factory", key its id), as its stored text.
struct LearnedRecord {
    std::string scope;
    std::string key;
    std::string state;
    int64_t updated_at_ms = 0;
};
inline constexpr const char* kLearnedProduct = "product";
inline constexpr const char* kLearnedFactory = "factory";
// The day in progress of a product (key: its id), apart from its learned state so that a
// version that does not know it still reads the product's row (and skips this scope).
inline constexpr const char* kLearnedProductDay = "product-day";

// The figures of a product that stock movements change; what most commits write per product.
struct ProductFigures {
    int64_t id = 0;
    int64_t on_hand = 0;
    int64_t reserved = 0;
    int64_t on_order = 0;
    StockSignal signal = StockSignal::kNone;
    int64_t last_movement_id = 0;
    int64_t updated_at_ms = 0;

    static ProductFigures of(const Product& p) {
        return ProductFigures{p.id,     p.on_hand,          p.reserved,     p.on_order,
                              p.signal, p.last_movement_id, p.updated_at_ms};
    }
    void apply_to(Product& p) const {
        p.on_hand = on_hand;
        p.reserved = reserved;
        p.on_order = on_order;
        p.signal = signal;
        p.last_movement_id = last_movement_id;
        p.updated_at_ms = updated_at_ms;
    }
};

// Everything one group commit writes, in one transaction.
struct WriteBatch {
    std::vector<Product> products;        // full state of every product created or re-set
    std::vector<ProductFigures> figures;  // products whose settings did not change
    std::vector<Movement> movements;
    std::vector<Event> events;
    std::vector<IdempotencyRecord> idempotency;
    std::vector<ReceiptRecord> receipts;
    std::vector<RestockOrder> orders;  // full state of every order created or changed
    std::vector<Factory> factories;
    std::vector<std::string> deleted_factories;
    std::vector<Subscription> subscriptions;
    std::vector<std::string> deleted_subscriptions;
    std::vector<Reservation> reservations;  // every hold created or changed
    std::vector<SessionRecord> sessions;    // new logins
    std::vector<SessionEnd> ended_sessions;
    QueueChanges queues;
    CheckoutIndexWrite checkout_index;   // slices of the run being written (core/checkout_index.h)
    std::vector<LearnedRecord> learned;  // replaces the record of the same scope and key

    bool empty() const {
        return products.empty() && figures.empty() && movements.empty() && events.empty() &&
               idempotency.empty() && receipts.empty() && orders.empty() && factories.empty() &&
               deleted_factories.empty() && subscriptions.empty() &&
               deleted_subscriptions.empty() && reservations.empty() && sessions.empty() &&
               ended_sessions.empty() && queues.upserted.empty() && queues.deleted.empty() &&
               queues.policies.empty() && checkout_index.empty() && learned.empty();
    }
};

// What the engine needs at start: the authoritative state it will own from then on.
struct EngineSnapshot {
    std::vector<Product> products;
    int64_t last_movement_id = 0;
    int64_t last_event_seq = 0;
    std::string database_id;  // random, fixed at creation; makes event ids globally unique
    std::vector<RestockOrder> orders;
    std::vector<Factory> factories;
    std::vector<Subscription> subscriptions;
    std::vector<QueuePolicy> queue_policies;
    std::vector<QueueMessage> queue_messages;
    int64_t last_message_id = 0;
    std::vector<Reservation> reservations;  // those still held
    std::vector<Event> alarm_events;        // alarm.raised / alarm.cleared, in seq order
    // The checkout index: its complete runs, and the checkout and release movements after them
    // (id order), which the engine keeps in memory until they make a run.
    CheckoutIndexMark checkout_index;
    std::vector<CheckoutEntry> checkout_tail;
    std::vector<LearnedRecord> learned;  // what replenishment learned (core/replenishment_policy.h)
};

}  // namespace restock
