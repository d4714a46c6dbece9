#include "app/stock_engine.h"

#include <algorithm>

namespace restock {

// The work of one group commit: what it will write, and how to undo its in-memory effects if the
// commit fails.
class StockEngine::Batch {
  public:
    explicit Batch(int64_t now_ms) : now_ms(now_ms) {}

    // Call before the first change of a product in this batch.
    // Products live in node-based maps, so the pointers stay valid for the batch.
    void touch(Product& product, bool created) {
        if (!undo_.emplace(&product, created ? std::nullopt : std::optional<Product>(product))
                 .second) {
            return;
        }
        touched_.push_back(&product);
    }

    const std::vector<Product*>& touched() const { return touched_; }
    const std::unordered_map<Product*, std::optional<Product>>& undo() const { return undo_; }

    const IdempotencyRecord* find_idempotency(const std::string& principal,
                                              const std::string& key) const {
        for (const auto& record : writes.idempotency) {
            if (record.principal == principal && record.key == key) return &record;
        }
        return nullptr;
    }

    const ReceiptRecord* find_receipt(int64_t product_id, const std::string& reference) const {
        for (const auto& record : writes.receipts) {
            if (record.product_id == product_id && record.reference == reference) return &record;
        }
        return nullptr;
    }

    const Movement* find_movement(int64_t id) const {
        for (const auto& movement : writes.movements) {
            if (movement.id == id) return &movement;
        }
        return nullptr;
    }

    const int64_t now_ms;
    WriteBatch writes;

  private:
    std::unordered_map<Product*, std::optional<Product>> undo_;  // nullopt: created in this batch
    std::vector<Product*> touched_;
};

namespace {

Error not_found(std::string_view sku) {
    return make_error(ErrorCode::kNotFound, "product-not-found",
                      "no product with sku '" + std::string(sku) + "'");
}

Error unavailable(std::string message) {
    return make_error(ErrorCode::kUnavailable, "unavailable", std::move(message));
}

bool changes_state_or_answers(const Outcome& outcome) {
    if (const auto* error = std::get_if<Error>(&outcome)) {
        return error->code != ErrorCode::kUnavailable && error->code != ErrorCode::kInternal;
    }
    return !std::holds_alternative<StoredResponse>(outcome);
}

}  // namespace

Result<std::unique_ptr<StockEngine>> StockEngine::start(StockStore& store, const Clock& clock,
                                                        EngineOptions options) {
    auto snapshot = store.load();
    if (!snapshot) return snapshot.error();
    auto reader = store.open_reader();
    if (!reader) return reader.error();
    return std::unique_ptr<StockEngine>(new StockEngine(
        store, clock, options, std::move(reader.value()), std::move(snapshot.value())));
}

StockEngine::StockEngine(StockStore& store, const Clock& clock, EngineOptions options,
                         std::unique_ptr<StockReader> reader, EngineSnapshot snapshot)
    : store_(store), clock_(clock), options_(options), reader_(std::move(reader)) {
    for (auto& product : snapshot.products) {
        last_product_id_ = std::max(last_product_id_, product.id);
        std::string sku = product.sku;
        products_.emplace(std::move(sku), std::move(product));
    }
    last_movement_id_ = snapshot.last_movement_id;
    last_event_seq_ = snapshot.last_event_seq;
    database_id_ = std::move(snapshot.database_id);
    thread_ = std::thread([this] { run(); });
}

StockEngine::~StockEngine() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void StockEngine::submit(Submission submission) {
    {
        std::lock_guard lock(mutex_);
        if (!stopping_ && pending_.size() < options_.max_queue) {
            pending_.push_back(std::move(submission));
            if (pending_.size() == 1) wake_.notify_one();
            return;
        }
    }
    submission.done(unavailable("the stock engine is overloaded or stopping; retry later"));
}

StockEngine::Stats StockEngine::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

void StockEngine::run() {
    std::deque<Submission> work;
    while (true) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
            if (pending_.empty()) return;  // stopping and drained
            const std::size_t take = std::min(pending_.size(), options_.max_batch);
            if (take == pending_.size()) {
                work.swap(pending_);
            } else {
                std::move(pending_.begin(), pending_.begin() + static_cast<long>(take),
                          std::back_inserter(work));
                pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(take));
            }
        }
        process(work);
        work.clear();
    }
}

