// StockEngine: the single writer. It owns the authoritative state in memory — products, restock
// orders, queues, subscriptions, factories — applies commands one after another (so checkout
// can never oversell, whatever the concurrency), and commits them in groups: one transaction
// and one durable sync per batch. A command's `done` runs only after its batch is durable, so
// every acknowledged write survives a crash. Events are written in the same transaction as the
// change that raised them, and fanned out to subscribed queues in that same transaction.
//
// Thread-safety: submit() from any thread. Everything else runs on the engine's own thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <span>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "app/command_sink.h"
#include "app/commands.h"
#include "app/commit_gathering.h"
#include "app/durable_acks.h"
#include "app/queue_signals.h"
#include "core/alarm.h"
#include "ports/clock.h"
#include "ports/stock_store.h"

namespace restock {

struct EngineOptions {
    // Submissions per group commit. It binds only under a backlog, where a larger batch writes
    // each touched page once for more movements (engine bench: 1024 → 4096 is +30–50 %).
    std::size_t max_batch = 4096;
    std::size_t max_queue = 100'000;  // beyond this, submit() answers unavailable at once
    QueueSignals* signals = nullptr;  // told which queues got deliverable messages
    GatherOptions gather{};           // how long a batch may wait for more (commit_gathering.h)
    // Called once, on the engine thread, when the store was lost (StockStore::write failed with
    // kStoreLost): the engine has answered that batch and everything queued behind it, refuses
    // what comes next, and must be replaced by one that loads the store again. Must not block
    // or destroy the engine.
    std::function<void()> on_store_lost;
    // The checkout index's runs and slices (core/checkout_index.h); tests make them small.
    std::size_t checkout_run_entries = CheckoutIndex::kRunEntries;
    std::size_t checkout_slice_entries = CheckoutIndex::kSliceEntries;
    // The lead time of a factory that sets none (core/restock_order.h).
    int64_t default_lead_time_days = kDefaultLeadTimeDays;
    // Alarms (core/alarm.h), checked at most this often; 0: none (tests that count events).
    int64_t alarm_check_ms = 0;
    // A queue whose oldest waiting message is older than this raises queue_stale.
    int64_t alarm_queue_age_ms = 300'000;
    // Replenishment's daily step (engine_replenishment.cpp) writes what it learned to the store
    // every this many days (of the Clock, UTC); changes of the settings given, and receipts,
    // are written when they happen. 0 writes nothing learned, ever: for a simulation, which
    // never restarts (a product's settings, the effective ones included, are written still).
    int64_t replenishment_persist_days = 1;
    // Threads of the daily step's per-product part (the engine thread among them); 0: one per
    // core, at most kMaxLearningThreads. The figures are the same whatever the number.
    unsigned learning_threads = 0;
};
inline constexpr unsigned kMaxLearningThreads = 4;

// The queues of the restock loop, created on first start.
inline constexpr const char* kRestockOrdersQueue = "restock-orders";
inline constexpr const char* kAdControlQueue = "ad-control";
inline constexpr const char* kStockReceiptsQueue = "stock-receipts";
inline constexpr const char* kNotificationsQueue = "notifications";

class StockEngine final : public CommandSink {
  public:
    // REQUIRES: store and clock outlive the engine.
    static Result<std::unique_ptr<StockEngine>> start(StockStore& store, const Clock& clock,
                                                      EngineOptions options = {});
    // Stepped use, for `restock simulate`: no engine thread. submit() applies the command at
    // once on the calling thread and answers it before returning; step() writes what was
    // applied since the last step as one batch. A batch holds one instant of the clock, as the
    // engine thread's do: submit() steps first when the clock has moved since the batch began,
    // so every batch begins and ends as a batch of the thread does. Answers come before the
    // write, and nothing is synced: for a throwaway store only. A failed write is final: step()
    // returns it and the engine refuses every command after.
    // REQUIRES: one thread submits and steps; store and clock outlive the engine.
    static Result<std::unique_ptr<StockEngine>> start_stepped(StockStore& store, const Clock& clock,
                                                              EngineOptions options = {});
    // Stepped only (a no-op otherwise): writes the commands applied since the last step.
    Status step();
    // Stepped only: the id of the last message put on any queue (ids only grow). A stepped
    // caller that sent no queue command since its functions found every queue empty, with the
    // clock where it was, knows from an unchanged id that none has a message to take.
    int64_t last_message_id() const { return queues_.last_message_id(); }

