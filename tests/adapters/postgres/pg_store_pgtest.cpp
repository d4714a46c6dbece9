// PgStore on a real PostgreSQL 15, beyond the contract every store meets: migrations when
// nodes start together, the writer lease and its fencing, connections that die, notifications,
// and error messages that never show a password.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "adapters/postgres/pg_listener.h"
#include "adapters/postgres/pg_schema.h"
#include "adapters/postgres/pg_store.h"
#include "adapters/postgres/pg_test_cluster.h"
#include "app/engine_test_support.h"
#include "ports/store_records.h"

namespace restock::testing {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<pg::PgStore> open_store(const std::string& url, const std::string& name = "node") {
    auto store = pg::PgStore::open({url, name});
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store.ok() ? std::move(store.value()) : nullptr;
}

std::string database_of(const std::string& url) { return url.substr(url.rfind('/') + 1); }

// A batch that creates product `sku` with one movement `id`.
WriteBatch create_product(int64_t id, const std::string& sku) {
    WriteBatch batch;
    Product p = make_product(id, sku, 5, 1);
    p.last_movement_id = id;
    batch.products = {p};
    batch.movements = {make_movement(id, p, 0, 5, 5, MovementKind::kInitial)};
    return batch;
}

class PgStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        url_ = PgTestCluster::get().create_database();
        db_ = database_of(url_);
    }
    std::string sql(const std::string& query) { return PgTestCluster::get().query(db_, query); }

    std::string url_;
    std::string db_;
};

TEST_F(PgStoreTest, NodesStartingTogetherMigrateOnce) {
    constexpr int kNodes = 6;
    std::vector<std::future<bool>> opened;
    for (int i = 0; i < kNodes; ++i) {
        opened.push_back(std::async(std::launch::async, [this, i] {
            auto store = pg::PgStore::open({url_, "node-" + std::to_string(i)});
            if (!store) ADD_FAILURE() << store.error().message;
            return store.ok();
        }));
    }
    for (auto& f : opened) EXPECT_TRUE(f.get());
    // Each version applied once.
    EXPECT_EQ(sql("SELECT count(*) FROM restock_schema"), std::to_string(pg::kSchemaVersion));
    EXPECT_EQ(sql("SELECT max(version) FROM restock_schema"), std::to_string(pg::kSchemaVersion));
    EXPECT_EQ(sql("SELECT count(*) FROM meta WHERE key = 'database_id'"), "1");
}

TEST_F(PgStoreTest, ANewerSchemaIsRefused) {
    ASSERT_NE(open_store(url_), nullptr);
    sql("INSERT INTO restock_schema(version) VALUES (99)");
    auto store = pg::PgStore::open({url_, "node"});
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().slug, "schema-too-new");
}

// A database of schema 5 keeps its keys and from then on lets a revoked key's name go to a new
// key (schema 6); a live key's name stays taken.
TEST_F(PgStoreTest, MigratesSchemaFiveKeysToNamesUniqueAmongLiveKeys) {
    {
        auto store = open_store(url_);
        ASSERT_NE(store, nullptr);
        ASSERT_TRUE(store->create_key({0, "ops", "admin", "hash-1", 10, std::nullopt}).ok());
        ASSERT_TRUE(store->create_key({0, "shop", "storefront", "hash-2", 11, std::nullopt}).ok());
        ASSERT_TRUE(store->revoke_key("ops", 20).ok());
    }
    // Back to schema 5's table: every name unique, revoked or not.
    sql("DROP INDEX api_keys_live_name");
    sql("ALTER TABLE api_keys ADD CONSTRAINT api_keys_name_key UNIQUE (name)");
    // ... and without what later versions added, so every migration from 6 on runs again.
    sql("DROP TABLE sessions");
    sql("DROP INDEX events_alarms");
    sql("DROP TABLE replenishment_state");
    sql("ALTER TABLE products DROP COLUMN fill_rate_ppm");
    sql("DELETE FROM restock_schema WHERE version >= 6");
    EXPECT_EQ(sql("SELECT count(*) FROM pg_constraint WHERE conname = 'api_keys_name_key'"), "1");

    auto store = open_store(url_);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(sql("SELECT max(version) FROM restock_schema"), std::to_string(pg::kSchemaVersion));
    EXPECT_EQ(sql("SELECT count(*) FROM pg_constraint WHERE conname = 'api_keys_name_key'"), "0");
    const auto listed = store->list_keys().value();
    ASSERT_EQ(listed.size(), 2u);
    EXPECT_EQ(listed[0].hash, "hash-1");
    EXPECT_EQ(listed[0].revoked_at_ms, 20);
    EXPECT_FALSE(listed[1].revoked_at_ms);
    auto reused = store->create_key({0, "ops", "factory", "hash-3", 30, std::nullopt});
    ASSERT_TRUE(reused.ok()) << reused.error().message;
    EXPECT_EQ(store->create_key({0, "ops", "admin", "hash-4", 31, std::nullopt}).error().slug,
              "key-exists");
    EXPECT_EQ(store->create_key({0, "shop", "admin", "hash-5", 32, std::nullopt}).error().slug,
              "key-exists");
}

