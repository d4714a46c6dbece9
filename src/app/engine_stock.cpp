// The stock commands of the engine: products, checkout, receipts, adjustments, and the
// events they raise (with their fan-out to subscribed queues).
#include <array>

#include "app/engine_batch.h"
#include "app/event_json.h"
#include "app/stock_engine.h"
#include "core/limits.h"

namespace restock {
namespace {

Error not_found(std::string_view sku) {
    return make_error(ErrorCode::kNotFound, "product-not-found",
                      "no product with sku '" + std::string(sku) + "'");
}

}  // namespace

std::optional<Error> StockEngine::archived_refusal(std::span<Product* const> products,
                                                   std::string_view nothing_done) {
    std::string list;
    for (const Product* product : products) {
        if (product == nullptr || !product->archived()) continue;
        list += (list.empty() ? "'" : ", '") + product->sku + "'";
    }
    if (list.empty()) return std::nullopt;
    return make_error(
        ErrorCode::kConflict, "product-archived",
        "product " + list + " is archived and cannot be sold; " + std::string(nothing_done));
}

Status StockEngine::check_factory(const std::string& factory_id) const {
    if (factories_.count(factory_id) != 0) return ok_status();
    return make_error(
        ErrorCode::kUnprocessable, "unknown-factory",
        "no factory '" + factory_id + "' is registered; register it first (POST /v1/factories)");
}

Product* StockEngine::find(std::string_view sku) {
    auto it = products_.find(sku);
    return it == products_.end() ? nullptr : &it->second;
}

Product* StockEngine::find_by_id(int64_t id) {
    if (id < 0 || static_cast<std::size_t>(id) >= products_by_id_.size()) return nullptr;
    return products_by_id_[static_cast<std::size_t>(id)];
}

void StockEngine::index_product(Product& product) {
    const auto id = static_cast<std::size_t>(product.id);
    if (id >= products_by_id_.size()) products_by_id_.resize(id + 1, nullptr);
    products_by_id_[id] = &product;
    products_order_.clear();
}

void StockEngine::unindex_product(int64_t id) {
    if (id >= 0 && static_cast<std::size_t>(id) < products_by_id_.size())
        products_by_id_[static_cast<std::size_t>(id)] = nullptr;
    products_order_.clear();
}

void StockEngine::order_products() {
    products_order_.clear();
    order_place_by_id_.assign(products_by_id_.size(), 0);
    for (auto& [sku, product] : products_) {
        order_place_by_id_[static_cast<std::size_t>(product.id)] = products_order_.size();
        products_order_.push_back(&product);
    }
}

Movement& StockEngine::add_movement(Product& product, MovementKind kind, int64_t delta,
                                    std::string reference, Batch& batch) {
    product.on_hand += delta;
    product.updated_at_ms = batch.now_ms;
    Movement movement;
    movement.id = ++last_movement_id_;
    movement.product_id = product.id;
    movement.prev_id = product.last_movement_id;
    movement.kind = kind;
    movement.delta = delta;
    movement.on_hand_after = product.on_hand;
    movement.reference = std::move(reference);
    movement.at_ms = batch.now_ms;
    product.last_movement_id = movement.id;
    batch.writes.movements.push_back(std::move(movement));
    return batch.writes.movements.back();
}

void StockEngine::add_event_if(std::optional<EventType> type, const Product& product,
                               std::string cause, Batch& batch) {
    if (!type) return;
    Event event;
    event.type = *type;
    event.sku = product.sku;
    event.figures = figures_of(product);
    event.cause = std::move(cause);
    publish(std::move(event), batch);
}

void StockEngine::add_order_event(EventType type, const Product& product, const RestockOrder& order,
                                  std::string cause, Batch& batch) {
    Event event;
    event.type = type;
    event.sku = product.sku;
    event.figures = figures_of(product);
    event.cause = std::move(cause);
    event.order_id = order.id;
    event.qty = type == EventType::kRestockReceived ? order.received_qty : order.qty;
    publish(std::move(event), batch);
}

void StockEngine::publish(Event event, Batch& batch) {
    event.seq = ++last_event_seq_;
    event.id = "evt_" + database_id_ + "_" + std::to_string(event.seq);
    event.at_ms = batch.now_ms;
    const std::string_view type = to_string(event.type);
    std::string body;
    for (const auto& [id, subscription] : subscriptions_) {
        if (!matches(subscription, type)) continue;
        if (body.empty()) body = event_json(event);
        if (subscription.protocol == Protocol::kQueue) {
            if (queues_.policy(subscription.endpoint) != nullptr) {
                queues_.send(subscription.endpoint, body, batch.now_ms);
            }
        } else {
            queues_.send(kNotificationsQueue, notification_json(id, body), batch.now_ms);
        }
    }
    batch.writes.events.push_back(std::move(event));
}

Outcome StockEngine::apply(const NewProduct& request, Batch& batch) {
    if (find(request.sku) != nullptr) {
        return make_error(ErrorCode::kAlreadyExists, "product-exists",
                          "a product with sku '" + request.sku + "' already exists");
    }
    if (auto known = check_factory(request.settings.factory_id); !known) return known.error();
    Product product;
    product.id = ++last_product_id_;
    product.sku = request.sku;
    product.name = request.name;
    product.settings = request.settings;
    product.created_at_ms = batch.now_ms;
    product.updated_at_ms = batch.now_ms;
    auto [it, inserted] = products_.emplace(product.sku, std::move(product));
    Product& created = it->second;
    index_product(created);
    batch.touch(created, Batch::Change::kCreated);
    // The settings given are where mode auto starts (and what mode fixed would use).
    LearningSlot& slot = touch_slot(created, batch);
    slot = LearningSlot{};
    slot.known = true;
    slot.learning.today.day = learning_day_;
    settings_given(created, nullptr, created.settings, batch, slot);
    persist(created, batch);
    if (request.on_hand > 0) {
        add_movement(created, MovementKind::kInitial, request.on_hand, "initial stock", batch);
    }
    add_event_if(evaluate_signal(created), created, "created", batch);
    return ProductOutcome{created, /*created=*/true};
}

Outcome StockEngine::apply(const PatchProduct& request, Batch& batch) {
    Product* product = find(request.sku);
    if (product == nullptr) return not_found(request.sku);
    ReorderSettings settings = restock::apply(request.patch, product->settings);
    {
        // Checked as they will be: leaving mode auto puts the settings given back (what
        // settings_given below does); staying, the learned ones stay in effect.
        const bool was_auto = product->settings.replenishment == ReplenishmentMode::kAuto;
        const bool stays_auto = was_auto && settings.replenishment == ReplenishmentMode::kAuto;
        const ProductLearning& learned = slot_of(*product).learning;
        ReorderSettings checked = settings;
        if (was_auto && !stays_auto) {
            if (!request.patch.reorder_point) checked.reorder_point = learned.fixed_reorder_point;
            if (!request.patch.reorder_qty) checked.reorder_qty = learned.fixed_reorder_qty;
        }
        if (const Status valid = validate_settings(checked); !valid) {
            const std::string& message = valid.error().message;
            const bool learned_point = stays_auto && !request.patch.reorder_point &&
                                       learning_ready(learned.demand) &&
                                       message.find("reorder_point") != std::string::npos;
            if (!learned_point) return valid.error();
            return make_error(ErrorCode::kInvalidArgument, "invalid-request",
                              message + " (the reorder_point in effect is " +
                                  std::to_string(checked.reorder_point) +
                                  ", learned in mode auto)");
        }
    }
    // Mode auto: reorder_point and reorder_qty sent are the settings given; the product keeps
    // the learned ones once they are known (engine_replenishment.cpp).
    LearningSlot before_slot = slot_of(*product);
    LearningSlot slot = before_slot;
    settings_given(*product, &request.patch, settings, batch, slot);
    if (const Status valid = validate_settings(settings); !valid) {
        return make_error(ErrorCode::kInvalidArgument, "invalid-request",
                          valid.error().message + " (with the learned settings of mode auto)");
    }
    if (request.patch.factory_id) {
        if (auto known = check_factory(*request.patch.factory_id); !known) return known.error();
    }
    const bool archive_changes =
        request.patch.archived && *request.patch.archived != product->archived();
    const bool name_changes = request.patch.name && *request.patch.name != product->name;
    const bool given_changes = !(slot.learning == before_slot.learning);
    if (settings == product->settings && !given_changes && !archive_changes && !name_changes) {
        // Nothing to change (an archived product archived again, a PATCH of what is already
        // so): the product as it is, and no write. In mode auto once learned, the effective
        // settings stay while the ones given may change: that is a change.
        return ProductOutcome{*product, false};
    }
    const bool was_replenished = is_replenished(*product);
    if (given_changes) {
        touch_slot(*product, batch) = slot;
        persist(*product, batch);
    }
    if (request.patch.factory_id && *request.patch.factory_id != product->settings.factory_id) {
        // Another factory: the product's own lead times were that of the old one.
        touch_slot(*product, batch).learning.lead = LeadTimeStats{};
        persist(*product, batch);
    }
    batch.touch(*product, Batch::Change::kSettings);
    product->settings = settings;
    if (request.patch.name) product->name = *request.patch.name;
    if (request.patch.archived) {
        if (!*request.patch.archived) {
            product->archived_at_ms.reset();
        } else if (!product->archived()) {
            product->archived_at_ms = batch.now_ms;
        }
    }
    product->updated_at_ms = batch.now_ms;
    const std::optional<EventType> raised = evaluate_signal(*product);
    add_event_if(raised, *product, "settings-changed", batch);
    // Ordering resumes (mode fixed again, or restored from the archive) for a product whose
    // low signal was said while nothing was ordered: say it again, or it is never ordered.
    if (!raised && !was_replenished && is_replenished(*product)) {
        say_low_again_if_needed(*product, "replenishment-resumed", batch);
    }
    return ProductOutcome{*product, false};
}

Outcome StockEngine::apply(const CheckoutRequest& request, Batch& batch) {
    // The HTTP layer validated it already; other callers may not have (a SKU twice would
    // otherwise pass the per-line check below and oversell).
    if (auto valid = validate(request); !valid) return valid.error();
    if (!request.reservation_id.empty()) return checkout_reserved(request, batch);
    // The hot path: no allocation until the answer is known.
    std::array<Product*, limits::kMaxCheckoutLines> products{};
    bool all_known = true;
    bool all_available = true;
    for (std::size_t i = 0; i < request.lines.size(); ++i) {
        products[i] = find(request.lines[i].sku);
        if (products[i] == nullptr) {
            all_known = false;
        } else if (request.lines[i].qty > products[i]->available()) {
            all_available = false;
        }
    }
    if (!all_known) {
        std::string list;
        for (std::size_t i = 0; i < request.lines.size(); ++i) {
            if (products[i] != nullptr) continue;
            list += (list.empty() ? "'" : ", '") + request.lines[i].sku + "'";
        }
        return make_error(ErrorCode::kUnprocessable, "unknown-sku",
                          "no product with sku " + list + "; nothing was taken");
    }
    if (auto archived =
            archived_refusal({products.data(), request.lines.size()}, "nothing was taken")) {
        return *archived;
    }
    if (!all_available) {
        const std::vector<const Product*> view(products.begin(),
                                               products.begin() + request.lines.size());
        std::vector<Shortfall> shortfalls = find_shortfalls(request.lines, view);
        for (std::size_t i = 0; i < request.lines.size(); ++i) {
            if (request.lines[i].qty <= products[i]->available()) continue;
            if (products[i]->signal != StockSignal::kNone &&
                products[i]->signal != StockSignal::kLow) {
                continue;  // already said
            }
            batch.touch(*products[i],
                        Batch::Change::kFigures);  // the signal lives on the product row
            add_event_if(signal_refusal(*products[i]), *products[i], "refused-checkout", batch);
        }
        // The whole order was refused: every line's units were demand, lost (replenishment
        // learns them as demand, so a stock-out does not teach "no demand").
        for (std::size_t i = 0; i < request.lines.size(); ++i) {
            batch.lost_demand.push_back(Batch::LostLine{products[i]->id, request.lines[i].qty,
                                                        products[i]->available() <= 0});
        }
        return CheckoutRefused{request.order_id, std::move(shortfalls)};
    }
    CheckoutOutcome outcome{request.order_id, {}, batch.now_ms};
    outcome.lines.reserve(request.lines.size());
    for (std::size_t i = 0; i < request.lines.size(); ++i) {
        Product& product = *products[i];
        batch.touch(product, Batch::Change::kFigures);
        const Movement& movement = add_movement(product, MovementKind::kCheckout,
                                                -request.lines[i].qty, request.order_id, batch);
        outcome.lines.push_back(CheckoutLineOutcome{product.sku, request.lines[i].qty, movement.id,
                                                    product.available()});
        add_event_if(evaluate_signal(product), product, "checkout", batch);
    }
    return outcome;
}

Result<MovementOutcome> StockEngine::book_receipt(Product& product, int64_t qty,
                                                  const std::string& reference, Batch& batch) {
    std::optional<ReceiptRecord> booked;
    if (const auto* in_batch = batch.find_receipt(product.id, reference)) {
        booked = *in_batch;
    } else {
        auto stored = reader_->receipt(product.id, reference);
        if (!stored) {
            return make_error(ErrorCode::kUnavailable, "unavailable",
                              "cannot read receipts: " + stored.error().message);
        }
        booked = std::move(stored.value());
    }
    if (booked) {
        if (booked->qty != qty) {
            return make_error(ErrorCode::kConflict, "duplicate-reference",
                              "reference '" + reference + "' was already received with qty " +
                                  std::to_string(booked->qty));
        }
        std::optional<Movement> movement;
        if (const auto* in_batch = batch.find_movement(booked->movement_id)) {
            movement = *in_batch;
        } else {
            auto stored = reader_->movement(booked->movement_id);
            if (!stored || !stored.value()) {
                return make_error(ErrorCode::kUnavailable, "unavailable",
                                  "cannot read the booked receipt");
            }
            movement = std::move(stored.value());
        }
        return MovementOutcome{std::move(*movement), product, /*replayed=*/true};
    }

    const Status allowed = check_receipt(product, qty);
    if (!allowed) return allowed.error();
    batch.touch(product, Batch::Change::kFigures);
    const Movement& movement = add_movement(product, MovementKind::kReceipt, qty, reference, batch);
    batch.writes.receipts.push_back(ReceiptRecord{product.id, reference, qty, movement.id});
    return MovementOutcome{movement, product, false};
}

Outcome StockEngine::apply(const ReceiptRequest& request, Batch& batch) {
    Product* product = find(request.sku);
    if (product == nullptr) return not_found(request.sku);
    auto booked = book_receipt(*product, request.qty, request.reference, batch);
    if (!booked) return booked.error();
    if (!booked->replayed) {
        add_event_if(evaluate_signal(*product, /*stock_increased=*/true), *product, "receipt",
                     batch);
        booked->product = *product;
    }
    return std::move(booked.value());
}

Outcome StockEngine::apply(const AdjustmentRequest& request, Batch& batch) {
    Product* product = find(request.sku);
    if (product == nullptr) return not_found(request.sku);
    const Status allowed = check_adjustment(*product, request.delta);
    if (!allowed) return allowed.error();
    batch.touch(*product, Batch::Change::kFigures);
    Movement movement =
        add_movement(*product, MovementKind::kAdjustment, request.delta, request.reason, batch);
    add_event_if(evaluate_signal(*product, request.delta > 0), *product, "adjustment", batch);
    return MovementOutcome{std::move(movement), *product, false};
}

}  // namespace restock
