// The functions of the restock loop over a real engine and the in-memory store: FunctionRunner
// (ack, retries to the DLQ, exceptions, concurrency bound, prompt stop) and the handlers
// order-dispatch, stock-increase, ad-control and notifier against scripted HTTP and mail fakes.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "app/callback_token.h"
#include "app/engine_client.h"
#include "app/engine_test_support.h"
#include "app/event_json.h"
#include "app/fake_stock_store.h"
#include "app/functions/ad_control.h"
#include "app/functions/function_runner.h"
#include "app/functions/notifier.h"
#include "app/functions/order_dispatch.h"
#include "app/functions/stock_increase.h"
#include "app/reader_pool.h"
#include "json/json.h"

namespace restock::testing {
namespace {

using namespace std::chrono_literals;

// An HttpClient that records calls and answers from a script (then with `fallback`).
class ScriptedHttp final : public HttpClient {
  public:
    Result<HttpAnswer> send(const HttpCall& call) override {
        std::lock_guard lock(mutex_);
        calls_.push_back(call);
        if (script_.empty()) return HttpAnswer{200, "{}"};
        Result<HttpAnswer> next = script_.front();
        script_.pop_front();
        return next;
    }
    void answer(int status) {
        std::lock_guard lock(mutex_);
        script_.push_back(HttpAnswer{status, ""});
    }
    void fail(std::string message) {
        std::lock_guard lock(mutex_);
        script_.push_back(make_error(ErrorCode::kUnavailable, "http-error", std::move(message)));
    }
    std::vector<HttpCall> calls() const {
        std::lock_guard lock(mutex_);
        return calls_;
    }

  private:
    mutable std::mutex mutex_;
    std::deque<Result<HttpAnswer>> script_;
    std::vector<HttpCall> calls_;
};

class RecordingMailer final : public Mailer {
  public:
    Status send(const MailMessage& message) override {
        std::lock_guard lock(mutex_);
        sent_.push_back(message);
        if (fail_) return make_error(ErrorCode::kUnavailable, "smtp-error", "smtp said 451");
        return ok_status();
    }
    void fail_sends() {
        std::lock_guard lock(mutex_);
        fail_ = true;
    }
    std::vector<MailMessage> sent() const {
        std::lock_guard lock(mutex_);
        return sent_;
    }

  private:
    mutable std::mutex mutex_;
    std::vector<MailMessage> sent_;
    bool fail_ = false;
};

std::string header(const HttpCall& call, const std::string& name) {
    for (const auto& [key, value] : call.headers) {
        if (key == name) return value;
    }
    return "";
}

class FunctionsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        EngineOptions options;
        options.signals = &signals_;
        auto engine = StockEngine::start(store_, clock_, options);
        ASSERT_TRUE(engine.ok()) << engine.error().message;
        engine_ = std::move(engine.value());
        Factory factory;
        factory.id = "factory-1";
        factory.url = "http://factory.test";
        expect_outcome<FactoriesOutcome>(run(PutFactory{factory}));
    }
    void TearDown() override { engine_.reset(); }

    Outcome run(Command command) { return testing::run(*engine_, std::move(command)); }

    void create(const std::string& sku, int64_t on_hand, int64_t reorder_point = 5,
                std::optional<std::string> ad_id = std::nullopt,
                const std::string& factory_id = "factory-1") {
        NewProduct p = new_product(sku, on_hand, reorder_point, 10);
        p.settings.ad_id = std::move(ad_id);
        p.settings.factory_id = factory_id;
        expect_outcome<ProductOutcome>(run(p));
    }
    QueueMessage receive_one(const std::string& queue) {
        auto got = expect_outcome<MessagesOutcome>(run(QueueReceive{queue, 1})).messages;
        EXPECT_EQ(got.size(), 1u) << "nothing in " << queue;
        return got.empty() ? QueueMessage{} : got.front();
    }
    RestockOrder order(const std::string& id) {
        auto found = expect_outcome<OrdersOutcome>(run(GetRestockOrders{id, 1, ""}));
        return found.orders.empty() ? RestockOrder{} : found.orders.front();
    }
    void fast_retries(const std::string& queue, int64_t max_receive_count) {
        QueuePolicyPatch patch;
        patch.queue = queue;
        patch.max_receive_count = max_receive_count;
        patch.backoff_base_ms = 1;  // backoff rounds down to 0 ms: retried at once
        patch.backoff_max_ms = 1;
        expect_outcome<QueuesOutcome>(run(patch));
    }
    Subscription subscribe(Protocol protocol, const std::string& endpoint) {
        Subscription s;
        s.topic = std::string(kStockEventsTopic);
        s.protocol = protocol;
        s.endpoint = endpoint;
        s.event_types = {"stock.empty"};
        auto created = expect_outcome<SubscriptionsOutcome>(run(CreateSubscription{s}));
        return created.subscriptions.empty() ? Subscription{} : created.subscriptions.front();
    }

