// Movement: one immutable ledger row. Every stock change is exactly one movement per SKU touched.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace restock {

// kRelease: stock a checkout took, given back by its order's release (a cancellation, a return).
enum class MovementKind {
    kCheckout = 1,
    kReceipt = 2,
    kAdjustment = 3,
    kInitial = 4,
    kRelease = 5
};

struct Movement {
    int64_t id = 0;  // global, strictly increasing
    int64_t product_id = 0;
    int64_t prev_id = 0;  // previous movement of the same product (0: first); pages the ledger
    MovementKind kind = MovementKind::kCheckout;
    int64_t delta = 0;
    int64_t on_hand_after = 0;
    std::string reference;  // order id (checkout, release), receipt reference or adjustment reason
    int64_t at_ms = 0;
};

std::string_view to_string(MovementKind kind);
std::optional<MovementKind> parse_movement_kind(std::string_view text);

}  // namespace restock
