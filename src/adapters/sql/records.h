// The column layout the SQL stores share (SQLite and PostgreSQL name their columns alike), and
// one reader per record for any row type with the accessors integer(c), text(c),
// optional_integer(c) and optional_text(c) (column c from 0, in the order of the lists below):
// SQLite's Statement and PostgreSQL's RowAt. Header-only; no I/O.
#pragma once

#include <string>

#include "core/event.h"
#include "core/movement.h"
#include "core/product.h"
#include "core/queue_book.h"
#include "core/reservation.h"
#include "core/restock_order.h"
#include "core/subscription.h"
#include "ports/records.h"

namespace restock::sql {

// A product's fill_rate is stored in parts per million (the API keeps six decimals).
inline constexpr double kFillRatePpm = 1e6;
inline int64_t fill_rate_ppm(const ReorderSettings& s) {
    return static_cast<int64_t>(s.fill_rate * kFillRatePpm + 0.5);
}

inline constexpr const char* kProductColumns =
    "id, sku, name, on_hand, reserved, on_order, reorder_point, reorder_qty, order_up_to, "
    "min_order_qty, pack_size, factory_id, ad_id, signal, last_movement_id, created_at, "
    "updated_at, replenishment, archived_at, fill_rate_ppm";
inline constexpr const char* kMovementColumns =
    "id, product_id, prev_id, kind, delta, on_hand_after, reference, at";
inline constexpr const char* kEventColumns =
    "seq, id, type, sku, on_hand, reserved, available, on_order, position, reorder_point, cause, "
    "order_id, qty, at";
inline constexpr const char* kOrderColumns =
    "id, product_id, sku, qty, factory_id, status, attempts, received_qty, last_error, "
    "trigger_event_id, created_at, updated_at, dispatch_message_id, dispatch_until";
inline constexpr const char* kFactoryColumns =
    "id, url, format, timeout_ms, created_at, lead_time_days";
inline constexpr const char* kSubscriptionColumns =
    "id, topic, protocol, endpoint, event_types, secret, created_at";
inline constexpr const char* kQueueColumns =
    "name, dlq, max_receive_count, visibility_timeout_ms, backoff_base_ms, backoff_max_ms";
inline constexpr const char* kMessageColumns =
    "id, queue, body, receive_count, visible_at, in_flight, last_error, source_queue, created_at";
inline constexpr const char* kKeyColumns = "id, name, role, hash, created_at, revoked_at";
inline constexpr const char* kSessionColumns = "hash, key_hash, created_at, expires_at, ended_at";
inline constexpr const char* kIdempotencyColumns =
    "principal, key, fingerprint, status, body, location, at, request_id";
inline constexpr const char* kReceiptColumns = "product_id, reference, qty, movement_id";
inline constexpr const char* kLearnedColumns = "scope, key, state, updated_at";
inline constexpr const char* kReservationColumns =
    "id, status, lines, expires_at, created_at, updated_at, order_id";
// The movements the checkout index covers (checkouts and releases), as read back into its tail.
inline constexpr const char* kCheckoutTailColumns = "id, reference";
inline constexpr const char* kCheckoutTailKinds = "kind IN (1, 5)";

template <typename Row>
Product read_product(const Row& r) {
    Product p;
    p.id = r.integer(0);
    p.sku = r.text(1);
    p.name = r.text(2);
    p.on_hand = r.integer(3);
    p.reserved = r.integer(4);
    p.on_order = r.integer(5);
    p.settings.reorder_point = r.integer(6);
    p.settings.reorder_qty = r.integer(7);
    p.settings.order_up_to = r.optional_integer(8);
    p.settings.min_order_qty = r.integer(9);
    p.settings.pack_size = r.integer(10);
    p.settings.factory_id = r.text(11);
    p.settings.ad_id = r.optional_text(12);
    p.signal = static_cast<StockSignal>(r.integer(13));
    p.last_movement_id = r.integer(14);
    p.created_at_ms = r.integer(15);
    p.updated_at_ms = r.integer(16);
    p.settings.replenishment = static_cast<ReplenishmentMode>(r.integer(17));
    p.archived_at_ms = r.optional_integer(18);
    p.settings.fill_rate = static_cast<double>(r.integer(19)) / kFillRatePpm;
    return p;
}

template <typename Row>
LearnedRecord read_learned(const Row& r) {
    return LearnedRecord{r.text(0), r.text(1), r.text(2), r.integer(3)};
}

template <typename Row>
Movement read_movement(const Row& r) {
    Movement m;
    m.id = r.integer(0);
    m.product_id = r.integer(1);
    m.prev_id = r.integer(2);
    m.kind = static_cast<MovementKind>(r.integer(3));
    m.delta = r.integer(4);
    m.on_hand_after = r.integer(5);
    m.reference = r.text(6);
    m.at_ms = r.integer(7);
    return m;
}

template <typename Row>
Event read_event(const Row& r) {
    Event e;
    e.seq = r.integer(0);
    e.id = r.text(1);
    e.type = parse_event_type(r.text(2)).value_or(EventType::kStockLow);
    e.sku = r.text(3);
    e.figures = StockFigures{r.integer(4), r.integer(5), r.integer(6),
                             r.integer(7), r.integer(8), r.integer(9)};
    e.cause = r.text(10);
    e.order_id = r.text(11);
    e.qty = r.integer(12);
    e.at_ms = r.integer(13);
    return e;
}

template <typename Row>
RestockOrder read_order(const Row& r) {
    RestockOrder o;
    o.id = r.text(0);
    o.product_id = r.integer(1);
    o.sku = r.text(2);
    o.qty = r.integer(3);
    o.factory_id = r.text(4);
    o.status = parse_order_status(r.text(5)).value_or(OrderStatus::kFailed);
    o.attempts = r.integer(6);
    o.received_qty = r.integer(7);
    o.last_error = r.text(8);
    o.trigger_event_id = r.text(9);
    o.created_at_ms = r.integer(10);
    o.updated_at_ms = r.integer(11);
    o.dispatch_message_id = r.integer(12);
    o.dispatch_until_ms = r.integer(13);
    return o;
}

template <typename Row>
Factory read_factory(const Row& r) {
    Factory f;
    f.id = r.text(0);
    f.url = r.text(1);
    f.format = r.text(2);
    f.timeout_ms = r.integer(3);
    f.created_at_ms = r.integer(4);
    f.lead_time_days = r.optional_integer(5);
    return f;
}

// event_types are stored comma-separated.
template <typename Row>
Subscription read_subscription(const Row& r) {
    Subscription s;
    s.id = r.text(0);
    s.topic = r.text(1);
    s.protocol = parse_protocol(r.text(2)).value_or(Protocol::kQueue);
    s.endpoint = r.text(3);
    const std::string types = r.text(4);
    std::size_t start = 0;
    while (start < types.size()) {
        std::size_t comma = types.find(',', start);
        if (comma == std::string::npos) comma = types.size();
        s.event_types.push_back(types.substr(start, comma - start));
        start = comma + 1;
    }
    s.secret = r.text(5);
    s.created_at_ms = r.integer(6);
    return s;
}

template <typename Row>
QueuePolicy read_queue(const Row& r) {
    return QueuePolicy{r.text(0),    r.text(1),    r.integer(2),
                       r.integer(3), r.integer(4), r.integer(5)};
}

template <typename Row>
QueueMessage read_message(const Row& r) {
    QueueMessage m;
    m.id = r.integer(0);
    m.queue = r.text(1);
    m.body = r.text(2);
    m.receive_count = r.integer(3);
    m.visible_at_ms = r.integer(4);
    m.in_flight = r.integer(5) != 0;
    m.last_error = r.text(6);
    m.source_queue = r.text(7);
    m.created_at_ms = r.integer(8);
    return m;
}

template <typename Row>
ApiKeyRecord read_key(const Row& r) {
    return ApiKeyRecord{r.integer(0), r.text(1),    r.text(2),
                        r.text(3),    r.integer(4), r.optional_integer(5)};
}

template <typename Row>
SessionRecord read_session(const Row& r) {
    return SessionRecord{r.text(0), r.text(1), r.integer(2), r.integer(3), r.optional_integer(4)};
}

template <typename Row>
IdempotencyRecord read_idempotency(const Row& r) {
    return IdempotencyRecord{r.text(0), r.text(1), r.text(2),    static_cast<int>(r.integer(3)),
                             r.text(4), r.text(5), r.integer(6), r.text(7)};
}

template <typename Row>
ReceiptRecord read_receipt(const Row& r) {
    return ReceiptRecord{r.integer(0), r.text(1), r.integer(2), r.integer(3)};
}

// Lines that do not decode (a damaged row) come back empty: such a hold holds nothing.
template <typename Row>
Reservation read_reservation(const Row& r) {
    Reservation h;
    h.id = r.text(0);
    h.status = parse_reservation_status(r.text(1)).value_or(ReservationStatus::kReleased);
    h.lines = decode_lines(r.text(2)).value_or(std::vector<ReservationLine>{});
    h.expires_at_ms = r.integer(3);
    h.created_at_ms = r.integer(4);
    h.updated_at_ms = r.integer(5);
    h.order_id = r.text(6);
    return h;
}

template <typename Row>
CheckoutEntry read_checkout_entry(const Row& r) {
    return CheckoutEntry{checkout_key(r.text(1)), r.integer(0)};
}

// Joins event types for their column.
inline std::string join_event_types(const std::vector<std::string>& types) {
    std::string joined;
    for (const auto& type : types) joined += (joined.empty() ? "" : ",") + type;
    return joined;
}

}  // namespace restock::sql