    LogSink log() {
        return [this](std::string_view level, const std::string& message) {
            std::lock_guard lock(log_mutex_);
            log_.push_back(std::string(level) + ": " + message);
        };
    }
    std::vector<std::string> log_lines() {
        std::lock_guard lock(log_mutex_);
        return log_;
    }

    FakeStockStore store_;
    FakeClock clock_;
    QueueSignals signals_;
    std::unique_ptr<StockEngine> engine_;
    ScriptedHttp http_;
    RecordingMailer mailer_;
    std::mutex log_mutex_;
    std::vector<std::string> log_;
};

// --- FunctionRunner -----------------------------------------------------------------------------

// Products created out of stock: one stock.empty each on ad-control.
FunctionSpec ad_spec(int concurrency) {
    return FunctionSpec{"test-function", kAdControlQueue, concurrency};
}

TEST_F(FunctionsTest, RunnerAcksWhatTheHandlerAcks) {
    for (const char* sku : {"A", "B", "C"}) create(sku, 0);
    std::mutex mutex;
    std::vector<std::string> seen;
    {
        FunctionRunner runner(
            *engine_, signals_, ad_spec(2),
            [&](const QueueMessage& m) {
                std::lock_guard lock(mutex);
                seen.push_back(parse_event_ref(m.body)->sku);
                return HandlerResult::ack();
            },
            log());
        EXPECT_EQ(runner.spec().name, "test-function");
        ASSERT_TRUE(eventually([&] { return store_.messages(kAdControlQueue).empty(); }));
    }
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(seen, (std::vector<std::string>{"A", "B", "C"}));  // each exactly once
    EXPECT_TRUE(store_.messages("stock-ad-dlq").empty());
}

TEST_F(FunctionsTest, RunnerWakesForMessagesThatArriveLater) {
    std::atomic<int> calls{0};
    FunctionRunner runner(
        *engine_, signals_, ad_spec(1),
        [&](const QueueMessage&) {
            ++calls;
            return HandlerResult::ack();
        },
        log());
    std::this_thread::sleep_for(20ms);  // the worker is idle by now
    create("A", 0);
    EXPECT_TRUE(eventually([&] { return calls == 1 && store_.messages(kAdControlQueue).empty(); }));
}

TEST_F(FunctionsTest, RunnerFailsUntilTheMessageIsDeadLettered) {
    fast_retries(kAdControlQueue, 4);
    create("A", 0);
    std::atomic<int> calls{0};
    std::mutex mutex;
    std::vector<int64_t> receive_counts;
    {
        FunctionRunner runner(
            *engine_, signals_, ad_spec(2),
            [&](const QueueMessage& m) {
                ++calls;
                std::lock_guard lock(mutex);
                receive_counts.push_back(m.receive_count);
                return HandlerResult::fail("ads API down");
            },
            log());
        ASSERT_TRUE(eventually([&] { return store_.messages("stock-ad-dlq").size() == 1; }));
    }
    EXPECT_EQ(calls, 4);
    EXPECT_EQ(receive_counts, (std::vector<int64_t>{1, 2, 3, 4}));
    EXPECT_TRUE(store_.messages(kAdControlQueue).empty());
    const auto dead = store_.messages("stock-ad-dlq");
    EXPECT_EQ(dead[0].last_error, "ads API down");
    EXPECT_EQ(dead[0].source_queue, kAdControlQueue);
    const auto lines = log_lines();
    EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [](const std::string& line) {
        return line.find("dead-lettered to stock-ad-dlq") != std::string::npos;
    }));
}

TEST_F(FunctionsTest, RunnerTreatsAHandlerExceptionAsAFailure) {
    fast_retries(kAdControlQueue, 1);
    create("A", 0);
    FunctionRunner runner(
        *engine_, signals_, ad_spec(1),
        [](const QueueMessage&) -> HandlerResult { throw std::runtime_error("kaboom"); }, log());
    ASSERT_TRUE(eventually([&] { return store_.messages("stock-ad-dlq").size() == 1; }));
    EXPECT_EQ(store_.messages("stock-ad-dlq")[0].last_error, "handler threw: kaboom");
}