    ~StockEngine() override;  // drains what was submitted (writes a stepped engine's), then stops
    StockEngine(const StockEngine&) = delete;
    StockEngine& operator=(const StockEngine&) = delete;

    void submit(Submission submission) override;

    struct Stats {
        uint64_t commands = 0;
        uint64_t batches = 0;
        uint64_t failed_batches = 0;
        // Checkouts committed by this engine: taken, refused for lack of stock, and refused
        // for another reason (an unknown or archived product, a closed hold...); the units
        // taken. Idempotent replays are not counted again.
        uint64_t checkouts_completed = 0;
        uint64_t checkouts_insufficient = 0;
        uint64_t checkouts_rejected = 0;
        uint64_t checkout_units = 0;
        LatencyHistogram::Snapshot commit_latency;  // write begun to durable, per batch
    };
    Stats stats() const;
    // Whether the engine has lost its store and stopped taking commands (thread-safe).
    bool store_lost() const;
    // The newest event seq and movement id on disk: what readers may show (thread-safe).
    DurableMarks durable_marks() const { return acks_->durable(); }

    class Batch;

  private:
    StockEngine(StockStore& store, const Clock& clock, EngineOptions options,
                std::unique_ptr<StockReader> reader, EngineSnapshot snapshot);

    // Loads the store and writes the loop's queues; start() then starts the engine thread.
    static Result<std::unique_ptr<StockEngine>> open(StockStore& store, const Clock& clock,
                                                     EngineOptions options);
    void run();
    // Saves the counters a rollback restores and expires due holds: a batch's first step.
    void begin(Batch& batch);
    // Stepped: executes the submission in the open batch and answers it.
    void apply_now(Submission submission);
    // REQUIRES: mutex_ held.
    bool ready_to_write() const;
    // A held reservation's time has run out. REQUIRES: mutex_ held.
    bool expiry_due() const;
    bool alarm_check_due() const;
    // Raises and clears alarms for what holds now (engine_alarms.cpp).
    void check_alarms(Batch& batch);
    std::vector<Alarm> current_alarms(int64_t now_ms) const;
    // Waits, as gathering_ says, for more submissions to join a ready batch. Holds `lock`.
    void gather(std::unique_lock<std::mutex>& lock);
    // `last`: the batch written as the engine stops (no submissions), which also saves what
    // was learned since the last write (save_learning).
    void process(std::deque<Submission>& submissions, bool last = false);
    // Writes the batch (visible, not yet durable); the store's error if it refused it.
    Status write(Batch& batch);
    // After a kStoreLost write: answers everything queued, refuses what comes, tells the owner.
    void give_up(const Error& error);
    void rollback(Batch& batch);
    Outcome execute(Submission& submission, Batch& batch);
    Outcome apply(const Command& command, Batch& batch);
    void bootstrap(Batch& batch);
    void upgrade_default_subscriptions(Batch& batch);

    // Stock (engine_stock.cpp).
    Outcome apply(const NewProduct& request, Batch& batch);
    Outcome apply(const PatchProduct& request, Batch& batch);
    Outcome apply(const CheckoutRequest& request, Batch& batch);
    Outcome apply(const ReleaseRequest& request, Batch& batch);  // engine_releases.cpp
    // The movements of the order's checkouts and releases: those the checkout index names
    // (in memory and in the store's complete runs) read from the ledger, and this batch's.
    Result<std::vector<Movement>> order_movements(const std::string& order_id, const Batch& batch);
    // Adds a written batch's checkouts and releases to the checkout index.
    void index_checkouts(const std::vector<Movement>& movements);
    Outcome apply(const ReceiptRequest& request, Batch& batch);
    Outcome apply(const AdjustmentRequest& request, Batch& batch);
    // A checkout that names a hold takes exactly its lines (engine_reservations.cpp).
    Outcome checkout_reserved(const CheckoutRequest& request, Batch& batch);
    Product* find(std::string_view sku);
    // 409 product-archived naming the archived ones among `products` (nulls skipped), if any.
    static std::optional<Error> archived_refusal(std::span<Product* const> products,
                                                 std::string_view nothing_done);
    // 422 unknown-factory unless a factory with this id is registered.
    Status check_factory(const std::string& factory_id) const;
    Product* find_by_id(int64_t id);
    Movement& add_movement(Product& product, MovementKind kind, int64_t delta,
                           std::string reference, Batch& batch);
    Result<MovementOutcome> book_receipt(Product& product, int64_t qty,
                                         const std::string& reference, Batch& batch);
    void add_event_if(std::optional<EventType> type, const Product& product, std::string cause,
                      Batch& batch);
    void add_order_event(EventType type, const Product& product, const RestockOrder& order,
                         std::string cause, Batch& batch);
    void publish(Event event, Batch& batch);

