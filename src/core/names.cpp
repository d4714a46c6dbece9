#include "core/event.h"
#include "core/movement.h"
#include "core/product.h"

namespace restock {

ProductStatus status_of(const Product& product) {
    if (product.available() <= 0) return ProductStatus::kOutOfStock;
    if (product.available() <= product.settings.reorder_point) return ProductStatus::kLow;
    return ProductStatus::kInStock;
}

std::string_view to_string(ProductStatus status) {
    switch (status) {
        case ProductStatus::kInStock:
            return "in_stock";
        case ProductStatus::kLow:
            return "low";
        case ProductStatus::kOutOfStock:
            return "out_of_stock";
    }
    return "in_stock";
}

std::optional<ProductStatus> parse_product_status(std::string_view text) {
    for (auto s : {ProductStatus::kInStock, ProductStatus::kLow, ProductStatus::kOutOfStock}) {
        if (to_string(s) == text) return s;
    }
    return std::nullopt;
}

std::string_view to_string(ReplenishmentMode mode) {
    return mode == ReplenishmentMode::kNone ? "none" : "fixed";
}

std::optional<ReplenishmentMode> parse_replenishment_mode(std::string_view text) {
    for (auto m : {ReplenishmentMode::kFixed, ReplenishmentMode::kNone}) {
        if (to_string(m) == text) return m;
    }
    return std::nullopt;
}

std::string_view to_string(MovementKind kind) {
    switch (kind) {
        case MovementKind::kCheckout:
            return "checkout";
        case MovementKind::kReceipt:
            return "receipt";
        case MovementKind::kAdjustment:
            return "adjustment";
        case MovementKind::kInitial:
            return "initial";
        case MovementKind::kRelease:
            return "release";
    }
    return "adjustment";
}

std::optional<MovementKind> parse_movement_kind(std::string_view text) {
    for (auto k : {MovementKind::kCheckout, MovementKind::kReceipt, MovementKind::kAdjustment,
                   MovementKind::kInitial, MovementKind::kRelease}) {
        if (to_string(k) == text) return k;
    }
    return std::nullopt;
}

std::string_view to_string(EventType type) {
    switch (type) {
        case EventType::kStockLow:
            return "stock.low";
        case EventType::kStockEmpty:
            return "stock.empty";
        case EventType::kStockRestored:
            return "stock.restored";
        case EventType::kStockShort:
            return "stock.short";
        case EventType::kRestockOrdered:
            return "restock.ordered";
        case EventType::kRestockAccepted:
            return "restock.accepted";
        case EventType::kRestockReceived:
            return "restock.received";
        case EventType::kRestockFailed:
            return "restock.failed";
        case EventType::kRestockCancelled:
            return "restock.cancelled";
        case EventType::kRestockOverdue:
            return "restock.overdue";
        case EventType::kAlarmRaised:
            return "alarm.raised";
        case EventType::kAlarmCleared:
            return "alarm.cleared";
    }
    return "stock.low";
}

std::optional<EventType> parse_event_type(std::string_view text) {
    for (auto t :
         {EventType::kStockLow, EventType::kStockEmpty, EventType::kStockRestored,
          EventType::kStockShort, EventType::kRestockOrdered, EventType::kRestockAccepted,
          EventType::kRestockReceived, EventType::kRestockFailed, EventType::kRestockCancelled,
          EventType::kRestockOverdue, EventType::kAlarmRaised, EventType::kAlarmCleared}) {
        if (to_string(t) == text) return t;
    }
    return std::nullopt;
}

}  // namespace restock
