// Helpers for driving a StockEngine from tests: a settable clock, blocking and asynchronous
// submission, request builders and outcome accessors.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "app/stock_engine.h"
#include "ports/clock.h"

namespace restock::testing {

class FakeClock final : public Clock {
  public:
    explicit FakeClock(int64_t now_ms = 1'700'000'000'000) : now_ms_(now_ms) {}
    int64_t now_ms() const override { return now_ms_.load(); }
    void set(int64_t now_ms) { now_ms_.store(now_ms); }
    void advance(int64_t ms) { now_ms_.fetch_add(ms); }

  private:
    std::atomic<int64_t> now_ms_;
};

// Polls `done` until it holds or 5 s pass; returns whether it held.
bool eventually(const std::function<bool()>& done);

// A pure, deterministic rendering of an outcome, as the HTTP layer would store it.
StoredResponse render_for_test(const Outcome& outcome);

IdempotencyTag tag(std::string key, std::string fingerprint, std::string principal = "tester");

// Submits and returns the outcome once the engine calls done.
std::future<Outcome> submit_async(StockEngine& engine, Command command,
                                  std::optional<IdempotencyTag> idempotency = std::nullopt);
// Submits and waits.
Outcome run(StockEngine& engine, Command command,
            std::optional<IdempotencyTag> idempotency = std::nullopt);

// The factory new_product() names ("factory-1"): registered unless it is (a product naming an
// unregistered factory is refused).
inline constexpr const char* kTestFactory = "factory-1";
void ensure_factory(StockEngine& engine, const std::string& id = kTestFactory);
NewProduct new_product(std::string sku, int64_t on_hand, int64_t reorder_point = 2,
                       int64_t reorder_qty = 10);
CheckoutRequest checkout(std::string order_id, std::vector<CheckoutLine> lines);
ReceiptRequest receipt(std::string sku, int64_t qty, std::string reference);
AdjustmentRequest adjustment(std::string sku, int64_t delta, std::string reason = "count");
PatchProduct patch(std::string sku, ProductPatch patch);

std::string describe(const Outcome& outcome);

// The outcome as T; fails the test (and returns a default T) if it is something else.
template <typename T>
T expect_outcome(const Outcome& outcome) {
    if (const T* value = std::get_if<T>(&outcome)) return *value;
    ADD_FAILURE() << "unexpected outcome: " << describe(outcome);
    if constexpr (std::is_same_v<T, Error>) {
        return Error{ErrorCode::kInternal, "", ""};
    } else {
        return T{};
    }
}

// The error of an outcome; fails the test unless it has this code (and slug, if given).
Error expect_error(const Outcome& outcome, ErrorCode code, std::string_view slug = {});

}  // namespace restock::testing
