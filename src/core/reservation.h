// Reservations (cart holds): stock set aside for a shopper for a while. A hold moves the lines'
// quantities from available into reserved, all or none; a checkout naming it takes exactly those
// lines; releasing it, or its expiry, puts them back. Pure types and rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/requests.h"
#include "core/result.h"

namespace restock {

// held: its stock is reserved; consumed: a checkout took it; released: given back by the
// storefront; expired: given back when its time ran out.
enum class ReservationStatus { kHeld, kConsumed, kReleased, kExpired };

std::string_view to_string(ReservationStatus status);
std::optional<ReservationStatus> parse_reservation_status(std::string_view text);

struct ReservationLine {
    std::string sku;
    int64_t product_id = 0;
    int64_t qty = 0;
};

struct Reservation {
    std::string id;  // the storefront's reservation_id
    ReservationStatus status = ReservationStatus::kHeld;
    std::vector<ReservationLine> lines;
    int64_t expires_at_ms = 0;
    int64_t created_at_ms = 0;
    int64_t updated_at_ms = 0;
    std::string order_id;  // the checkout that consumed it
};

// POST /v1/reservations.
struct NewReservation {
    std::string reservation_id;
    std::vector<CheckoutLine> lines;
    int64_t ttl_ms = 0;
};

inline constexpr int64_t kMinReservationTtlMs = 1'000;
inline constexpr int64_t kMaxReservationTtlMs = 7 * 24 * 3'600'000;  // a week
inline constexpr int64_t kDefaultReservationTtlMs = 15 * 60'000;

// The id and lines are checked as a checkout's are (1 to 100 lines, each SKU once, qty from 1).
Status validate(const NewReservation& request);

// Whether a checkout's lines are exactly the reservation's (any order).
bool same_lines(const std::vector<CheckoutLine>& lines, const Reservation& reservation);

// The lines as stored: "sku:product_id:qty" joined by ','. SKUs never hold ':' or ','.
std::string encode_lines(const std::vector<ReservationLine>& lines);
std::optional<std::vector<ReservationLine>> decode_lines(std::string_view text);

}  // namespace restock
