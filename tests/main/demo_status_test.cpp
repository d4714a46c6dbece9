// The demo's status line (issue 16, item 15): a timestamp first, the checkouts, every product's
// stock, open restock orders and each dead-letter queue's depth; and a legend that names them.
#include "main/demo_status.h"

#include <gtest/gtest.h>

namespace restock {
namespace {

json::Value parsed(const std::string& text) {
    auto value = json::parse(text);
    EXPECT_TRUE(value.ok()) << text;
    return value.ok() ? std::move(value.value()) : json::Value::null();
}

constexpr int64_t kAt = 1'764'583'205'123;  // 2025-12-01T10:00:05.123Z

TEST(DemoStatusTest, ALineFromTheServersAnswers) {
    const json::Value products =
        parsed(R"({"items":[{"sku":"MUG","available":2,"on_order":50},)"
               R"({"sku":"CAP","available":25,"on_order":0}],"next_cursor":null})");
    const json::Value orders = parsed(
        R"({"items":[{"id":"ro_4","status":"pending"},{"id":"ro_3","status":"acknowledged"},)"
        R"({"id":"ro_2","status":"received"},{"id":"ro_1","status":"failed"},)"
        R"({"id":"ro_0","status":"cancelled"}],"next_cursor":null})");
    const json::Value queues =
        parsed(R"({"items":[{"name":"restock-orders","visible":3,"in_flight":1,"delayed":0,)"
               R"("dlq":"stock-empty-dlq"},)"
               R"({"name":"stock-empty-dlq","visible":2,"in_flight":0,"delayed":1,"dlq":null},)"
               R"({"name":"stock-error-dlq","visible":0,"in_flight":0,"delayed":0,"dlq":null}]})");
    DemoStatus status{kAt, 120, 3, &products, &orders, &queues};
    EXPECT_EQ(demo_status_line(status),
              "2025-12-01T10:00:05Z ok=120 refused=3 | MUG=2+50 CAP=25+0 | orders open=2 "
              "received=1 | dlq stock-empty-dlq=3 stock-error-dlq=0");
}

TEST(DemoStatusTest, AMissingAnswerIsAQuestionMarkNotAFalseZero) {
    DemoStatus status{kAt, 0, 0, nullptr, nullptr, nullptr};
    EXPECT_EQ(demo_status_line(status),
              "2025-12-01T10:00:05Z ok=0 refused=0 | stock ? | orders ? | dlq ?");
    const json::Value odd = parsed(R"({"items":[{"sku":"X"}, 7]})");
    const json::Value no_items = parsed(R"({"error":"x"})");
    status.products = &odd;
    status.orders = &no_items;
    status.queues = &odd;
    EXPECT_EQ(demo_status_line(status),
              "2025-12-01T10:00:05Z ok=0 refused=0 | X=?+? ?=?+? | orders ? | dlq");
}

TEST(DemoStatusTest, TheLegendNamesEveryPartOfTheLine) {
    const std::string legend = demo_status_legend(5);
    EXPECT_EQ(legend.rfind("Status, every 5 s:", 0), 0u);
    for (const char* part : {"TIME", "ok", "refused", "SKU=A+O", "available", "on order", "orders",
                             "open", "received", "dlq", "dead-letter queue"}) {
        EXPECT_NE(legend.find(part), std::string::npos) << part;
    }
    EXPECT_EQ(legend.back(), '\n');
}

}  // namespace
}  // namespace restock
