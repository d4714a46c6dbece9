// The pure stock rules: signal edges, shortfalls and the bounds of adjustments and receipts.
#include "core/stock_rules.h"

#include <gtest/gtest.h>

#include <optional>

#include "core/limits.h"

namespace restock {
namespace {

Product product(int64_t on_hand, int64_t reorder_point, StockSignal signal = StockSignal::kNone) {
    Product p;
    p.sku = "SKU-1";
    p.on_hand = on_hand;
    p.settings.reorder_point = reorder_point;
    p.settings.reorder_qty = 10;
    p.signal = signal;
    return p;
}

// --- evaluate_signal ---------------------------------------------------------------------------

TEST(EvaluateSignalTest, AboveTheReorderPointSaysNothing) {
    Product p = product(10, 5);
    EXPECT_EQ(evaluate_signal(p), std::nullopt);
    EXPECT_EQ(p.signal, StockSignal::kNone);
}

TEST(EvaluateSignalTest, ReachingTheReorderPointIsLowOnce) {
    Product p = product(5, 5);  // position == reorder_point: low
    EXPECT_EQ(evaluate_signal(p), EventType::kStockLow);
    EXPECT_EQ(p.signal, StockSignal::kLow);
    p.on_hand = 3;  // still low: no repeat
    EXPECT_EQ(evaluate_signal(p), std::nullopt);
    EXPECT_EQ(evaluate_signal(p), std::nullopt);
    EXPECT_EQ(p.signal, StockSignal::kLow);
}

TEST(EvaluateSignalTest, ReachingZeroIsEmptyOnce) {
    Product p = product(0, 5);
    EXPECT_EQ(evaluate_signal(p), EventType::kStockEmpty);
    EXPECT_EQ(p.signal, StockSignal::kEmpty);
    EXPECT_EQ(evaluate_signal(p), std::nullopt);
    EXPECT_EQ(p.signal, StockSignal::kEmpty);
}

TEST(EvaluateSignalTest, LowThenEmpty) {
    Product p = product(2, 5, StockSignal::kLow);
    p.on_hand = 0;
    EXPECT_EQ(evaluate_signal(p), EventType::kStockEmpty);
    EXPECT_EQ(p.signal, StockSignal::kEmpty);
}

TEST(EvaluateSignalTest, EmptyWithReorderPointZero) {
    Product p = product(1, 0);
    EXPECT_EQ(evaluate_signal(p), std::nullopt);  // position 1 > 0
    p.on_hand = 0;
    EXPECT_EQ(evaluate_signal(p), EventType::kStockEmpty);
    p.on_hand = 1;
    EXPECT_EQ(evaluate_signal(p), EventType::kStockRestored);
    EXPECT_EQ(p.signal, StockSignal::kNone);
}

TEST(EvaluateSignalTest, ReservedStockIsNotAvailable) {
    Product p = product(4, 1);
    p.reserved = 4;
    EXPECT_EQ(evaluate_signal(p), EventType::kStockEmpty);
}

TEST(EvaluateSignalTest, EmptyToMerelyLowIsSilentButRearmsEmpty) {
    Product p = product(0, 5, StockSignal::kEmpty);
    p.on_hand = 3;  // a partial receipt: low, not restored
    EXPECT_EQ(evaluate_signal(p), std::nullopt);
    EXPECT_EQ(p.signal, StockSignal::kLow);
    p.on_hand = 0;  // running out again is announced again
    EXPECT_EQ(evaluate_signal(p), EventType::kStockEmpty);
}

TEST(EvaluateSignalTest, EmptyToAboveReorderPointIsRestored) {
    Product p = product(0, 5, StockSignal::kEmpty);
    p.on_hand = 6;
    EXPECT_EQ(evaluate_signal(p), EventType::kStockRestored);
    EXPECT_EQ(p.signal, StockSignal::kNone);
    EXPECT_EQ(evaluate_signal(p), std::nullopt);  // no repeat
}

TEST(EvaluateSignalTest, LowToAboveReorderPointIsRestored) {
    Product p = product(5, 5, StockSignal::kLow);
    p.on_hand = 6;  // one above: restored
    EXPECT_EQ(evaluate_signal(p), EventType::kStockRestored);
    p.on_hand = 5;  // and low again is announced again
    EXPECT_EQ(evaluate_signal(p), EventType::kStockLow);
}

TEST(EvaluateSignalTest, LowUsesPositionSoOpenOrdersCountAgainstIt) {
    Product p = product(3, 5);
    p.on_order = 10;  // position 13 > 5: a restock is already coming
    EXPECT_EQ(evaluate_signal(p), std::nullopt);
    EXPECT_EQ(p.signal, StockSignal::kNone);
}

TEST(EvaluateSignalTest, RestoredNeedsAvailableAboveTheReorderPoint) {
    Product p = product(3, 5, StockSignal::kLow);
    p.on_order = 10;  // position above, available not: still low, not restored
    EXPECT_EQ(evaluate_signal(p), std::nullopt);
    EXPECT_EQ(p.signal, StockSignal::kLow);
}

TEST(EvaluateSignalTest, FullCycleHasNoRepeats) {
    Product p = product(10, 3);
    std::vector<EventType> events;
    for (int64_t on_hand : {9, 5, 3, 2, 1, 0, 0, 2, 0, 10, 11, 3, 3}) {
        p.on_hand = on_hand;
        if (auto e = evaluate_signal(p)) events.push_back(*e);
    }
    const std::vector<EventType> expected = {
        EventType::kStockLow,       // 3
        EventType::kStockEmpty,     // 0
        EventType::kStockEmpty,     // 0 again after being merely low (2)
        EventType::kStockRestored,  // 10
        EventType::kStockLow,       // 3
    };
    EXPECT_EQ(events, expected);
}

// --- signal_refusal ----------------------------------------------------------------------------

TEST(SignalRefusalTest, ARefusalWithStockLeftIsShortOnceAndWithoutStockEmpty) {
    Product p = product(2, 5, StockSignal::kNone);
    EXPECT_EQ(signal_refusal(p), EventType::kStockShort);
    EXPECT_EQ(p.signal, StockSignal::kShort);
    EXPECT_EQ(signal_refusal(p), std::nullopt);  // said once

    Product low = product(2, 5, StockSignal::kLow);
    EXPECT_EQ(signal_refusal(low), EventType::kStockShort);
    EXPECT_EQ(low.signal, StockSignal::kLowShort);
    EXPECT_EQ(signal_refusal(low), std::nullopt);

    Product empty = product(0, 5, StockSignal::kNone);
    EXPECT_EQ(signal_refusal(empty), EventType::kStockEmpty);
    EXPECT_EQ(empty.signal, StockSignal::kEmpty);
    EXPECT_EQ(signal_refusal(empty), std::nullopt);
}

// Regression (issue 16, item 2): a checkout refused with 1 available raised stock.empty, and the
// sale of that last unit raised it again. stock.empty now means available is 0, once.
TEST(SignalRefusalTest, StockEmptyOnlyWhenNothingIsLeftAndOnce) {
    Product p = product(1, 0, StockSignal::kNone);
    EXPECT_EQ(signal_refusal(p), EventType::kStockShort);  // wanted 2, 1 left
    p.on_hand = 0;                                         // the last unit sold
    EXPECT_EQ(evaluate_signal(p), EventType::kStockEmpty);
    EXPECT_EQ(signal_refusal(p), std::nullopt);  // refused while empty: said
    EXPECT_EQ(evaluate_signal(p), std::nullopt);
    p.on_hand = 5;  // restocked
    EXPECT_EQ(evaluate_signal(p, true), EventType::kStockRestored);
    p.on_hand = 0;
    EXPECT_EQ(evaluate_signal(p), EventType::kStockEmpty);  // the next episode
}

TEST(SignalRefusalTest, ARefusalWhileInStockDoesNotHideTheReorderPoint) {
    Product p = product(10, 2, StockSignal::kNone);
    EXPECT_EQ(signal_refusal(p), EventType::kStockShort);  // someone wanted 50
    EXPECT_EQ(evaluate_signal(p), std::nullopt);           // still in stock: nothing new
    p.on_hand = 2;                                         // sales reach the reorder point
    EXPECT_EQ(evaluate_signal(p), EventType::kStockLow);
    EXPECT_EQ(p.signal, StockSignal::kLow);
}

TEST(SignalRefusalTest, ARefusalWhileLowEndsInARestore) {
    Product p = product(2, 2, StockSignal::kLow);
    EXPECT_EQ(signal_refusal(p), EventType::kStockShort);
    EXPECT_EQ(evaluate_signal(p), std::nullopt);  // still low: nothing new
    p.on_hand = 10;
    EXPECT_EQ(evaluate_signal(p), EventType::kStockRestored);
    EXPECT_EQ(p.signal, StockSignal::kNone);
}

TEST(SignalRefusalTest, ARefusalInStockIsRestoredOnlyWhenStockIsAdded) {
    Product p = product(10, 2, StockSignal::kNone);
    EXPECT_EQ(signal_refusal(p), EventType::kStockShort);
    p.on_hand = 9;  // a sale
    EXPECT_EQ(evaluate_signal(p), std::nullopt);
    p.on_hand = 20;  // a receipt
    EXPECT_EQ(evaluate_signal(p, true), EventType::kStockRestored);
}

TEST(SignalRefusalTest, EvaluateAfterRefusalDoesNotRepeatEmpty) {
    Product p = product(0, 5);
    EXPECT_EQ(signal_refusal(p), EventType::kStockEmpty);
    EXPECT_EQ(evaluate_signal(p), std::nullopt);
}

// --- figures_of --------------------------------------------------------------------------------

TEST(FiguresOfTest, CopiesTheDerivedFigures) {
    Product p = product(10, 4);
    p.reserved = 3;
    p.on_order = 6;
    const StockFigures f = figures_of(p);
    EXPECT_EQ(f.on_hand, 10);
    EXPECT_EQ(f.reserved, 3);
    EXPECT_EQ(f.available, 7);
    EXPECT_EQ(f.on_order, 6);
    EXPECT_EQ(f.position, 13);
    EXPECT_EQ(f.reorder_point, 4);
}

// --- find_shortfalls ---------------------------------------------------------------------------

TEST(FindShortfallsTest, NoneWhenEveryLineFits) {
    Product a = product(5, 0);
    Product b = product(1, 0);
    const std::vector<CheckoutLine> lines = {{"a", 5}, {"b", 1}};
    EXPECT_TRUE(find_shortfalls(lines, {&a, &b}).empty());
}

TEST(FindShortfallsTest, ReportsEachShortLine) {
    Product a = product(5, 0);
    Product b = product(1, 0);
    Product c = product(3, 0);
    c.reserved = 2;
    const std::vector<CheckoutLine> lines = {{"a", 6}, {"b", 1}, {"c", 2}};
    const auto shortfalls = find_shortfalls(lines, {&a, &b, &c});
    ASSERT_EQ(shortfalls.size(), 2u);
    EXPECT_EQ(shortfalls[0].sku, "a");
    EXPECT_EQ(shortfalls[0].requested, 6);
    EXPECT_EQ(shortfalls[0].available, 5);
    EXPECT_EQ(shortfalls[1].sku, "c");
    EXPECT_EQ(shortfalls[1].requested, 2);
    EXPECT_EQ(shortfalls[1].available, 1);
}

TEST(FindShortfallsTest, EmptyProductIsShort) {
    Product a = product(0, 0);
    const auto shortfalls = find_shortfalls({{"a", 1}}, {&a});
    ASSERT_EQ(shortfalls.size(), 1u);
    EXPECT_EQ(shortfalls[0].available, 0);
}

// --- check_adjustment / check_receipt ----------------------------------------------------------

TEST(CheckAdjustmentTest, MayTakeStockDownToZero) {
    EXPECT_TRUE(check_adjustment(product(5, 0), -5).ok());
    EXPECT_TRUE(check_adjustment(product(5, 0), 7).ok());
}

TEST(CheckAdjustmentTest, NeverBelowZero) {
    const Status s = check_adjustment(product(5, 0), -6);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::kConflict);
    EXPECT_EQ(s.error().slug, "negative-stock");
    EXPECT_NE(s.error().message.find("-1"), std::string::npos) << s.error().message;
}

TEST(CheckAdjustmentTest, NeverBelowReserved) {
    Product p = product(5, 0);
    p.reserved = 2;
    EXPECT_TRUE(check_adjustment(p, -3).ok());
    const Status s = check_adjustment(p, -4);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().slug, "negative-stock");
}

TEST(CheckAdjustmentTest, NeverAboveTheQuantityLimit) {
    Product p = product(limits::kMaxQuantity - 10, 0);
    EXPECT_TRUE(check_adjustment(p, 10).ok());
    const Status s = check_adjustment(p, 11);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::kConflict);
    EXPECT_EQ(s.error().slug, "stock-limit");
}

TEST(CheckReceiptTest, NeverAboveTheQuantityLimit) {
    Product p = product(limits::kMaxQuantity - 10, 0);
    EXPECT_TRUE(check_receipt(p, 10).ok());
    const Status s = check_receipt(p, 11);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::kConflict);
    EXPECT_EQ(s.error().slug, "stock-limit");
}

}  // namespace
}  // namespace restock