void StockEngine::process(std::deque<Submission>& submissions) {
    Batch batch(clock_.now_ms());
    const int64_t saved_product_id = last_product_id_;
    const int64_t saved_movement_id = last_movement_id_;
    const int64_t saved_event_seq = last_event_seq_;

    std::vector<Outcome> outcomes;
    outcomes.reserve(submissions.size());
    for (auto& submission : submissions) outcomes.push_back(execute(submission, batch));

    for (const Product* product : batch.touched()) batch.writes.products.push_back(*product);

    bool failed = false;
    if (!batch.writes.empty()) {
        const Status committed = store_.commit(batch.writes);
        if (!committed) {
            failed = true;
            // Undo every in-memory effect: the store has none of this batch.
            for (const auto& [product, before] : batch.undo()) {
                if (before) {
                    *product = *before;
                } else {
                    const std::string sku = product->sku;
                    products_.erase(sku);
                }
            }
            last_product_id_ = saved_product_id;
            last_movement_id_ = saved_movement_id;
            last_event_seq_ = saved_event_seq;
            const Error error =
                unavailable("the store could not commit (" + committed.error().message +
                            "); nothing was changed, retry later");
            for (auto& outcome : outcomes) outcome = error;
        }
    }
    {
        std::lock_guard lock(mutex_);
        stats_.commands += submissions.size();
        stats_.batches += 1;
        if (failed) stats_.failed_batches += 1;
    }
    for (std::size_t i = 0; i < submissions.size(); ++i) {
        submissions[i].done(std::move(outcomes[i]));
    }
}

Outcome StockEngine::execute(Submission& submission, Batch& batch) {
    if (!submission.idempotency) return apply(submission.command, batch);

    const IdempotencyTag& tag = *submission.idempotency;
    std::optional<IdempotencyRecord> previous;
    if (const auto* in_batch = batch.find_idempotency(tag.principal, tag.key)) {
        previous = *in_batch;
    } else {
        auto stored = reader_->idempotency(tag.principal, tag.key);
        if (!stored)
            return unavailable("cannot read idempotency records: " + stored.error().message);
        previous = std::move(stored.value());
    }
    if (previous) {
        if (previous->fingerprint != tag.fingerprint) {
            return make_error(
                ErrorCode::kUnprocessable, "idempotency-key-reuse",
                "Idempotency-Key '" + tag.key + "' was already used with a different request");
        }
        return StoredResponse{previous->status, previous->body};
    }

    Outcome outcome = apply(submission.command, batch);
    if (changes_state_or_answers(outcome)) {
        StoredResponse response = submission.render(outcome);
        batch.writes.idempotency.push_back(
            IdempotencyRecord{tag.principal, tag.key, tag.fingerprint, response.status,
                              std::move(response.body), batch.now_ms});
    }
    return outcome;
}

Outcome StockEngine::apply(const Command& command, Batch& batch) {
    return std::visit([&](const auto& request) { return apply(request, batch); }, command);
}

Product* StockEngine::find(std::string_view sku) {
    auto it = products_.find(std::string(sku));
    return it == products_.end() ? nullptr : &it->second;
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
    event.seq = ++last_event_seq_;
    event.id = "evt_" + database_id_ + "_" + std::to_string(event.seq);
    event.type = *type;
    event.sku = product.sku;
    event.figures = figures_of(product);
    event.cause = std::move(cause);
    event.at_ms = batch.now_ms;
    batch.writes.events.push_back(std::move(event));
}

Outcome StockEngine::apply(const NewProduct& request, Batch& batch) {
    if (find(request.sku) != nullptr) {
        return make_error(ErrorCode::kAlreadyExists, "product-exists",
                          "a product with sku '" + request.sku + "' already exists");
    }
    Product product;
    product.id = ++last_product_id_;
    product.sku = request.sku;
    product.name = request.name;
    product.settings = request.settings;
    product.created_at_ms = batch.now_ms;
    product.updated_at_ms = batch.now_ms;
    auto [it, inserted] = products_.emplace(product.sku, std::move(product));
    Product& created = it->second;
    batch.touch(created, /*created=*/true);
    if (request.on_hand > 0) {
        add_movement(created, MovementKind::kInitial, request.on_hand, "initial stock", batch);
    }
    add_event_if(evaluate_signal(created), created, "created", batch);
    return ProductOutcome{created, /*created=*/true};
}

