// Requests the stock engine accepts, already parsed into plain values. validate() checks every
// rule that does not need the current stock; the engine checks the rest.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/product.h"
#include "core/result.h"

namespace restock {

struct NewProduct {
    std::string sku;
    std::string name;
    int64_t on_hand = 0;
    ReorderSettings settings;
};

// Each field, when set, replaces the current value. For the optional settings an inner nullopt
// clears them.
struct ProductPatch {
    std::optional<std::string> name;
    std::optional<int64_t> reorder_point;
    std::optional<int64_t> reorder_qty;
    std::optional<std::optional<int64_t>> order_up_to;
    std::optional<int64_t> min_order_qty;
    std::optional<int64_t> pack_size;
    std::optional<std::string> factory_id;
    std::optional<std::optional<std::string>> ad_id;
    // The mode, and the fill rate of mode auto (0: none given). Merged: mode auto without a
    // fill rate keeps the product's (if it is in mode auto), a fill rate without a mode changes
    // that of a product in mode auto; any other mode clears it.
    std::optional<ReplenishmentMode> replenishment;
    double fill_rate = 0;
    // true archives the product (as DELETE does), false restores it.
    std::optional<bool> archived;

    bool empty() const;
};

struct CheckoutLine {
    std::string sku;
    int64_t qty = 0;
};

struct CheckoutRequest {
    std::string order_id;
    std::vector<CheckoutLine> lines;
    // A hold to take (core/reservation.h): the checkout takes exactly its lines; `lines` may
    // then be empty, and must be the same if given.
    std::string reservation_id;
};

// POST /v1/orders/{order_id}/release: puts back what the order's checkouts took (a cancelled
// order, a return). Without lines, everything they still hold. With lines, per SKU the quantity
// that should be back in all, earlier releases of the order counted: a repeat changes nothing,
// and a second return of the same line names the new total.
struct ReleaseRequest {
    std::string order_id;
    std::vector<CheckoutLine> lines;
};

struct ReceiptRequest {
    std::string sku;
    int64_t qty = 0;
    std::string reference;
};

struct AdjustmentRequest {
    std::string sku;
    int64_t delta = 0;
    std::string reason;
};

Status validate(const NewProduct& request);
Status validate(const ProductPatch& patch);
Status validate(const CheckoutRequest& request);
Status validate(const ReleaseRequest& request);
Status validate(const ReceiptRequest& request);
Status validate(const AdjustmentRequest& request);

// Checks the settings as a whole (e.g. order_up_to above reorder_point).
Status validate_settings(const ReorderSettings& settings);

// Identifiers: 1..64 of [A-Za-z0-9._-], safe unescaped in a URL path segment, a header or a
// log line. SKUs, key names, ad ids, queue names and client request ids are identifiers.
bool is_valid_identifier(std::string_view text);
// A SKU is a path segment of the API (/v1/products/{sku}): "." and ".." would be read as dot
// segments and resolved away by clients, so they are not SKUs.
inline bool is_valid_sku(std::string_view sku) {
    return is_valid_identifier(sku) && sku != "." && sku != "..";
}
// Printable text: well-formed UTF-8 without C0/C1 control characters, of 1 to `max_length`
// characters (code points, not bytes: "é" is one). Names and reasons are printable text.
bool is_valid_text(std::string_view text, std::size_t max_length);
// Ids and references: 1..max printable ASCII characters without spaces at either end.
bool is_valid_token(std::string_view text, std::size_t max_length);

ReorderSettings apply(const ProductPatch& patch, ReorderSettings settings);

}  // namespace restock
