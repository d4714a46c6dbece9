// SqliteStore on a real file: schema migration, atomic group commits, load, and API keys.
#include <gtest/gtest.h>

#include <algorithm>

#include "adapters/sqlite/schema.h"
#include "adapters/sqlite/sqlite_store.h"
#include "adapters/sqlite/sqlite_test_support.h"

namespace restock::testing {
namespace {

class SqliteStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        path_ = dir_.file("restock.db");
        store_ = open_store(path_);
        ASSERT_NE(store_, nullptr);
    }
    void reopen() {
        store_.reset();
        store_ = open_store(path_);
        ASSERT_NE(store_, nullptr);
    }

    // Two products, three movements, two events, one idempotency record, one receipt.
    WriteBatch sample_batch() {
        WriteBatch batch;
        Product a = make_product(1, "A", 7, 2);
        a.settings.order_up_to = 40;
        a.settings.min_order_qty = 3;
        a.settings.pack_size = 6;
        a.settings.ad_id = "ad-1";
        a.signal = StockSignal::kLow;
        a.on_order = 12;
        a.reserved = 1;
        a.last_movement_id = 3;
        Product b = make_product(2, "B", 0, 0);
        b.last_movement_id = 2;
        b.signal = StockSignal::kEmpty;
        batch.movements = {make_movement(1, a, 0, 10, 10, MovementKind::kInitial),
                           make_movement(2, b, 0, 0, 0, MovementKind::kAdjustment),
                           make_movement(3, a, 1, -3, 7)};
        batch.products = {a, b};
        batch.events = {make_event(1, "A", EventType::kStockLow),
                        make_event(2, "B", EventType::kStockEmpty)};
        batch.idempotency = {idempotency_record("shop", "key-1", "fp", 201, "{\"ok\":true}", 5)};
        batch.receipts = {receipt_record(1, "ship-1", 10, 1)};
        return batch;
    }

    TempDir dir_;
    std::string path_;
    std::unique_ptr<sqlite::SqliteStore> store_;
};

ApiKeyRecord key_record(std::string name, std::string role, std::string hash) {
    ApiKeyRecord r;
    r.name = std::move(name);
    r.role = std::move(role);
    r.hash = std::move(hash);
    r.created_at_ms = 42;
    return r;
}

// What schemas 8 and 9 added: dashboard sessions and the alarm events' index; products' fill
// rate and the learned replenishment state.
constexpr const char* kBeforeVersion9 =
    "DROP TABLE sessions;"
    "DROP INDEX events_alarms;"
    "ALTER TABLE products DROP COLUMN fill_rate_ppm;"
    "DROP TABLE replenishment_state;";

// The api_keys table as schema 6 and before made it: every name unique, revoked or not.
constexpr const char* kApiKeysBeforeVersion7 =
    "DROP INDEX api_keys_live_name;"
    "CREATE TABLE api_keys_old (id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE,"
    " name TEXT NOT NULL UNIQUE, role TEXT NOT NULL, created_at INTEGER NOT NULL,"
    " revoked_at INTEGER);"
    "INSERT INTO api_keys_old SELECT * FROM api_keys;"
    "DROP TABLE api_keys;"
    "ALTER TABLE api_keys_old RENAME TO api_keys;";

