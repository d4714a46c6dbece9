// URL queries of the lists: every filter parsed, every bad value a 400 naming the parameter.
#include "adapters/http/query_mapping.h"

#include <gtest/gtest.h>

namespace restock::http {
namespace {

QueryParams params(std::string_view query, std::vector<std::string_view> allowed) {
    auto parsed = parse_query(query, allowed);
    EXPECT_TRUE(parsed.ok()) << parsed.error().message;
    return parsed.ok() ? parsed.value() : QueryParams{};
}

template <typename T>
std::string refusal(const Result<T>& result) {
    EXPECT_FALSE(result.ok());
    if (result.ok()) return "";
    EXPECT_EQ(result.error().slug, "invalid-query");
    return result.error().message;
}

const std::vector<std::string_view> kProducts = {"status",   "sku",   "q",
                                                 "archived", "limit", "cursor"};

TEST(QueryMappingTest, ProductListsTakeSkusTextAndTheArchive) {
    auto q =
        parse_product_query(params("sku=A,B-2,c.3&q=Red%20MUG&archived=all&limit=7", kProducts));
    ASSERT_TRUE(q.ok()) << q.error().message;
    EXPECT_EQ(q->skus, (std::vector<std::string>{"A", "B-2", "c.3"}));
    EXPECT_EQ(q->text, "red mug");  // lower-cased for the stores
    EXPECT_EQ(q->archived, ArchivedFilter::kAll);
    EXPECT_EQ(q->limit, 7u);
    auto plain = parse_product_query({});
    ASSERT_TRUE(plain.ok());
    EXPECT_EQ(plain->archived, ArchivedFilter::kActive);
    EXPECT_EQ(plain->limit, 50u);
    EXPECT_TRUE(plain->skus.empty());
    EXPECT_EQ(parse_product_query(params("archived=true", kProducts))->archived,
              ArchivedFilter::kArchived);
    EXPECT_EQ(parse_product_query(params("q=%C3%89MAIL", kProducts))->text, "\xc3\x89mail");
}

TEST(QueryMappingTest, BadProductFiltersAreRefused) {
    EXPECT_NE(refusal(parse_product_query(params("sku=A,,B", kProducts))).find("'sku'"),
              std::string::npos);
    EXPECT_NE(refusal(parse_product_query(params("sku=A%20B", kProducts))).find("'A B'"),
              std::string::npos);
    std::string many = "sku=";
    for (int i = 0; i <= 500; ++i) many += (i ? ",S" : "S") + std::to_string(i);
    EXPECT_NE(refusal(parse_product_query(params(many, kProducts))).find("at most 500"),
              std::string::npos);
    EXPECT_NE(refusal(parse_product_query(params("q=", kProducts))).find("'q'"), std::string::npos);
    EXPECT_NE(refusal(parse_product_query(params("q=%01", kProducts))).find("'q'"),
              std::string::npos);
    EXPECT_NE(refusal(parse_product_query(params("archived=yes", kProducts))).find("'archived'"),
              std::string::npos);
    EXPECT_NE(refusal(parse_product_query(params("status=gone", kProducts))).find("'status'"),
              std::string::npos);
    EXPECT_NE(refusal(parse_product_query(params("limit=501", kProducts))).find("'limit'"),
              std::string::npos);
}

const std::vector<std::string_view> kOrders = {"status",  "sku",   "created_before",
                                               "overdue", "limit", "cursor"};

TEST(QueryMappingTest, OrderListsTakeStatusesSkuTimeAndOverdue) {
    auto q = parse_orders_query(params(
        "status=pending,acknowledged&sku=MUG&created_before=2026-12-01T00:00:00Z&overdue=true&"
        "cursor=ro_9",
        kOrders));
    ASSERT_TRUE(q.ok()) << q.error().message;
    EXPECT_EQ(q->statuses,
              (std::vector<OrderStatus>{OrderStatus::kPending, OrderStatus::kAcknowledged}));
    EXPECT_EQ(q->sku, "MUG");
    EXPECT_EQ(q->created_before_ms, 1796083200000);
    EXPECT_EQ(q->overdue, true);
    EXPECT_EQ(q->after_id, "ro_9");
    EXPECT_EQ(parse_orders_query(params("overdue=false", kOrders))->overdue, false);
    EXPECT_EQ(parse_orders_query({})->overdue, std::nullopt);
    EXPECT_NE(refusal(parse_orders_query(params("status=open", kOrders))).find("'open'"),
              std::string::npos);
    EXPECT_NE(refusal(parse_orders_query(params("created_before=yesterday", kOrders)))
                  .find("'created_before'"),
              std::string::npos);
    EXPECT_NE(refusal(parse_orders_query(params("overdue=1", kOrders))).find("'overdue'"),
              std::string::npos);
    EXPECT_NE(refusal(parse_orders_query(params("sku=a/b", kOrders))).find("'sku'"),
              std::string::npos);
}

const std::vector<std::string_view> kEvents = {"after", "type", "sku", "limit"};

TEST(QueryMappingTest, EventListsTakeTypesAndASku) {
    auto q =
        parse_events_query(params("after=5&type=stock.low,restock.ordered&sku=A", kEvents), false);
    ASSERT_TRUE(q.ok()) << q.error().message;
    EXPECT_EQ(q->query.after_seq, 5);
    EXPECT_EQ(q->query.types, (std::vector<std::string>{"stock.low", "restock.ordered"}));
    EXPECT_EQ(q->query.sku, "A");
    EXPECT_TRUE(q->forbidden_type.empty());
    EXPECT_NE(
        refusal(parse_events_query(params("type=stock.gone", kEvents), false)).find("'stock.gone'"),
        std::string::npos);
}

TEST(QueryMappingTest, AStorefrontReadsStockEventsOnly) {
    auto all = parse_events_query({}, true);
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all->query.types, (std::vector<std::string>{"stock.low", "stock.empty", "stock.short",
                                                          "stock.restored"}));
    auto asked = parse_events_query(params("type=stock.empty,restock.failed", kEvents), true);
    ASSERT_TRUE(asked.ok());
    EXPECT_EQ(asked->forbidden_type, "restock.failed");
    auto fine = parse_events_query(params("type=stock.empty", kEvents), true);
    ASSERT_TRUE(fine.ok());
    EXPECT_TRUE(fine->forbidden_type.empty());
    EXPECT_EQ(fine->query.types, std::vector<std::string>{"stock.empty"});
}

}  // namespace
}  // namespace restock::http
