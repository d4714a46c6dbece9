#include "factory_sim/order_book.h"

#include "adapters/curl/url_redaction.h"
#include "json/json.h"

namespace restock::factory_sim {

std::string_view callback_state_name(CallbackState state) {
    switch (state) {
        case CallbackState::kNone:
            return "none";
        case CallbackState::kPending:
            return "pending";
        case CallbackState::kDelivered:
            return "delivered";
        case CallbackState::kFailed:
            return "failed";
    }
    return "none";
}

uint64_t OrderBook::add(ManufactureRequest request, int64_t received_at_ms, CallbackState state) {
    std::lock_guard lock(mutex_);
    FactoryOrder order;
    order.seq = next_seq_++;
    order.received_at_ms = received_at_ms;
    order.request = std::move(request);
    order.callback_state = state;
    orders_.push_back(std::move(order));
    if (orders_.size() > kMaxOrders) {
        orders_.pop_front();
        ++first_seq_;
    }
    return orders_.back().seq;
}

FactoryOrder* OrderBook::locate(uint64_t seq) {
    if (seq < first_seq_ || seq >= next_seq_) return nullptr;
    return &orders_[seq - first_seq_];
}

std::optional<FactoryOrder> OrderBook::find(uint64_t seq) const {
    std::lock_guard lock(mutex_);
    if (seq < first_seq_ || seq >= next_seq_) return std::nullopt;
    return orders_[seq - first_seq_];
}

bool OrderBook::mark_pending(uint64_t seq) {
    std::lock_guard lock(mutex_);
    FactoryOrder* order = locate(seq);
    if (order == nullptr) return false;
    order->callback_state = CallbackState::kPending;
    return true;
}

void OrderBook::record_attempt(uint64_t seq, const CallbackAttempt& attempt) {
    std::lock_guard lock(mutex_);
    FactoryOrder* order = locate(seq);
    if (order == nullptr) return;  // forgotten meanwhile
    ++order->callback_attempts;
    order->callback_status = attempt.status;
    order->callback_error = attempt.error;
    if (attempt.delivered) {
        order->callback_state = CallbackState::kDelivered;
    } else if (attempt.final) {
        order->callback_state = CallbackState::kFailed;
    }
}

std::string OrderBook::to_json(uint64_t after, std::size_t limit) const {
    std::string out;
    json::Writer w(out);
    w.begin_object().key("orders").begin_array();
    std::lock_guard lock(mutex_);
    const uint64_t from = std::max(after + 1, first_seq_);
    for (uint64_t seq = from; seq < next_seq_ && seq - from < limit; ++seq) {
        const FactoryOrder& o = orders_[seq - first_seq_];
        w.begin_object()
            .key("seq")
            .value(static_cast<int64_t>(o.seq))
            .key("received_at_ms")
            .value(o.received_at_ms)
            .key("group_id")
            .value(o.request.group_id)
            .key("product_id")
            .value(o.request.product_id)
            .key("qty")
            .value(o.request.qty)
            .key("factory_id")
            .value(o.request.factory_id)
            .key("requester")
            .value(o.request.requester)
            .key("callback_url_host_path")
            .value(curl::redact_url(o.request.callback_url))
            .key("callback_state")
            .value(callback_state_name(o.callback_state));
        w.key("callback_status");
        if (o.callback_status) {
            w.value(*o.callback_status);
        } else {
            w.null();
        }
        w.key("callback_error");
        if (o.callback_error.empty()) {
            w.null();
        } else {
            w.value(o.callback_error);
        }
        w.key("callback_attempts").value(o.callback_attempts).end_object();
    }
    w.end_array().end_object();
    return out;
}

}  // namespace restock::factory_sim