    // Reservations (engine_reservations.cpp).
    Outcome apply(const NewReservation& request, Batch& batch);
    Outcome apply(const ReleaseReservation& request, Batch& batch);
    // Gives back every hold whose time has run out (at the start of every batch).
    void expire_due(Batch& batch);
    // Moves a hold's quantities between available and reserved, and says what that did.
    void set_aside(const Reservation& hold, bool reserve, const char* cause, Batch& batch);
    // Records the hold's state before this batch's first change, and writes its final state.
    void keep(const Reservation& hold, Batch& batch);
    // Ends a held reservation (consumed, released, expired).
    Reservation close_hold(const std::string& id, ReservationStatus status, Batch& batch);

    // The restock loop (engine_loop.cpp).
    Outcome apply(const PlaceRestockOrder& request, Batch& batch);
    Outcome apply(const CompleteDispatch& request, Batch& batch);
    Outcome apply(const AcceptCallback& request, Batch& batch);
    Outcome apply(const ReceiveShipment& request, Batch& batch);
    Outcome apply(const CancelRestockOrder& request, Batch& batch);
    RestockOrder* find_order(const std::string& id);
    // When the order should have arrived, by its factory's lead time (or the default).
    int64_t order_due_ms(const RestockOrder& order) const;
    // The order, with its due time, as an answer.
    void add_to(OrdersOutcome& outcome, const RestockOrder& order) const;
    RestockOrder& touch_order(RestockOrder& order, Batch& batch);
    void close_order(RestockOrder& order, OrderStatus status, Batch& batch);
    // Ends the order's dispatch hold, if a delivery has one.
    void release_dispatch(RestockOrder& order, Batch& batch);
    // An order just closed and the product's signal already says low: if it still needs stock
    // and has no open order, stock.low again, or nothing would ever order more.
    void say_low_again_if_needed(const Product& product, std::string cause, Batch& batch);

