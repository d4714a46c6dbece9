#include "app/stock_engine.h"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "app/engine_batch.h"
#include "support/thread_name.h"

namespace restock {
namespace {

// A batch under min(this, max_batch / 8) submissions, written with no sync in flight, is synced
// on the engine's own thread (process()): the convoys of a few dozen clients.
constexpr std::size_t kSmallBatch = 128;

Error unavailable(std::string message) {
    return make_error(ErrorCode::kUnavailable, "unavailable", std::move(message));
}

// Whether an idempotency record is kept for this outcome. Not for a failure that a retry may
// not meet (unavailable, internal), nor for a 400: a request that breaks a rule changed
// nothing, and the client must be able to send the corrected one under the same key, wherever
// the rule is checked (the HTTP layer or here).
bool changes_state_or_answers(const Outcome& outcome) {
    if (const auto* error = std::get_if<Error>(&outcome)) {
        return error->code != ErrorCode::kUnavailable && error->code != ErrorCode::kStoreLost &&
               error->code != ErrorCode::kInternal && error->code != ErrorCode::kInvalidArgument;
    }
    return !std::holds_alternative<StoredResponse>(outcome);
}

// A dead-letter queue's messages are never retried; its policy is the struct's default.
QueuePolicy dead_letters(const char* name) {
    QueuePolicy policy;
    policy.name = name;
    return policy;
}

}  // namespace

Result<std::unique_ptr<StockEngine>> StockEngine::start(StockStore& store, const Clock& clock,
                                                        EngineOptions options) {
    auto engine = open(store, clock, std::move(options));
    if (!engine) return engine;
    engine.value()->thread_ =
        start_named_thread("restock-engine", [raw = engine.value().get()] { raw->run(); });
    return engine;
}

Result<std::unique_ptr<StockEngine>> StockEngine::start_stepped(StockStore& store,
                                                                const Clock& clock,
                                                                EngineOptions options) {
    auto engine = open(store, clock, std::move(options));
    if (engine) engine.value()->stepped_ = true;
    return engine;
}

Result<std::unique_ptr<StockEngine>> StockEngine::open(StockStore& store, const Clock& clock,
                                                       EngineOptions options) {
    auto snapshot = store.load();
    if (!snapshot) return snapshot.error();
    auto reader = store.open_reader();
    if (!reader) return reader.error();
    std::unique_ptr<StockEngine> engine(new StockEngine(
        store, clock, options, std::move(reader.value()), std::move(snapshot.value())));
    // First start: create the loop's queues and default subscriptions, durably, before any
    // command can raise an event.
    Batch batch(clock.now_ms());
    // A tail long enough for a run (one left unwritten, or ledgers older than the index) is
    // written now, at once, rather than a slice at a time beside the first checkouts.
    batch.index_whole_run = true;
    engine->bootstrap(batch);
    const Status written = engine->write(batch);
    const Status synced = written ? store.sync() : written;
    if (!synced) {
        engine->rollback(batch);
        return unavailable("cannot write the initial queues and subscriptions: " +
                           synced.error().message);
    }
    // Everything written so far has just been synced.
    const DurableMarks durable{engine->last_event_seq_, engine->last_movement_id_};
    engine->acks_ = std::make_unique<DurableAcks>(store, durable, nullptr, [raw = engine.get()] {
        // Taking the lock orders this with the engine's check of busy(): it either sees the
        // sync finished or is already waiting for this notification.
        { std::lock_guard lock(raw->mutex_); }
        raw->wake_.notify_one();
    });
    return engine;
}

StockEngine::StockEngine(StockStore& store, const Clock& clock, EngineOptions options,
                         std::unique_ptr<StockReader> reader, EngineSnapshot snapshot)
    : store_(store),
      clock_(clock),
      options_(options),
      reader_(std::move(reader)),
      checkout_index_(snapshot.checkout_index, std::move(snapshot.checkout_tail),
                      options.checkout_run_entries, options.checkout_slice_entries),
      gathering_(options.gather),
      learning_threads_(
          options.learning_threads != 0
              ? options.learning_threads
              : std::clamp(std::thread::hardware_concurrency(), 1u, kMaxLearningThreads)) {
    for (auto& product : snapshot.products) {
        last_product_id_ = std::max(last_product_id_, product.id);
        std::string sku = product.sku;
        auto [it, inserted] = products_.emplace(std::move(sku), std::move(product));
        index_product(it->second);
    }
    last_movement_id_ = snapshot.last_movement_id;
    last_event_seq_ = snapshot.last_event_seq;
    database_id_ = std::move(snapshot.database_id);
    const bool shared = store.shared();
    for (auto& order : snapshot.orders) {
        // On an embedded store the delivery that held a dispatch died with the last process:
        // its redelivery claims the order again (not written back, like the messages below).
        if (!shared) {
            order.dispatch_message_id = 0;
            order.dispatch_until_ms = 0;
        }
        const int64_t number = std::stoll(order.id.substr(order.id.find('_') + 1));
        last_order_number_ = std::max(last_order_number_, number);
        if (is_open(order.status)) open_order_by_product_[order.product_id] = OpenOrder::of(order);
        std::string id = order.id;
        orders_.emplace(std::move(id), std::move(order));
    }
    for (auto& factory : snapshot.factories) {
        std::string id = factory.id;
        factories_.emplace(std::move(id), std::move(factory));
    }
    for (auto& subscription : snapshot.subscriptions) {
        const int64_t number = std::stoll(subscription.id.substr(subscription.id.find('_') + 1));
        last_subscription_number_ = std::max(last_subscription_number_, number);
        std::string id = subscription.id;
        subscriptions_.emplace(std::move(id), std::move(subscription));
    }
    for (auto& hold : snapshot.reservations) {
        expiries_.emplace(hold.expires_at_ms, hold.id);
        std::string id = hold.id;
        held_.emplace(std::move(id), std::move(hold));
    }
    next_expiry_ms_ = expiries_.empty() ? 0 : expiries_.begin()->first;
    alarms_ = fold_alarms(snapshot.alarm_events);
    learning_.resize(static_cast<std::size_t>(last_product_id_) + 1);
    std::map<int64_t, DayInProgress> days;  // by product id
    for (const LearnedRecord& record : snapshot.learned) {
        if (record.scope == kLearnedFactory) {
            if (auto stats = decode_lead_time_stats(record.state))
                factory_lead_[record.key] = *stats;
            continue;
        }
        if (record.scope != kLearnedProduct && record.scope != kLearnedProductDay) continue;
        int64_t id = 0;
        const char* end = record.key.data() + record.key.size();
        const bool numeric = std::from_chars(record.key.data(), end, id).ptr == end;
        if (!numeric || id <= 0 || id > last_product_id_) continue;
        LearningSlot& slot = learning_[static_cast<std::size_t>(id)];
        if (record.scope == kLearnedProductDay) {
            // Kept aside until the product's own row is read (either may come first).
            if (auto day = decode_day_in_progress(record.state)) days[id] = *day;
            continue;
        }
        auto learning = decode_product_learning(record.state);
        // A record that cannot be read is learned again, from the settings as they are.
        if (!learning) continue;
        slot.known = true;
        slot.learning = *learning;
    }
    for (const auto& [id, day] : days) {
        LearningSlot& slot = learning_[static_cast<std::size_t>(id)];
        if (slot.known) slot.learning.today = day;
    }
    queues_.load(std::move(snapshot.queue_policies), std::move(snapshot.queue_messages),
                 snapshot.last_message_id,
                 shared ? QueueBook::InFlight::kKeep : QueueBook::InFlight::kRedeliver);
}

void StockEngine::bootstrap(Batch& batch) {
    const bool first_start = queues_.policies().empty();
    const QueuePolicy defaults[] = {
        partner_policy(kRestockOrdersQueue, "stock-empty-dlq"),
        partner_policy(kAdControlQueue, "stock-ad-dlq"),
        partner_policy(kStockReceiptsQueue, "stock-error-dlq"),
        webhook_policy(kNotificationsQueue, "stock-error-dlq"),
        dead_letters("stock-empty-dlq"),
        dead_letters("stock-ad-dlq"),
        dead_letters("stock-error-dlq"),
    };
    for (const auto& policy : defaults) {
        const QueuePolicy* existing = queues_.policy(policy.name);
        if (existing == nullptr) {
            queues_.ensure(policy);
        } else if (!policy.dlq.empty() && is_first_default_policy(*existing)) {
            // Still on the first versions' default, which gave up within a second.
            (void)queues_.set_policy(policy);
        }
    }
    if (!first_start) {
        upgrade_default_subscriptions(batch);
        return;
    }
    // Default wiring of the design; admins may delete or add subscriptions later.
    for (const auto& [queue_name, types] :
         {std::pair{kRestockOrdersQueue,
                    std::vector<std::string>{"stock.low", "stock.empty", "stock.short"}},
          std::pair{kAdControlQueue, std::vector<std::string>{"stock.empty", "stock.restored"}}}) {
        Subscription subscription;
        subscription.topic = std::string(kStockEventsTopic);
        subscription.protocol = Protocol::kQueue;
        subscription.endpoint = queue_name;
        subscription.event_types = types;
        (void)apply(CreateSubscription{subscription}, batch);
    }
}

void StockEngine::upgrade_default_subscriptions(Batch& batch) {
    // Stores created before stock.short existed: the restock loop's default subscription also
    // takes it, as a new store's does. A subscription an admin changed is left as it is.
    for (auto& [id, subscription] : subscriptions_) {
        if (subscription.protocol != Protocol::kQueue ||
            subscription.endpoint != kRestockOrdersQueue ||
            subscription.event_types != std::vector<std::string>{"stock.low", "stock.empty"}) {
            continue;
        }
        batch.subscriptions.record(id, subscription);
        subscription.event_types.push_back("stock.short");
    }
}

StockEngine::~StockEngine() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
    if (stepped_) (void)step();
    acks_.reset();  // acknowledges what the loop handed over, after its sync
}

