// SqliteReader on a real file: committed data only, product pages, the ledger chain, lookups.
#include <gtest/gtest.h>

#include "adapters/sqlite/sqlite_reader.h"
#include "adapters/sqlite/sqlite_test_support.h"

namespace restock::testing {
namespace {

class SqliteReaderTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = open_store(dir_.file("restock.db"));
        ASSERT_NE(store_, nullptr);
        reader_ = open_reader(*store_);
        ASSERT_NE(reader_, nullptr);
    }

    void commit(const WriteBatch& batch) {
        const Status s = store_->commit(batch);
        ASSERT_TRUE(s.ok()) << s.error().message;
    }

    std::vector<int64_t> movement_ids(const Product& product, int64_t before_id, std::size_t limit,
                                      int64_t up_to_id = INT64_MAX) {
        auto page = reader_->movements(product, before_id, limit, up_to_id);
        EXPECT_TRUE(page.ok()) << page.error().message;
        std::vector<int64_t> ids;
        if (page.ok()) {
            for (const auto& m : page.value()) ids.push_back(m.id);
        }
        return ids;
    }

    TempDir dir_;
    std::unique_ptr<sqlite::SqliteStore> store_;
    std::unique_ptr<StockReader> reader_;
};

TEST_F(SqliteReaderTest, SeesEachCommitAsItLands) {
    auto before = reader_->product("A");
    ASSERT_TRUE(before.ok());
    EXPECT_FALSE(before.value());

    WriteBatch batch;
    batch.products = {make_product(1, "A", 5, 1)};
    commit(batch);
    auto after = reader_->product("A");
    ASSERT_TRUE(after.ok() && after.value());
    EXPECT_EQ(after.value()->on_hand, 5);

    batch.products[0].on_hand = 3;
    commit(batch);
    EXPECT_EQ(reader_->product("A").value()->on_hand, 3);
}

TEST_F(SqliteReaderTest, ReadersOpenedLaterSeeEverything) {
    WriteBatch batch;
    batch.products = {make_product(1, "A", 5, 1)};
    commit(batch);
    auto other = open_reader(*store_);
    ASSERT_NE(other, nullptr);
    EXPECT_TRUE(other->product("A").value());
}

TEST_F(SqliteReaderTest, ReadersCannotWrite) {
    // Reader connections are query_only: a reader bug cannot corrupt the ledger.
    WriteBatch batch;
    batch.products = {make_product(1, "A", 5, 1)};
    commit(batch);
    auto db = sqlite::Connection::open(dir_.file("restock.db"), false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db.value()->exec("PRAGMA query_only=ON").ok());
    EXPECT_FALSE(db.value()->exec("DELETE FROM products").ok());
}

TEST_F(SqliteReaderTest, ProductsArePagedBySku) {
    WriteBatch batch;
    batch.products = {make_product(1, "c", 10, 2), make_product(2, "a", 0, 2),
                      make_product(3, "b", 2, 2), make_product(4, "d", 3, 2)};
    commit(batch);
    auto page = reader_->products(std::nullopt, "", 2);
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->size(), 2u);
    EXPECT_EQ((*page)[0].sku, "a");
    EXPECT_EQ((*page)[1].sku, "b");
    page = reader_->products(std::nullopt, "b", 10);
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->size(), 2u);
    EXPECT_EQ((*page)[0].sku, "c");
    EXPECT_EQ((*page)[1].sku, "d");
    EXPECT_TRUE(reader_->products(std::nullopt, "d", 10)->empty());
}