    // Replenishment (engine_replenishment.cpp): what is learned per product and per factory,
    // and the effective settings of products in mode auto.
    struct LearningSlot {
        bool known = false;
        ProductLearning learning;  // learning.today: demand since the last daily step
    };
    using LearningSlots = std::vector<LearningSlot>;  // by product id
    Outcome apply(const GetReplenishment& request, Batch& batch);
    // At the start of every batch: once the Clock's day (UTC) has moved on, the closed day's
    // demand is learned for every replenished product and products in mode auto get their
    // learned settings. Once a day, so never on a checkout's path.
    void learn_if_new_day(Batch& batch);
    LearningSlot& slot_of(const Product& product);
    // Keeps products_by_id_ and products_order_ up with products_.
    void index_product(Product& product);
    void unindex_product(int64_t id);
    void order_products();
    // Asks the caches for what the daily step reads of `product` (its node, slot, line table).
    void prefetch_step(const Product& product) const;
    // Keeps the slot's before-image in the batch (receipts and settings change it mid-day).
    LearningSlot& touch_slot(const Product& product, Batch& batch);
    LeadTimeStats& touch_factory_lead(const std::string& factory_id, Batch& batch);
    // The settings given (what mode fixed would use) follow a create or a PATCH; in mode auto
    // the product's reorder_point and reorder_qty become the learned ones once ready.
    void settings_given(const Product& before, const ProductPatch* patch, ReorderSettings& settings,
                        Batch& batch, LearningSlot& slot);
    // A factory's lead time both ways: `now`, with (if asked) its open orders counted as
    // censored; `receipts`, from its receipts and prior only, the prior of a product that
    // counts its own open order (the same order must not count twice).
    struct FactoryLead {
        LeadTimeEstimate now;
        LeadTimeEstimate receipts;
    };
    // Every factory's lead time at one instant, censored by its open orders.
    using FactoryLeads = std::map<std::string, FactoryLead, std::less<>>;
    // What the daily step reads of lead times at one instant, each found once: every
    // factory's (censored by its open orders) and the age of each product's open order (days,
    // by product id; NaN: none).
    struct LeadsNow {
        FactoryLeads factories;
        std::vector<double> open_order_age;
    };
    LeadsNow leads_now(int64_t now_ms) const;
    // An auto product's learned reorder point and quantity (none until it is ready). Thread
    // safe for different products: it writes only the product's slot and line table.
    struct LearnedSettings {
        int64_t reorder_point = 0;
        int64_t reorder_qty = 1;
    };
    std::optional<LearnedSettings> learned_settings(const Product& product, LearningSlot& slot,
                                                    const LeadsNow& leads, int64_t now_ms) const;
    // The daily step's part for one product (thread safe for different products): its closed
    // days observed and, in mode auto once ready, its learned settings if they differ from its
    // own. `leads` gives leads_now() at the batch's instant.
    std::optional<LearnedSettings> learn_days(Product& product, int64_t closed, int64_t now_ms,
                                              const std::function<const LeadsNow&()>& leads);
    // Sets an auto product's effective settings to learned ones that differ from them.
    void follow_learning(Product& product, const LearnedSettings& learned, Batch& batch);
    // A received order: one lead time for its product and its factory.
    void observe_receipt(const RestockOrder& order, Batch& batch);
    double prior_lead_days(const std::string& factory_id) const;
    // The lead time of the factory and of the product, from receipts, the prior and (with
    // `censored`) the open orders past their expected time.
    LeadTimeEstimate factory_lead(const std::string& factory_id, bool censored,
                                  int64_t now_ms) const;
    LeadTimeEstimate factory_lead(const std::string& factory_id,
                                  std::span<const double> open_ages) const;
    FactoryLead factory_lead_both(const std::string& factory_id, bool censored,
                                  int64_t now_ms) const;
    LeadTimeEstimate product_lead(const Product& product, const std::string& factory_id,
                                  bool censored, int64_t now_ms) const;
    // The same, given the factory's (factory_lead_both()) and the age of the product's open
    // order (days; NaN: none, or not censored).
    LeadTimeEstimate product_lead(const Product& product, const FactoryLead& factory,
                                  double open_age) const;
    // With `leads` (leads_now(now_ms)), the lead times are read from there: for callers that
    // ask for many products at one instant. Thread safe for different products (it writes
    // only the product's line table, which must exist).
    PolicyFigures policy_for(const Product& product, const ProductLearning& learning,
                             double fill_rate, int64_t now_ms,
                             const LeadsNow* leads = nullptr) const;
    void persist(const Product& product, Batch& batch);
    void persist_factory(const std::string& factory_id, Batch& batch);
    // Every product's and every factory's row, today's counters included: as the engine
    // stops, so that a restart within the day loses nothing counted.
    void save_learning(Batch& batch);
    // After a written batch: its checkouts and its refused demand join today's counts.
    void count_demand(const std::vector<Movement>& movements, const Batch& batch);

    // Queues, topics, factories (engine_queues.cpp).
    Outcome apply(const QueueReceive& request, Batch& batch);
    Outcome apply(const QueueAck& request, Batch& batch);
    Outcome apply(const QueueFail& request, Batch& batch);
    Outcome apply(const QueueRedrive& request, Batch& batch);
    Outcome apply(const QueuePurge& request, Batch& batch);
    Outcome apply(const QueueDeleteMessage& request, Batch& batch);
    Outcome apply(const QueueRedriveMessage& request, Batch& batch);
    Outcome apply(const QueuePolicyPatch& request, Batch& batch);
    Outcome apply(const QueueList& request, Batch& batch);
    Outcome apply(const QueuePeek& request, Batch& batch);
    Outcome apply(const CreateSubscription& request, Batch& batch);
    Outcome apply(const DeleteSubscription& request, Batch& batch);
    Outcome apply(const ListSubscriptions& request, Batch& batch);
    Outcome apply(const PutFactory& request, Batch& batch);
    Outcome apply(const GetFactories& request, Batch& batch);
    Outcome apply(const GetRestockOrders& request, Batch& batch);
    Outcome apply(const GetGauges& request, Batch& batch);
    Outcome apply(const OpenSession& request, Batch& batch);
    Outcome apply(const DeleteFactory& request, Batch& batch);
    Outcome apply(const GetAlarms& request, Batch& batch);
    Outcome apply(const EndSession& request, Batch& batch);
    // Every queue's policy and counts (QueueList, GetGauges).
    std::vector<QueueInfo> queue_infos(int64_t now_ms) const;
    // Counts the checkouts of a written batch in stats_. REQUIRES: mutex_ held.
    void count_checkouts(const std::deque<Submission>& submissions,
                         const std::vector<Outcome>& outcomes);
    void count_checkout(const Command& command, const Outcome& outcome);
    // Fails a delivered message; a dead-lettered restock-orders message fails its order:
    // `order_id` when the delivery named the order it was sending, else the product's open one.
    Result<FailOutcome> fail_message(int64_t id, int64_t receive_count, std::string error,
                                     Batch& batch, const std::string& order_id = "");
    Status ack_message(int64_t id, int64_t receive_count);

