// What callers hand the stock engine and what they get back.
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/alarm.h"
#include "core/movement.h"
#include "core/product.h"
#include "core/queue_book.h"
#include "core/replenishment_policy.h"
#include "core/requests.h"
#include "core/reservation.h"
#include "core/restock_order.h"
#include "core/result.h"
#include "core/stock_rules.h"
#include "core/subscription.h"
#include "ports/records.h"

namespace restock {

struct PatchProduct {
    std::string sku;
    ProductPatch patch;
};

// --- the restock loop ---------------------------------------------------------------

// order-dispatch: the open order for the product, creating it if the product needs one.
// The message that asks claims the order's dispatch for a while, so two messages about the
// same product never send it to the factory concurrently.
struct PlaceRestockOrder {
    std::string sku;
    std::string trigger_event_id;
    int64_t message_id = 0;
    // The delivery's receive count: a delivery of a message that was delivered again since
    // never holds the dispatch. 0: not checked (tools and tests that hold no delivery).
    int64_t receive_count = 0;
};

// order-dispatch: the factory's answer, and the queue message settled in the same commit.
struct CompleteDispatch {
    std::string order_id;
    bool accepted = false;
    std::string error;  // when not accepted
    int64_t message_id = 0;
    int64_t receive_count = 0;
};

// The factory's legacy callback, token already verified: queue a stock receipt.
struct AcceptCallback {
    std::string order_id;
    std::string sku;
    int64_t qty = 0;
    std::string shipment;  // shipment id, or derived from the quantity
};

// stock-increase: book a shipment once per (order, shipment) and settle the message.
struct ReceiveShipment {
    std::string order_id;
    std::string shipment;
    int64_t qty = 0;
    int64_t message_id = 0;
    int64_t receive_count = 0;
};

// An admin cancels an open restock order (the factory is not told: the legacy API cannot).
struct CancelRestockOrder {
    std::string order_id;
};

// --- reservations (cart holds; NewReservation is in core/reservation.h) -------------------

// DELETE /v1/reservations/{id}: the storefront gives the hold back.
struct ReleaseReservation {
    std::string id;
};

// --- queues ----------------------------------------------------------------------------

struct QueueReceive {
    std::string queue;
    std::size_t max = 1;
};
struct QueueAck {
    int64_t id = 0;
    int64_t receive_count = 0;
};
struct QueueFail {
    int64_t id = 0;
    int64_t receive_count = 0;
    std::string error;
};
struct QueueRedrive {
    std::string queue;
};
struct QueuePurge {
    std::string queue;
};
// One message of a queue, by id: deleted, or (from a DLQ) moved back to its source queue.
struct QueueDeleteMessage {
    std::string queue;
    int64_t id = 0;
};
struct QueueRedriveMessage {
    std::string queue;
    int64_t id = 0;
};
struct QueuePolicyPatch {
    std::string queue;
    std::optional<int64_t> max_receive_count;
    std::optional<int64_t> visibility_timeout_ms;
    std::optional<int64_t> backoff_base_ms;
    std::optional<int64_t> backoff_max_ms;
};
struct QueueList {};
struct QueuePeek {
    std::string queue;
    std::size_t limit = 50;
};

// --- topics and factories --------------------------------------------------------------

struct CreateSubscription {
    Subscription subscription;  // id, secret and created_at are assigned by the engine
};
struct DeleteSubscription {
    std::string topic;
    std::string id;
};
struct ListSubscriptions {
    std::string topic;
};
struct PutFactory {
    Factory factory;
};
// DELETE /v1/factories/{id}: refused while a product names it or an order to it is open.
struct DeleteFactory {
    std::string id;
};
struct GetFactories {
    std::string id;  // empty: all
};
// --- dashboard sessions (the key was checked by the caller) ------------------------------

struct OpenSession {
    SessionRecord session;
};
struct EndSession {
    std::string hash;
};

// GET /v1/alarms: the open ones.
struct GetAlarms {};

// /metrics: the figures an operator alarms on, as the engine holds them now.
struct GetGauges {};

struct GetRestockOrders {
    std::string id;  // empty: all, newest first
    std::size_t limit = 100;
    std::string after_id;
    // Filters of the list (all must hold): any of these statuses (none: every status), this
    // SKU, created before this time, overdue or not (core/restock_order.h).
    std::vector<OrderStatus> statuses;
    std::string sku;
    std::optional<int64_t> created_before_ms;
    std::optional<bool> overdue;
};

// GET /v1/products/{sku}/replenishment: what replenishment has learned about the product, and
// the settings it would give it now.
struct GetReplenishment {
    std::string sku;
};

using Command =
    std::variant<NewProduct, PatchProduct, CheckoutRequest, ReleaseRequest, ReceiptRequest,
                 AdjustmentRequest, NewReservation, ReleaseReservation, PlaceRestockOrder,
                 CompleteDispatch, AcceptCallback, ReceiveShipment, CancelRestockOrder,
                 QueueReceive, QueueAck, QueueFail, QueueRedrive, QueuePurge, QueueDeleteMessage,
                 QueueRedriveMessage, QueuePolicyPatch, QueueList, QueuePeek, CreateSubscription,
                 DeleteSubscription, ListSubscriptions, PutFactory, GetFactories, GetRestockOrders,
                 GetGauges, OpenSession, EndSession, GetAlarms, GetReplenishment, DeleteFactory>;

struct ProductOutcome {
    Product product;
    bool created = false;
};

struct CheckoutLineOutcome {
    std::string sku;
    int64_t qty = 0;
    int64_t movement_id = 0;
    int64_t available = 0;  // after the checkout
};

struct CheckoutOutcome {
    std::string order_id;
    std::vector<CheckoutLineOutcome> lines;
    int64_t at_ms = 0;
};

// An order's line after a release: what its checkouts took and what is back in all.
struct ReleaseLineOutcome {
    std::string sku;
    int64_t taken = 0;
    int64_t released = 0;      // in all, this release included
    int64_t released_now = 0;  // by this release (0: nothing more to give back)
    int64_t movement_id = 0;   // this release's movement, if it gave something back
    int64_t available = 0;     // after the release
};

struct ReleaseOutcome {
    std::string order_id;
    std::vector<ReleaseLineOutcome> lines;  // every line of the order, in the order taken
    int64_t at_ms = 0;
};

// Nothing was taken (or, for a reservation, set aside): these lines lack stock.
struct CheckoutRefused {
    std::string order_id;  // or the reservation's id, when `reservation`
    std::vector<Shortfall> shortfalls;
    bool reservation = false;
};

struct ReservationOutcome {
    Reservation reservation;
    bool created = false;
};

struct MovementOutcome {
    Movement movement;
    Product product;
    bool replayed = false;  // a receipt with a reference already booked: nothing was added
};

// The first response to the same Idempotency-Key, replayed.
struct StoredResponse {
    int status = 0;
    std::string body;
    std::string location;    // the Location header of a 201, replayed with it
    std::string request_id;  // the first request's, which its body may name
};

struct OrderOutcome {
    std::optional<RestockOrder> order;  // nullopt: no order needed now
    bool created = false;
    std::optional<Factory> factory;  // where it goes, if the factory is known
    std::string note;                // why there is no order, for logs
    bool dispatch = false;           // this message holds the dispatch: send it
    int64_t dispatch_ms = 0;         // ...for this long: until its message may be delivered again
};

struct MessagesOutcome {
    std::vector<QueueMessage> messages;
    // A receive that found nothing deliverable: how long until the queue's next message (a
    // delayed retry, or one in flight whose visibility timeout runs out) becomes deliverable.
    std::optional<int64_t> next_visible_in_ms;
};

struct QueueInfo {
    QueuePolicy policy;
    QueueCounts counts;
};
struct QueuesOutcome {
    std::vector<QueueInfo> queues;
    bool single = false;  // about one queue (a policy change), not the list
};

struct CountOutcome {
    std::string label;  // what was counted: "redriven", "purged", "deleted"
    int64_t count = 0;
};

struct SubscriptionsOutcome {
    std::vector<Subscription> subscriptions;
    bool created = false;  // a single new one: its secret may be shown once
};

struct FactoriesOutcome {
    std::vector<Factory> factories;
    bool created = false;
    bool single = false;  // asked for one by id
};

struct OrdersOutcome {
    std::vector<RestockOrder> orders;
    std::vector<int64_t> due_at_ms;  // each order's due time (its factory's lead time)
    int64_t now_ms = 0;              // when the list was made: an order past due then is overdue
    bool single = false;
    std::string next_cursor;  // more orders follow below this id
};

struct GaugesOutcome {
    std::vector<QueueInfo> queues;  // every queue and DLQ (a DLQ's policy names no DLQ)
    // Restock orders by status (index: OrderStatus), and the acknowledged ones past due.
    std::array<int64_t, 6> orders_by_status{};
    int64_t overdue_orders = 0;
    int64_t now_ms = 0;
};

struct AlarmsOutcome {
    std::vector<Alarm> alarms;  // open, oldest first
};

// What replenishment knows about one product, as the engine holds it now.
struct ReplenishmentOutcome {
    Product product;
    ProductLearning learning;  // its demand model, its own receipts, the settings given
    bool ready = false;        // enough is known for mode auto to follow the learned figures
    bool follows = false;      // mode auto and ready: reorder_point and reorder_qty are learned
    DemandEstimate demand;
    LeadTimeEstimate factory_lead;  // the factory's: its prior, receipts, censored open orders
    LeadTimeEstimate lead;          // the product's, with the factory's as its prior
    double prior_lead_days = 0;     // the factory's lead_time_days (or the default)
    // When an order of this product is due: the 95th percentile of the learned lead time from
    // receipts (nullopt: no receipts yet, the prior's whole days are used).
    std::optional<double> due_days;
    double fill_rate = 0;  // the target the figures below are computed for
    PolicyFigures policy;
    int64_t sold_today = 0;  // since the last daily step
    int64_t lost_today = 0;
    int64_t open_order_age_ms = -1;  // the open order's age (-1: none)
};

// Done, nothing more to report (acks, settled messages, queued callbacks).
struct Done {
    std::string note;
    int status = 200;  // 202 when the work continues asynchronously
};

using Outcome =
    std::variant<Error, ProductOutcome, CheckoutOutcome, CheckoutRefused, MovementOutcome,
                 StoredResponse, OrderOutcome, MessagesOutcome, QueuesOutcome, CountOutcome,
                 SubscriptionsOutcome, FactoriesOutcome, OrdersOutcome, Done, ReservationOutcome,
                 ReleaseOutcome, GaugesOutcome, AlarmsOutcome, ReplenishmentOutcome>;

struct IdempotencyTag {
    std::string principal;
    std::string key;
    std::string fingerprint;
};

// One command on its way through the engine.
struct Submission {
    Command command;
    // With a tag, the engine stores render(outcome) in the same transaction as the change, and
    // answers a repeat with it. REQUIRES: render is set when tag is, and is pure.
    std::optional<IdempotencyTag> idempotency;
    std::function<StoredResponse(const Outcome&)> render;
    // Called exactly once: on the engine's answering thread after the outcome is durable, or,
    // when submit() refuses at once (queue full, engine stopping), on the submitting thread
    // before submit() returns. Must not block, and must not take a lock the submitter holds;
    // every answer waits for the ones before it, so keep it short.
    std::function<void(Outcome)> done;
};

}  // namespace restock
