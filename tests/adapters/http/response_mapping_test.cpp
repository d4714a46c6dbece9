// Outcomes -> HTTP replies, and RFC 9457 problem bodies.
#include "adapters/http/response_mapping.h"

#include <gtest/gtest.h>

#include "adapters/http/problem.h"
#include "app/event_json.h"
#include "json/json.h"

namespace restock::http {
namespace {

constexpr int64_t kAt = 1'700'000'000'123;  // 2023-11-14T22:13:20.123Z

json::Value parse_body(const Reply& reply) {
    auto parsed = json::parse(reply.body);
    EXPECT_TRUE(parsed.ok()) << reply.body;
    return parsed.ok() ? parsed.value() : json::Value();
}

Product sample_product() {
    Product p;
    p.id = 7;
    p.sku = "SKU-1";
    p.name = "Mug \"deluxe\"";
    p.on_hand = 10;
    p.reserved = 2;
    p.on_order = 5;
    p.settings.reorder_point = 3;
    p.settings.reorder_qty = 20;
    p.settings.factory_id = "f-1";
    p.created_at_ms = kAt;
    p.updated_at_ms = kAt + 1000;
    return p;
}

TEST(StatusForTest, EveryErrorCode) {
    EXPECT_EQ(status_for(ErrorCode::kInvalidArgument), 400);
    EXPECT_EQ(status_for(ErrorCode::kNotFound), 404);
    EXPECT_EQ(status_for(ErrorCode::kAlreadyExists), 409);
    EXPECT_EQ(status_for(ErrorCode::kConflict), 409);
    EXPECT_EQ(status_for(ErrorCode::kUnprocessable), 422);
    EXPECT_EQ(status_for(ErrorCode::kUnavailable), 503);
    EXPECT_EQ(status_for(ErrorCode::kInternal), 500);
}

TEST(ProblemTest, BodyIsAnRfc9457Document) {
    const std::string body =
        problem_body(409, "insufficient-stock", "not \"enough\"", "/v1/checkout", "req-1");
    auto parsed = json::parse(body);
    ASSERT_TRUE(parsed.ok()) << body;
    EXPECT_EQ(parsed->find("type")->as_string(), "https://restock.dev/problems/insufficient-stock");
    EXPECT_EQ(parsed->find("title")->as_string(), "Insufficient stock");
    EXPECT_EQ(parsed->find("status")->as_integer(), 409);
    EXPECT_EQ(parsed->find("detail")->as_string(), "not \"enough\"");
    EXPECT_EQ(parsed->find("instance")->as_string(), "/v1/checkout");
    EXPECT_EQ(parsed->find("request_id")->as_string(), "req-1");
}

TEST(ProblemTest, ExtraMembersAndUnknownSlugs) {
    const std::string body = problem_body(500, "mystery", "d", "/x", "r", ",\"extra\":[1]");
    auto parsed = json::parse(body);
    ASSERT_TRUE(parsed.ok()) << body;
    EXPECT_EQ(parsed->find("title")->as_string(), "Error");
    EXPECT_EQ(parsed->find("extra")->as_array().size(), 1u);
}

// Every type in docs/api.md's error table has a title of its own, not the generic one.
TEST(ProblemTest, EveryDocumentedTypeHasItsOwnTitle) {
    for (const char* slug : {"invalid-json",
                             "invalid-request",
                             "invalid-query",
                             "invalid-idempotency-key",
                             "bad-request",
                             "unauthorized",
                             "forbidden",
                             "not-found",
                             "product-not-found",
                             "order-not-found",
                             "factory-not-found",
                             "queue-not-found",
                             "topic-not-found",
                             "subscription-not-found",
                             "method-not-allowed",
                             "insufficient-stock",
                             "negative-stock",
                             "stock-limit",
                             "product-exists",
                             "duplicate-reference",
                             "order-closed",
                             "not-a-dlq",
                             "payload-too-large",
                             "headers-too-large",
                             "unsupported-media-type",
                             "unknown-sku",
                             "idempotency-key-reuse",
                             "sku-mismatch",
                             "unavailable"}) {
        const std::string body = problem_body(400, slug, "d", "/x", "r", "");
        auto parsed = json::parse(body);
        ASSERT_TRUE(parsed.ok()) << body;
        EXPECT_NE(parsed->find("title")->as_string(), "Error") << slug;
    }
}

TEST(ProblemTest, EveryUnavailableErrorIsTheUnavailableType) {
    // A failed read brings the store's own slug; clients get the documented 503 type.
    const Reply reply = problem_reply(
        make_error(ErrorCode::kUnavailable, "store-error", "read products: disk I/O error"),
        "/v1/products", "req-2");
    EXPECT_EQ(reply.status, 503);
    auto parsed = json::parse(reply.body);
    ASSERT_TRUE(parsed.ok()) << reply.body;
    EXPECT_EQ(parsed->find("type")->as_string(), "https://restock.dev/problems/unavailable");
    EXPECT_EQ(parsed->find("detail")->as_string(), "read products: disk I/O error");
}

TEST(ResponseMappingTest, ProductJson) {
    const json::Value v = parse_body(Reply{200, "", product_json(sample_product()), "", false});
    EXPECT_EQ(v.find("sku")->as_string(), "SKU-1");
    EXPECT_EQ(v.find("name")->as_string(), "Mug \"deluxe\"");
    EXPECT_EQ(v.find("on_hand")->as_integer(), 10);
    EXPECT_EQ(v.find("reserved")->as_integer(), 2);
    EXPECT_EQ(v.find("available")->as_integer(), 8);
    EXPECT_EQ(v.find("on_order")->as_integer(), 5);
    EXPECT_TRUE(v.find("order_up_to")->is_null());
    EXPECT_TRUE(v.find("ad_id")->is_null());
    EXPECT_EQ(v.find("status")->as_string(), "in_stock");
    EXPECT_EQ(v.find("created_at")->as_string(), "2023-11-14T22:13:20.123Z");
    EXPECT_EQ(v.find("updated_at")->as_string(), "2023-11-14T22:13:21.123Z");
}

TEST(ResponseMappingTest, CreatedProductIs201WithLocation) {
    const Reply reply = reply_for(ProductOutcome{sample_product(), true}, "/v1/products", "r");
    EXPECT_EQ(reply.status, 201);
    EXPECT_EQ(reply.location, "/v1/products/SKU-1");
    EXPECT_EQ(reply.content_type, "application/json");
    const Reply patched = reply_for(ProductOutcome{sample_product(), false}, "/v1/products", "r");
    EXPECT_EQ(patched.status, 200);
    EXPECT_TRUE(patched.location.empty());
}

TEST(ResponseMappingTest, ErrorsAreProblems) {
    const Reply reply = reply_for(
        make_error(ErrorCode::kNotFound, "product-not-found", "no product"), "/v1/p/x", "req-9");
    EXPECT_EQ(reply.status, 404);
    EXPECT_EQ(reply.content_type, "application/problem+json");
    const json::Value v = parse_body(reply);
    EXPECT_EQ(v.find("status")->as_integer(), 404);
    EXPECT_EQ(v.find("title")->as_string(), "Unknown product");
    EXPECT_EQ(v.find("request_id")->as_string(), "req-9");
}

TEST(ResponseMappingTest, Checkout) {
    CheckoutOutcome o{"o-1", {{"A", 2, 11, 8}, {"B", 1, 12, 0}}, kAt};
    const Reply reply = reply_for(o, "/v1/checkout", "r");
    EXPECT_EQ(reply.status, 200);
    const json::Value v = parse_body(reply);
    EXPECT_EQ(v.find("order_id")->as_string(), "o-1");
    EXPECT_EQ(v.find("status")->as_string(), "accepted");
    const auto& lines = v.find("lines")->as_array();
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[1].find("sku")->as_string(), "B");
    EXPECT_EQ(lines[1].find("movement_id")->as_integer(), 12);
    EXPECT_EQ(lines[1].find("available")->as_integer(), 0);
}

TEST(ResponseMappingTest, CheckoutRefusedIs409WithLines) {
    CheckoutRefused o{"o-\"1\"", {{"A", 5, 2}}};
    const Reply reply = reply_for(o, "/v1/checkout", "r");
    EXPECT_EQ(reply.status, 409);
    EXPECT_EQ(reply.content_type, "application/problem+json");
    const json::Value v = parse_body(reply);
    EXPECT_EQ(v.find("type")->as_string(), "https://restock.dev/problems/insufficient-stock");
    EXPECT_EQ(v.find("order_id")->as_string(), "o-\"1\"");
    const auto& lines = v.find("lines")->as_array();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].find("requested")->as_integer(), 5);
    EXPECT_EQ(lines[0].find("available")->as_integer(), 2);
}

