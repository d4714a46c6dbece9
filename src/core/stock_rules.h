// The rules of stock, as pure functions over Product values: what a change does to the figures,
// whether it is allowed, and which event it raises. No I/O; the engine calls these.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/product.h"
#include "core/requests.h"
#include "core/result.h"

namespace restock {

// Re-evaluates the product after a committed-to-be change and updates its signal.
//   available reaches 0                        -> stock.empty (once until restored)
//   position <= reorder_point                  -> stock.low   (once until restored)
//   available > reorder_point after a signal   -> stock.restored
// A refusal while in stock (stock.short said, product not low) is followed by stock.restored
// only when stock was added (`stock_increased`), not on every later sale.
// Returns the event type to publish, if any.
std::optional<EventType> evaluate_signal(Product& product, bool stock_increased = false);

// A checkout was refused because this product lacked stock. With some stock left: stock.short,
// once until restored (a storefront may still sell what is left); with none: stock.empty, unless
// said already. stock.empty always means available is 0.
std::optional<EventType> signal_refusal(Product& product);

StockFigures figures_of(const Product& product);

struct Shortfall {
    std::string sku;
    int64_t requested = 0;
    int64_t available = 0;
};

// The lines that cannot be served from the current availability. Empty: all can.
// REQUIRES: products[i] is the product of lines[i].
std::vector<Shortfall> find_shortfalls(const std::vector<CheckoutLine>& lines,
                                       const std::vector<const Product*>& products);

// Checks that an adjustment keeps on_hand within [reserved, kMaxQuantity].
Status check_adjustment(const Product& product, int64_t delta);
// Checks that a receipt keeps on_hand within kMaxQuantity.
Status check_receipt(const Product& product, int64_t qty);

}  // namespace restock
