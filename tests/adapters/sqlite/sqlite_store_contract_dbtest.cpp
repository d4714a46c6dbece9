// The StockStore contract against SQLite, on a real file in a temporary directory.
#include "adapters/sqlite/sqlite_test_support.h"
#include "ports/stock_store_contract.h"

namespace restock::testing {
namespace {

class SqliteUnderTest final : public StoreUnderTest {
  public:
    SqliteUnderTest() : path_(dir_.file("restock.db")), store_(open_store(path_)) {}
    StockStore& store() override { return *store_; }
    KeyStore& keys() override { return *store_; }
    void reopen() override {
        store_.reset();
        store_ = open_store(path_);
    }

  private:
    TempDir dir_;
    const std::string path_;
    std::unique_ptr<sqlite::SqliteStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Sqlite, StockStoreContract,
                         ::testing::Values(StoreFactory{
                             "Sqlite", [] { return std::make_unique<SqliteUnderTest>(); }}),
                         store_name);

}  // namespace
}  // namespace restock::testing