Outcome StockEngine::apply(const PatchProduct& request, Batch& batch) {
    Product* product = find(request.sku);
    if (product == nullptr) return not_found(request.sku);
    const ReorderSettings settings = restock::apply(request.patch, product->settings);
    const Status valid = validate_settings(settings);
    if (!valid) return valid.error();
    batch.touch(*product, false);
    product->settings = settings;
    if (request.patch.name) product->name = *request.patch.name;
    product->updated_at_ms = batch.now_ms;
    add_event_if(evaluate_signal(*product), *product, "settings-changed", batch);
    return ProductOutcome{*product, false};
}

Outcome StockEngine::apply(const CheckoutRequest& request, Batch& batch) {
    std::vector<Product*> products;
    products.reserve(request.lines.size());
    std::vector<std::string> unknown;
    for (const auto& line : request.lines) {
        Product* product = find(line.sku);
        if (product == nullptr) unknown.push_back(line.sku);
        products.push_back(product);
    }
    if (!unknown.empty()) {
        std::string list;
        for (const auto& sku : unknown) list += (list.empty() ? "'" : ", '") + sku + "'";
        return make_error(ErrorCode::kUnprocessable, "unknown-sku",
                          "no product with sku " + list + "; nothing was taken");
    }
    std::vector<const Product*> view(products.begin(), products.end());
    std::vector<Shortfall> shortfalls = find_shortfalls(request.lines, view);
    if (!shortfalls.empty()) {
        for (std::size_t i = 0; i < request.lines.size(); ++i) {
            if (request.lines[i].qty <= products[i]->available()) continue;
            batch.touch(*products[i], false);
            add_event_if(signal_refusal(*products[i]), *products[i], "refused-checkout", batch);
        }
        return CheckoutRefused{request.order_id, std::move(shortfalls)};
    }
    CheckoutOutcome outcome{request.order_id, {}, batch.now_ms};
    outcome.lines.reserve(request.lines.size());
    for (std::size_t i = 0; i < request.lines.size(); ++i) {
        Product& product = *products[i];
        batch.touch(product, false);
        const Movement& movement = add_movement(product, MovementKind::kCheckout,
                                                -request.lines[i].qty, request.order_id, batch);
        outcome.lines.push_back(CheckoutLineOutcome{product.sku, request.lines[i].qty, movement.id,
                                                    product.available()});
        add_event_if(evaluate_signal(product), product, "checkout", batch);
    }
    return outcome;
}

Outcome StockEngine::apply(const ReceiptRequest& request, Batch& batch) {
    Product* product = find(request.sku);
    if (product == nullptr) return not_found(request.sku);

    std::optional<ReceiptRecord> booked;
    if (const auto* in_batch = batch.find_receipt(product->id, request.reference)) {
        booked = *in_batch;
    } else {
        auto stored = reader_->receipt(product->id, request.reference);
        if (!stored) return unavailable("cannot read receipts: " + stored.error().message);
        booked = std::move(stored.value());
    }
    if (booked) {
        if (booked->qty != request.qty) {
            return make_error(ErrorCode::kConflict, "duplicate-reference",
                              "reference '" + request.reference +
                                  "' was already received with qty " + std::to_string(booked->qty));
        }
        std::optional<Movement> movement;
        if (const auto* in_batch = batch.find_movement(booked->movement_id)) {
            movement = *in_batch;
        } else {
            auto stored = reader_->movement(booked->movement_id);
            if (!stored || !stored.value()) return unavailable("cannot read the booked receipt");
            movement = std::move(stored.value());
        }
        return MovementOutcome{std::move(*movement), *product, /*replayed=*/true};
    }

    const Status allowed = check_receipt(*product, request.qty);
    if (!allowed) return allowed.error();
    batch.touch(*product, false);
    const Movement& movement =
        add_movement(*product, MovementKind::kReceipt, request.qty, request.reference, batch);
    batch.writes.receipts.push_back(
        ReceiptRecord{product->id, request.reference, request.qty, movement.id});
    MovementOutcome outcome{movement, *product, false};
    add_event_if(evaluate_signal(*product), *product, "receipt", batch);
    outcome.product = *product;
    return outcome;
}

Outcome StockEngine::apply(const AdjustmentRequest& request, Batch& batch) {
    Product* product = find(request.sku);
    if (product == nullptr) return not_found(request.sku);
    const Status allowed = check_adjustment(*product, request.delta);
    if (!allowed) return allowed.error();
    batch.touch(*product, false);
    const Movement& movement =
        add_movement(*product, MovementKind::kAdjustment, request.delta, request.reason, batch);
    MovementOutcome outcome{movement, *product, false};
    add_event_if(evaluate_signal(*product), *product, "adjustment", batch);
    outcome.product = *product;
    return outcome;
}

}  // namespace restock
