// The StockStore contract against the in-memory fake the engine tests run on: the fake refuses
// what the real stores refuse, so the engine tests mean something.
#include "app/fake_stock_store.h"
#include "ports/stock_store_contract.h"

namespace restock::testing {
namespace {

class FakeUnderTest final : public StoreUnderTest {
  public:
    StockStore& store() override { return store_; }
    KeyStore& keys() override { return store_; }
    void reopen() override {}  // memory: the same state is all there is

  private:
    FakeStockStore store_;
};

INSTANTIATE_TEST_SUITE_P(Fake, StockStoreContract,
                         ::testing::Values(StoreFactory{
                             "Fake", [] { return std::make_unique<FakeUnderTest>(); }}),
                         store_name);

}  // namespace
}  // namespace restock::testing