TEST(ResponseMappingTest, MovementIs201OrReplayed200) {
    Movement m;
    m.id = 3;
    m.kind = MovementKind::kReceipt;
    m.delta = 5;
    m.on_hand_after = 15;
    m.reference = "ship-1";
    m.at_ms = kAt;
    const Reply booked = reply_for(MovementOutcome{m, sample_product(), false}, "/x", "r");
    EXPECT_EQ(booked.status, 201);
    const json::Value v = parse_body(booked);
    EXPECT_EQ(v.find("movement")->find("kind")->as_string(), "receipt");
    EXPECT_EQ(v.find("movement")->find("sku")->as_string(), "SKU-1");
    EXPECT_EQ(v.find("product")->find("sku")->as_string(), "SKU-1");
    EXPECT_FALSE(v.find("replayed")->as_bool());
    const Reply replay = reply_for(MovementOutcome{m, sample_product(), true}, "/x", "r");
    EXPECT_EQ(replay.status, 200);
    EXPECT_TRUE(parse_body(replay).find("replayed")->as_bool());
}

TEST(ResponseMappingTest, StoredResponsesReplayVerbatim) {
    StoredResponse stored;
    stored.status = 201;
    stored.body = "{\"a\":1}";
    stored.location = "/v1/products/A";
    const Reply ok = reply_for(stored, "/x", "r");
    EXPECT_EQ(ok.status, 201);
    EXPECT_EQ(ok.body, "{\"a\":1}");
    EXPECT_EQ(ok.location, "/v1/products/A");
    EXPECT_TRUE(ok.replayed);
    EXPECT_EQ(ok.content_type, "application/json");
    stored.status = 409;
    const Reply problem = reply_for(stored, "/x", "r");
    EXPECT_EQ(problem.content_type, "application/problem+json");
}

TEST(ResponseMappingTest, EventJson) {
    Event e;
    e.seq = 4;
    e.id = "evt_db_4";
    e.type = EventType::kStockEmpty;
    e.sku = "SKU-1";
    e.figures = StockFigures{0, 0, 0, 5, 5, 3};
    e.cause = "checkout";
    e.at_ms = kAt;
    std::string body;
    json::Writer w(body);
    write_event(w, e);
    auto v = json::parse(body);
    ASSERT_TRUE(v.ok()) << body;
    EXPECT_EQ(v->find("type")->as_string(), "stock.empty");
    EXPECT_EQ(v->find("data")->find("position")->as_integer(), 5);
    EXPECT_EQ(v->find("at")->as_string(), "2023-11-14T22:13:20.123Z");
}

}  // namespace
}  // namespace restock::http