void StockEngine::submit(Submission submission) {
    if (stepped_) {
        apply_now(std::move(submission));
        return;
    }
    const char* refusal = nullptr;
    {
        std::lock_guard lock(mutex_);
        if (store_lost_) {
            refusal = "the writer lost its store and is restarting; retry";
        } else if (stopping_ || pending_.size() >= options_.max_queue) {
            refusal = "the stock engine is overloaded or stopping; retry later";
        } else {
            pending_.push_back(std::move(submission));
            const std::size_t size = pending_.size();
            if (size == 1 || size == options_.max_batch || size == wake_at_) wake_.notify_one();
            return;
        }
    }
    submission.done(unavailable(refusal));  // outside the lock: done may be anything
}

StockEngine::Stats StockEngine::stats() const {
    Stats stats;
    {
        std::lock_guard lock(mutex_);
        stats = stats_;
    }
    stats.commit_latency = acks_->commit_latency();
    return stats;
}

void StockEngine::count_checkouts(const std::deque<Submission>& submissions,
                                  const std::vector<Outcome>& outcomes) {
    for (std::size_t i = 0; i < submissions.size(); ++i) {
        count_checkout(submissions[i].command, outcomes[i]);
    }
}

void StockEngine::count_checkout(const Command& command, const Outcome& outcome) {
    if (!std::holds_alternative<CheckoutRequest>(command)) return;
    if (const auto* taken = std::get_if<CheckoutOutcome>(&outcome)) {
        ++stats_.checkouts_completed;
        for (const auto& line : taken->lines) {
            stats_.checkout_units += static_cast<uint64_t>(line.qty);
        }
    } else if (std::holds_alternative<CheckoutRefused>(outcome)) {
        ++stats_.checkouts_insufficient;
    } else if (const auto* error = std::get_if<Error>(&outcome)) {
        // The engine's own trouble is no refusal of the checkout.
        if (error->code != ErrorCode::kUnavailable && error->code != ErrorCode::kStoreLost &&
            error->code != ErrorCode::kInternal) {
            ++stats_.checkouts_rejected;
        }
    }
}