TEST_F(SqliteStoreTest, MigratingTwiceIsIdempotent) {
    auto first = store_->load();
    ASSERT_TRUE(first.ok()) << first.error().message;
    EXPECT_EQ(first->database_id.size(), 12u);  // hex of 6 random bytes
    ASSERT_TRUE(store_->commit(sample_batch()).ok());
    store_.reset();
    const int64_t meta_rows = query_integer(path_, "SELECT count(*) FROM meta");
    const int64_t tables =
        query_integer(path_, "SELECT count(*) FROM sqlite_master WHERE type = 'table'");

    auto db = sqlite::Connection::open(path_, false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(sqlite::migrate(*db.value()).ok());
    ASSERT_TRUE(sqlite::migrate(*db.value()).ok());
    db.value().reset();

    reopen();
    auto again = store_->load();
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(again->database_id, first->database_id);  // fixed at creation
    EXPECT_EQ(again->products.size(), 2u);              // data untouched
    EXPECT_EQ(query_integer(path_, "SELECT count(*) FROM meta"), meta_rows);
    EXPECT_EQ(query_integer(path_, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"),
              tables);
    EXPECT_EQ(query_integer(path_, "SELECT value FROM meta WHERE key = 'schema_version'"),
              sqlite::kSchemaVersion);
}

TEST_F(SqliteStoreTest, RefusesANewerSchema) {
    store_.reset();
    {
        auto db = sqlite::Connection::open(path_, false);
        ASSERT_TRUE(db.ok());
        ASSERT_TRUE(
            db.value()->exec("UPDATE meta SET value = '99' WHERE key = 'schema_version'").ok());
    }
    auto store = sqlite::SqliteStore::open(path_);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().slug, "schema-too-new");
}

RestockOrder open_order(std::string id, int64_t product_id, std::string sku) {
    RestockOrder order;
    order.id = std::move(id);
    order.product_id = product_id;
    order.sku = std::move(sku);
    order.qty = 10;
    order.factory_id = "f1";
    order.trigger_event_id = "evt";
    order.created_at_ms = 1;
    order.updated_at_ms = 1;
    return order;
}

// A data dir written by a restock of schema 1 (no dispatch holds on orders, no one-open-order
// index) is brought to the current schema at open, its orders kept.
TEST_F(SqliteStoreTest, MigratesASchemaOneFile) {
    WriteBatch batch = sample_batch();
    batch.orders = {open_order("ro_1", 1, "A")};
    ASSERT_TRUE(store_->commit(batch).ok());
    store_.reset();
    {
        auto db = sqlite::Connection::open(path_, false);
        ASSERT_TRUE(db.ok());
        ASSERT_TRUE(db.value()
                        ->exec("DROP INDEX restock_orders_one_open;"
                               "ALTER TABLE restock_orders DROP COLUMN dispatch_message_id;"
                               "ALTER TABLE restock_orders DROP COLUMN dispatch_until;"
                               "ALTER TABLE idempotency DROP COLUMN request_id;"
                               "DROP TABLE reservations;"
                               "DROP TABLE checkout_index;"
                               "DROP TABLE checkout_index_runs;"
                               "ALTER TABLE products DROP COLUMN replenishment;"
                               "ALTER TABLE products DROP COLUMN archived_at;"
                               "ALTER TABLE factories DROP COLUMN lead_time_days;"
                               "UPDATE meta SET value = '1' WHERE key = 'schema_version'")
                        .ok());
        ASSERT_TRUE(db.value()->exec(kBeforeVersion9).ok());
        ASSERT_TRUE(db.value()->exec(kApiKeysBeforeVersion7).ok());
        ASSERT_TRUE(db.value()
                        ->exec("INSERT INTO api_keys(hash, name, role, created_at, revoked_at) "
                               "VALUES ('hash-1', 'ops', 'admin', 1, 2)")
                        .ok());
    }
    reopen();
    EXPECT_EQ(query_integer(path_, "SELECT value FROM meta WHERE key = 'schema_version'"),
              sqlite::kSchemaVersion);
    auto snapshot = store_->load();
    ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
    ASSERT_EQ(snapshot->orders.size(), 1u);
    EXPECT_EQ(snapshot->orders[0].id, "ro_1");
    EXPECT_EQ(snapshot->orders[0].dispatch_message_id, 0);
    // Checkouts from before the checkout index: all in its tail, for the engine to index.
    std::size_t checkouts = 0;
    for (const auto& m : batch.movements) checkouts += m.kind == MovementKind::kCheckout;
    EXPECT_GT(checkouts, 0u);
    EXPECT_EQ(snapshot->checkout_index.runs, 0);
    EXPECT_EQ(snapshot->checkout_tail.size(), checkouts);
    // Products from before replenishment modes and archiving: replenished, not archived.
    ASSERT_FALSE(snapshot->products.empty());
    for (const auto& p : snapshot->products) {
        EXPECT_EQ(p.settings.replenishment, ReplenishmentMode::kFixed) << p.sku;
        EXPECT_FALSE(p.archived()) << p.sku;
    }
    // The index is there again: a second open order for A is refused.
    WriteBatch second;
    second.orders = {open_order("ro_2", 1, "A")};
    EXPECT_FALSE(store_->commit(second).ok());
    // The key is kept, and its revoked name is free for a new one.
    ASSERT_EQ(store_->list_keys()->size(), 1u);
    EXPECT_EQ(store_->list_keys()->front().revoked_at_ms, 2);
    EXPECT_TRUE(store_->create_key(key_record("ops", "admin", "hash-2")).ok());
}

TEST_F(SqliteStoreTest, OneOpenRestockOrderPerProductAndDispatchHoldsKept) {
    ASSERT_TRUE(store_->commit(sample_batch()).ok());
    RestockOrder first = open_order("ro_1", 1, "A");
    first.dispatch_message_id = 7;
    first.dispatch_until_ms = 12345;
    WriteBatch batch;
    batch.orders = {first};
    ASSERT_TRUE(store_->commit(batch).ok());

    WriteBatch second;
    second.orders = {open_order("ro_2", 1, "A")};
    const Status refused = store_->commit(second);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);

    // Closing the first and opening the next in one batch, in that order, is fine; so is an
    // open order of another product.
    first.status = OrderStatus::kCancelled;
    WriteBatch replace;
    replace.orders = {first, open_order("ro_2", 1, "A"), open_order("ro_3", 2, "B")};
    ASSERT_TRUE(store_->commit(replace).ok());

    auto snapshot = store_->load();
    ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
    ASSERT_EQ(snapshot->orders.size(), 3u);
    const auto ro_1 = std::find_if(snapshot->orders.begin(), snapshot->orders.end(),
                                   [](const RestockOrder& o) { return o.id == "ro_1"; });
    ASSERT_NE(ro_1, snapshot->orders.end());
    EXPECT_EQ(ro_1->status, OrderStatus::kCancelled);
    EXPECT_EQ(ro_1->dispatch_message_id, 7);
    EXPECT_EQ(ro_1->dispatch_until_ms, 12345);
}

