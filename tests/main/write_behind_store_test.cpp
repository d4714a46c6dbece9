// WriteBehindStore: a batch handed over is written on the store's thread, and every read (and
// wait()) sees it as a synchronous write would have shown it; a failed write is told by the
// next call.
#include "main/write_behind_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "app/fake_stock_store.h"

namespace restock::sim {
namespace {

using testing::FakeStockStore;

// The fake store, each write slowed down (so a read that did not wait would miss it), held
// while `hold` is set, and, when asked, refused.
class SlowStore final : public StockStore {
  public:
    Result<EngineSnapshot> load() override { return store.load(); }
    Status write(const WriteBatch& batch) override {
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        while (hold.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        ++writes;
        if (refuse) return make_error(ErrorCode::kUnavailable, "store-error", "refused");
        return store.write(batch);
    }
    Status sync() override { return store.sync(); }
    Result<std::unique_ptr<StockReader>> open_reader() override { return store.open_reader(); }
    bool shared() const override { return false; }
    Result<std::string> callback_secret() override { return store.callback_secret(); }
    Result<int64_t> expire_idempotency(int64_t before_ms) override {
        return store.expire_idempotency(before_ms);
    }

    FakeStockStore store;
    std::atomic<int> writes{0};
    std::atomic<bool> refuse{false};
    std::atomic<bool> hold{false};
};

WriteBatch new_product(int64_t id, const std::string& sku, int64_t on_hand) {
    Product product;
    product.id = id;
    product.sku = sku;
    product.name = sku;
    product.on_hand = on_hand;
    WriteBatch batch;
    batch.products.push_back(product);
    return batch;
}

TEST(WriteBehindStore, AReadAfterAWriteSeesTheBatch) {
    SlowStore slow;
    WriteBehindStore store(slow);
    auto reader = store.open_reader();
    ASSERT_TRUE(reader);
    slow.hold = true;
    ASSERT_TRUE(store.write(new_product(1, "A", 5)));
    // write() hands the batch over and returns before it is written (the store is held)...
    EXPECT_EQ(slow.writes.load(), 0);
    slow.hold = false;
    // ...and the read waits for it.
    auto product = (*reader)->product("A");
    ASSERT_TRUE(product);
    ASSERT_TRUE(product->has_value());
    EXPECT_EQ((*product)->on_hand, 5);
    EXPECT_EQ(slow.writes.load(), 1);
}

TEST(WriteBehindStore, BatchesAreWrittenInOrderAndWaitReturnsWhenAllAre) {
    SlowStore slow;
    WriteBehindStore store(slow);
    ASSERT_TRUE(store.write(new_product(1, "A", 5)));
    ASSERT_TRUE(store.write(new_product(2, "B", 7)));
    ASSERT_TRUE(store.wait());
    EXPECT_EQ(slow.writes.load(), 2);
    auto snapshot = store.load();
    ASSERT_TRUE(snapshot);
    ASSERT_EQ(snapshot->products.size(), 2u);
    EXPECT_EQ(snapshot->products[1].sku, "B");
}

TEST(WriteBehindStore, AFailedWriteIsToldByTheNextCallsAndNothingMoreIsWritten) {
    SlowStore slow;
    WriteBehindStore store(slow);
    auto reader = store.open_reader();
    ASSERT_TRUE(reader);
    slow.refuse = true;
    ASSERT_TRUE(store.write(new_product(1, "A", 5)));  // handed over: not known yet
    EXPECT_FALSE((*reader)->product("A"));
    EXPECT_FALSE(store.wait());
    slow.refuse = false;
    const Status next = store.write(new_product(2, "B", 7));
    ASSERT_FALSE(next);
    EXPECT_EQ(next.error().message, "refused");
    EXPECT_EQ(slow.writes.load(), 1);
}

TEST(WriteBehindStore, TheDestructorWritesWhatWasHandedOver) {
    SlowStore slow;
    {
        WriteBehindStore store(slow);
        ASSERT_TRUE(store.write(new_product(1, "A", 5)));
    }
    EXPECT_EQ(slow.writes.load(), 1);
    auto snapshot = slow.store.load();
    ASSERT_TRUE(snapshot);
    EXPECT_EQ(snapshot->products.size(), 1u);
}

}  // namespace
}  // namespace restock::sim
