// The restock loop inside the engine: restock orders, the factory's answers and callbacks,
// and shipments arriving. Every step commits with the queue message it settles.
#include <algorithm>

#include "app/engine_batch.h"
#include "app/event_json.h"
#include "app/stock_engine.h"
#include "core/limits.h"

namespace restock {
namespace {

Error order_not_found(const std::string& id) {
    return make_error(ErrorCode::kNotFound, "order-not-found", "no restock order '" + id + "'");
}

}  // namespace

RestockOrder* StockEngine::find_order(const std::string& id) {
    auto it = orders_.find(id);
    return it == orders_.end() ? nullptr : &it->second;
}

RestockOrder& StockEngine::touch_order(RestockOrder& order, Batch& batch) {
    batch.orders.record(order.id, order);
    return order;
}

void StockEngine::close_order(RestockOrder& order, OrderStatus status, Batch& batch) {
    const bool was_open = is_open(order.status);
    touch_order(order, batch);
    order.status = status;
    order.updated_at_ms = batch.now_ms;
    if (!was_open) return;
    auto open = open_order_by_product_.find(order.product_id);
    if (open != open_order_by_product_.end() && open->second.id == order.id) {
        batch.open_orders.record(order.product_id, open->second);
        open_order_by_product_.erase(open);
    }
    if (Product* product = find_by_id(order.product_id)) {
        batch.touch(*product, Batch::Change::kFigures);
        const int64_t outstanding = std::max<int64_t>(0, order.qty - order.received_qty);
        product->on_order = std::max<int64_t>(0, product->on_order - outstanding);
        product->updated_at_ms = batch.now_ms;
        if (status == OrderStatus::kFailed) {
            add_order_event(EventType::kRestockFailed, *product, order, "dead-lettered", batch);
        }
    }
}

void StockEngine::release_dispatch(RestockOrder& order, Batch& batch) {
    if (order.dispatch_message_id == 0 && order.dispatch_until_ms == 0) return;
    touch_order(order, batch);
    order.dispatch_message_id = 0;
    order.dispatch_until_ms = 0;
}

void StockEngine::say_low_again_if_needed(const Product& product, std::string cause, Batch& batch) {
    if (needs_restock(product) && open_order_by_product_.count(product.id) == 0) {
        add_event_if(EventType::kStockLow, product, std::move(cause), batch);
    }
}

Outcome StockEngine::apply(const PlaceRestockOrder& request, Batch& batch) {
    Product* product = find(request.sku);
    if (product == nullptr)
        return OrderOutcome{std::nullopt, false, std::nullopt, "unknown product"};
    RestockOrder* order = nullptr;
    bool created = false;
    if (auto open = open_order_by_product_.find(product->id);
        open != open_order_by_product_.end()) {
        order = find_order(open->second.id);
    } else if (!needs_restock(*product)) {
        const char* why = product->archived() ? "not ordered: the product is archived"
                          : !is_replenished(*product)
                              ? "not ordered: the product's replenishment mode is none"
                              : "not needed: position is above the reorder point";
        return OrderOutcome{std::nullopt, false, std::nullopt, why};
    } else {
        RestockOrder fresh;
        fresh.id = "ro_" + std::to_string(++last_order_number_);
        fresh.product_id = product->id;
        fresh.sku = product->sku;
        fresh.qty = restock_quantity(*product);
        fresh.factory_id = product->settings.factory_id;
        fresh.trigger_event_id = request.trigger_event_id;
        fresh.created_at_ms = batch.now_ms;
        fresh.updated_at_ms = batch.now_ms;
        batch.orders.record(fresh.id, std::nullopt);
        batch.open_orders.record(product->id, std::nullopt);
        open_order_by_product_[product->id] = OpenOrder::of(fresh);
        auto [it, inserted] = orders_.emplace(fresh.id, std::move(fresh));
        order = &it->second;
        created = true;
        batch.touch(*product, Batch::Change::kFigures);
        product->on_order += order->qty;
        product->updated_at_ms = batch.now_ms;
        add_order_event(EventType::kRestockOrdered, *product, *order, "reorder-point", batch);
    }
    // A delivery whose message was delivered again since (it stalled past its visibility
    // timeout) must not send: the newer delivery may be sending already.
    const QueueMessage* message = queues_.get(request.message_id);
    const bool stale =
        request.receive_count > 0 && (message == nullptr || !message->in_flight ||
                                      message->receive_count != request.receive_count);
    bool dispatch = false;
    int64_t hold_until_ms = 0;
    if (!stale && awaits_factory(order->status)) {
        const bool free = order->dispatch_until_ms == 0 ||
                          order->dispatch_message_id == request.message_id ||
                          order->dispatch_until_ms <= batch.now_ms;
        if (free) {
            // Held until the message may be delivered again: its visibility counts from its
            // receive, with the timeout it was received under.
            const QueuePolicy* policy = queues_.policy(kRestockOrdersQueue);
            hold_until_ms = (message != nullptr && message->in_flight)
                                ? message->visible_at_ms
                                : batch.now_ms + (policy ? policy->visibility_timeout_ms : 30'000);
            // Written with the batch: a writer on another node that takes over later sees it.
            touch_order(*order, batch);
            order->dispatch_message_id = request.message_id;
            order->dispatch_until_ms = hold_until_ms;
            dispatch = true;
        }
    }
    std::optional<Factory> factory;
    if (auto it = factories_.find(order->factory_id); it != factories_.end()) factory = it->second;
    OrderOutcome outcome{*order, created, std::move(factory), ""};
    outcome.dispatch = dispatch;
    if (dispatch) outcome.dispatch_ms = std::max<int64_t>(0, hold_until_ms - batch.now_ms);
    if (!dispatch) {
        outcome.note = stale ? "stale delivery: the message was delivered again since"
                             : "another delivery is sending this order";
    }
    return outcome;
}

Outcome StockEngine::apply(const CompleteDispatch& request, Batch& batch) {
    RestockOrder* order = find_order(request.order_id);
    if (order == nullptr) return order_not_found(request.order_id);
    // A failure with a stale receipt changes nothing (another delivery owns the message now);
    // an acceptance is recorded whatever happened to the message: the factory has the order.
    const QueueMessage* message = queues_.get(request.message_id);
    if (!request.accepted &&
        (message == nullptr || message->receive_count != request.receive_count)) {
        return make_error(ErrorCode::kConflict, "stale-receipt",
                          "message " + std::to_string(request.message_id) +
                              " was redelivered or settled since this receipt");
    }
    touch_order(*order, batch);
    order->attempts += 1;
    order->updated_at_ms = batch.now_ms;
    if (request.accepted) {
        release_dispatch(*order, batch);
        if (awaits_factory(order->status)) {
            order->status = OrderStatus::kAcknowledged;
            order->last_error.clear();
            if (const Product* product = find_by_id(order->product_id)) {
                add_order_event(EventType::kRestockAccepted, *product, *order, "factory-2xx",
                                batch);
            }
        }
        const Status acked = ack_message(request.message_id, request.receive_count);
        return Done{acked ? "accepted" : "accepted; " + acked.error().message};
    }
    if (order->status == OrderStatus::kPending) order->status = OrderStatus::kSent;
    order->last_error = request.error;
    auto failed =
        fail_message(request.message_id, request.receive_count, request.error, batch, order->id);
    if (!failed) return failed.error();
    return Done{failed->dead_lettered ? "dead-lettered to " + failed->queue : "will retry"};
}

Outcome StockEngine::apply(const AcceptCallback& request, Batch& batch) {
    RestockOrder* order = find_order(request.order_id);
    if (order == nullptr) return order_not_found(request.order_id);
    if (order->sku != request.sku) {
        return make_error(
            ErrorCode::kUnprocessable, "sku-mismatch",
            "order " + order->id + " is for '" + order->sku + "', not '" + request.sku + "'");
    }
    std::string body;
    json::Writer w(body);
    w.begin_object()
        .key("order_id")
        .value(order->id)
        .key("sku")
        .value(order->sku)
        .key("qty")
        .value(request.qty)
        .key("shipment")
        .value(request.shipment)
        .end_object();
    queues_.send(kStockReceiptsQueue, std::move(body), batch.now_ms);
    return Done{"accepted", 202};
}

Outcome StockEngine::apply(const ReceiveShipment& request, Batch& batch) {
    RestockOrder* order = find_order(request.order_id);
    if (order == nullptr) return order_not_found(request.order_id);
    Product* product = find_by_id(order->product_id);
    if (product == nullptr) {
        return make_error(ErrorCode::kInternal, "internal", "order without product");
    }
    const std::string reference = order->id + "/" + request.shipment;
    auto booked = book_receipt(*product, request.qty, reference, batch);
    if (!booked) return booked.error();
    if (!booked->replayed) {
        const bool was_open = is_open(order->status);
        const int64_t outstanding = std::max<int64_t>(0, order->qty - order->received_qty);
        touch_order(*order, batch);
        order->received_qty += request.qty;
        order->updated_at_ms = batch.now_ms;
        if (was_open) {
            product->on_order =
                std::max<int64_t>(0, product->on_order - std::min(request.qty, outstanding));
            if (order->received_qty >= order->qty) {
                close_order(*order, OrderStatus::kReceived, batch);
                observe_receipt(*order, batch);  // one lead time, order placed to received
            } else {
                order->status = OrderStatus::kAcknowledged;
            }
        } else if (order->received_qty >= order->qty) {
            order->status = OrderStatus::kReceived;
        }
        add_order_event(EventType::kRestockReceived, *product, *order, "shipment", batch);
        const auto signal = evaluate_signal(*product, /*stock_increased=*/true);
        add_event_if(signal, *product, "receipt", batch);
        // The order is complete but the product is still at or below its reorder point (sales
        // went on while it was open).
        if (!signal && was_open && order->status == OrderStatus::kReceived) {
            say_low_again_if_needed(*product, "order-received-still-low", batch);
        }
        booked->product = *product;
    }
    // The stock is booked exactly once whatever happens to the message: a stale receipt only
    // means another delivery will find the shipment already booked.
    (void)ack_message(request.message_id, request.receive_count);
    return std::move(booked.value());
}

Outcome StockEngine::apply(const CancelRestockOrder& request, Batch& batch) {
    RestockOrder* order = find_order(request.order_id);
    if (order == nullptr) return order_not_found(request.order_id);
    OrdersOutcome outcome;
    outcome.single = true;
    outcome.now_ms = batch.now_ms;
    if (order->status == OrderStatus::kCancelled) {  // a repeated cancel changes nothing
        add_to(outcome, *order);
        return outcome;
    }
    if (!is_open(order->status)) {
        return make_error(ErrorCode::kConflict, "order-closed",
                          "order " + order->id + " is " + std::string(to_string(order->status)) +
                              "; only an open (pending, sent or acknowledged) order can be "
                              "cancelled");
    }
    // Whoever holds the dispatch may still be sending it; its answer no longer reopens it.
    release_dispatch(*order, batch);
    close_order(*order, OrderStatus::kCancelled, batch);
    if (Product* product = find_by_id(order->product_id)) {
        add_order_event(EventType::kRestockCancelled, *product, *order, "cancelled", batch);
        // Nothing is on order any more: if the product still needs stock, say so (again, if its
        // signal already says low), so the loop places a new order with its settings as they
        // are now.
        const auto signal = evaluate_signal(*product);
        add_event_if(signal, *product, "order-cancelled", batch);
        if (!signal) say_low_again_if_needed(*product, "order-cancelled-still-low", batch);
    }
    add_to(outcome, *order);
    return outcome;
}

}  // namespace restock
