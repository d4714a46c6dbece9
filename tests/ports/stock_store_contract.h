// The StockStore contract, one suite for every store (as RocksDB's env_basic_test runs one
// suite against each Env): the in-memory fake, SQLite and PostgreSQL each instantiate it with
// a factory of fresh, empty stores. A batch is all or nothing, duplicates and broken rules are
// refused, readers see what is committed, and the data survives reopening.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "ports/stock_store.h"

namespace restock::testing {

// One store under test, with whatever it needs to write (a held writer lease, for instance).
class StoreUnderTest {
  public:
    virtual ~StoreUnderTest() = default;
    virtual StockStore& store() = 0;
    virtual KeyStore& keys() = 0;
    // Closes the store and opens the same data again (a restart).
    virtual void reopen() = 0;
};

struct StoreFactory {
    std::string name;
    std::function<std::unique_ptr<StoreUnderTest>()> make;
};

class StockStoreContract : public ::testing::TestWithParam<StoreFactory> {
  protected:
    void SetUp() override {
        under_test_ = GetParam().make();
        ASSERT_NE(under_test_, nullptr);
    }
    StockStore& store() { return under_test_->store(); }
    KeyStore& keys() { return under_test_->keys(); }
    void reopen() { under_test_->reopen(); }

    std::unique_ptr<StoreUnderTest> under_test_;
};

// How GoogleTest (and so ctest) shows the parameter.
inline void PrintTo(const StoreFactory& factory, std::ostream* out) { *out << factory.name; }

// For INSTANTIATE_TEST_SUITE_P: names the instantiation after its store.
inline std::string store_name(const ::testing::TestParamInfo<StoreFactory>& info) {
    return info.param.name;
}

}  // namespace restock::testing
