#include "core/stock_rules.h"

#include "core/limits.h"

namespace restock {

std::optional<EventType> evaluate_signal(Product& product, bool stock_increased) {
    const int64_t reorder_point = product.settings.reorder_point;
    const StockSignal signal = product.signal;
    if (product.available() <= 0) {
        if (signal == StockSignal::kEmpty) return std::nullopt;
        product.signal = StockSignal::kEmpty;
        return EventType::kStockEmpty;
    }
    if (product.position() <= reorder_point) {
        if (signal == StockSignal::kNone || signal == StockSignal::kShort) {
            product.signal = StockSignal::kLow;
            return EventType::kStockLow;
        }
        // Was empty and is now merely low (a partial receipt): still not restored; remember it
        // is no longer empty so that running out again is announced again.
        if (signal == StockSignal::kEmpty) product.signal = StockSignal::kLow;
        return std::nullopt;
    }
    if (product.available() > reorder_point) {
        // A refusal while in stock stays remembered (so refusals are announced once) until
        // stock is added, the product goes low, or it runs out.
        if (signal == StockSignal::kNone) return std::nullopt;
        if (signal == StockSignal::kShort && !stock_increased) return std::nullopt;
        product.signal = StockSignal::kNone;
        return EventType::kStockRestored;
    }
    return std::nullopt;
}

std::optional<EventType> signal_refusal(Product& product) {
    if (product.available() <= 0) {
        if (product.signal == StockSignal::kEmpty) return std::nullopt;  // already said
        product.signal = StockSignal::kEmpty;
        return EventType::kStockEmpty;
    }
    switch (product.signal) {
        case StockSignal::kNone:
            product.signal = StockSignal::kShort;
            return EventType::kStockShort;
        case StockSignal::kLow:
            product.signal = StockSignal::kLowShort;
            return EventType::kStockShort;
        default:
            return std::nullopt;  // already said
    }
}

StockFigures figures_of(const Product& p) {
    return StockFigures{p.on_hand,  p.reserved,   p.available(),
                        p.on_order, p.position(), p.settings.reorder_point};
}

std::vector<Shortfall> find_shortfalls(const std::vector<CheckoutLine>& lines,
                                       const std::vector<const Product*>& products) {
    std::vector<Shortfall> shortfalls;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const int64_t available = products[i]->available();
        if (lines[i].qty > available) {
            shortfalls.push_back(Shortfall{lines[i].sku, lines[i].qty, available});
        }
    }
    return shortfalls;
}

Status check_adjustment(const Product& product, int64_t delta) {
    const int64_t after = product.on_hand + delta;
    if (after < product.reserved) {
        return make_error(ErrorCode::kConflict, "negative-stock",
                          "adjustment of " + std::to_string(delta) + " would leave on_hand at " +
                              std::to_string(after) + "; on_hand cannot go below " +
                              std::to_string(product.reserved));
    }
    if (after > limits::kMaxQuantity) {
        return make_error(ErrorCode::kConflict, "stock-limit",
                          "on_hand would exceed " + std::to_string(limits::kMaxQuantity));
    }
    return ok_status();
}

Status check_receipt(const Product& product, int64_t qty) {
    if (product.on_hand + qty > limits::kMaxQuantity) {
        return make_error(ErrorCode::kConflict, "stock-limit",
                          "on_hand would exceed " + std::to_string(limits::kMaxQuantity));
    }
    return ok_status();
}

}  // namespace restock
