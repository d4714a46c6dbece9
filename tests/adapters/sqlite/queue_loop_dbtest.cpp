// The restock loop's durable state on a real SQLite file: queue message ids are never handed out
// twice (regression, commit c1aa676), and messages, orders and policies survive reopening.
#include <gtest/gtest.h>

#include "adapters/sqlite/sqlite_test_support.h"
#include "app/engine_test_support.h"
#include "app/event_json.h"

namespace restock::testing {
namespace {

class QueueLoopDbTest : public ::testing::Test {
  protected:
    void SetUp() override { open(); }
    void TearDown() override { close(); }

    void open() {
        store_ = open_store(path_);
        ASSERT_NE(store_, nullptr);
        auto engine = StockEngine::start(*store_, clock_);
        ASSERT_TRUE(engine.ok()) << engine.error().message;
        engine_ = std::move(engine.value());
        ensure_factory(*engine_);
    }
    void close() {
        engine_.reset();
        store_.reset();
    }
    void reopen() {
        close();
        open();
    }
    Outcome run(Command command) { return testing::run(*engine_, std::move(command)); }

    // A product created low: one stock.low message on restock-orders.
    void create_low(const std::string& sku) {
        expect_outcome<ProductOutcome>(run(new_product(sku, 1, /*reorder_point=*/5)));
    }
    std::vector<QueueMessage> receive(const std::string& queue) {
        return expect_outcome<MessagesOutcome>(run(QueueReceive{queue, 100})).messages;
    }
    std::vector<QueueMessage> peek(const std::string& queue) {
        return expect_outcome<MessagesOutcome>(run(QueuePeek{queue, 100})).messages;
    }

    TempDir dir_;
    const std::string path_ = dir_.file("restock.db");
    FakeClock clock_;
    std::unique_ptr<sqlite::SqliteStore> store_;
    std::unique_ptr<StockEngine> engine_;
};

TEST_F(QueueLoopDbTest, MessageIdsAreNotReusedAfterEveryMessageWasAcked) {
    create_low("A");
    create_low("B");
    const auto first = receive(kRestockOrdersQueue);
    ASSERT_EQ(first.size(), 2u);
    for (const auto& m : first) expect_outcome<Done>(run(QueueAck{m.id, m.receive_count}));
    ASSERT_EQ(query_integer(path_, "SELECT count(*) FROM queue_messages"), 0);
    const int64_t highest = first.back().id;

    reopen();
    create_low("C");
    const auto next = peek(kRestockOrdersQueue);
    ASSERT_EQ(next.size(), 1u);
    EXPECT_EQ(next[0].id, highest + 1);

    // Twice over: the mark itself survives another empty reopen.
    expect_outcome<Done>(run(QueueAck{receive(kRestockOrdersQueue)[0].id, 1}));
    reopen();
    reopen();
    create_low("D");
    EXPECT_EQ(peek(kRestockOrdersQueue).at(0).id, highest + 2);
}

TEST_F(QueueLoopDbTest, DeadLetteredIdsAreNotReusedEither) {
    QueuePolicyPatch patch;
    patch.queue = kRestockOrdersQueue;
    patch.max_receive_count = 1;
    expect_outcome<QueuesOutcome>(run(patch));
    create_low("A");
    const QueueMessage m = receive(kRestockOrdersQueue).at(0);
    expect_outcome<Done>(run(QueueFail{m.id, 1, "factory down"}));
    const QueueMessage dead = peek("stock-empty-dlq").at(0);
    EXPECT_GT(dead.id, m.id);
    expect_outcome<CountOutcome>(run(QueuePurge{"stock-empty-dlq"}));

    reopen();
    create_low("B");
    EXPECT_EQ(peek(kRestockOrdersQueue).at(0).id, dead.id + 1);
}

TEST(QueueMarkDbTest, LoadReportsTheHighWaterMarkNotTheHighestRemainingId) {
    TempDir dir;
    const std::string path = dir.file("restock.db");
    auto store = open_store(path);
    ASSERT_NE(store, nullptr);
    WriteBatch queues;
    QueuePolicy policy;
    policy.name = "q";
    queues.queues.policies = {policy};
    for (int64_t id : {3, 9}) {
        QueueMessage m;
        m.id = id;
        m.queue = "q";
        m.body = "body " + std::to_string(id);
        queues.queues.upserted.push_back(m);
    }
    ASSERT_TRUE(store->commit(queues).ok());
    WriteBatch acks;
    acks.queues.deleted = {9};
    ASSERT_TRUE(store->commit(acks).ok());
    // A lower id written later must not lower the mark.
    WriteBatch lower;
    QueueMessage old;
    old.id = 4;
    old.queue = "q";
    lower.queues.upserted = {old};
    ASSERT_TRUE(store->commit(lower).ok());

    store.reset();
    store = open_store(path);
    ASSERT_NE(store, nullptr);
    auto snapshot = store->load();
    ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
    EXPECT_EQ(snapshot->last_message_id, 9);
    ASSERT_EQ(snapshot->queue_messages.size(), 2u);
}

TEST_F(QueueLoopDbTest, InFlightMessagesAreRedeliveredAfterReopening) {
    create_low("A");
    const QueueMessage m = receive(kRestockOrdersQueue).at(0);
    ASSERT_EQ(query_integer(path_, "SELECT in_flight FROM queue_messages"), 1);

    reopen();
    const auto again = receive(kRestockOrdersQueue);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].id, m.id);
    EXPECT_EQ(again[0].body, m.body);
    EXPECT_EQ(again[0].receive_count, 2);
}

