// The StockStore contract against PostgreSQL: a fresh database of the test cluster per test,
// the writer lease held by the store under test.
#include "adapters/postgres/pg_store.h"
#include "adapters/postgres/pg_test_cluster.h"
#include "ports/stock_store_contract.h"

namespace restock::testing {
namespace {

class PgUnderTest final : public StoreUnderTest {
  public:
    PgUnderTest() : url_(PgTestCluster::get().create_database()) { open(); }
    ~PgUnderTest() override { close(); }
    StockStore& store() override { return *store_; }
    KeyStore& keys() override { return *store_; }
    void reopen() override {
        close();
        open();
    }

  private:
    void open() {
        auto store = pg::PgStore::open({url_, "restock-test"});
        ASSERT_TRUE(store.ok()) << store.error().message;
        store_ = std::move(store.value());
        auto taken = store_->try_acquire("contract-test", "http://127.0.0.1:1", 60'000);
        ASSERT_TRUE(taken.ok()) << taken.error().message;
        ASSERT_TRUE(taken.value()) << "the lease of a fresh database is free";
    }
    void close() {
        if (store_) (void)store_->release();
        store_.reset();
    }

    const std::string url_;
    std::unique_ptr<pg::PgStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Postgres, StockStoreContract,
                         ::testing::Values(StoreFactory{
                             "Postgres", [] { return std::make_unique<PgUnderTest>(); }}),
                         store_name);

}  // namespace
}  // namespace restock::testing