// Mode auto's fill rate and what replenishment learned come back at the next start; a learned
// record is replaced by the next of the same scope and key.
TEST_F(SqliteStoreTest, KeepsFillRatesAndLearnedState) {
    WriteBatch batch = sample_batch();
    batch.products[0].settings.replenishment = ReplenishmentMode::kAuto;
    batch.products[0].settings.fill_rate = 0.975;
    batch.learned = {LearnedRecord{kLearnedProduct, "1", "v1 first", 5},
                     LearnedRecord{kLearnedFactory, "f1", "v1 factory", 6}};
    ASSERT_TRUE(store_->commit(batch).ok());
    WriteBatch next;
    next.learned = {LearnedRecord{kLearnedProduct, "1", "v1 second", 7}};
    ASSERT_TRUE(store_->commit(next).ok());
    reopen();
    auto snapshot = store_->load();
    ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
    EXPECT_EQ(snapshot->products[0].settings.replenishment, ReplenishmentMode::kAuto);
    EXPECT_DOUBLE_EQ(snapshot->products[0].settings.fill_rate, 0.975);
    EXPECT_EQ(snapshot->products[1].settings.fill_rate, 0);
    ASSERT_EQ(snapshot->learned.size(), 2u);
    EXPECT_EQ(snapshot->learned[0].scope, "factory");
    EXPECT_EQ(snapshot->learned[0].state, "v1 factory");
    EXPECT_EQ(snapshot->learned[1].key, "1");
    EXPECT_EQ(snapshot->learned[1].state, "v1 second");
    EXPECT_EQ(snapshot->learned[1].updated_at_ms, 7);
    auto reader = store_->open_reader();
    ASSERT_TRUE(reader.ok());
    auto read = reader.value()->product("A");
    ASSERT_TRUE(read.ok() && read.value());
    EXPECT_DOUBLE_EQ(read.value()->settings.fill_rate, 0.975);
}

