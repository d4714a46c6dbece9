// The fixture shared by the engine tests: FakeStockStore <- FaultInjectingStore <- StockEngine.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "app/engine_test_support.h"
#include "app/fake_stock_store.h"
#include "app/fault_injecting_store.h"

namespace restock::testing {

class EngineTest : public ::testing::Test {
  protected:
    void SetUp() override { start(); }
    void TearDown() override { stop(); }

    void start(EngineOptions options = {}) {
        auto engine = StockEngine::start(faults_, clock_, options);
        ASSERT_TRUE(engine.ok()) << engine.error().message;
        engine_ = std::move(engine.value());
        ensure_factory(*engine_);
    }
    void stop() {
        faults_.release_commits();  // never leave the engine stuck at a gate
        faults_.release_syncs();
        engine_.reset();
    }
    void restart(EngineOptions options = {}) {
        stop();
        start(options);
    }

    Outcome run(Command command, std::optional<IdempotencyTag> idempotency = std::nullopt) {
        return testing::run(*engine_, std::move(command), std::move(idempotency));
    }
    std::future<Outcome> submit(Command command,
                                std::optional<IdempotencyTag> idempotency = std::nullopt) {
        return submit_async(*engine_, std::move(command), std::move(idempotency));
    }
    Product create(std::string sku, int64_t on_hand, int64_t reorder_point = 2) {
        return expect_outcome<ProductOutcome>(
                   run(new_product(std::move(sku), on_hand, reorder_point)))
            .product;
    }
    int64_t on_hand(std::string_view sku) {
        auto product = store_.product(sku);
        EXPECT_TRUE(product) << sku;
        return product ? product->on_hand : -1;
    }

    // Makes the engine's next batch contain exactly what the test submits before calling
    // release_commits(): a throwaway command's commit is held at the gate meanwhile.
    void begin_batch() {
        faults_.hold_commits();
        ++blockers_;
        blocker_ = submit(new_product(blocker_sku(), 1, 0));
        faults_.wait_until_commit_held();
    }
    // The product the last begin_batch() created (or tried to).
    std::string blocker_sku() const { return "blocker-" + std::to_string(blockers_); }
    void end_batch() {
        faults_.release_commits();
        expect_outcome<ProductOutcome>(blocker_.get());
    }

    FakeStockStore store_;
    FaultInjectingStore faults_{store_};
    FakeClock clock_;
    std::unique_ptr<StockEngine> engine_;

  private:
    std::future<Outcome> blocker_;
    int blockers_ = 0;
};

}  // namespace restock::testing
