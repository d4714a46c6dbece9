// Topic subscriptions and factories: filters, endpoint syntax per protocol, factory settings.
#include "core/subscription.h"

#include <gtest/gtest.h>

#include <string>

namespace restock {
namespace {

Subscription subscription(Protocol protocol, std::string endpoint,
                          std::vector<std::string> types = {}) {
    Subscription s;
    s.topic = std::string(kStockEventsTopic);
    s.protocol = protocol;
    s.endpoint = std::move(endpoint);
    s.event_types = std::move(types);
    return s;
}

Factory factory(std::string url = "http://127.0.0.1:9000") {
    Factory f;
    f.id = "factory-1";
    f.url = std::move(url);
    return f;
}

void expect_invalid(const Status& status, const std::string& words) {
    ASSERT_FALSE(status.ok()) << "expected an error mentioning '" << words << "'";
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(status.error().slug, "invalid-request");
    EXPECT_NE(status.error().message.find(words), std::string::npos) << status.error().message;
}

void expect_valid(const Status& status) {
    EXPECT_TRUE(status.ok()) << (status.ok() ? "" : status.error().message);
}

// --- matches ------------------------------------------------------------------------------

TEST(SubscriptionMatchesTest, NoFilterMatchesEverything) {
    const Subscription s = subscription(Protocol::kQueue, "restock-orders");
    EXPECT_TRUE(matches(s, "stock.low"));
    EXPECT_TRUE(matches(s, "restock.failed"));
    EXPECT_TRUE(matches(s, "anything"));
}

TEST(SubscriptionMatchesTest, FilterMatchesListedTypesExactly) {
    const Subscription s =
        subscription(Protocol::kQueue, "restock-orders", {"stock.low", "stock.empty"});
    EXPECT_TRUE(matches(s, "stock.low"));
    EXPECT_TRUE(matches(s, "stock.empty"));
    EXPECT_FALSE(matches(s, "stock.restored"));
    EXPECT_FALSE(matches(s, "stock"));
    EXPECT_FALSE(matches(s, "stock.low "));
    EXPECT_FALSE(matches(s, "STOCK.LOW"));
    EXPECT_FALSE(matches(s, ""));
}

TEST(ProtocolTest, NamesRoundTrip) {
    for (auto p : {Protocol::kQueue, Protocol::kWebhook, Protocol::kEmail}) {
        ASSERT_TRUE(parse_protocol(to_string(p)));
        EXPECT_EQ(*parse_protocol(to_string(p)), p);
    }
    EXPECT_EQ(to_string(Protocol::kWebhook), "webhook");
    EXPECT_FALSE(parse_protocol("sqs"));
    EXPECT_FALSE(parse_protocol("Queue"));
    EXPECT_FALSE(parse_protocol(""));
}

// --- validate_subscription --------------------------------------------------------------------

TEST(ValidateSubscriptionTest, QueueEndpointIsAQueueName) {
    expect_valid(validate_subscription(subscription(Protocol::kQueue, "restock-orders")));
    expect_valid(validate_subscription(subscription(Protocol::kQueue, "q.1_x")));
    expect_invalid(validate_subscription(subscription(Protocol::kQueue, "")), "queue name");
    expect_invalid(validate_subscription(subscription(Protocol::kQueue, "a b")), "queue name");
    expect_invalid(validate_subscription(subscription(Protocol::kQueue, "a/b")), "queue name");
    expect_invalid(validate_subscription(subscription(Protocol::kQueue, std::string(65, 'q'))),
                   "queue name");
}

TEST(ValidateSubscriptionTest, WebhookEndpointIsAnHttpUrl) {
    for (const char* good : {"http://example.com/hook", "https://example.com",
                             "http://127.0.0.1:8080/x?y=1", "https://h/p#frag"}) {
        expect_valid(validate_subscription(subscription(Protocol::kWebhook, good)));
    }
    for (const char* bad : {"", "ftp://example.com", "example.com", "http://", "https://",
                            "http:///path", "http://exa mple.com", "http://host/\x7f",
                            "http://h\xc3\xa9.example", "http://host/\n", "mailto:a@b"}) {
        expect_invalid(validate_subscription(subscription(Protocol::kWebhook, bad)), "URL");
    }
    expect_valid(validate_subscription(
        subscription(Protocol::kWebhook, "http://h/" + std::string(2048 - 9, 'p'))));
    expect_invalid(validate_subscription(
                       subscription(Protocol::kWebhook, "http://h/" + std::string(2048 - 8, 'p'))),
                   "URL");
}

TEST(ValidateSubscriptionTest, EmailEndpointIsOneAddress) {
    for (const char* good : {"admin@example.com", "a@b", "first.last+tag@sub.example.org"}) {
        expect_valid(validate_subscription(subscription(Protocol::kEmail, good)));
    }
    for (const char* bad :
         {"", "admin", "@example.com", "admin@", "a@b@c", "a b@c", "<a@b>", "a@b>",
          "a@b\r\nBcc: victim@example.com", "a@b\n", "\xc3\xa9@example.com", " a@b", "a@b "}) {
        expect_invalid(validate_subscription(subscription(Protocol::kEmail, bad)), "email address");
    }
    expect_invalid(validate_subscription(subscription(
                       Protocol::kEmail, std::string(250, 'a') + "@b.cd")),  // 255 characters
                   "email address");
}

TEST(ValidateSubscriptionTest, FilterTypesMustBeKnown) {
    expect_valid(validate_subscription(
        subscription(Protocol::kQueue, "ad-control",
                     {"stock.low", "stock.empty", "stock.restored", "restock.ordered",
                      "restock.accepted", "restock.received", "restock.failed"})));
    expect_invalid(
        validate_subscription(subscription(Protocol::kQueue, "ad-control", {"stock.gone"})),
        "unknown event type 'stock.gone'");
    expect_invalid(validate_subscription(subscription(Protocol::kQueue, "ad-control", {""})),
                   "unknown event type");
    expect_invalid(validate_subscription(subscription(Protocol::kQueue, "ad-control", {"stock.*"})),
                   "unknown event type");
}

TEST(ValidateSubscriptionTest, AtMostSixteenFilterTypes) {
    std::vector<std::string> types(16, "stock.low");
    expect_valid(validate_subscription(subscription(Protocol::kQueue, "ad-control", types)));
    types.push_back("stock.low");
    expect_invalid(validate_subscription(subscription(Protocol::kQueue, "ad-control", types)),
                   "at most 16");
}

// --- validate_factory -----------------------------------------------------------------------

TEST(ValidateFactoryTest, AcceptsAGoodFactory) {
    expect_valid(validate_factory(factory()));
    expect_valid(validate_factory(factory("https://factory.example.com/base")));
}

TEST(ValidateFactoryTest, Id) {
    Factory f = factory();
    f.id = "";
    expect_invalid(validate_factory(f), "id");
    f.id = std::string(64, 'f');
    expect_valid(validate_factory(f));
    f.id = std::string(65, 'f');
    expect_invalid(validate_factory(f), "id");
    f.id = "factory\n1";
    expect_invalid(validate_factory(f), "id");
    f.id = " factory";
    expect_invalid(validate_factory(f), "id");
    f.id = "Factory #1 (east)";  // printable ASCII, inner spaces allowed
    expect_valid(validate_factory(f));
}

TEST(ValidateFactoryTest, Url) {
    for (const char* bad : {"", "factory.example.com", "ftp://f", "http://", "http:///x",
                            "http://f actory", "https://f/\t"}) {
        expect_invalid(validate_factory(factory(bad)), "url must be an http");
    }
    expect_invalid(validate_factory(factory("http://f/?key=1")), "must not have a query");
    expect_invalid(validate_factory(factory("http://f?")), "must not have a query");
}

TEST(ValidateFactoryTest, FormatIsLegacyOnly) {
    Factory f = factory();
    f.format = "modern";
    expect_invalid(validate_factory(f), "format");
    f.format = "";
    expect_invalid(validate_factory(f), "format");
    f.format = "Legacy";
    expect_invalid(validate_factory(f), "format");
}

TEST(ValidateFactoryTest, TimeoutBetween100MsAndTwoMinutes) {
    Factory f = factory();
    EXPECT_EQ(f.timeout_ms, 5000);  // the default is valid
    for (int64_t good : {100, 5000, 120'000}) {
        f.timeout_ms = good;
        expect_valid(validate_factory(f));
    }
    for (int64_t bad : {-1, 0, 99, 120'001}) {
        f.timeout_ms = bad;
        expect_invalid(validate_factory(f), "timeout_ms");
    }
}

}  // namespace
}  // namespace restock
