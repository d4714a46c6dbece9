#include "core/requests.h"

#include "core/limits.h"
#include "core/replenishment_policy.h"
#include "core/utf8.h"

namespace restock {
namespace {

bool in_range(int64_t value, int64_t low, int64_t high) { return value >= low && value <= high; }

std::string range_text(int64_t low, int64_t high) {
    return "between " + std::to_string(low) + " and " + std::to_string(high);
}

}  // namespace

bool ProductPatch::empty() const {
    return !name && !reorder_point && !reorder_qty && !order_up_to && !min_order_qty &&
           !pack_size && !factory_id && !ad_id && !replenishment && fill_rate == 0 && !archived;
}

bool is_valid_identifier(std::string_view text) {
    if (text.empty() || text.size() > limits::kMaxSkuLength) return false;
    for (char c : text) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

bool is_valid_token(std::string_view text, std::size_t max_length) {
    if (text.empty() || text.size() > max_length) return false;
    if (text.front() == ' ' || text.back() == ' ') return false;
    for (unsigned char c : text) {
        if (c < 0x20 || c > 0x7e) return false;
    }
    return true;
}

Status validate_settings(const ReorderSettings& s) {
    if (!in_range(s.reorder_point, 0, limits::kMaxQuantity))
        return invalid_request("reorder_point must be " + range_text(0, limits::kMaxQuantity));
    if (!in_range(s.reorder_qty, 1, limits::kMaxQuantity))
        return invalid_request("reorder_qty must be " + range_text(1, limits::kMaxQuantity));
    if (!in_range(s.min_order_qty, 1, limits::kMaxQuantity))
        return invalid_request("min_order_qty must be " + range_text(1, limits::kMaxQuantity));
    if (!in_range(s.pack_size, 1, limits::kMaxQuantity))
        return invalid_request("pack_size must be " + range_text(1, limits::kMaxQuantity));
    if (s.order_up_to) {
        if (!in_range(*s.order_up_to, 1, limits::kMaxQuantity))
            return invalid_request("order_up_to must be " + range_text(1, limits::kMaxQuantity));
        if (*s.order_up_to <= s.reorder_point)
            return invalid_request("order_up_to must be greater than reorder_point");
    }
    if (s.replenishment == ReplenishmentMode::kAuto && s.fill_rate == 0)
        return invalid_request("mode auto needs replenishment.fill_rate (0.5 to 0.999)");
    if (s.replenishment == ReplenishmentMode::kAuto &&
        !(s.fill_rate >= kMinFillRate && s.fill_rate <= kMaxFillRate)) {
        return invalid_request("replenishment.fill_rate must be between 0.5 and 0.999");
    }
    if (s.replenishment != ReplenishmentMode::kAuto && s.fill_rate != 0)
        return invalid_request("replenishment.fill_rate is given only with mode auto");
    if (!is_valid_token(s.factory_id, limits::kMaxIdLength))
        return invalid_request("factory_id must be 1 to 64 printable ASCII characters");
    // The ad id becomes a path segment of the Ads API URL: keep it to URL-safe characters.
    if (s.ad_id && (!is_valid_identifier(*s.ad_id) || *s.ad_id == "." || *s.ad_id == ".."))
        return invalid_request(
            "ad_id must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' or '-'");
    return ok_status();
}

Status validate(const NewProduct& r) {
    if (!is_valid_sku(r.sku))
        return invalid_request(
            "sku must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' or '-', and not '.' or "
            "'..'");
    if (!is_valid_text(r.name, limits::kMaxNameLength))
        return invalid_request("name must be 1 to 200 characters without control characters");
    if (!in_range(r.on_hand, 0, limits::kMaxQuantity))
        return invalid_request("on_hand must be " + range_text(0, limits::kMaxQuantity));
    return validate_settings(r.settings);
}

Status validate(const ProductPatch& p) {
    if (p.empty()) return invalid_request("the patch changes nothing: name at least one setting");
    if (p.name && !is_valid_text(*p.name, limits::kMaxNameLength))
        return invalid_request("name must be 1 to 200 characters without control characters");
    return ok_status();  // numeric settings are checked as a whole after apply()
}

Status validate(const CheckoutRequest& r) {
    if (!is_valid_token(r.order_id, limits::kMaxIdLength))
        return invalid_request("order_id must be 1 to 64 printable ASCII characters");
    if (!r.reservation_id.empty() && !is_valid_token(r.reservation_id, limits::kMaxIdLength))
        return invalid_request("reservation_id must be 1 to 64 printable ASCII characters");
    // With a reservation the lines are its own: none need be given.
    const bool lines_optional = !r.reservation_id.empty();
    if ((r.lines.empty() && !lines_optional) || r.lines.size() > limits::kMaxCheckoutLines)
        return invalid_request("lines must hold 1 to 100 lines");
    // Every checkout passes here, on the engine's thread too: text is built only for a refusal.
    auto where = [](std::size_t i) { return "lines[" + std::to_string(i) + "]"; };
    for (std::size_t i = 0; i < r.lines.size(); ++i) {
        const auto& line = r.lines[i];
        if (!is_valid_sku(line.sku)) return invalid_request(where(i) + ".sku is not a valid sku");
        if (!in_range(line.qty, 1, limits::kMaxCheckoutQty))
            return invalid_request(where(i) + ".qty must be " +
                                   range_text(1, limits::kMaxCheckoutQty));
        // At most 100 lines: comparing with the earlier ones costs less than a set would.
        for (std::size_t k = 0; k < i; ++k) {
            if (r.lines[k].sku == line.sku)
                return invalid_request(where(i) + ".sku '" + line.sku +
                                       "' appears twice; put the whole quantity on one line");
        }
    }
    return ok_status();
}

Status validate(const ReleaseRequest& r) {
    // The lines follow a checkout's rules, but may be left out: then the whole order goes back.
    if (r.lines.empty()) {
        if (!is_valid_token(r.order_id, limits::kMaxIdLength))
            return invalid_request("order_id must be 1 to 64 printable ASCII characters");
        return ok_status();
    }
    return validate(CheckoutRequest{r.order_id, r.lines, ""});
}

Status validate(const ReceiptRequest& r) {
    if (!is_valid_sku(r.sku)) return invalid_request("sku is not a valid sku");
    if (!in_range(r.qty, 1, limits::kMaxQuantity))
        return invalid_request("qty must be " + range_text(1, limits::kMaxQuantity));
    if (!is_valid_token(r.reference, limits::kMaxReferenceLength))
        return invalid_request("reference must be 1 to 128 printable ASCII characters");
    return ok_status();
}

Status validate(const AdjustmentRequest& r) {
    if (!is_valid_sku(r.sku)) return invalid_request("sku is not a valid sku");
    if (r.delta == 0 || !in_range(r.delta, -limits::kMaxQuantity, limits::kMaxQuantity))
        return invalid_request("delta must be non-zero and " +
                               range_text(-limits::kMaxQuantity, limits::kMaxQuantity));
    if (!is_valid_text(r.reason, limits::kMaxReasonLength))
        return invalid_request("reason must be 1 to 256 characters without control characters");
    return ok_status();
}

bool is_valid_text(std::string_view text, std::size_t max_length) {
    if (text.empty() || text.size() > 4 * max_length) return false;
    std::size_t characters = 0;
    for (std::size_t i = 0; i < text.size(); ++characters) {
        uint32_t code = 0;
        const std::size_t length = decode_utf8(text, i, code);
        if (length == 0) return false;
        if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return false;  // C0, DEL, C1
        i += length;
    }
    return characters <= max_length;
}

ReorderSettings apply(const ProductPatch& p, ReorderSettings s) {
    if (p.reorder_point) s.reorder_point = *p.reorder_point;
    if (p.reorder_qty) s.reorder_qty = *p.reorder_qty;
    if (p.order_up_to) s.order_up_to = *p.order_up_to;
    if (p.min_order_qty) s.min_order_qty = *p.min_order_qty;
    if (p.pack_size) s.pack_size = *p.pack_size;
    if (p.factory_id) s.factory_id = *p.factory_id;
    if (p.ad_id) s.ad_id = *p.ad_id;
    if (p.replenishment) {
        const bool was_auto = s.replenishment == ReplenishmentMode::kAuto;
        s.replenishment = *p.replenishment;
        if (*p.replenishment != ReplenishmentMode::kAuto) {
            s.fill_rate = 0;
        } else if (p.fill_rate != 0 || !was_auto) {
            s.fill_rate = p.fill_rate;  // none given to a product not in mode auto: refused
        }
    } else if (p.fill_rate != 0) {
        s.fill_rate = p.fill_rate;  // the mode kept: refused unless it is auto
    }
    return s;
}

}  // namespace restock