TEST_F(QueueLoopDbTest, OrdersDlqAndPoliciesSurviveReopening) {
    Factory factory;
    factory.id = "factory-1";
    factory.url = "http://factory.test";
    expect_outcome<FactoriesOutcome>(run(PutFactory{factory}));
    QueuePolicyPatch patch;
    patch.queue = kRestockOrdersQueue;
    patch.max_receive_count = 2;
    patch.visibility_timeout_ms = 7'000;
    expect_outcome<QueuesOutcome>(run(patch));
    create_low("A");
    QueueMessage m = receive(kRestockOrdersQueue).at(0);
    const OrderOutcome placed =
        expect_outcome<OrderOutcome>(run(PlaceRestockOrder{"A", "evt", m.id}));
    ASSERT_TRUE(placed.order);
    expect_outcome<Done>(run(CompleteDispatch{"ro_1", false, "HTTP 500", m.id, 1}));

    reopen();
    const auto orders = expect_outcome<OrdersOutcome>(run(GetRestockOrders{"ro_1", 1, ""}));
    ASSERT_EQ(orders.orders.size(), 1u);
    EXPECT_EQ(orders.orders[0].status, OrderStatus::kSent);
    EXPECT_EQ(orders.orders[0].last_error, "HTTP 500");
    EXPECT_EQ(orders.orders[0].attempts, 1);
    const auto queues = expect_outcome<QueuesOutcome>(run(QueueList{}));
    for (const auto& q : queues.queues) {
        if (q.policy.name != kRestockOrdersQueue) continue;
        EXPECT_EQ(q.policy.max_receive_count, 2);
        EXPECT_EQ(q.policy.visibility_timeout_ms, 7'000);
    }

    clock_.advance(60'000);
    m = receive(kRestockOrdersQueue).at(0);
    EXPECT_EQ(m.receive_count, 2);
    expect_outcome<Done>(run(CompleteDispatch{"ro_1", false, "HTTP 502", m.id, 2}));
    reopen();
    const auto dead = peek("stock-empty-dlq");
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_EQ(dead[0].last_error, "HTTP 502");
    EXPECT_EQ(dead[0].source_queue, kRestockOrdersQueue);
    EXPECT_EQ(expect_outcome<OrdersOutcome>(run(GetRestockOrders{"ro_1", 1, ""})).orders[0].status,
              OrderStatus::kFailed);
    auto reader = open_reader(*store_);
    EXPECT_EQ(reader->product("A").value()->on_order, 0);
}

}  // namespace
}  // namespace restock::testing
