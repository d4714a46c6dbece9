// Releases: an order gives back what its checkouts took (a cancelled order, a return), as
// release movements, never more than it took, and a repeat changes nothing.
#include <algorithm>

#include "app/engine_batch.h"
#include "app/stock_engine.h"

namespace restock {
namespace {

bool is_order_movement(const Movement& m, const std::string& order_id) {
    return (m.kind == MovementKind::kCheckout || m.kind == MovementKind::kRelease) &&
           m.reference == order_id;
}

// One product of the order: what its checkouts took and its releases gave back.
struct OrderLine {
    int64_t product_id = 0;
    int64_t taken = 0;
    int64_t released = 0;
};

// In the order the lines were first taken (movements come in id order).
std::vector<OrderLine> lines_of(const std::vector<Movement>& movements) {
    std::vector<OrderLine> lines;
    for (const auto& m : movements) {
        auto it = std::find_if(lines.begin(), lines.end(), [&](const OrderLine& line) {
            return line.product_id == m.product_id;
        });
        if (it == lines.end()) it = lines.insert(lines.end(), OrderLine{m.product_id, 0, 0});
        if (m.delta < 0) {
            it->taken -= m.delta;
        } else {
            it->released += m.delta;
        }
    }
    return lines;
}

Error unavailable(std::string message) {
    return make_error(ErrorCode::kUnavailable, "unavailable", std::move(message));
}

}  // namespace

Result<std::vector<Movement>> StockEngine::order_movements(const std::string& order_id,
                                                           const Batch& batch) {
    const int64_t key = checkout_key(order_id);
    std::vector<int64_t> ids;
    checkout_index_.find(key, ids);
    auto slices = reader_->checkout_slices(key, checkout_index_.mark().runs);
    if (!slices) return unavailable("cannot read the checkout index: " + slices.error().message);
    for (const std::string& slice : slices.value()) {
        if (!find_in_slice(slice, key, ids)) {
            return make_error(ErrorCode::kInternal, "internal",
                              "a slice of the checkout index does not read back");
        }
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::vector<Movement> movements;
    for (const int64_t id : ids) {
        auto movement = reader_->movement(id);
        if (!movement) return unavailable("cannot read the ledger: " + movement.error().message);
        // Another order whose id has the same key: not this one's.
        if (*movement && is_order_movement(**movement, order_id)) {
            movements.push_back(std::move(**movement));
        }
    }
    for (const Movement& m : batch.writes.movements) {
        if (is_order_movement(m, order_id)) movements.push_back(m);
    }
    return movements;
}

Outcome StockEngine::apply(const ReleaseRequest& request, Batch& batch) {
    if (auto valid = validate(request); !valid) return valid.error();
    auto movements = order_movements(request.order_id, batch);
    if (!movements) return movements.error();
    const std::vector<OrderLine> lines = lines_of(movements.value());
    if (std::none_of(lines.begin(), lines.end(), [](const OrderLine& l) { return l.taken > 0; })) {
        return make_error(ErrorCode::kNotFound, "checkout-not-found",
                          "no checkout took stock for order_id '" + request.order_id + "'");
    }

    // How much of each line should be back in all: what was asked, or everything taken.
    std::vector<int64_t> wanted(lines.size(), -1);
    if (request.lines.empty()) {
        for (std::size_t i = 0; i < lines.size(); ++i) wanted[i] = lines[i].taken;
    }
    std::string strangers;
    for (const auto& asked : request.lines) {
        const Product* product = find(asked.sku);
        auto it = std::find_if(lines.begin(), lines.end(), [&](const OrderLine& line) {
            return product != nullptr && line.product_id == product->id && line.taken > 0;
        });
        if (it == lines.end()) {
            strangers += (strangers.empty() ? "'" : ", '") + asked.sku + "'";
            continue;
        }
        if (asked.qty > it->taken) {
            return make_error(ErrorCode::kConflict, "release-exceeds-order",
                              "order '" + request.order_id + "' took " + std::to_string(it->taken) +
                                  " of '" + asked.sku + "'; a release cannot give back " +
                                  std::to_string(asked.qty) + "; nothing was released");
        }
        wanted[static_cast<std::size_t>(it - lines.begin())] = asked.qty;
    }
    if (!strangers.empty()) {
        return make_error(
            ErrorCode::kUnprocessable, "sku-not-in-order",
            "order '" + request.order_id + "' took no " + strangers + "; nothing was released");
    }

    ReleaseOutcome outcome{request.order_id, {}, batch.now_ms};
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const OrderLine& line = lines[i];
        Product* product = find_by_id(line.product_id);
        if (product == nullptr || line.taken <= 0) continue;  // a release-only line: none here
        ReleaseLineOutcome result{product->sku, line.taken, line.released, 0, 0, 0};
        // Asked for less than is back already: a late repeat of an earlier release.
        const int64_t more = wanted[i] - line.released;
        if (more > 0) {
            batch.touch(*product, Batch::Change::kFigures);
            const Movement& movement =
                add_movement(*product, MovementKind::kRelease, more, request.order_id, batch);
            result.released += more;
            result.released_now = more;
            result.movement_id = movement.id;
            add_event_if(evaluate_signal(*product), *product, "release", batch);
        }
        result.available = product->available();
        outcome.lines.push_back(std::move(result));
    }
    return outcome;
}

}  // namespace restock
