// Reservations inside the engine: a hold moves stock from available into reserved, all or
// none; a checkout naming it takes exactly its lines; a release or its expiry gives it back.
// Like every change, each is a committed command, with its events in the same batch.
#include "app/engine_batch.h"
#include "app/stock_engine.h"

namespace restock {
namespace {

Error unavailable_read(const Error& error) {
    return make_error(ErrorCode::kUnavailable, "unavailable",
                      "cannot read reservations: " + error.message);
}

Error hold_not_found(const std::string& id) {
    return make_error(ErrorCode::kNotFound, "reservation-not-found", "no reservation '" + id + "'");
}

Error hold_closed(const Reservation& hold) {
    std::string why = "reservation '" + hold.id + "' is " + std::string(to_string(hold.status));
    if (hold.status == ReservationStatus::kConsumed) why += " (by order '" + hold.order_id + "')";
    return make_error(ErrorCode::kConflict, "reservation-closed", why + "; it holds no stock");
}

}  // namespace

void StockEngine::keep(const Reservation& hold, Batch& batch) {
    auto it = held_.find(hold.id);
    batch.holds.record(hold.id,
                       it == held_.end() ? std::nullopt : std::optional<Reservation>(it->second));
    batch.hold_writes[hold.id] = hold;
}

void StockEngine::set_aside(const Reservation& hold, bool reserve, const char* cause,
                            Batch& batch) {
    for (const auto& line : hold.lines) {
        Product* product = find_by_id(line.product_id);
        if (product == nullptr) continue;  // products are never removed
        batch.touch(*product, Batch::Change::kFigures);
        product->reserved += reserve ? line.qty : -line.qty;
        product->updated_at_ms = batch.now_ms;
        // Set aside, it is gone from available (and may make the product low or empty, so the
        // restock loop hears of it); given back, available grows.
        add_event_if(evaluate_signal(*product, /*stock_increased=*/!reserve), *product, cause,
                     batch);
    }
}

Reservation StockEngine::close_hold(const std::string& id, ReservationStatus status, Batch& batch) {
    Reservation hold = held_.at(id);
    keep(hold, batch);
    expiries_.erase({hold.expires_at_ms, hold.id});
    held_.erase(id);
    hold.status = status;
    hold.updated_at_ms = batch.now_ms;
    batch.hold_writes[hold.id] = hold;
    return hold;
}

Outcome StockEngine::apply(const NewReservation& request, Batch& batch) {
    if (auto valid = validate(request); !valid) return valid.error();
    if (held_.count(request.reservation_id) != 0 ||
        batch.hold_writes.count(request.reservation_id) != 0) {
        return make_error(ErrorCode::kAlreadyExists, "reservation-exists",
                          "a reservation '" + request.reservation_id + "' exists");
    }
    auto stored = reader_->reservation(request.reservation_id);
    if (!stored) return unavailable_read(stored.error());
    if (stored.value()) {
        return make_error(ErrorCode::kAlreadyExists, "reservation-exists",
                          "a reservation '" + request.reservation_id + "' exists");
    }
    std::vector<Product*> products;
    std::vector<const Product*> view;
    std::string unknown;
    for (const auto& line : request.lines) {
        Product* product = find(line.sku);
        if (product == nullptr) unknown += (unknown.empty() ? "'" : ", '") + line.sku + "'";
        products.push_back(product);
        view.push_back(product);
    }
    if (!unknown.empty()) {
        return make_error(ErrorCode::kUnprocessable, "unknown-sku",
                          "no product with sku " + unknown + "; nothing was reserved");
    }
    if (auto archived = archived_refusal(products, "nothing was reserved")) return *archived;
    std::vector<Shortfall> shortfalls = find_shortfalls(request.lines, view);
    if (!shortfalls.empty()) {
        for (std::size_t i = 0; i < request.lines.size(); ++i) {
            if (request.lines[i].qty <= products[i]->available()) continue;
            batch.touch(*products[i], Batch::Change::kFigures);
            add_event_if(signal_refusal(*products[i]), *products[i], "refused-reservation", batch);
        }
        return CheckoutRefused{request.reservation_id, std::move(shortfalls), true};
    }
    Reservation hold;
    hold.id = request.reservation_id;
    hold.created_at_ms = batch.now_ms;
    hold.updated_at_ms = batch.now_ms;
    hold.expires_at_ms = batch.now_ms + request.ttl_ms;
    for (std::size_t i = 0; i < request.lines.size(); ++i) {
        hold.lines.push_back(
            ReservationLine{products[i]->sku, products[i]->id, request.lines[i].qty});
    }
    keep(hold, batch);
    held_.emplace(hold.id, hold);
    expiries_.emplace(hold.expires_at_ms, hold.id);
    set_aside(hold, /*reserve=*/true, "reserved", batch);
    return ReservationOutcome{std::move(hold), /*created=*/true};
}

Outcome StockEngine::apply(const ReleaseReservation& request, Batch& batch) {
    if (held_.count(request.id) != 0) {
        Reservation hold = close_hold(request.id, ReservationStatus::kReleased, batch);
        set_aside(hold, /*reserve=*/false, "reservation-released", batch);
        return ReservationOutcome{std::move(hold), false};
    }
    if (auto it = batch.hold_writes.find(request.id); it != batch.hold_writes.end()) {
        if (it->second.status == ReservationStatus::kConsumed) return hold_closed(it->second);
        return ReservationOutcome{it->second, false};
    }
    auto stored = reader_->reservation(request.id);
    if (!stored) return unavailable_read(stored.error());
    if (!stored.value()) return hold_not_found(request.id);
    // Released or expired already: the same answer again. Consumed: a checkout took it.
    if (stored.value()->status == ReservationStatus::kConsumed) return hold_closed(*stored.value());
    return ReservationOutcome{std::move(*stored.value()), false};
}

void StockEngine::expire_due(Batch& batch) {
    while (!expiries_.empty() && expiries_.begin()->first <= batch.now_ms) {
        const std::string id = expiries_.begin()->second;
        Reservation hold = close_hold(id, ReservationStatus::kExpired, batch);
        set_aside(hold, /*reserve=*/false, "reservation-expired", batch);
    }
}

Outcome StockEngine::checkout_reserved(const CheckoutRequest& request, Batch& batch) {
    if (held_.count(request.reservation_id) == 0) {
        std::optional<Reservation> known;
        if (auto it = batch.hold_writes.find(request.reservation_id);
            it != batch.hold_writes.end()) {
            known = it->second;
        } else {
            auto stored = reader_->reservation(request.reservation_id);
            if (!stored) return unavailable_read(stored.error());
            known = std::move(stored.value());
        }
        if (!known) {
            return make_error(ErrorCode::kUnprocessable, "unknown-reservation",
                              "no reservation '" + request.reservation_id + "'; nothing was taken");
        }
        return hold_closed(*known);
    }
    const Reservation& hold = held_.at(request.reservation_id);
    if (!request.lines.empty() && !same_lines(request.lines, hold)) {
        return make_error(ErrorCode::kUnprocessable, "reservation-mismatch",
                          "the lines are not the ones reservation '" + hold.id +
                              "' holds; send the same lines, or none; nothing was taken");
    }
    std::vector<Product*> held_products;
    for (const auto& line : hold.lines) held_products.push_back(find_by_id(line.product_id));
    if (auto archived = archived_refusal(held_products, "nothing was taken; the hold is kept")) {
        return *archived;
    }
    Reservation consumed = close_hold(request.reservation_id, ReservationStatus::kConsumed, batch);
    consumed.order_id = request.order_id;
    batch.hold_writes[consumed.id] = consumed;
    CheckoutOutcome outcome{request.order_id, {}, batch.now_ms};
    for (const auto& line : consumed.lines) {
        Product* product = find_by_id(line.product_id);
        if (product == nullptr) continue;
        batch.touch(*product, Batch::Change::kFigures);
        // Reserved stock is still on hand: taking it never fails.
        product->reserved -= line.qty;
        const Movement& movement =
            add_movement(*product, MovementKind::kCheckout, -line.qty, request.order_id, batch);
        outcome.lines.push_back(
            CheckoutLineOutcome{product->sku, line.qty, movement.id, product->available()});
        add_event_if(evaluate_signal(*product), *product, "checkout", batch);
    }
    return outcome;
}

}  // namespace restock