TEST_F(FunctionsTest, RunnerNeverRunsMoreHandlersThanItsConcurrency) {
    constexpr int kConcurrency = 3;
    constexpr int kMessages = 12;
    for (int i = 0; i < kMessages; ++i) create("P" + std::to_string(i), 0);
    std::atomic<int> active{0};
    std::atomic<int> most{0};
    std::atomic<int> handled{0};
    {
        FunctionRunner runner(
            *engine_, signals_, ad_spec(kConcurrency),
            [&](const QueueMessage&) {
                const int now = ++active;
                int seen = most.load();
                while (now > seen && !most.compare_exchange_weak(seen, now)) {
                }
                std::this_thread::sleep_for(15ms);
                --active;
                ++handled;
                return HandlerResult::ack();
            },
            log());
        ASSERT_TRUE(eventually([&] { return handled == kMessages; }));
    }
    EXPECT_LE(most, kConcurrency);
    EXPECT_GE(most, 2);  // they do run side by side
    EXPECT_TRUE(eventually([&] { return store_.messages(kAdControlQueue).empty(); }));
}

TEST_F(FunctionsTest, RunnerStopsPromptly) {
    const auto start = std::chrono::steady_clock::now();
    {
        FunctionRunner runner(
            *engine_, signals_, ad_spec(4),
            [](const QueueMessage&) { return HandlerResult::ack(); }, log());
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
}

TEST_F(FunctionsTest, RunnerWaitsForTheInvocationInProgress) {
    create("A", 0);
    std::atomic<bool> started{false};
    std::atomic<bool> finished{false};
    {
        FunctionRunner runner(
            *engine_, signals_, ad_spec(1),
            [&](const QueueMessage&) {
                started = true;
                std::this_thread::sleep_for(50ms);
                finished = true;
                return HandlerResult::ack();
            },
            log());
        ASSERT_TRUE(eventually([&] { return started.load(); }));
    }
    EXPECT_TRUE(finished);
    EXPECT_TRUE(store_.messages(kAdControlQueue).empty());  // and settled it
}

// --- order-dispatch -----------------------------------------------------------------------------

OrderDispatchConfig dispatch_config() {
    OrderDispatchConfig config;
    config.public_url = "https://restock.test";
    config.callback_secret = "callback-secret";
    config.requester = "restock-tests";
    return config;
}

TEST(LegacyOrderBodyTest, IsTheLegacyFormat) {
    RestockOrder o;
    o.id = "ro_3";
    o.sku = "SKU-1";
    o.qty = 24;
    o.factory_id = "factory-1";
    EXPECT_EQ(
        legacy_order_body(o, "restock", "https://x.test/cb?token=t"),
        R"({"MessageGroupId":"stock-arrival-group","MessageAttributeProductId":"SKU-1",)"
        R"("MessageAttributeProductCnt":24,"MessageAttributeFactoryId":"factory-1",)"
        R"("MessageAttributeRequester":"restock","CallbackUrl":"https://x.test/cb?token=t"})");
}

TEST_F(FunctionsTest, OrderDispatchSendsTheOrderAndRecordsTheAcceptance) {
    create("A", 2);
    const Handler dispatch = make_order_dispatch(*engine_, http_, dispatch_config(), log());
    const QueueMessage m = receive_one(kRestockOrdersQueue);
    EXPECT_EQ(dispatch(m).settle, HandlerResult::Settle::kSettled);

    const auto calls = http_.calls();
    ASSERT_EQ(calls.size(), 1u);
    const HttpCall& call = calls[0];
    EXPECT_EQ(call.method, "POST");
    EXPECT_EQ(call.url, "http://factory.test/api/manufactures");
    EXPECT_EQ(header(call, "Content-Type"), "application/json");
    EXPECT_EQ(call.timeout_ms, 5'000);  // the factory's: well within the 30 s dispatch hold
    auto body = json::parse(call.body);
    ASSERT_TRUE(body.ok()) << call.body;
    EXPECT_EQ(body->find("MessageGroupId")->as_string(), "stock-arrival-group");
    EXPECT_EQ(body->find("MessageAttributeProductId")->as_string(), "A");
    EXPECT_EQ(body->find("MessageAttributeProductCnt")->as_integer(), 10);
    EXPECT_EQ(body->find("MessageAttributeFactoryId")->as_string(), "factory-1");
    EXPECT_EQ(body->find("MessageAttributeRequester")->as_string(), "restock-tests");
    const std::string url = body->find("CallbackUrl")->as_string();
    const std::string prefix = "https://restock.test/v1/factory/callbacks/ro_1?token=";
    ASSERT_EQ(url.rfind(prefix, 0), 0u) << url;
    EXPECT_TRUE(verify_callback_token("callback-secret", "ro_1", url.substr(prefix.size())));

    EXPECT_EQ(order("ro_1").status, OrderStatus::kAcknowledged);
    EXPECT_TRUE(store_.messages(kRestockOrdersQueue).empty());  // settled by CompleteDispatch
    for (const auto& line : log_lines()) {
        EXPECT_EQ(line.find("token="), std::string::npos) << "a secret was logged: " << line;
    }
}

TEST(FactoryCallBudgetTest, TheFactorysTimeoutWithinTheDispatchHold) {
    EXPECT_EQ(factory_call_budget_ms(5'000, 30'000), 5'000);
    EXPECT_EQ(factory_call_budget_ms(60'000, 30'000), 28'000);  // 2 s to record the answer
    EXPECT_EQ(factory_call_budget_ms(60'000, 120'000), 60'000);
    EXPECT_EQ(factory_call_budget_ms(5'000, 1'000), 750);  // a short hold keeps a quarter
    EXPECT_EQ(factory_call_budget_ms(5'000, 0), 100);
}

// A factory slower than the restock-orders visibility timeout: its timeout_ms is honoured once
// the queue holds a delivery long enough (PATCH visibility_timeout_s), never beyond the hold.
TEST_F(FunctionsTest, OrderDispatchWaitsForTheFactoryAtMostWhileItHoldsTheDispatch) {
    Factory slow;
    slow.id = "factory-1";
    slow.url = "http://factory.test";
    slow.timeout_ms = 60'000;
    expect_outcome<FactoriesOutcome>(run(PutFactory{slow}));
    create("A", 2);
    make_order_dispatch(*engine_, http_, dispatch_config(),
                        log())(receive_one(kRestockOrdersQueue));
    ASSERT_EQ(http_.calls().size(), 1u);
    EXPECT_EQ(http_.calls()[0].timeout_ms, 28'000);  // the default hold is 30 s

    QueuePolicyPatch longer;
    longer.queue = kRestockOrdersQueue;
    longer.visibility_timeout_ms = 120'000;
    expect_outcome<QueuesOutcome>(run(longer));
    create("B", 2);
    make_order_dispatch(*engine_, http_, dispatch_config(),
                        log())(receive_one(kRestockOrdersQueue));
    ASSERT_EQ(http_.calls().size(), 2u);
    EXPECT_EQ(http_.calls()[1].timeout_ms, 60'000);
}

TEST_F(FunctionsTest, OrderDispatchRecordsAFactoryErrorForRetry) {
    create("A", 2);
    const Handler dispatch = make_order_dispatch(*engine_, http_, dispatch_config(), log());
    http_.answer(503);
    EXPECT_EQ(dispatch(receive_one(kRestockOrdersQueue)).settle, HandlerResult::Settle::kSettled);
    RestockOrder o = order("ro_1");
    EXPECT_EQ(o.status, OrderStatus::kSent);
    EXPECT_EQ(o.attempts, 1);
    EXPECT_EQ(o.last_error, "factory factory-1 answered 503");
    auto waiting = store_.messages(kRestockOrdersQueue);
    ASSERT_EQ(waiting.size(), 1u);
    EXPECT_FALSE(waiting[0].in_flight);
    EXPECT_EQ(waiting[0].last_error, "factory factory-1 answered 503");

    http_.fail("connection refused");
    clock_.advance(60'000);
    dispatch(receive_one(kRestockOrdersQueue));
    o = order("ro_1");
    EXPECT_EQ(o.attempts, 2);
    EXPECT_EQ(o.last_error, "connection refused");
    EXPECT_EQ(store_.messages(kRestockOrdersQueue)[0].last_error, "connection refused");

    clock_.advance(60'000);
    dispatch(receive_one(kRestockOrdersQueue));  // 200
    EXPECT_EQ(order("ro_1").status, OrderStatus::kAcknowledged);
    EXPECT_TRUE(order("ro_1").last_error.empty());
    EXPECT_TRUE(store_.messages(kRestockOrdersQueue).empty());
    EXPECT_EQ(http_.calls().size(), 3u);
}

// Between the engine and order-dispatch: the first `count` CompleteDispatch commands are lost
// the way a commit whose connection died is lost, executed (`applied`) or not.
class LosingSink final : public CommandSink {
  public:
    LosingSink(StockEngine& engine, int count, bool applied)
        : engine_(engine), count_(count), applied_(applied) {}
    void submit(Submission submission) override {
        if (std::holds_alternative<CompleteDispatch>(submission.command) && count_ > 0) {
            --count_;
            if (applied_) (void)testing::run(engine_, submission.command);
            submission.done(make_error(ErrorCode::kStoreLost, "outcome-unknown", "lost"));
            return;
        }
        engine_.submit(std::move(submission));
    }

  private:
    StockEngine& engine_;
    int count_;
    const bool applied_;
};

// The factory accepted; recording that failed with an unknown outcome. Sent again (while the
// delivery holds the dispatch), it is recorded once, and the order is not sent a second time.
TEST_F(FunctionsTest, OrderDispatchRecordsAnAcceptanceAgainWhenTheStoreWasLost) {
    for (const bool applied : {false, true}) {
        SCOPED_TRACE(applied ? "the lost record was applied" : "the lost record was not applied");
        const std::string sku = applied ? "APPLIED" : "LOST";
        create(sku, 2);
        LosingSink sink(*engine_, 2, applied);
        const Handler dispatch = make_order_dispatch(sink, http_, dispatch_config(), log());
        const auto calls_before = http_.calls().size();
        EXPECT_EQ(dispatch(receive_one(kRestockOrdersQueue)).settle,
                  HandlerResult::Settle::kSettled);
        EXPECT_EQ(http_.calls().size(), calls_before + 1);
        const auto orders = expect_outcome<OrdersOutcome>(run(GetRestockOrders{"", 10, ""}));
        ASSERT_FALSE(orders.orders.empty());
        EXPECT_EQ(orders.orders.front().sku, sku);
        EXPECT_EQ(orders.orders.front().status, OrderStatus::kAcknowledged);
        EXPECT_TRUE(store_.messages(kRestockOrdersQueue).empty());
    }
}

TEST_F(FunctionsTest, OrderDispatchSkipsAnOrderAnotherDeliveryIsSending) {
    create("A", 2);                                                     // stock.low
    expect_outcome<CheckoutOutcome>(run(checkout("o-1", {{"A", 2}})));  // stock.empty
    const QueueMessage low = receive_one(kRestockOrdersQueue);
    const QueueMessage empty = receive_one(kRestockOrdersQueue);
    // The stock.low delivery claimed the order and is talking to the factory right now.
    ASSERT_TRUE(expect_outcome<OrderOutcome>(run(PlaceRestockOrder{"A", "evt", low.id})).dispatch);

    const Handler dispatch = make_order_dispatch(*engine_, http_, dispatch_config(), log());
    EXPECT_EQ(dispatch(empty).settle, HandlerResult::Settle::kAck);
    EXPECT_TRUE(http_.calls().empty());
}

TEST_F(FunctionsTest, OrderDispatchAcksWhenNoOrderIsNeeded) {
    create("A", 2);
    const QueueMessage m = receive_one(kRestockOrdersQueue);
    expect_outcome<MovementOutcome>(run(receipt("A", 50, "manual")));  // restocked meanwhile
    const Handler dispatch = make_order_dispatch(*engine_, http_, dispatch_config(), log());
    EXPECT_EQ(dispatch(m).settle, HandlerResult::Settle::kAck);
    EXPECT_TRUE(http_.calls().empty());
    EXPECT_TRUE(expect_outcome<OrdersOutcome>(run(GetRestockOrders{})).orders.empty());
}

TEST_F(FunctionsTest, OrderDispatchFailsForAnUnknownFactoryOrAMalformedMessage) {
    // A product can no longer name an unregistered factory, but one stored before that rule
    // still may: write it into the store behind the engine's back, as an older version did.
    create("A", 2, 5);
    engine_.reset();
    Product legacy = *store_.product("A");
    legacy.settings.factory_id = "factory-unknown";
    WriteBatch batch;
    batch.products = {legacy};
    ASSERT_TRUE(store_.commit(batch).ok());
    SetUp();
    const Handler dispatch = make_order_dispatch(*engine_, http_, dispatch_config(), log());
    const HandlerResult unknown = dispatch(receive_one(kRestockOrdersQueue));
    EXPECT_EQ(unknown.settle, HandlerResult::Settle::kFail);
    EXPECT_NE(unknown.error.find("unknown factory 'factory-unknown'"), std::string::npos);

    QueueMessage bad;
    bad.id = 999;
    bad.body = R"({"type":"stock.low"})";
    const HandlerResult malformed = dispatch(bad);
    EXPECT_EQ(malformed.settle, HandlerResult::Settle::kFail);
    EXPECT_NE(malformed.error.find("malformed event"), std::string::npos);
    bad.body = "not json";
    EXPECT_EQ(dispatch(bad).settle, HandlerResult::Settle::kFail);
    EXPECT_TRUE(http_.calls().empty());
}

TEST_F(FunctionsTest, OrderDispatchUnderTheRunnerReachesTheDlqAndFailsTheOrder) {
    fast_retries(kRestockOrdersQueue, 4);
    for (int i = 0; i < 4; ++i) http_.answer(500);
    create("A", 2);
    {
        FunctionRunner runner(
            *engine_, signals_, FunctionSpec{"order-dispatch", kRestockOrdersQueue, 2},
            make_order_dispatch(*engine_, http_, dispatch_config(), log()), log());
        ASSERT_TRUE(eventually([&] { return store_.messages("stock-empty-dlq").size() == 1; }));
    }
    EXPECT_EQ(http_.calls().size(), 4u);
    const RestockOrder o = order("ro_1");
    EXPECT_EQ(o.status, OrderStatus::kFailed);
    EXPECT_EQ(o.attempts, 4);
    EXPECT_EQ(store_.product("A")->on_order, 0);
    EXPECT_EQ(store_.messages("stock-empty-dlq")[0].last_error, "factory factory-1 answered 500");
}

// --- stock-increase -----------------------------------------------------------------------------

TEST_F(FunctionsTest, StockIncreaseBooksTheShipmentAndSettles) {
    create("A", 2);
    const Handler dispatch = make_order_dispatch(*engine_, http_, dispatch_config(), log());
    dispatch(receive_one(kRestockOrdersQueue));
    expect_outcome<Done>(run(AcceptCallback{"ro_1", "A", 10, "qty-10"}));

    const Handler increase = make_stock_increase(*engine_);
    EXPECT_EQ(increase(receive_one(kStockReceiptsQueue)).settle, HandlerResult::Settle::kSettled);
    EXPECT_EQ(store_.product("A")->on_hand, 12);
    EXPECT_EQ(store_.product("A")->on_order, 0);
    EXPECT_EQ(order("ro_1").status, OrderStatus::kReceived);
    EXPECT_TRUE(store_.messages(kStockReceiptsQueue).empty());

    // The factory calls back twice: the second is settled without adding stock.
    expect_outcome<Done>(run(AcceptCallback{"ro_1", "A", 10, "qty-10"}));
    EXPECT_EQ(increase(receive_one(kStockReceiptsQueue)).settle, HandlerResult::Settle::kSettled);
    EXPECT_EQ(store_.product("A")->on_hand, 12);
    EXPECT_TRUE(store_.messages(kStockReceiptsQueue).empty());
}

TEST_F(FunctionsTest, StockIncreaseFailsMalformedMessagesAndEngineErrors) {
    const Handler increase = make_stock_increase(*engine_);
    QueueMessage m;
    m.id = 1;
    m.receive_count = 1;
    for (const char* body : {"", "[]", R"({"order_id":"ro_1","shipment":"qty-1"})",
                             R"({"order_id":"ro_1","shipment":"qty-1","qty":"1"})",
                             R"({"order_id":1,"shipment":"qty-1","qty":1})",
                             R"({"order_id":"ro_1","shipment":1,"qty":1})"}) {
        m.body = body;
        const HandlerResult r = increase(m);
        EXPECT_EQ(r.settle, HandlerResult::Settle::kFail) << body;
        EXPECT_EQ(r.error, "malformed receipt message") << body;
    }
    m.body = R"({"order_id":"ro_404","shipment":"qty-1","qty":1})";
    const HandlerResult unknown = increase(m);
    EXPECT_EQ(unknown.settle, HandlerResult::Settle::kFail);
    EXPECT_NE(unknown.error.find("ro_404"), std::string::npos) << unknown.error;
}

// --- ad-control ---------------------------------------------------------------------------------

TEST_F(FunctionsTest, AdControlPausesOnEmptyAndResumesOnRestored) {
    create("A", 0, 2, std::string("ad-9"));
    ReaderPool readers(store_);
    const Handler ads =
        make_ad_control(readers, http_, AdControlConfig{"http://ads.test", 700}, log());
    const QueueMessage empty = receive_one(kAdControlQueue);
    EXPECT_EQ(ads(empty).settle, HandlerResult::Settle::kAck);
    expect_outcome<MovementOutcome>(run(receipt("A", 10, "r-1")));
    EXPECT_EQ(ads(receive_one(kAdControlQueue)).settle, HandlerResult::Settle::kAck);

    const auto calls = http_.calls();
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0].url, "http://ads.test/ads/ad-9/pause");
    EXPECT_EQ(calls[1].url, "http://ads.test/ads/ad-9/resume");
    EXPECT_EQ(calls[0].method, "POST");
    EXPECT_EQ(calls[0].timeout_ms, 700);
    auto body = json::parse(calls[0].body);
    ASSERT_TRUE(body.ok()) << calls[0].body;
    EXPECT_EQ(body->find("sku")->as_string(), "A");
    EXPECT_EQ(body->find("event_id")->as_string(), parse_event_ref(empty.body)->id);
}

TEST_F(FunctionsTest, AdControlFailsWhenTheAdsApiFails) {
    create("A", 0, 2, std::string("ad-9"));
    ReaderPool readers(store_);
    const Handler ads =
        make_ad_control(readers, http_, AdControlConfig{"http://ads.test", 700}, log());
    const QueueMessage m = receive_one(kAdControlQueue);
    http_.answer(500);
    HandlerResult r = ads(m);
    EXPECT_EQ(r.settle, HandlerResult::Settle::kFail);
    EXPECT_EQ(r.error, "ads API answered 500");
    http_.fail("timed out");
    r = ads(m);
    EXPECT_EQ(r.settle, HandlerResult::Settle::kFail);
    EXPECT_EQ(r.error, "timed out");
}

TEST_F(FunctionsTest, AdControlIgnoresWhatItDoesNotManage) {
    ReaderPool readers(store_);
    create("NOAD", 0);  // no ad_id
    const Handler ads =
        make_ad_control(readers, http_, AdControlConfig{"http://ads.test", 700}, log());
    EXPECT_EQ(ads(receive_one(kAdControlQueue)).settle, HandlerResult::Settle::kAck);

    create("AD", 0, 2, std::string("ad-1"));
    const QueueMessage with_ad = receive_one(kAdControlQueue);
    const Handler unconfigured = make_ad_control(readers, http_, AdControlConfig{"", 700}, log());
    EXPECT_EQ(unconfigured(with_ad).settle, HandlerResult::Settle::kAck);

    QueueMessage low = with_ad;
    low.body = R"({"id":"evt_x","type":"stock.low","sku":"AD"})";
    EXPECT_EQ(ads(low).settle, HandlerResult::Settle::kAck);
    QueueMessage gone = with_ad;
    gone.body = R"({"id":"evt_y","type":"stock.empty","sku":"DELETED"})";
    EXPECT_EQ(ads(gone).settle, HandlerResult::Settle::kAck);
    EXPECT_TRUE(http_.calls().empty());

    QueueMessage malformed = with_ad;
    malformed.body = R"({"id":"evt_z"})";
    EXPECT_EQ(ads(malformed).settle, HandlerResult::Settle::kFail);
}

// docs/api.md: "ad-control acts on the product's availability when it runs". A pause that
// failed while the product was out of stock and is retried after the restock and the resume
// must not pause a selling product.
TEST_F(FunctionsTest, AdControlSkipsAStalePause) {
    create("A", 0, 2, std::string("ad-9"));
    ReaderPool readers(store_);
    const Handler ads =
        make_ad_control(readers, http_, AdControlConfig{"http://ads.test", 700}, log());
    const QueueMessage empty = receive_one(kAdControlQueue);
    http_.answer(503);
    EXPECT_EQ(ads(empty).settle, HandlerResult::Settle::kFail);  // out of stock: tried
    expect_outcome<MovementOutcome>(run(receipt("A", 10, "r-1")));
    EXPECT_EQ(ads(receive_one(kAdControlQueue)).settle, HandlerResult::Settle::kAck);  // resume
    EXPECT_EQ(ads(empty).settle, HandlerResult::Settle::kAck);  // the retry: skipped

    const auto calls = http_.calls();
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0].url, "http://ads.test/ads/ad-9/pause");
    EXPECT_EQ(calls[1].url, "http://ads.test/ads/ad-9/resume");
    const auto lines = log_lines();
    EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [](const std::string& line) {
        return line.find("skipped stale pause") != std::string::npos;
    }));
}

TEST_F(FunctionsTest, AdControlSkipsAStaleResume) {
    create("A", 5, 2, std::string("ad-9"));
    expect_outcome<CheckoutOutcome>(run(checkout("o-1", {{"A", 5}})));   // empty
    expect_outcome<MovementOutcome>(run(receipt("A", 10, "r-1")));       // restored
    expect_outcome<CheckoutOutcome>(run(checkout("o-2", {{"A", 10}})));  // empty again
    ReaderPool readers(store_);
    const Handler ads =
        make_ad_control(readers, http_, AdControlConfig{"http://ads.test", 700}, log());
    const QueueMessage first_empty = receive_one(kAdControlQueue);
    const QueueMessage restored = receive_one(kAdControlQueue);
    ASSERT_EQ(parse_event_ref(restored.body)->type, "stock.restored");
    EXPECT_EQ(ads(first_empty).settle, HandlerResult::Settle::kAck);  // pause: out of stock now
    EXPECT_EQ(ads(restored).settle, HandlerResult::Settle::kAck);     // resume: stale, skipped
    const auto calls = http_.calls();
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].url, "http://ads.test/ads/ad-9/pause");
}

// --- notifier ---------------------------------------------------------------------------------

TEST(NotificationTest, CarriesTheEventsBytesUnchanged) {
    const std::string event =
        R"({"seq":7,"id":"evt_7","type":"stock.low","note":"a \"quoted\" \u00e9"})";
    for (const char* id : {"sub_12", "odd \"id\" \\ with escapes"}) {
        const std::string body = notification_json(id, event);
        auto parsed = parse_notification(body);
        ASSERT_TRUE(parsed.ok()) << body;
        EXPECT_EQ(parsed->subscription_id, id);
        EXPECT_EQ(parsed->event, event);  // byte for byte: a webhook signs what it sends
    }
}

TEST_F(FunctionsTest, NotifierPostsSignedWebhooks) {
    const Subscription hook = subscribe(Protocol::kWebhook, "https://admin.test/hook");
    create("A", 0);
    const Handler notify = make_notifier(*engine_, http_, &mailer_, clock_,
                                         NotifierConfig{"restock@shop.test", 3'000}, log());
    EXPECT_EQ(notify(receive_one(kNotificationsQueue)).settle, HandlerResult::Settle::kAck);

    const auto calls = http_.calls();
    ASSERT_EQ(calls.size(), 1u);
    const HttpCall& call = calls[0];
    const auto events = store_.events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(call.url, "https://admin.test/hook");
    EXPECT_EQ(call.timeout_ms, 3'000);
    EXPECT_EQ(call.body, event_json(events[0]));  // the outbox document, byte for byte
    EXPECT_EQ(header(call, "Content-Type"), "application/json");
    EXPECT_EQ(header(call, "webhook-id"), events[0].id);
    const int64_t timestamp = clock_.now_ms() / 1000;
    EXPECT_EQ(header(call, "webhook-timestamp"), std::to_string(timestamp));
    EXPECT_EQ(header(call, "webhook-signature"),
              webhook_signature(hook.secret, events[0].id, timestamp, call.body));
    EXPECT_TRUE(mailer_.sent().empty());
}

TEST_F(FunctionsTest, NotifierFailsOnAWebhookError) {
    subscribe(Protocol::kWebhook, "https://admin.test/hook");
    create("A", 0);
    const Handler notify =
        make_notifier(*engine_, http_, &mailer_, clock_, NotifierConfig{}, log());
    const QueueMessage m = receive_one(kNotificationsQueue);
    http_.answer(410);
    const HandlerResult r = notify(m);
    EXPECT_EQ(r.settle, HandlerResult::Settle::kFail);
    EXPECT_EQ(r.error, "webhook answered 410");
}

TEST_F(FunctionsTest, NotifierSendsEmail) {
    const Subscription mail = subscribe(Protocol::kEmail, "admin@shop.test");
    create("A", 0);
    const Handler notify = make_notifier(*engine_, http_, &mailer_, clock_,
                                         NotifierConfig{"restock@shop.test", 3'000}, log());
    EXPECT_EQ(notify(receive_one(kNotificationsQueue)).settle, HandlerResult::Settle::kAck);
    const auto sent = mailer_.sent();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].from, "restock@shop.test");
    EXPECT_EQ(sent[0].to, "admin@shop.test");
    EXPECT_EQ(sent[0].subject, "[restock] stock.empty A");
    EXPECT_NE(sent[0].text.find(store_.events()[0].id), std::string::npos);
    EXPECT_NE(sent[0].text.find(event_json(store_.events()[0])), std::string::npos);
    EXPECT_TRUE(http_.calls().empty());
}

TEST_F(FunctionsTest, NotifierEmailFailures) {
    subscribe(Protocol::kEmail, "admin@shop.test");
    create("A", 0);
    const QueueMessage m = receive_one(kNotificationsQueue);
    const HandlerResult unconfigured =
        make_notifier(*engine_, http_, nullptr, clock_, NotifierConfig{}, log())(m);
    EXPECT_EQ(unconfigured.settle, HandlerResult::Settle::kFail);
    EXPECT_NE(unconfigured.error.find("smtp_url"), std::string::npos);
    mailer_.fail_sends();
    const HandlerResult refused =
        make_notifier(*engine_, http_, &mailer_, clock_, NotifierConfig{}, log())(m);
    EXPECT_EQ(refused.settle, HandlerResult::Settle::kFail);
    EXPECT_EQ(refused.error, "smtp said 451");
}

TEST_F(FunctionsTest, NotifierAcksForAGoneSubscriptionAndFailsMalformedOnes) {
    const Subscription hook = subscribe(Protocol::kWebhook, "https://admin.test/hook");
    create("A", 0);
    const QueueMessage m = receive_one(kNotificationsQueue);
    expect_outcome<Done>(run(DeleteSubscription{std::string(kStockEventsTopic), hook.id}));
    const Handler notify =
        make_notifier(*engine_, http_, &mailer_, clock_, NotifierConfig{}, log());
    EXPECT_EQ(notify(m).settle, HandlerResult::Settle::kAck);
    EXPECT_TRUE(http_.calls().empty());

    QueueMessage bad = m;
    const std::string event = parse_notification(m.body)->event;
    const std::string reordered = R"({"event":)" + event + R"(,"subscription_id":"sub_3"})";
    const std::string spaced = R"({"subscription_id": "sub_3", "event": )" + event + "}";
    for (const std::string& body :
         {std::string("nope"), std::string("[]"), std::string(R"({"event":{}})"),
          std::string(R"({"subscription_id":1,"event":{}})"),
          std::string(R"({"subscription_id":"sub_3","event":{"id":"x"}})"), reordered, spaced}) {
        bad.body = body;
        EXPECT_EQ(notify(bad).settle, HandlerResult::Settle::kFail) << body;
    }
}

}  // namespace
}  // namespace restock::testing
