// Restock orders: what goes to a factory when a product runs low, and how it lives.
// Pure rules; the engine stores orders and the order-dispatch function talks to the factory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/product.h"

namespace restock {

// pending: created, not yet accepted by the factory; sent: a call to the factory was made and
// its answer is not known to be success; acknowledged: the factory answered 2xx; received:
// shipments cover the quantity; failed: delivery gave up (dead-lettered); cancelled: by hand.
enum class OrderStatus { kPending, kSent, kAcknowledged, kReceived, kFailed, kCancelled };

struct RestockOrder {
    std::string id;  // "ro_<n>"
    int64_t product_id = 0;
    std::string sku;
    int64_t qty = 0;
    std::string factory_id;
    OrderStatus status = OrderStatus::kPending;
    int64_t attempts = 0;
    int64_t received_qty = 0;
    std::string last_error;
    std::string trigger_event_id;
    int64_t created_at_ms = 0;
    int64_t updated_at_ms = 0;
    // The dispatch hold: which delivery (queue message) may send the order to its factory, and
    // until when. Kept with the order, so a writer that takes over from another node honours
    // the holds granted before it (0: none).
    int64_t dispatch_message_id = 0;
    int64_t dispatch_until_ms = 0;
};

std::string_view to_string(OrderStatus status);
std::optional<OrderStatus> parse_order_status(std::string_view text);

// The lead time of a factory that sets none, unless the configuration says otherwise.
inline constexpr int64_t kDefaultLeadTimeDays = 14;

// When an order should have arrived: its creation plus the factory's lead time.
int64_t due_at_ms(const RestockOrder& order, int64_t lead_time_days);
// The same, with a lead time in (fractional) days: the learned due time.
int64_t due_at_ms(const RestockOrder& order, double lead_time_days);
// Acknowledged by its factory and still not received at `now_ms`, past its due time. (An order
// the factory has not accepted yet is late in another way: its dispatch retries, then fails.)
bool is_overdue(const RestockOrder& order, int64_t due_ms, int64_t now_ms);

// Open orders count towards on_order and block a second order for the same product.
bool is_open(OrderStatus status);
// Pending or sent: open, and no factory has accepted it yet.
bool awaits_factory(OrderStatus status);

// reorder_qty, or enough to bring the position up to order_up_to (if set), raised to
// min_order_qty and rounded up to a whole number of packs. Always >= 1.
int64_t restock_quantity(const Product& product);
// The rounding every order quantity gets: raised to min_order_qty, rounded up to whole packs,
// within the quantity limit. Always >= 1.
int64_t round_order_qty(int64_t qty, const ReorderSettings& settings);

// Whether restock orders are placed for the product at all: its mode is not none and it is not
// archived.
bool is_replenished(const Product& product);

// Whether a restock order should be placed now: the product is low and is replenished (its
// mode is not none, it is not archived). The engine checks that it has no open order.
bool needs_restock(const Product& product);

}  // namespace restock
