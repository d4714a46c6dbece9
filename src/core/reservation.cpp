#include "core/reservation.h"

#include <charconv>

namespace restock {

std::string_view to_string(ReservationStatus status) {
    switch (status) {
        case ReservationStatus::kHeld:
            return "held";
        case ReservationStatus::kConsumed:
            return "consumed";
        case ReservationStatus::kReleased:
            return "released";
        case ReservationStatus::kExpired:
            return "expired";
    }
    return "held";
}

std::optional<ReservationStatus> parse_reservation_status(std::string_view text) {
    for (auto s : {ReservationStatus::kHeld, ReservationStatus::kConsumed,
                   ReservationStatus::kReleased, ReservationStatus::kExpired}) {
        if (to_string(s) == text) return s;
    }
    return std::nullopt;
}

Status validate(const NewReservation& request) {
    // The same rules as a checkout's id and lines.
    if (auto valid = validate(CheckoutRequest{request.reservation_id, request.lines}); !valid) {
        const std::string& message = valid.error().message;
        if (message.rfind("order_id", 0) == 0) {
            return invalid_request("reservation_id must be 1 to 64 printable ASCII characters");
        }
        return valid;
    }
    if (request.ttl_ms < kMinReservationTtlMs || request.ttl_ms > kMaxReservationTtlMs) {
        return invalid_request("ttl_s must be from 1 to 604800 (a week)");
    }
    return ok_status();
}

bool same_lines(const std::vector<CheckoutLine>& lines, const Reservation& reservation) {
    if (lines.size() != reservation.lines.size()) return false;
    for (const auto& line : lines) {
        bool found = false;
        for (const auto& held : reservation.lines) {
            if (held.sku == line.sku) {
                found = held.qty == line.qty;
                break;
            }
        }
        if (!found) return false;
    }
    return true;
}

std::string encode_lines(const std::vector<ReservationLine>& lines) {
    std::string out;
    for (const auto& line : lines) {
        if (!out.empty()) out += ',';
        out += line.sku + ':' + std::to_string(line.product_id) + ':' + std::to_string(line.qty);
    }
    return out;
}

std::optional<std::vector<ReservationLine>> decode_lines(std::string_view text) {
    std::vector<ReservationLine> lines;
    while (!text.empty()) {
        const auto comma = text.find(',');
        const std::string_view item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
        const auto first = item.find(':');
        const auto second = item.find(':', first == std::string_view::npos ? 0 : first + 1);
        if (first == std::string_view::npos || second == std::string_view::npos)
            return std::nullopt;
        ReservationLine line;
        line.sku = std::string(item.substr(0, first));
        const std::string_view id = item.substr(first + 1, second - first - 1);
        const std::string_view qty = item.substr(second + 1);
        if (std::from_chars(id.data(), id.data() + id.size(), line.product_id).ec != std::errc() ||
            std::from_chars(qty.data(), qty.data() + qty.size(), line.qty).ec != std::errc()) {
            return std::nullopt;
        }
        lines.push_back(std::move(line));
    }
    return lines;
}

}  // namespace restock