TEST_F(PgStoreTest, OnlyTheLeaseHolderWritesAndALostLeaseIsFenced) {
    auto a = open_store(url_, "a");
    auto b = open_store(url_, "b");
    ASSERT_TRUE(a && b);
    // Nobody holds the lease: nobody writes.
    EXPECT_EQ(a->write(create_product(1, "X")).error().code, ErrorCode::kStoreLost);

    auto taken = a->try_acquire("node-a", "http://a.test", 60'000);
    ASSERT_TRUE(taken.ok()) << taken.error().message;
    ASSERT_TRUE(taken.value());
    const int64_t first = *taken.value();
    EXPECT_FALSE(b->try_acquire("node-b", "http://b.test", 60'000).value());
    const LeaseHolder holder = b->holder().value();
    EXPECT_EQ(holder.generation, first);
    EXPECT_EQ(holder.node_id, "node-a");
    EXPECT_EQ(holder.node_url, "http://a.test");
    EXPECT_TRUE(holder.live);
    ASSERT_TRUE(a->write(create_product(1, "A1")).ok());
    EXPECT_TRUE(a->renew(60'000).value());

    // b takes over once a lets go; a's next commit is refused and leaves nothing behind.
    ASSERT_TRUE(a->release().ok());
    EXPECT_FALSE(b->holder().value().live);
    const auto second = b->try_acquire("node-b", "http://b.test", 60'000).value();
    ASSERT_TRUE(second);
    EXPECT_EQ(*second, first + 1);
    ASSERT_TRUE(b->write(create_product(2, "B2")).ok());
    // a cannot take it back while b holds it, nor renew what it gave up.
    EXPECT_EQ(a->try_acquire("node-a", "http://a.test", 60'000).value(), std::nullopt);
    EXPECT_FALSE(a->renew(60'000).value());
    EXPECT_EQ(a->write(create_product(3, "A3")).error().code, ErrorCode::kStoreLost);
    EXPECT_EQ(sql("SELECT count(*) FROM products"), "2");
}

TEST_F(PgStoreTest, AStaleWriterIsFencedEvenIfItStillThinksItHoldsTheLease) {
    auto a = open_store(url_, "a");
    auto b = open_store(url_, "b");
    ASSERT_TRUE(a->try_acquire("node-a", "http://a.test", 200).value());
    ASSERT_TRUE(a->write(create_product(1, "A1")).ok());
    std::this_thread::sleep_for(300ms);  // a's lease expires; a does not renew (it is paused)
    ASSERT_TRUE(b->try_acquire("node-b", "http://b.test", 60'000).value());
    const Status stale = a->write(create_product(2, "STALE"));
    ASSERT_FALSE(stale.ok());
    EXPECT_EQ(stale.error().code, ErrorCode::kStoreLost);
    EXPECT_NE(stale.error().message.find("no longer holds the writer lease"), std::string::npos)
        << stale.error().message;
    EXPECT_EQ(sql("SELECT count(*) FROM products WHERE sku = 'STALE'"), "0");
    // It knows now: no further write is even tried.
    EXPECT_EQ(a->write(create_product(3, "STALE2")).error().code, ErrorCode::kStoreLost);
    EXPECT_TRUE(b->write(create_product(2, "B2")).ok());
}

// The fence's share lock makes a node taking over wait for the commit in progress, so no
// commit of the old holder can land after the new one has loaded its snapshot.
TEST_F(PgStoreTest, ATakeOverWaitsForTheCommitInProgress) {
    auto a = open_store(url_, "a");
    auto b = open_store(url_, "b");
    const int64_t generation = *a->try_acquire("node-a", "http://a.test", 100).value();
    // a's group commit, stopped after its fence: a transaction holding the lock.
    PGconn* raw = PQconnectdb(url_.c_str());
    ASSERT_EQ(PQstatus(raw), CONNECTION_OK);
    PQclear(PQexec(raw, "BEGIN"));
    PGresult* fenced =
        PQexec(raw, ("SELECT restock_fence(" + std::to_string(generation) + ")").c_str());
    ASSERT_EQ(PQresultStatus(fenced), PGRES_TUPLES_OK) << PQresultErrorMessage(fenced);
    PQclear(fenced);
    std::this_thread::sleep_for(200ms);  // the lease has expired meanwhile

    auto take_over = std::async(std::launch::async,
                                [&] { return b->try_acquire("node-b", "http://b.test", 60'000); });
    EXPECT_EQ(take_over.wait_for(300ms), std::future_status::timeout);
    PQclear(PQexec(raw, "COMMIT"));
    auto taken = take_over.get();
    ASSERT_TRUE(taken.ok()) << taken.error().message;
    EXPECT_EQ(*taken.value(), generation + 1);
    PQfinish(raw);
}

TEST_F(PgStoreTest, AWriterWhoseSessionIsCutReconnectsAndLosesNothingAcknowledged) {
    auto store = open_store(url_, "cut");
    ASSERT_TRUE(store->try_acquire("node", "http://n.test", 60'000).value());
    ASSERT_TRUE(store->write(create_product(1, "BEFORE")).ok());
    sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = 'cut writer'");
    std::this_thread::sleep_for(100ms);
    // The next commit finds the connection gone. Sent whole, its outcome is unknown to the
    // writer (kStoreLost), which must reload; here the server never saw it.
    const Status lost = store->write(create_product(2, "DURING"));
    ASSERT_FALSE(lost.ok());
    EXPECT_TRUE(lost.error().code == ErrorCode::kStoreLost ||
                lost.error().code == ErrorCode::kUnavailable)
        << lost.error().message;
    auto snapshot = store->load();  // a new engine's load reconnects
    ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
    ASSERT_EQ(snapshot->products.size(), 1u);
    EXPECT_EQ(snapshot->products[0].sku, "BEFORE");
    ASSERT_TRUE(store->write(create_product(2, "AFTER")).ok());
    EXPECT_EQ(sql("SELECT string_agg(sku, ',' ORDER BY id) FROM products"), "BEFORE,AFTER");
}

// Issue 16, item 9: a writer that stops with a run of the checkout index half written leaves
// slices behind; the next writer writes that run again from its start (the stale slices would
// clash with its own), and every order is found.
TEST_F(PgStoreTest, ANewWriterRewritesTheRunItsPredecessorLeftHalfWritten) {
    EngineOptions small;
    small.checkout_run_entries = 8;
    small.checkout_slice_entries = 1;
    FakeClock clock;
    {
        auto store = open_store(url_, "first");
        ASSERT_TRUE(store->try_acquire("first", "http://first.test", 60'000).value());
        auto engine = StockEngine::start(*store, clock, small);
        ASSERT_TRUE(engine.ok()) << engine.error().message;
        ensure_factory(*engine.value());
        ASSERT_TRUE(std::holds_alternative<ProductOutcome>(
            testing::run(*engine.value(), new_product("A", 100, 0))));
        // One checkout per commit: the 8th makes a run due, and each commit after it writes
        // two of its entries (twice what came in), so after 10, and the engine's last batch as
        // it stops (the learned state), the run is 6 of 10 on disk.
        for (int i = 0; i < 10; ++i) {
            ASSERT_TRUE(std::holds_alternative<CheckoutOutcome>(testing::run(
                *engine.value(), checkout("o-" + std::to_string(i), {{"A", 1 + i % 2}}))));
        }
        engine.value().reset();
        EXPECT_EQ(sql("SELECT count(*) FROM checkout_index_runs"), "0");
        EXPECT_EQ(sql("SELECT count(*) FROM checkout_index WHERE run = 1"), "6");
        ASSERT_TRUE(store->release().ok());
    }
    auto store = open_store(url_, "second");
    ASSERT_TRUE(store->try_acquire("second", "http://second.test", 60'000).value());
    auto engine = StockEngine::start(*store, clock, small);  // writes the whole run at once
    ASSERT_TRUE(engine.ok()) << engine.error().message;
    EXPECT_EQ(sql("SELECT string_agg(run || ':' || through, ',') FROM checkout_index_runs"),
              "1:11");
    EXPECT_EQ(sql("SELECT count(*) FROM checkout_index WHERE run = 1"), "10");
    for (int i = 0; i < 10; ++i) {
        const Outcome o =
            testing::run(*engine.value(), ReleaseRequest{"o-" + std::to_string(i), {}});
        const auto* released = std::get_if<ReleaseOutcome>(&o);
        ASSERT_NE(released, nullptr) << describe(o);
        EXPECT_EQ(released->lines.at(0).released_now, 1 + i % 2) << i;
    }
    EXPECT_EQ(sql("SELECT on_hand FROM products WHERE sku = 'A'"), "100");
}

TEST_F(PgStoreTest, AReaderWhoseSessionIsCutReadsAgainOnANewOne) {
    auto store = open_store(url_, "reads");
    ASSERT_TRUE(store->try_acquire("node", "http://n.test", 60'000).value());
    ASSERT_TRUE(store->write(create_product(1, "R")).ok());
    auto reader = store->open_reader();
    ASSERT_TRUE(reader.ok());
    ASSERT_TRUE(reader.value()->product("R").value());
    sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = 'reads reader'");
    std::this_thread::sleep_for(100ms);
    auto again = reader.value()->product("R");
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_TRUE(again.value());
}

TEST_F(PgStoreTest, CommitsWithDeliverableMessagesNotifyListeners) {
    auto store = open_store(url_, "notify");
    ASSERT_TRUE(store->try_acquire("node", "http://n.test", 60'000).value());
    std::mutex mutex;
    std::vector<std::string> heard;
    pg::PgListener listener({url_, "listener"}, {"restock_queues"},
                            [&](const std::string& channel, const std::string& payload) {
                                std::lock_guard lock(mutex);
                                heard.push_back(channel + ":" + payload);
                            });
    auto heard_now = [&] {
        std::lock_guard lock(mutex);
        return heard;
    };
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (heard_now().empty() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);
    }
    ASSERT_EQ(heard_now(), std::vector<std::string>{":"});  // connected: look at everything

    WriteBatch batch;
    batch.queues.policies = {QueuePolicy{"restock-orders", "", 4, 30'000, 200, 60'000}};
    QueueMessage m;
    m.id = 1;
    m.queue = "restock-orders";
    m.body = "{}";
    batch.queues.upserted = {m};
    ASSERT_TRUE(store->write(batch).ok());
    while (heard_now().size() < 2 && std::chrono::steady_clock::now() < deadline + 5s) {
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(heard_now(), (std::vector<std::string>{":", "restock_queues:restock-orders"}));
}

// Issue 16, item 15: a URL given with a trailing slash means the same database (libpq alone
// would look for a database named "db/").
TEST_F(PgStoreTest, AStoreUrlWithATrailingSlashOpensTheSameDatabase) {
    {
        auto store = open_store(url_);
        ASSERT_NE(store, nullptr);
        ASSERT_TRUE(store->create_key({0, "ops", "admin", "hash-1", 10, std::nullopt}).ok());
    }
    for (const std::string& url : {url_ + "/", url_ + "//", url_ + "/?connect_timeout=3"}) {
        auto store = open_store(url);
        ASSERT_NE(store, nullptr) << url;
        const auto listed = store->list_keys();
        ASSERT_TRUE(listed.ok()) << listed.error().message;
        ASSERT_EQ(listed->size(), 1u) << url;
        EXPECT_EQ(store->target(), pg::describe_target(url_)) << url;
    }
    EXPECT_EQ(pg::describe_target("postgresql://u:secret@h:5433/db/"), "h:5433/db as u");
    EXPECT_EQ(pg::describe_target("postgresql://u@h:5433/"), "h:5433 as u");
}

TEST_F(PgStoreTest, ConnectionErrorsSayWhatFailedAndNeverShowThePassword) {
    const std::string& admin = PgTestCluster::get().admin_url();
    const std::string password =
        admin.substr(admin.find(':', 13) + 1, admin.find('@') - admin.find(':', 13) - 1);
    ASSERT_GE(password.size(), 16u);

    auto bad_url = pg::PgStore::open({"postgresql://[oops", "node"});
    ASSERT_FALSE(bad_url.ok());
    EXPECT_EQ(bad_url.error().code, ErrorCode::kInvalidArgument);
    // libpq's own parse errors quote what they parse: the password never gets through.
    for (const std::string& bad :
         {"postgresql://u:" + password + "@[oops", "postgresql://u:" + password + "@h/d?x=1",
          "host=h " + password + " password=" + password}) {
        const Status refused = pg::check_url(bad);
        ASSERT_FALSE(refused.ok()) << bad;
        EXPECT_EQ(refused.error().message.find(password), std::string::npos)
            << refused.error().message;
    }

    std::string wrong = url_;
    wrong.replace(wrong.find(password), password.size(), "not-the-password-" + password);
    auto login = pg::PgStore::open({wrong, "node"});
    ASSERT_FALSE(login.ok());
    EXPECT_NE(login.error().message.find("password authentication failed"), std::string::npos)
        << login.error().message;
    EXPECT_EQ(login.error().message.find(password), std::string::npos);

    std::string closed = url_;
    const auto port_at = closed.rfind(':');
    closed.replace(port_at + 1, closed.rfind('/') - port_at - 1, "1");
    auto unreachable = pg::PgStore::open({closed, "node"});
    ASSERT_FALSE(unreachable.ok());
    EXPECT_EQ(unreachable.error().slug, "store-unreachable");
    EXPECT_NE(unreachable.error().message.find("127.0.0.1:1"), std::string::npos)
        << unreachable.error().message;
    EXPECT_EQ(unreachable.error().message.find(password), std::string::npos);
    EXPECT_EQ(unreachable.error().message.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace restock::testing
