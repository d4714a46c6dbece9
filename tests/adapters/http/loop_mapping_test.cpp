// JSON bodies of the restock loop's routes -> commands: factories, subscriptions, queue policy
// patches and the legacy factory callback. Strict about fields and types; messages name the field.
#include <gtest/gtest.h>

#include <string>

#include "adapters/http/request_mapping.h"

namespace restock::http {
namespace {

template <typename T>
Error expect_invalid(const Result<T>& result, std::string_view words,
                     std::string_view slug = "invalid-request") {
    if (result.ok()) {
        ADD_FAILURE() << "accepted; expected an error mentioning " << words;
        return Error{ErrorCode::kInternal, "", ""};
    }
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(result.error().slug, slug);
    EXPECT_NE(result.error().message.find(words), std::string::npos) << result.error().message;
    return result.error();
}

// --- factories ----------------------------------------------------------------------------------

TEST(ParseFactoryTest, RequiredAndDefaults) {
    auto f = parse_factory(R"({"id":"factory-1","url":"http://127.0.0.1:9000"})");
    ASSERT_TRUE(f.ok()) << f.error().message;
    EXPECT_EQ(f->id, "factory-1");
    EXPECT_EQ(f->url, "http://127.0.0.1:9000");
    EXPECT_EQ(f->format, "legacy");
    EXPECT_EQ(f->timeout_ms, 5000);
}

TEST(ParseFactoryTest, AllFields) {
    auto f = parse_factory(
        R"({"id":"f-2","url":"https://factory.example.com/base","format":"legacy","timeout_ms":250})");
    ASSERT_TRUE(f.ok()) << f.error().message;
    EXPECT_EQ(f->url, "https://factory.example.com/base");
    EXPECT_EQ(f->timeout_ms, 250);
}

TEST(ParseFactoryTest, Rejections) {
    expect_invalid(parse_factory(R"({"url":"http://f"})"), "missing field 'id'");
    expect_invalid(parse_factory(R"({"id":"f"})"), "missing field 'url'");
    expect_invalid(parse_factory(R"({"id":"f","url":"http://f","secret":"x"})"),
                   "unknown field 'secret'");
    expect_invalid(parse_factory(R"({"id":7,"url":"http://f"})"),
                   "'id' must be a string, not an integer");
    expect_invalid(parse_factory(R"({"id":"f","url":"http://f","timeout_ms":"5000"})"),
                   "'timeout_ms' must be an integer, not a string");
    expect_invalid(parse_factory(R"({"id":"f","url":"http://f","timeout_ms":1.5})"),
                   "'timeout_ms' must be a whole number");
    expect_invalid(parse_factory(R"({"id":"f","url":"http://f","format":null})"),
                   "'format' must be a string, not null");
    expect_invalid(parse_factory(R"({"id":"f","url":"http://f","format":"json"})"), "format");
    expect_invalid(parse_factory(R"({"id":"f","url":"http://f","timeout_ms":99})"), "timeout_ms");
    expect_invalid(parse_factory(R"({"id":"f","url":"ftp://f"})"), "url");
    expect_invalid(parse_factory(R"({"id":"f","url":"http://f?k=v"})"), "query");
    expect_invalid(parse_factory(R"({"id":"","url":"http://f"})"), "id");
    expect_invalid(parse_factory("[]"), "must be a JSON object");
    expect_invalid(parse_factory("{"), "malformed JSON", "invalid-json");
}

// --- subscriptions ------------------------------------------------------------------------------

TEST(ParseSubscriptionTest, QueueWithFilter) {
    auto s = parse_subscription(
        "stock-events",
        R"({"protocol":"queue","endpoint":"ad-control","filter":{"type":["stock.empty","stock.restored"]}})");
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->topic, "stock-events");
    EXPECT_EQ(s->protocol, Protocol::kQueue);
    EXPECT_EQ(s->endpoint, "ad-control");
    EXPECT_EQ(s->event_types, (std::vector<std::string>{"stock.empty", "stock.restored"}));
    EXPECT_TRUE(s->id.empty());      // assigned by the engine
    EXPECT_TRUE(s->secret.empty());  // likewise
}

TEST(ParseSubscriptionTest, NoOrNullFilterMeansEveryEvent) {
    auto s = parse_subscription("stock-events",
                                R"({"protocol":"webhook","endpoint":"https://h.test/x"})");
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->protocol, Protocol::kWebhook);
    EXPECT_TRUE(s->event_types.empty());
    s = parse_subscription("stock-events",
                           R"({"protocol":"email","endpoint":"a@b.test","filter":null})");
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->protocol, Protocol::kEmail);
    EXPECT_TRUE(s->event_types.empty());
}

TEST(ParseSubscriptionTest, TheTopicComesFromThePath) {
    // The mapper takes it as given; the engine answers topic-not-found (engine_loop_test).
    auto s = parse_subscription("other", R"({"protocol":"queue","endpoint":"ad-control"})");
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->topic, "other");
}

TEST(ParseSubscriptionTest, Rejections) {
    const std::string topic = "stock-events";
    expect_invalid(parse_subscription(topic, R"({"endpoint":"ad-control"})"),
                   "missing field 'protocol'");
    expect_invalid(parse_subscription(topic, R"({"protocol":"queue"})"),
                   "missing field 'endpoint'");
    expect_invalid(parse_subscription(topic, R"({"protocol":"sqs","endpoint":"q"})"),
                   "'protocol' must be queue, webhook or email");
    expect_invalid(parse_subscription(topic, R"({"protocol":1,"endpoint":"q"})"),
                   "'protocol' must be a string, not an integer");
    expect_invalid(parse_subscription(topic, R"({"protocol":"queue","endpoint":"q","secret":"s"})"),
                   "unknown field 'secret'");
    expect_invalid(parse_subscription(topic, R"({"protocol":"queue","endpoint":["q"]})"),
                   "'endpoint' must be a string, not an array");
    expect_invalid(
        parse_subscription(topic, R"({"protocol":"queue","endpoint":"q","filter":["stock.low"]})"),
        "'filter' must be an object");
    expect_invalid(parse_subscription(topic, R"({"protocol":"queue","endpoint":"q","filter":{}})"),
                   "missing field 'filter.type'");
    expect_invalid(
        parse_subscription(topic,
                           R"({"protocol":"queue","endpoint":"q","filter":{"type":"stock.low"}})"),
        "'filter.type' must be an array, not a string");
    expect_invalid(
        parse_subscription(topic, R"({"protocol":"queue","endpoint":"q","filter":{"type":[1]}})"),
        "'filter.type' must be an array of strings");
    expect_invalid(
        parse_subscription(
            topic, R"({"protocol":"queue","endpoint":"q","filter":{"type":[],"sku":["A"]}})"),
        "unknown field 'filter.sku'");
    expect_invalid(
        parse_subscription(topic,
                           R"({"protocol":"queue","endpoint":"q","filter":{"type":["stock.lo"]}})"),
        "unknown event type 'stock.lo'");
    expect_invalid(parse_subscription(topic, R"({"protocol":"webhook","endpoint":"ftp://x"})"),
                   "URL");
    expect_invalid(parse_subscription(topic, R"({"protocol":"email","endpoint":"nobody"})"),
                   "email address");
    expect_invalid(parse_subscription(topic, R"({"protocol":"queue","endpoint":"a b"})"),
                   "queue name");
}

// --- queue policy patches -------------------------------------------------------------------

TEST(ParseQueuePatchTest, AnySubset) {
    auto p = parse_queue_patch("restock-orders", R"({"max_receive_count":6})");
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(p->queue, "restock-orders");
    EXPECT_EQ(p->max_receive_count, 6);
    EXPECT_FALSE(p->visibility_timeout_ms);
    EXPECT_FALSE(p->backoff_base_ms);
    EXPECT_FALSE(p->backoff_max_ms);

    p = parse_queue_patch(
        "ad-control",
        R"({"max_receive_count":2,"visibility_timeout_s":90,"backoff_base_ms":50,"backoff_max_ms":5000})");
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(p->max_receive_count, 2);
    EXPECT_EQ(p->visibility_timeout_ms, 90'000);  // seconds in, milliseconds inside
    EXPECT_EQ(p->backoff_base_ms, 50);
    EXPECT_EQ(p->backoff_max_ms, 5000);
}

TEST(ParseQueuePatchTest, VisibilityTimeoutIsOneSecondToTwelveHours) {
    EXPECT_EQ(parse_queue_patch("q", R"({"visibility_timeout_s":1})")->visibility_timeout_ms, 1000);
    EXPECT_EQ(parse_queue_patch("q", R"({"visibility_timeout_s":43200})")->visibility_timeout_ms,
              43'200'000);
    expect_invalid(parse_queue_patch("q", R"({"visibility_timeout_s":0})"),
                   "'visibility_timeout_s' must be between 1 and 43200");
    expect_invalid(parse_queue_patch("q", R"({"visibility_timeout_s":43201})"),
                   "'visibility_timeout_s' must be between 1 and 43200");
    expect_invalid(parse_queue_patch("q", R"({"visibility_timeout_s":-5})"), "between 1 and 43200");
    // Huge values must not overflow into the range when multiplied by 1000.
    expect_invalid(parse_queue_patch("q", R"({"visibility_timeout_s":9223372036854775})"),
                   "between 1 and 43200");
}

TEST(ParseQueuePatchTest, Rejections) {
    expect_invalid(parse_queue_patch("q", "{}"), "changes nothing");
    expect_invalid(parse_queue_patch("q", R"({"max_receive_count":2,"dlq":"x"})"),
                   "unknown field 'dlq'");
    expect_invalid(parse_queue_patch("q", R"({"visibility_timeout_ms":1000})"),
                   "unknown field 'visibility_timeout_ms'");
    expect_invalid(parse_queue_patch("q", R"({"max_receive_count":"4"})"),
                   "'max_receive_count' must be an integer, not a string");
    expect_invalid(parse_queue_patch("q", R"({"max_receive_count":null})"),
                   "'max_receive_count' must be an integer, not null");
    expect_invalid(parse_queue_patch("q", R"({"backoff_base_ms":2.5})"), "whole number");
    expect_invalid(parse_queue_patch("q", R"({"backoff_max_ms":true})"),
                   "'backoff_max_ms' must be an integer, not a boolean");
    expect_invalid(parse_queue_patch("q", "[]"), "must be a JSON object");
}

// --- the legacy factory callback --------------------------------------------------------------

TEST(ParseFactoryCallbackTest, WithoutAShipmentIdTheQuantityIdentifiesTheShipment) {
    auto c = parse_factory_callback(
        "ro_7", R"({"MessageAttributeProductId":"SKU-1","MessageAttributeProductCnt":12})");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->order_id, "ro_7");
    EXPECT_EQ(c->sku, "SKU-1");
    EXPECT_EQ(c->qty, 12);
    EXPECT_EQ(c->shipment, "qty-12");
}

TEST(ParseFactoryCallbackTest, AShipmentIdIsUsedAsGiven) {
    auto c = parse_factory_callback(
        "ro_7",
        R"({"MessageAttributeProductId":"SKU-1","MessageAttributeProductCnt":12,"MessageAttributeShipmentId":"box 3/4"})");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->shipment, "id-box 3/4");
    // A shipment id that looks like a derived one cannot collide with it.
    auto lookalike = parse_factory_callback(
        "ro_7",
        R"({"MessageAttributeProductId":"SKU-1","MessageAttributeProductCnt":12,"MessageAttributeShipmentId":"qty-12"})");
    ASSERT_TRUE(lookalike.ok());
    EXPECT_NE(lookalike->shipment, "qty-12");
}

TEST(ParseFactoryCallbackTest, Rejections) {
    const std::string order = "ro_7";
    expect_invalid(parse_factory_callback(order, R"({"MessageAttributeProductCnt":1})"),
                   "missing field 'MessageAttributeProductId'");
    expect_invalid(parse_factory_callback(order, R"({"MessageAttributeProductId":"A"})"),
                   "missing field 'MessageAttributeProductCnt'");
    expect_invalid(
        parse_factory_callback(
            order,
            R"({"MessageAttributeProductId":"A","MessageAttributeProductCnt":1,"MessageGroupId":"g"})"),
        "unknown field 'MessageGroupId'");
    expect_invalid(
        parse_factory_callback(
            order, R"({"MessageAttributeProductId":"A","MessageAttributeProductCnt":"1"})"),
        "'MessageAttributeProductCnt' must be an integer, not a string");
    expect_invalid(
        parse_factory_callback(
            order, R"({"MessageAttributeProductId":"A","MessageAttributeProductCnt":1.0})"),
        "whole number");
    expect_invalid(parse_factory_callback(
                       order, R"({"MessageAttributeProductId":5,"MessageAttributeProductCnt":1})"),
                   "'MessageAttributeProductId' must be a string, not an integer");
    expect_invalid(
        parse_factory_callback(
            order, R"({"MessageAttributeProductId":"A B","MessageAttributeProductCnt":1})"),
        "'MessageAttributeProductId' is not a valid sku");
    for (const char* qty : {"0", "-1", "1000000001"}) {
        expect_invalid(
            parse_factory_callback(order, std::string(R"({"MessageAttributeProductId":"A",)") +
                                              R"("MessageAttributeProductCnt":)" + qty + "}"),
            "'MessageAttributeProductCnt' must be between 1 and 1000000000");
    }
    EXPECT_TRUE(parse_factory_callback(order, R"({"MessageAttributeProductId":"A",)"
                                              R"("MessageAttributeProductCnt":1000000000})")
                    .ok());
    expect_invalid(
        parse_factory_callback(
            order,
            R"({"MessageAttributeProductId":"A","MessageAttributeProductCnt":1,"MessageAttributeShipmentId":7})"),
        "'MessageAttributeShipmentId' must be a string, not an integer");
    for (const std::string& shipment : {std::string(""), std::string(65, 's'), std::string(" s"),
                                        std::string("s\\tt"), std::string("\xc3\xa9")}) {
        expect_invalid(
            parse_factory_callback(
                order, R"({"MessageAttributeProductId":"A","MessageAttributeProductCnt":1,)"
                       R"("MessageAttributeShipmentId":")" +
                           shipment + "\"}"),
            "'MessageAttributeShipmentId' must be 1 to 64 printable ASCII characters");
    }
    expect_invalid(parse_factory_callback(order, "MessageAttributeProductId=A"), "malformed JSON",
                   "invalid-json");
    expect_invalid(parse_factory_callback(order, ""), "unexpected end", "invalid-json");
}

}  // namespace
}  // namespace restock::http
