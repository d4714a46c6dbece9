#include "app/fake_stock_store.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

#include "core/ascii.h"

namespace restock::testing {
namespace {

Error constraint(std::string what) {
    return make_error(ErrorCode::kUnavailable, "store-error", "constraint failed: " + what);
}

// The text filter lower-cases ASCII letters only, as SQL lower() does under the stores'
// collations.
bool matches(const ProductQuery& query, const Product& p) {
    if (query.status && status_of(p) != *query.status) return false;
    if (!query.skus.empty() &&
        std::find(query.skus.begin(), query.skus.end(), p.sku) == query.skus.end()) {
        return false;
    }
    if (!query.text.empty() && ascii_lower(p.sku).find(query.text) == std::string::npos &&
        ascii_lower(p.name).find(query.text) == std::string::npos) {
        return false;
    }
    switch (query.archived) {
        case ArchivedFilter::kActive:
            return !p.archived();
        case ArchivedFilter::kArchived:
            return p.archived();
        case ArchivedFilter::kAll:
            return true;
    }
    return true;
}

}  // namespace

// Reads straight from the store's state under its mutex: every call sees the latest commit.
class FakeStockReader final : public StockReader {
  public:
    explicit FakeStockReader(const FakeStockStore& store) : store_(store) {}

    Result<std::optional<Product>> product(std::string_view sku) override {
        return store_.product(sku);
    }

    Result<std::vector<Product>> find_products(const ProductQuery& query) override {
        std::lock_guard lock(store_.mutex_);
        std::vector<Product> out;
        for (auto it = store_.state_.ids_by_sku.upper_bound(query.after_sku);
             it != store_.state_.ids_by_sku.end() && out.size() < query.limit; ++it) {
            const Product& p = store_.state_.products.at(it->second);
            if (matches(query, p)) out.push_back(p);
        }
        return out;
    }

    Result<std::vector<Movement>> movements(const Product& product, int64_t before_id,
                                            std::size_t limit, int64_t up_to_id) override {
        std::lock_guard lock(store_.mutex_);
        const auto& all = store_.state_.movements;
        int64_t next = product.last_movement_id;
        if (before_id > 0) {
            auto cursor = all.find(before_id);
            if (cursor == all.end() || cursor->second.product_id != product.id) {
                return make_error(ErrorCode::kInvalidArgument, "invalid-query",
                                  "'cursor' is no movement of " + product.sku);
            }
            next = cursor->second.prev_id;
        }
        std::vector<Movement> out;
        while (next != 0 && out.size() < limit) {
            auto it = all.find(next);
            if (it == all.end()) break;
            if (it->first <= up_to_id) out.push_back(it->second);
            next = it->second.prev_id;
        }
        return out;
    }

    Result<std::optional<Movement>> movement(int64_t id) override {
        std::lock_guard lock(store_.mutex_);
        auto it = store_.state_.movements.find(id);
        if (it == store_.state_.movements.end()) return std::optional<Movement>();
        return std::optional<Movement>(it->second);
    }

    Result<std::vector<Event>> find_events(const EventQuery& query) override {
        std::lock_guard lock(store_.mutex_);
        std::vector<Event> out;
        for (auto it = store_.state_.events.upper_bound(query.after_seq);
             it != store_.state_.events.end() && it->first <= query.up_to_seq &&
             out.size() < query.limit;
             ++it) {
            const Event& e = it->second;
            const bool typed =
                query.types.empty() || std::find(query.types.begin(), query.types.end(),
                                                 to_string(e.type)) != query.types.end();
            if (typed && (query.sku.empty() || e.sku == query.sku)) out.push_back(e);
        }
        return out;
    }

    Result<int64_t> last_event_seq(int64_t up_to_seq) override {
        std::lock_guard lock(store_.mutex_);
        auto it = store_.state_.events.upper_bound(up_to_seq);
        if (it == store_.state_.events.begin()) return int64_t{0};
        return std::prev(it)->first;
    }

    Result<std::optional<IdempotencyRecord>> idempotency(std::string_view principal,
                                                         std::string_view key) override {
        std::lock_guard lock(store_.mutex_);
        auto it = store_.state_.idempotency.find({std::string(principal), std::string(key)});
        if (it == store_.state_.idempotency.end()) return std::optional<IdempotencyRecord>();
        return std::optional<IdempotencyRecord>(it->second);
    }