TEST_F(SqliteReaderTest, ProductsFilteredByStatusMatchStatusOf) {
    WriteBatch batch;
    batch.products = {make_product(1, "in", 10, 2), make_product(2, "out", 0, 2),
                      make_product(3, "low", 2, 2), make_product(4, "low2", 1, 2)};
    Product reserved = make_product(5, "reserved", 4, 1);
    reserved.reserved = 4;  // nothing available: out of stock
    batch.products.push_back(reserved);
    commit(batch);
    for (auto status : {ProductStatus::kInStock, ProductStatus::kLow, ProductStatus::kOutOfStock}) {
        auto page = reader_->products(status, "", 10);
        ASSERT_TRUE(page.ok());
        for (const auto& p : page.value()) EXPECT_EQ(status_of(p), status) << p.sku;
    }
    EXPECT_EQ(reader_->products(ProductStatus::kInStock, "", 10)->size(), 1u);
    EXPECT_EQ(reader_->products(ProductStatus::kLow, "", 10)->size(), 2u);
    EXPECT_EQ(reader_->products(ProductStatus::kOutOfStock, "", 10)->size(), 2u);
    EXPECT_EQ(reader_->products(ProductStatus::kLow, "low", 10)->size(), 1u);
}

TEST_F(SqliteReaderTest, MovementsPageThroughTheChain) {
    // Two products with interleaved ledgers: A has 1,3,5,7,9,11,13; B has 2,4,6.
    Product a = make_product(1, "A", 0, 0);
    Product b = make_product(2, "B", 0, 0);
    WriteBatch batch;
    int64_t last_a = 0;
    int64_t last_b = 0;
    for (int64_t id = 1; id <= 13; ++id) {
        const bool for_b = id % 2 == 0 && id <= 6;
        if (id % 2 == 0 && !for_b) continue;
        Product& p = for_b ? b : a;
        int64_t& last = for_b ? last_b : last_a;
        p.on_hand += 1;
        batch.movements.push_back(make_movement(id, p, last, 1, p.on_hand, MovementKind::kReceipt));
        last = id;
    }
    a.last_movement_id = last_a;
    b.last_movement_id = last_b;
    batch.products = {a, b};
    commit(batch);

    EXPECT_EQ(movement_ids(a, 0, 3), (std::vector<int64_t>{13, 11, 9}));
    EXPECT_EQ(movement_ids(a, 9, 3), (std::vector<int64_t>{7, 5, 3}));
    EXPECT_EQ(movement_ids(a, 3, 3), (std::vector<int64_t>{1}));
    EXPECT_EQ(movement_ids(a, 1, 3), (std::vector<int64_t>{}));
    EXPECT_EQ(movement_ids(a, 0, 100), (std::vector<int64_t>{13, 11, 9, 7, 5, 3, 1}));
    EXPECT_EQ(movement_ids(b, 0, 100), (std::vector<int64_t>{6, 4, 2}));
    EXPECT_EQ(movement_ids(b, 6, 1), (std::vector<int64_t>{4}));
    // A cursor from another product's ledger, or one that does not exist, is refused.
    for (int64_t foreign : {4, 999}) {
        auto page = reader_->movements(a, foreign, 10, INT64_MAX);
        ASSERT_FALSE(page.ok()) << foreign;
        EXPECT_EQ(page.error().code, ErrorCode::kInvalidArgument);
        EXPECT_EQ(page.error().slug, "invalid-query");
    }
    // A product with no ledger.
    EXPECT_TRUE(movement_ids(make_product(3, "C", 0, 0), 0, 10).empty());

    // Only movements up to the durable mark: newer ones are skipped, older ones still paged.
    EXPECT_EQ(movement_ids(b, 0, 100, 5), (std::vector<int64_t>{4, 2}));
    EXPECT_EQ(movement_ids(b, 0, 1, 5), (std::vector<int64_t>{4}));
    EXPECT_EQ(movement_ids(b, 4, 100, 5), (std::vector<int64_t>{2}));
    EXPECT_TRUE(movement_ids(b, 0, 100, 1).empty());

    auto page = reader_->movements(a, 0, 1, INT64_MAX);
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->size(), 1u);
    EXPECT_EQ((*page)[0].product_id, 1);
    EXPECT_EQ((*page)[0].prev_id, 11);
    EXPECT_EQ((*page)[0].on_hand_after, 7);
}