TEST_F(SqliteStoreTest, EmptyStoreLoadsNothing) {
    auto snapshot = store_->load();
    ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
    EXPECT_TRUE(snapshot->products.empty());
    EXPECT_EQ(snapshot->last_movement_id, 0);
    EXPECT_EQ(snapshot->last_event_seq, 0);
}

TEST_F(SqliteStoreTest, CommitThenLoadReturnsTheSameState) {
    const WriteBatch batch = sample_batch();
    ASSERT_TRUE(store_->commit(batch).ok());
    reopen();
    auto snapshot = store_->load();
    ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
    ASSERT_EQ(snapshot->products.size(), 2u);
    expect_same_product(snapshot->products[0], batch.products[0]);
    expect_same_product(snapshot->products[1], batch.products[1]);
    EXPECT_EQ(snapshot->last_movement_id, 3);
    EXPECT_EQ(snapshot->last_event_seq, 2);
}

TEST_F(SqliteStoreTest, CommitUpsertsProducts) {
    WriteBatch batch = sample_batch();
    ASSERT_TRUE(store_->commit(batch).ok());
    WriteBatch next;
    Product a = batch.products[0];
    a.on_hand = 4;
    a.name = "Renamed";
    a.settings.ad_id.reset();
    a.settings.order_up_to.reset();
    a.last_movement_id = 4;
    a.updated_at_ms = 9999;
    next.products = {a};
    next.movements = {make_movement(4, a, 3, -3, 4)};
    ASSERT_TRUE(store_->commit(next).ok());
    auto snapshot = store_->load();
    ASSERT_TRUE(snapshot.ok());
    ASSERT_EQ(snapshot->products.size(), 2u);
    expect_same_product(snapshot->products[0], a);
    EXPECT_EQ(snapshot->last_movement_id, 4);
}

TEST_F(SqliteStoreTest, ABatchIsAllOrNothing) {
    ASSERT_TRUE(store_->commit(sample_batch()).ok());
    WriteBatch bad;
    Product c = make_product(3, "C", 5, 0);
    c.last_movement_id = 4;
    bad.products = {c};
    bad.movements = {make_movement(4, c, 0, 5, 5, MovementKind::kInitial)};
    bad.events = {make_event(3, "C", EventType::kStockLow)};
    bad.receipts = {receipt_record(1, "ship-1", 10, 1)};  // already booked: PRIMARY KEY fails
    const Status failed = store_->commit(bad);
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);

    EXPECT_EQ(query_integer(path_, "SELECT count(*) FROM products"), 2);
    EXPECT_EQ(query_integer(path_, "SELECT count(*) FROM movements"), 3);
    EXPECT_EQ(query_integer(path_, "SELECT count(*) FROM events"), 2);
    // And the store keeps working after the failed transaction.
    bad.receipts.clear();
    ASSERT_TRUE(store_->commit(bad).ok());
    EXPECT_EQ(query_integer(path_, "SELECT count(*) FROM products"), 3);
}

TEST_F(SqliteStoreTest, NegativeStockIsRefusedByTheSchema) {
    WriteBatch bad;
    bad.products = {make_product(1, "A", -1, 0)};
    EXPECT_FALSE(store_->commit(bad).ok());
    WriteBatch bad_movement;
    const Product a = make_product(1, "A", 0, 0);
    bad_movement.products = {a};
    bad_movement.movements = {make_movement(1, a, 0, -1, -1)};
    EXPECT_FALSE(store_->commit(bad_movement).ok());
    EXPECT_EQ(query_integer(path_, "SELECT count(*) FROM products"), 0);
}