    Result<std::optional<ReceiptRecord>> receipt(int64_t product_id,
                                                 std::string_view reference) override {
        std::lock_guard lock(store_.mutex_);
        auto it = store_.state_.receipts.find({product_id, std::string(reference)});
        if (it == store_.state_.receipts.end()) return std::optional<ReceiptRecord>();
        return std::optional<ReceiptRecord>(it->second);
    }

    Result<std::vector<std::string>> checkout_slices(int64_t key, int64_t runs) override {
        std::lock_guard lock(store_.mutex_);
        std::vector<std::string> found;
        for (int64_t run = 1; run <= runs; ++run) {
            auto it = store_.state_.slices.upper_bound({run, key});
            if (it == store_.state_.slices.begin()) continue;
            --it;
            if (it->first.first == run) found.push_back(it->second);
        }
        return found;
    }

    Result<std::optional<Reservation>> reservation(std::string_view id) override {
        std::lock_guard lock(store_.mutex_);
        auto it = store_.state_.reservations.find(id);
        if (it == store_.state_.reservations.end()) return std::optional<Reservation>();
        return std::optional<Reservation>(it->second);
    }

    Result<std::optional<ApiKeyRecord>> api_key(std::string_view hash) override {
        std::lock_guard lock(store_.mutex_);
        for (const auto& key : store_.state_.keys) {
            if (key.hash == hash) return std::optional<ApiKeyRecord>(key);
        }
        return std::optional<ApiKeyRecord>();
    }

    Result<std::optional<SessionRecord>> session(std::string_view hash) override {
        std::lock_guard lock(store_.mutex_);
        auto it = store_.state_.sessions.find(std::string(hash));
        if (it == store_.state_.sessions.end()) return std::optional<SessionRecord>();
        return std::optional<SessionRecord>(it->second);
    }