TEST_F(SqliteReaderTest, MovementById) {
    const Product a = make_product(1, "A", 5, 0);
    WriteBatch batch;
    batch.products = {a};
    batch.movements = {make_movement(1, a, 0, 5, 5, MovementKind::kInitial)};
    commit(batch);
    auto m = reader_->movement(1);
    ASSERT_TRUE(m.ok() && m.value());
    EXPECT_EQ(m.value()->kind, MovementKind::kInitial);
    EXPECT_EQ(m.value()->at_ms, 3001);
    EXPECT_FALSE(reader_->movement(2).value());
}

TEST_F(SqliteReaderTest, EventsInSeqOrderAfterACursor) {
    WriteBatch batch;
    for (int64_t seq = 1; seq <= 5; ++seq) {
        batch.events.push_back(
            make_event(seq, "A", seq % 2 ? EventType::kStockLow : EventType::kStockRestored));
    }
    commit(batch);
    auto events = reader_->events(0, 3, INT64_MAX);
    ASSERT_TRUE(events.ok());
    ASSERT_EQ(events->size(), 3u);
    EXPECT_EQ((*events)[0].seq, 1);
    EXPECT_EQ((*events)[2].seq, 3);
    EXPECT_EQ((*events)[1].type, EventType::kStockRestored);
    EXPECT_EQ((*events)[0].id, "evt_test_1");
    EXPECT_EQ((*events)[0].figures.position, 5);
    EXPECT_EQ((*events)[0].figures.on_order, 4);
    EXPECT_EQ((*events)[0].cause, "checkout");
    events = reader_->events(3, 10, INT64_MAX);
    ASSERT_TRUE(events.ok());
    ASSERT_EQ(events->size(), 2u);
    EXPECT_EQ((*events)[0].seq, 4);
    EXPECT_TRUE(reader_->events(5, 10, INT64_MAX)->empty());
    // Only up to the durable mark.
    events = reader_->events(1, 10, 3);
    ASSERT_TRUE(events.ok());
    ASSERT_EQ(events->size(), 2u);
    EXPECT_EQ((*events)[1].seq, 3);
    EXPECT_TRUE(reader_->events(3, 10, 3)->empty());
}

TEST_F(SqliteReaderTest, IdempotencyLookupIsPerPrincipal) {
    WriteBatch batch;
    batch.idempotency = {idempotency_record("shop", "k1", "fp-1", 409, "{\"x\":1}", 77)};
    commit(batch);
    auto found = reader_->idempotency("shop", "k1");
    ASSERT_TRUE(found.ok() && found.value());
    EXPECT_EQ(found.value()->fingerprint, "fp-1");
    EXPECT_EQ(found.value()->status, 409);
    EXPECT_EQ(found.value()->body, "{\"x\":1}");
    EXPECT_EQ(found.value()->at_ms, 77);
    EXPECT_FALSE(reader_->idempotency("admin", "k1").value());
    EXPECT_FALSE(reader_->idempotency("shop", "k2").value());
}

TEST_F(SqliteReaderTest, ReceiptLookupIsPerProduct) {
    const Product a = make_product(1, "A", 5, 0);
    WriteBatch batch;
    batch.products = {a};
    batch.movements = {make_movement(1, a, 0, 5, 5, MovementKind::kReceipt)};
    batch.receipts = {receipt_record(1, "ship-1", 5, 1)};
    commit(batch);
    auto found = reader_->receipt(1, "ship-1");
    ASSERT_TRUE(found.ok() && found.value());
    EXPECT_EQ(found.value()->qty, 5);
    EXPECT_EQ(found.value()->movement_id, 1);
    EXPECT_FALSE(reader_->receipt(2, "ship-1").value());
    EXPECT_FALSE(reader_->receipt(1, "ship-2").value());
}

}  // namespace
}  // namespace restock::testing