    StockStore& store_;
    const Clock& clock_;
    const EngineOptions options_;
    std::unique_ptr<StockReader> reader_;  // engine thread only: committed idempotency/receipts

    // Hashes a std::string and a std::string_view alike, so a lookup by view builds no string.
    struct SkuHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view sku) const noexcept {
            return std::hash<std::string_view>{}(sku);
        }
    };

    // Engine-thread state.
    std::unordered_map<std::string, Product, SkuHash, std::equal_to<>> products_;
    // products_ by id (nullptr: none; ids are dense, from 1), and products_ in its iteration
    // order with each product's place in it (by id), the order in which the daily step
    // applies what it learned: rebuilt once products_ changed (empty: to rebuild).
    std::vector<Product*> products_by_id_;
    std::vector<Product*> products_order_;
    std::vector<std::size_t> order_place_by_id_;
    int64_t last_product_id_ = 0;
    int64_t last_movement_id_ = 0;
    int64_t last_event_seq_ = 0;
    std::string database_id_;
    std::map<std::string, RestockOrder> orders_;
    // A product's open restock order: its id, and what lead-time estimates read of it (kept
    // here so that the daily step does not look every open order up among all orders).
    struct OpenOrder {
        std::string id;
        std::string factory_id;
        int64_t created_at_ms = 0;
        static OpenOrder of(const RestockOrder& order) {
            return OpenOrder{order.id, order.factory_id, order.created_at_ms};
        }
        double age_days(int64_t now_ms) const;  // at now_ms, in days (fractional)
    };
    std::unordered_map<int64_t, OpenOrder> open_order_by_product_;
    int64_t last_order_number_ = 0;
    std::map<std::string, Factory> factories_;
    std::map<std::string, Subscription> subscriptions_;
    int64_t last_subscription_number_ = 0;
    QueueBook queues_;
    // The holds still held, by id, and their expiries in order.
    std::map<std::string, Reservation, std::less<>> held_;
    std::set<std::pair<int64_t, std::string>> expiries_;
    CheckoutIndex checkout_index_;
    LearningSlots learning_;
    // policy_for's tables of each product's checkout lines, by product id: rebuilt when the
    // lines' moments move (a derived cache: not undone, not stored; each use checks it fits).
    mutable std::vector<std::optional<LineRefusals>> line_refusals_;
    std::map<std::string, LeadTimeStats> factory_lead_;
    int64_t learning_day_ = -1;  // the Clock's day (UTC) being counted (-1: before the first batch)
    std::mt19937_64 random_{std::random_device{}()};

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Submission> pending_;
    std::size_t wake_at_ = 0;  // while gathering: submit() wakes the engine at this many pending
    CommitGathering gathering_;
    bool stopping_ = false;
    bool store_lost_ = false;
    int64_t next_expiry_ms_ = 0;           // the earliest held reservation's expiry (0: none)
    std::map<std::string, Alarm> alarms_;  // open ones, by id
    int64_t next_alarm_check_ms_ = 0;
    Stats stats_;
    bool stepped_ = false;
    const unsigned learning_threads_;    // options_.learning_threads resolved
    std::unique_ptr<Batch> open_;        // stepped: the batch being applied, not yet written
    std::unique_ptr<DurableAcks> acks_;  // declared before thread_: outlives the engine loop
    std::thread thread_;
};

}  // namespace restock
