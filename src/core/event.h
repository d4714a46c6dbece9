// Event: a fact about stock published through the transactional outbox.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace restock {

enum class EventType {
    kStockLow = 1,
    kStockEmpty = 2,
    kStockRestored = 3,
    kRestockOrdered = 4,    // an order was created for the product
    kRestockAccepted = 5,   // the factory accepted it (2xx)
    kRestockReceived = 6,   // a shipment arrived
    kRestockFailed = 7,     // delivery to the factory gave up (dead-lettered)
    kRestockCancelled = 8,  // an admin cancelled the open order
    kStockShort = 9,        // a checkout was refused for lack of stock while some was left
    kRestockOverdue = 10,   // an acknowledged order is past its due time (once per order)
    kAlarmRaised = 11,      // core/alarm.h: a condition an operator must act on began
    kAlarmCleared = 12,     // ... and ended
};

// The figures of the product at the moment the event was raised.
struct StockFigures {
    int64_t on_hand = 0;
    int64_t reserved = 0;
    int64_t available = 0;
    int64_t on_order = 0;
    int64_t position = 0;
    int64_t reorder_point = 0;
};

struct Event {
    int64_t seq = 0;  // store-assigned, strictly increasing: the outbox order
    std::string id;   // globally unique, for consumers' de-duplication
    EventType type = EventType::kStockLow;
    std::string sku;
    StockFigures figures;
    std::string cause;     // what triggered it: "checkout", "refused-checkout", "receipt", ...
    std::string order_id;  // restock.* events: the order
    int64_t qty = 0;       // restock.*: ordered or received quantity
    int64_t at_ms = 0;
};

std::string_view to_string(EventType type);
std::optional<EventType> parse_event_type(std::string_view text);

}  // namespace restock
