// Product: the stock figures and reorder settings of one SKU. Plain data, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace restock {

// How the product is replenished. fixed: a restock order at the reorder point, with the
// settings below; none: never ordered (a product made to order, bought elsewhere, or running
// out for good), its stock events still raised; auto: as fixed, but the engine keeps
// reorder_point and reorder_qty following the learned demand and lead time so that `fill_rate`
// of the demanded units is served from stock (core/replenishment_policy.h). (Stored as these
// numbers.)
enum class ReplenishmentMode { kFixed = 0, kNone = 1, kAuto = 2 };

struct ReorderSettings {
    int64_t reorder_point = 0;           // position at or below which the product is low
    int64_t reorder_qty = 0;             // default restock order quantity
    std::optional<int64_t> order_up_to;  // if set, order enough to bring position up to it
    int64_t min_order_qty = 1;
    int64_t pack_size = 1;
    std::string factory_id;
    std::optional<std::string> ad_id;
    ReplenishmentMode replenishment = ReplenishmentMode::kFixed;
    // Mode auto: the target share of demanded units served from stock, 0.5 to 0.999 (0 in the
    // other modes).
    double fill_rate = 0;

    bool operator==(const ReorderSettings&) const = default;
};

// The last stock signal published for a product; drives edge-triggered events so a product that
// stays low does not publish stock.low on every sale. kShort and kLowShort: a checkout was
// refused for lack of stock (stock.short said) while the product was in stock, resp. low, but
// not empty. (Stored as these numbers.)
enum class StockSignal { kNone = 0, kLow = 1, kEmpty = 2, kShort = 3, kLowShort = 4 };

enum class ProductStatus { kInStock, kLow, kOutOfStock };

struct Product {
    int64_t id = 0;  // store-assigned, stable; 0 until created
    std::string sku;
    std::string name;
    int64_t on_hand = 0;
    int64_t reserved = 0;
    int64_t on_order = 0;  // quantity on open restock orders
    ReorderSettings settings;
    StockSignal signal = StockSignal::kNone;
    int64_t last_movement_id = 0;  // head of this product's ledger chain (0: none)
    int64_t created_at_ms = 0;
    int64_t updated_at_ms = 0;
    // When the product was archived (DELETE /v1/products/{sku}): checkouts and holds are
    // refused, it is never ordered, and lists leave it out unless asked. Reversible.
    std::optional<int64_t> archived_at_ms;

    bool archived() const { return archived_at_ms.has_value(); }
    int64_t available() const { return on_hand - reserved; }
    int64_t position() const { return available() + on_order; }
};

// in_stock / low / out_of_stock as the API reports it: what a shopper can buy now.
ProductStatus status_of(const Product& product);
std::string_view to_string(ProductStatus status);
std::optional<ProductStatus> parse_product_status(std::string_view text);
std::string_view to_string(ReplenishmentMode mode);
std::optional<ReplenishmentMode> parse_replenishment_mode(std::string_view text);

}  // namespace restock