TEST_F(SqliteStoreTest, ManyMovementsInOneBatch) {
    // More than one wide multi-row INSERT (32 rows) plus a remainder.
    WriteBatch batch;
    Product a = make_product(1, "A", 0, 0);
    int64_t on_hand = 0;
    for (int64_t id = 1; id <= 75; ++id) {
        on_hand += id;
        batch.movements.push_back(
            make_movement(id, a, id - 1, id, on_hand, MovementKind::kReceipt));
    }
    a.on_hand = on_hand;
    a.last_movement_id = 75;
    batch.products = {a};
    ASSERT_TRUE(store_->commit(batch).ok());
    EXPECT_EQ(query_integer(path_, "SELECT count(*) FROM movements"), 75);
    EXPECT_EQ(query_integer(path_, "SELECT sum(delta) FROM movements"), on_hand);
    auto reader = open_reader(*store_);
    ASSERT_NE(reader, nullptr);
    for (int64_t id : {1, 32, 33, 64, 65, 75}) {
        auto m = reader->movement(id);
        ASSERT_TRUE(m.ok() && m.value()) << id;
        EXPECT_EQ(m.value()->delta, id);
        EXPECT_EQ(m.value()->prev_id, id - 1);
        EXPECT_EQ(m.value()->reference, "ref-" + std::to_string(id));
        EXPECT_EQ(m.value()->kind, MovementKind::kReceipt);
    }
}

TEST_F(SqliteStoreTest, ExpireIdempotency) {
    WriteBatch batch;
    batch.idempotency = {idempotency_record("p", "old", "f", 200, "{}", 100),
                         idempotency_record("p", "new", "f", 200, "{}", 500)};
    ASSERT_TRUE(store_->commit(batch).ok());
    auto removed = store_->expire_idempotency(200);
    ASSERT_TRUE(removed.ok());
    EXPECT_EQ(removed.value(), 1);
    auto reader = open_reader(*store_);
    EXPECT_FALSE(reader->idempotency("p", "old").value());
    EXPECT_TRUE(reader->idempotency("p", "new").value());
}

// --- API keys ----------------------------------------------------------------------------------

TEST_F(SqliteStoreTest, ApiKeysCreateListRevoke) {
    auto admin = store_->create_key(key_record("ops", "admin", "hash-1"));
    ASSERT_TRUE(admin.ok()) << admin.error().message;
    EXPECT_GT(admin->id, 0);
    auto shop = store_->create_key(key_record("shop", "storefront", "hash-2"));
    ASSERT_TRUE(shop.ok()) << shop.error().message;
    EXPECT_GT(shop->id, admin->id);

    auto listed = store_->list_keys();
    ASSERT_TRUE(listed.ok());
    ASSERT_EQ(listed->size(), 2u);
    EXPECT_EQ((*listed)[0].name, "ops");
    EXPECT_EQ((*listed)[0].role, "admin");
    EXPECT_EQ((*listed)[0].hash, "hash-1");
    EXPECT_EQ((*listed)[0].created_at_ms, 42);
    EXPECT_FALSE((*listed)[0].revoked_at_ms);

    ASSERT_TRUE(store_->revoke_key("shop", 77).ok());
    listed = store_->list_keys();
    ASSERT_TRUE(listed.ok());
    EXPECT_EQ((*listed)[1].revoked_at_ms, 77);

    auto reader = open_reader(*store_);
    auto found = reader->api_key("hash-2");
    ASSERT_TRUE(found.ok() && found.value());
    EXPECT_EQ(found.value()->name, "shop");
    EXPECT_EQ(found.value()->revoked_at_ms, 77);
    EXPECT_FALSE(reader->api_key("hash-unknown").value());
}

