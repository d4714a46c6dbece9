#include "core/restock_order.h"

#include <algorithm>
#include <cmath>

#include "core/limits.h"

namespace restock {

std::string_view to_string(OrderStatus status) {
    switch (status) {
        case OrderStatus::kPending:
            return "pending";
        case OrderStatus::kSent:
            return "sent";
        case OrderStatus::kAcknowledged:
            return "acknowledged";
        case OrderStatus::kReceived:
            return "received";
        case OrderStatus::kFailed:
            return "failed";
        case OrderStatus::kCancelled:
            return "cancelled";
    }
    return "pending";
}

std::optional<OrderStatus> parse_order_status(std::string_view text) {
    for (auto s : {OrderStatus::kPending, OrderStatus::kSent, OrderStatus::kAcknowledged,
                   OrderStatus::kReceived, OrderStatus::kFailed, OrderStatus::kCancelled}) {
        if (to_string(s) == text) return s;
    }
    return std::nullopt;
}

bool awaits_factory(OrderStatus status) {
    return status == OrderStatus::kPending || status == OrderStatus::kSent;
}

bool is_open(OrderStatus status) {
    return awaits_factory(status) || status == OrderStatus::kAcknowledged;
}

int64_t restock_quantity(const Product& product) {
    const ReorderSettings& s = product.settings;
    int64_t qty = s.reorder_qty;
    if (s.order_up_to) qty = std::max<int64_t>(*s.order_up_to - product.position(), 1);
    return round_order_qty(qty, s);
}

int64_t round_order_qty(int64_t qty, const ReorderSettings& s) {
    qty = std::max(qty, s.min_order_qty);
    const int64_t pack = std::max<int64_t>(s.pack_size, 1);
    qty = ((std::min(qty, limits::kMaxQuantity) + pack - 1) / pack) * pack;
    // Stay within the quantity limit in whole packs.
    if (qty > limits::kMaxQuantity) qty = std::max(pack, (limits::kMaxQuantity / pack) * pack);
    return std::clamp<int64_t>(qty, 1, limits::kMaxQuantity);
}

int64_t due_at_ms(const RestockOrder& order, int64_t lead_time_days) {
    return order.created_at_ms + lead_time_days * 86'400'000;
}

int64_t due_at_ms(const RestockOrder& order, double lead_time_days) {
    return order.created_at_ms + static_cast<int64_t>(std::ceil(lead_time_days * 86'400'000.0));
}

bool is_overdue(const RestockOrder& order, int64_t due_ms, int64_t now_ms) {
    return order.status == OrderStatus::kAcknowledged && now_ms > due_ms;
}

bool is_replenished(const Product& product) {
    return !product.archived() && product.settings.replenishment != ReplenishmentMode::kNone;
}

bool needs_restock(const Product& product) {
    return is_replenished(product) && product.position() <= product.settings.reorder_point;
}

}  // namespace restock
