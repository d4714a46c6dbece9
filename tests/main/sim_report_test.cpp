#include "main/sim_report.h"

#include <gtest/gtest.h>

#include "json/json.h"

namespace restock::sim {
namespace {

double number(const json::Value* value) {
    return value->kind() == json::Value::Kind::kInteger ? static_cast<double>(value->as_integer())
                                                        : value->as_number();
}

TEST(SimReport, FillRateIsOneWithoutDemand) {
    SkuFigures none;
    EXPECT_DOUBLE_EQ(fill_rate(none), 1.0);
    SkuFigures some{"A", 8, 6, 2, 0, 0, 0};
    EXPECT_DOUBLE_EQ(fill_rate(some), 0.75);
}

TEST(SimReport, JsonHasEveryFieldAndTotalsSumAverages) {
    SimReport report;
    report.counted_days = 4;
    report.skus.push_back(SkuFigures{"A", 10, 8, 2, 12, 1, 1});
    report.skus.push_back(SkuFigures{"B", 0, 0, 0, 20, 0, 0});
    auto parsed = json::parse(report_json(report));
    ASSERT_TRUE(parsed) << parsed.error().message;
    const json::Value* skus = parsed->find("skus");
    ASSERT_NE(skus, nullptr);
    ASSERT_EQ(skus->as_array().size(), 2u);
    const json::Value& a = skus->as_array()[0];
    EXPECT_EQ(a.find("sku")->as_string(), "A");
    EXPECT_EQ(a.find("demand")->as_integer(), 10);
    EXPECT_EQ(a.find("sold")->as_integer(), 8);
    EXPECT_EQ(a.find("lost")->as_integer(), 2);
    EXPECT_EQ(a.find("orders")->as_integer(), 1);
    EXPECT_EQ(a.find("stockout_days")->as_integer(), 1);
    EXPECT_DOUBLE_EQ(number(a.find("fill_rate")), 0.8);
    EXPECT_DOUBLE_EQ(number(a.find("avg_on_hand")), 3.0);
    const json::Value* total = parsed->find("total");
    ASSERT_NE(total, nullptr);
    EXPECT_EQ(total->find("demand")->as_integer(), 10);
    EXPECT_DOUBLE_EQ(number(total->find("fill_rate")), 0.8);
    EXPECT_DOUBLE_EQ(number(total->find("avg_on_hand")), 8.0);  // 3 + 5
    EXPECT_EQ(total->find("sku"), nullptr);
}

TEST(SimReport, TableHasAHeaderARowPerSkuAndATotal) {
    SimReport report;
    report.counted_days = 2;
    report.skus.push_back(SkuFigures{"LONG-SKU-NAME", 4, 4, 0, 6, 1, 0});
    const std::string table = report_table(report);
    EXPECT_EQ(table.rfind("sku", 0), 0u);
    EXPECT_NE(table.find("LONG-SKU-NAME"), std::string::npos);
    EXPECT_NE(table.find("\ntotal"), std::string::npos);
    EXPECT_NE(table.find("3.00"), std::string::npos);
}

}  // namespace
}  // namespace restock::sim