TEST_F(SqliteStoreTest, LiveApiKeyNamesAreUnique) {
    ASSERT_TRUE(store_->create_key(key_record("ops", "admin", "hash-1")).ok());
    auto again = store_->create_key(key_record("ops", "factory", "hash-2"));
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
    EXPECT_EQ(again.error().slug, "key-exists");
    // The failed insert leaves the store usable.
    EXPECT_TRUE(store_->create_key(key_record("ops-2", "admin", "hash-3")).ok());
    EXPECT_EQ(store_->list_keys()->size(), 2u);
}

TEST_F(SqliteStoreTest, RevokingUnknownOrRevokedKeysIsNotFound) {
    EXPECT_EQ(store_->revoke_key("nobody", 1).error().code, ErrorCode::kNotFound);
    ASSERT_TRUE(store_->create_key(key_record("ops", "admin", "hash-1")).ok());
    ASSERT_TRUE(store_->revoke_key("ops", 1).ok());
    const Status twice = store_->revoke_key("ops", 2);
    ASSERT_FALSE(twice.ok());
    EXPECT_EQ(twice.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(store_->list_keys()->front().revoked_at_ms, 1);  // the first revocation stands
}

// A data dir of schema 6 keeps its keys (ids, hashes, revocations) and from then on lets a
// revoked key's name go to a new key (schema 7).
TEST_F(SqliteStoreTest, MigratesSchemaSixKeysToNamesUniqueAmongLiveKeys) {
    ASSERT_TRUE(store_->create_key(key_record("ops", "admin", "hash-1")).ok());
    ASSERT_TRUE(store_->create_key(key_record("shop", "storefront", "hash-2")).ok());
    ASSERT_TRUE(store_->revoke_key("ops", 77).ok());
    store_.reset();
    {
        auto db = sqlite::Connection::open(path_, false);
        ASSERT_TRUE(db.ok());
        ASSERT_TRUE(db.value()->exec(kBeforeVersion9).ok());
        ASSERT_TRUE(db.value()->exec(kApiKeysBeforeVersion7).ok());
        ASSERT_TRUE(
            db.value()->exec("UPDATE meta SET value = '6' WHERE key = 'schema_version'").ok());
        // As schema 6 was: the revoked name is taken.
        EXPECT_FALSE(db.value()
                         ->exec("INSERT INTO api_keys(hash, name, role, created_at) "
                                "VALUES ('hash-x', 'ops', 'admin', 1)")
                         .ok());
    }
    reopen();
    EXPECT_EQ(query_integer(path_, "SELECT value FROM meta WHERE key = 'schema_version'"),
              sqlite::kSchemaVersion);
    auto listed = store_->list_keys();
    ASSERT_TRUE(listed.ok());
    ASSERT_EQ(listed->size(), 2u);
    EXPECT_EQ((*listed)[0].name, "ops");
    EXPECT_EQ((*listed)[0].hash, "hash-1");
    EXPECT_EQ((*listed)[0].revoked_at_ms, 77);
    EXPECT_EQ((*listed)[1].name, "shop");
    EXPECT_FALSE((*listed)[1].revoked_at_ms);
    auto reused = store_->create_key(key_record("ops", "factory", "hash-3"));
    ASSERT_TRUE(reused.ok()) << reused.error().message;
    EXPECT_GT(reused->id, (*listed)[1].id);
    EXPECT_EQ(store_->create_key(key_record("shop", "admin", "hash-4")).error().slug, "key-exists");
    EXPECT_EQ(store_->create_key(key_record("ops", "admin", "hash-5")).error().slug, "key-exists");
    EXPECT_EQ(store_->create_key(key_record("new", "admin", "hash-2")).error().code,
              ErrorCode::kAlreadyExists);  // hashes stay unique
}

TEST_F(SqliteStoreTest, KeysSurviveReopening) {
    ASSERT_TRUE(store_->create_key(key_record("ops", "admin", "hash-1")).ok());
    reopen();
    auto listed = store_->list_keys();
    ASSERT_TRUE(listed.ok());
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ(listed->front().name, "ops");
}

}  // namespace
}  // namespace restock::testing