bool StockEngine::store_lost() const {
    std::lock_guard lock(mutex_);
    return store_lost_;
}

bool StockEngine::expiry_due() const {
    return next_expiry_ms_ != 0 && clock_.now_ms() >= next_expiry_ms_;
}

bool StockEngine::alarm_check_due() const {
    return options_.alarm_check_ms > 0 && clock_.now_ms() >= next_alarm_check_ms_;
}

bool StockEngine::ready_to_write() const {
    // While a sync runs, a batch written now would only wait for the next one: let submissions
    // queue up (to a full batch) and write them together when it ends. Every page a batch
    // touches is then written once per sync instead of once per small batch, which shrinks the
    // WAL, the work of the writer and the fdatasync that follows.
    if (pending_.empty()) return false;
    return pending_.size() >= options_.max_batch || !acks_->busy();
}

void StockEngine::run() {
    std::deque<Submission> work;
    while (true) {
        {
            std::unique_lock lock(mutex_);
            // Woken by work, or when the earliest reservation expires: an empty batch then
            // gives its stock back on time, traffic or not.
            // Alarms are checked on time in the same way.
            const auto woken = [this] {
                return stopping_ || ready_to_write() || expiry_due() || alarm_check_due();
            };
            int64_t wake_ms = next_expiry_ms_;
            if (options_.alarm_check_ms > 0 && (wake_ms == 0 || next_alarm_check_ms_ < wake_ms)) {
                wake_ms = next_alarm_check_ms_;
            }
            if (wake_ms == 0) {
                wake_.wait(lock, woken);
            } else {
                const int64_t in_ms = std::max<int64_t>(0, wake_ms - clock_.now_ms());
                wake_.wait_for(lock, std::chrono::milliseconds(in_ms + 1), woken);
            }
            if (pending_.empty()) {
                if (stopping_) break;  // stopping and drained
                if (!expiry_due() && !alarm_check_due()) continue;
            }
            gather(lock);
            const std::size_t take = std::min(pending_.size(), options_.max_batch);
            gathering_.taken(take);
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
        if (store_lost()) return;
    }
    process(work, /*last=*/true);
}

void StockEngine::gather(std::unique_lock<std::mutex>& lock) {
    const std::size_t wanted = gathering_.wait_for(pending_.size());
    if (wanted == 0) return;
    const auto until = std::chrono::steady_clock::now() + gathering_.window();
    wake_at_ = wanted;
    while (!stopping_ && pending_.size() < wanted) {
        if (wake_.wait_until(lock, until) == std::cv_status::timeout) break;
    }
    wake_at_ = 0;
    gathering_.waited(pending_.size() >= wanted);
}

void StockEngine::begin(Batch& batch) {
    batch.saved_product_id = last_product_id_;
    batch.saved_movement_id = last_movement_id_;
    batch.saved_event_seq = last_event_seq_;
    batch.saved_order_number = last_order_number_;
    batch.saved_subscription_number = last_subscription_number_;
    // A new day of the Clock: learn the closed one first (once a day; engine_replenishment.cpp).
    learn_if_new_day(batch);
    // Holds whose time has run out go back first: every command of the batch sees them gone.
    expire_due(batch);
}

void StockEngine::apply_now(Submission submission) {
    if (store_lost_) {
        submission.done(unavailable("the stepped engine's store refused a batch; it stopped"));
        return;
    }
    // A batch holds one instant, as the engine thread's do: when the clock has moved, what was
    // applied is written first, and the next batch begins as every batch begins.
    if (open_ && open_->now_ms != clock_.now_ms()) {
        if (auto stepped = step(); !stepped) {
            submission.done(unavailable("the stepped engine's store refused a batch: " +
                                        stepped.error().message));
            return;
        }
    }
    if (!open_) {
        open_ = std::make_unique<Batch>(clock_.now_ms());
        begin(*open_);
    }
    Outcome outcome = execute(submission, *open_);
    {
        std::lock_guard lock(mutex_);
        stats_.commands += 1;
        count_checkout(submission.command, outcome);
    }
    submission.done(std::move(outcome));
}

Status StockEngine::step() {
    if (!stepped_ || !open_) return ok_status();
    const std::unique_ptr<Batch> batch = std::move(open_);
    const Status status = write(*batch);
    std::lock_guard lock(mutex_);
    stats_.batches += 1;
    next_expiry_ms_ = expiries_.empty() ? 0 : expiries_.begin()->first;
    if (!status) {
        // Its commands were answered already: the engine's memory and the store now differ
        // for good, so it takes nothing more.
        stats_.failed_batches += 1;
        store_lost_ = true;
        return status;
    }
    return ok_status();
}

void StockEngine::process(std::deque<Submission>& submissions, bool last) {
    Batch batch(clock_.now_ms());
    begin(batch);
    std::vector<Outcome> outcomes;
    outcomes.reserve(submissions.size());
    for (auto& submission : submissions) outcomes.push_back(execute(submission, batch));
    if (alarm_check_due()) check_alarms(batch);
    if (last) save_learning(batch);

    const auto write_started = std::chrono::steady_clock::now();
    const Status status = write(batch);
    const bool written = status.ok();
    if (!written) {
        rollback(batch);
        const bool lost = status.error().code == ErrorCode::kStoreLost;
        const Error error =
            lost ? status.error()
                 : unavailable("the store could not commit; nothing was changed, retry later");
        for (auto& outcome : outcomes) outcome = error;
    }
    {
        std::lock_guard lock(mutex_);
        stats_.commands += submissions.size();
        stats_.batches += 1;
        if (!written) stats_.failed_batches += 1;
        if (written) count_checkouts(submissions, outcomes);
        next_expiry_ms_ = expiries_.empty() ? 0 : expiries_.begin()->first;
    }
    // Answers go out in order, each after a sync that covers its batch (and every earlier
    // one): a refused batch changed nothing but still waits its turn behind written ones.
    const bool wrote = written && !batch.writes.empty();
    // A small batch with no sync in flight: light load, where the engine would only wait for
    // this sync before writing again. Syncing here spares the two thread hand-offs around the
    // syncer (measured: +8% checkouts/s over HTTP). A large batch goes to the syncer, so the
    // engine writes the next one meanwhile.
    const DurableMarks marks{last_event_seq_, last_movement_id_};
    if (submissions.size() < std::min(kSmallBatch, options_.max_batch / 8) && !acks_->busy()) {
        acks_->sync_here_and_hand_over(std::move(submissions), std::move(outcomes), wrote, marks,
                                       write_started);
    } else {
        acks_->hand_over(std::move(submissions), std::move(outcomes), wrote, marks, write_started);
    }
    if (!written && status.error().code == ErrorCode::kStoreLost) give_up(status.error());
}

void StockEngine::give_up(const Error& error) {
    std::deque<Submission> queued;
    {
        std::lock_guard lock(mutex_);
        store_lost_ = true;
        queued.swap(pending_);
    }
    // In order, behind the batch that failed. None of these was applied: refused, not unknown.
    std::vector<Outcome> refused(queued.size(),
                                 unavailable("the writer lost its store (" + error.message +
                                             ") and is restarting; nothing was changed, retry"));
    acks_->hand_over(std::move(queued), std::move(refused), false, acks_->durable());
    if (options_.on_store_lost) options_.on_store_lost();
}

Status StockEngine::write(Batch& batch) {
    WriteBatch& writes = batch.writes;
    batch.collect_products();
    for (const auto& id : batch.orders.keys()) writes.orders.push_back(orders_.at(id));
    for (const auto& id : batch.factories.keys()) {
        auto it = factories_.find(id);
        if (it != factories_.end()) {
            writes.factories.push_back(it->second);
        } else if (batch.factories.before(id)) {
            writes.deleted_factories.push_back(id);
        }
    }
    for (const auto& id : batch.subscriptions.keys()) {
        auto it = subscriptions_.find(id);
        if (it == subscriptions_.end()) {
            if (batch.subscriptions.before(id)) writes.deleted_subscriptions.push_back(id);
        } else {
            writes.subscriptions.push_back(it->second);
        }
    }
    for (auto& [id, hold] : batch.hold_writes) writes.reservations.push_back(hold);
    writes.queues = queues_.changes();
    writes.checkout_index = checkout_index_.next(batch.index_whole_run);
    if (writes.learned.size() > 1) {
        // One row per scope and key, the last state (a statement may not touch a row twice).
        std::set<std::pair<std::string, std::string>> seen;
        std::vector<LearnedRecord> last;
        for (auto it = writes.learned.rbegin(); it != writes.learned.rend(); ++it) {
            if (seen.emplace(it->scope, it->key).second) last.push_back(*it);
        }
        writes.learned.assign(last.rbegin(), last.rend());
    }
    if (!writes.empty()) {
        if (auto written = store_.write(writes); !written) return written;
    }
    queues_.settle();
    checkout_index_.written(writes.checkout_index);
    index_checkouts(writes.movements);
    count_demand(writes.movements, batch);
    if (options_.signals != nullptr) {
        // A delayed message (a retry after its backoff) wakes idle workers too: they learn when
        // it is due (MessagesOutcome::next_visible_in_ms) and sleep until then.
        std::set<std::string> woken;
        for (const auto& message : writes.queues.upserted) {
            if (!message.in_flight) woken.insert(message.queue);
        }
        for (const auto& queue : woken) options_.signals->notify(queue);
    }
    return ok_status();
}

void StockEngine::index_checkouts(const std::vector<Movement>& movements) {
    for (const Movement& m : movements) {
        if (m.kind != MovementKind::kCheckout && m.kind != MovementKind::kRelease) continue;
        checkout_index_.add(CheckoutEntry{checkout_key(m.reference), m.id});
    }
}

void StockEngine::rollback(Batch& batch) {
    // Undo every in-memory effect: the store has none of this batch.
    for (const std::string& sku : batch.restore_products()) {
        auto it = products_.find(sku);
        if (it == products_.end()) continue;
        unindex_product(it->second.id);
        products_.erase(it);
    }
    batch.orders.restore(orders_);
    batch.open_orders.restore(open_order_by_product_);
    batch.factories.restore(factories_);
    batch.subscriptions.restore(subscriptions_);
    for (const auto& id : batch.holds.keys()) {
        if (auto it = held_.find(id); it != held_.end()) {
            expiries_.erase({it->second.expires_at_ms, id});
        }
    }
    batch.holds.restore(held_);
    for (const auto& id : batch.holds.keys()) {
        if (auto it = held_.find(id); it != held_.end()) {
            expiries_.emplace(it->second.expires_at_ms, id);
        }
    }
    queues_.rollback();
    if (batch.alarms_before) alarms_ = std::move(*batch.alarms_before);
    // The commands' slot changes first, then the daily step's, which came before them.
    for (const int64_t id : batch.slots.keys()) {
        const auto index = static_cast<std::size_t>(id);
        if (index < learning_.size()) learning_[index] = *batch.slots.before(id);
    }
    if (batch.day_undo) {
        learning_day_ = batch.day_undo->learning_day;
        learning_ = std::move(batch.day_undo->learning);
    }
    batch.factory_leads.restore(factory_lead_);
    last_product_id_ = batch.saved_product_id;
    last_movement_id_ = batch.saved_movement_id;
    last_event_seq_ = batch.saved_event_seq;
    last_order_number_ = batch.saved_order_number;
    last_subscription_number_ = batch.saved_subscription_number;
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
        return StoredResponse{previous->status, previous->body, previous->location,
                              previous->request_id};
    }

    Outcome outcome = apply(submission.command, batch);
    if (changes_state_or_answers(outcome)) {
        StoredResponse response = submission.render(outcome);
        batch.writes.idempotency.push_back(IdempotencyRecord{
            tag.principal, tag.key, tag.fingerprint, response.status, std::move(response.body),
            std::move(response.location), batch.now_ms, std::move(response.request_id)});
    }
    return outcome;
}

Outcome StockEngine::apply(const Command& command, Batch& batch) {
    return std::visit([&](const auto& request) { return apply(request, batch); }, command);
}

}  // namespace restock