  private:
    const FakeStockStore& store_;
};

Result<EngineSnapshot> FakeStockStore::load() {
    std::lock_guard lock(mutex_);
    EngineSnapshot snapshot;
    for (const auto& [id, product] : state_.products) snapshot.products.push_back(product);
    snapshot.last_movement_id = state_.movements.empty() ? 0 : state_.movements.rbegin()->first;
    snapshot.last_event_seq = state_.events.empty() ? 0 : state_.events.rbegin()->first;
    snapshot.database_id = database_id_;
    for (const auto& [id, order] : state_.orders) snapshot.orders.push_back(order);
    for (const auto& [id, factory] : state_.factories) snapshot.factories.push_back(factory);
    for (const auto& [key, record] : state_.learned) snapshot.learned.push_back(record);
    for (const auto& [id, sub] : state_.subscriptions) snapshot.subscriptions.push_back(sub);
    for (const auto& [name, policy] : state_.queues) snapshot.queue_policies.push_back(policy);
    for (const auto& [id, message] : state_.messages) snapshot.queue_messages.push_back(message);
    for (const auto& [id, hold] : state_.reservations) {
        if (hold.status == ReservationStatus::kHeld) snapshot.reservations.push_back(hold);
    }
    snapshot.last_message_id = state_.last_message_id;
    if (!state_.runs.empty()) {
        snapshot.checkout_index =
            CheckoutIndexMark{state_.runs.rbegin()->first, state_.runs.rbegin()->second};
    }
    for (const auto& [id, m] : state_.movements) {
        if (id <= snapshot.checkout_index.through) continue;
        if (m.kind != MovementKind::kCheckout && m.kind != MovementKind::kRelease) continue;
        snapshot.checkout_tail.push_back(CheckoutEntry{checkout_key(m.reference), m.id});
    }
    return snapshot;
}

Status FakeStockStore::check(const WriteBatch& batch) const {
    for (const Product& p : batch.products) {
        if (p.id <= 0) return constraint("product id");
        if (p.on_hand < 0) return constraint("products.on_hand >= 0 (" + p.sku + ")");
        if (p.reserved < 0 || p.reserved > p.on_hand) return constraint("products.reserved");
        if (p.on_order < 0) return constraint("products.on_order");
        auto by_sku = state_.ids_by_sku.find(p.sku);
        if (by_sku != state_.ids_by_sku.end() && by_sku->second != p.id) {
            return constraint("UNIQUE products.sku");
        }
    }
    for (const ProductFigures& f : batch.figures) {
        // Like SQLite's UPDATE ... WHERE id = ?, plus the same CHECK constraints.
        if (state_.products.count(f.id) == 0) return constraint("figures for an unknown product");
        if (f.on_hand < 0) return constraint("products.on_hand >= 0");
        if (f.reserved < 0 || f.reserved > f.on_hand) return constraint("products.reserved");
        if (f.on_order < 0) return constraint("products.on_order");
    }
    std::set<int64_t> movement_ids;
    for (const Movement& m : batch.movements) {
        if (m.on_hand_after < 0) return constraint("movements.on_hand_after >= 0");
        if (state_.movements.count(m.id) || !movement_ids.insert(m.id).second) {
            return constraint("UNIQUE movements.id");
        }
    }
    std::set<int64_t> seqs;
    for (const Event& e : batch.events) {
        if (state_.events.count(e.seq) || !seqs.insert(e.seq).second) {
            return constraint("UNIQUE events.seq");
        }
    }
    const CheckoutIndexWrite& index = batch.checkout_index;
    for (const CheckoutSlice& slice : index.slices) {
        const bool discarded = index.starts_run && slice.run >= index.slices.front().run;
        if (!discarded && state_.slices.count({slice.run, slice.first_key})) {
            return constraint("PRIMARY KEY checkout_index(run, first_key)");
        }
    }
    if (index.completes && state_.runs.count(index.completes->runs)) {
        return constraint("PRIMARY KEY checkout_index_runs(run)");
    }
    std::set<std::pair<std::string, std::string>> keys;
    for (const IdempotencyRecord& r : batch.idempotency) {
        std::pair<std::string, std::string> key{r.principal, r.key};
        if (state_.idempotency.count(key) || !keys.insert(key).second) {
            return constraint("UNIQUE idempotency(principal, key)");
        }
    }
    // At most one open restock order per product, as the SQL stores' partial unique index.
    std::map<int64_t, std::string> open_orders;
    for (const auto& [id, order] : state_.orders) {
        if (is_open(order.status)) open_orders[order.product_id] = id;
    }
    for (const RestockOrder& o : batch.orders) {
        auto open = open_orders.find(o.product_id);
        if (open != open_orders.end() && open->second == o.id) open_orders.erase(open);
        if (!is_open(o.status)) continue;
        if (!open_orders.emplace(o.product_id, o.id).second) {
            return constraint("one open restock order per product");
        }
    }
    std::set<std::pair<int64_t, std::string>> references;
    for (const ReceiptRecord& r : batch.receipts) {
        std::pair<int64_t, std::string> key{r.product_id, r.reference};
        if (state_.receipts.count(key) || !references.insert(key).second) {
            return constraint("UNIQUE receipts(product_id, reference)");
        }
    }
    return ok_status();
}

Status FakeStockStore::write(const WriteBatch& batch) {
    std::lock_guard lock(mutex_);
    if (auto valid = check(batch); !valid) return valid;
    const CheckoutIndexWrite& index = batch.checkout_index;
    for (const Product& p : batch.products) {
        state_.products[p.id] = p;
        state_.ids_by_sku[p.sku] = p.id;
    }
    for (const ProductFigures& f : batch.figures) f.apply_to(state_.products.at(f.id));
    for (const Movement& m : batch.movements) state_.movements.emplace(m.id, m);
    for (const Event& e : batch.events) state_.events.emplace(e.seq, e);
    for (const IdempotencyRecord& r : batch.idempotency) {
        state_.idempotency.emplace(std::make_pair(r.principal, r.key), r);
    }
    for (const ReceiptRecord& r : batch.receipts) {
        state_.receipts.emplace(std::make_pair(r.product_id, r.reference), r);
    }
    for (const RestockOrder& o : batch.orders) state_.orders[o.id] = o;
    for (const Factory& f : batch.factories) state_.factories[f.id] = f;
    for (const LearnedRecord& l : batch.learned) state_.learned[{l.scope, l.key}] = l;
    for (const Subscription& sub : batch.subscriptions) state_.subscriptions[sub.id] = sub;
    for (const std::string& id : batch.deleted_subscriptions) state_.subscriptions.erase(id);
    for (const Reservation& h : batch.reservations) state_.reservations[h.id] = h;
    for (const std::string& id : batch.deleted_factories) state_.factories.erase(id);
    for (const SessionRecord& s : batch.sessions) state_.sessions[s.hash] = s;
    for (const SessionEnd& end : batch.ended_sessions) {
        auto it = state_.sessions.find(end.hash);
        if (it != state_.sessions.end() && !it->second.ended_at_ms)
            it->second.ended_at_ms = end.at_ms;
    }
    if (index.starts_run && !index.slices.empty()) {
        state_.slices.erase(state_.slices.lower_bound({index.slices.front().run, INT64_MIN}),
                            state_.slices.end());
    }
    for (const CheckoutSlice& slice : index.slices) {
        state_.slices[{slice.run, slice.first_key}] = slice.entries;
    }
    if (index.completes) state_.runs[index.completes->runs] = index.completes->through;
    for (const QueuePolicy& q : batch.queues.policies) state_.queues[q.name] = q;
    for (const QueueMessage& m : batch.queues.upserted) {
        state_.messages[m.id] = m;
        state_.last_message_id = std::max(state_.last_message_id, m.id);
    }
    for (int64_t id : batch.queues.deleted) state_.messages.erase(id);
    ++state_.commits;
    return ok_status();
}

Result<int64_t> FakeStockStore::expire_idempotency(int64_t before_ms) {
    std::lock_guard lock(mutex_);
    int64_t removed = 0;
    for (auto it = state_.idempotency.begin(); it != state_.idempotency.end();) {
        if (it->second.at_ms < before_ms) {
            it = state_.idempotency.erase(it);
            ++removed;
        } else {
            ++it;
        }
    }
    return removed;
}

Result<std::unique_ptr<StockReader>> FakeStockStore::open_reader() {
    return std::unique_ptr<StockReader>(std::make_unique<FakeStockReader>(*this));
}

Result<ApiKeyRecord> FakeStockStore::create_key(ApiKeyRecord record) {
    std::lock_guard lock(mutex_);
    for (const auto& key : state_.keys) {
        // As the SQL stores' unique hash, and their unique index of live keys' names.
        if ((key.name == record.name && !key.revoked_at_ms) || key.hash == record.hash) {
            return make_error(ErrorCode::kAlreadyExists, "key-exists",
                              "a live key named '" + record.name +
                                  "' exists; revoke it first to give its name to a new key");
        }
    }
    record.id = static_cast<int64_t>(state_.keys.size()) + 1;
    state_.keys.push_back(record);
    return record;
}

Result<std::vector<ApiKeyRecord>> FakeStockStore::list_keys() {
    std::lock_guard lock(mutex_);
    return state_.keys;
}

Status FakeStockStore::revoke_key(std::string_view name, int64_t at_ms) {
    std::lock_guard lock(mutex_);
    for (auto& key : state_.keys) {
        if (key.name == name && !key.revoked_at_ms) {
            key.revoked_at_ms = at_ms;
            return ok_status();
        }
    }
    return make_error(ErrorCode::kNotFound, "key-not-found", "no active key");
}

std::optional<Product> FakeStockStore::product(std::string_view sku) const {
    std::lock_guard lock(mutex_);
    auto it = state_.ids_by_sku.find(sku);
    if (it == state_.ids_by_sku.end()) return std::nullopt;
    return state_.products.at(it->second);
}

std::vector<Movement> FakeStockStore::movements() const {
    std::lock_guard lock(mutex_);
    std::vector<Movement> out;
    for (const auto& [id, m] : state_.movements) out.push_back(m);
    return out;
}

std::vector<Event> FakeStockStore::events() const {
    std::lock_guard lock(mutex_);
    std::vector<Event> out;
    for (const auto& [seq, e] : state_.events) out.push_back(e);
    return out;
}

std::size_t FakeStockStore::idempotency_records() const {
    std::lock_guard lock(mutex_);
    return state_.idempotency.size();
}

std::size_t FakeStockStore::receipt_records() const {
    std::lock_guard lock(mutex_);
    return state_.receipts.size();
}

std::vector<QueueMessage> FakeStockStore::messages(std::string_view queue) const {
    std::lock_guard lock(mutex_);
    std::vector<QueueMessage> out;
    for (const auto& [id, m] : state_.messages) {
        if (m.queue == queue) out.push_back(m);
    }
    return out;
}

std::size_t FakeStockStore::commits() const {
    std::lock_guard lock(mutex_);
    return state_.commits;
}

std::size_t FakeStockStore::checkout_runs() const {
    std::lock_guard lock(mutex_);
    return state_.runs.size();
}

}  // namespace restock::testing
