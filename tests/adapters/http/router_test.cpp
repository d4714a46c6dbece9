// Method + path -> route, the Allow list for 405, and percent-decoding of path parameters.
#include "adapters/http/router.h"

#include <gtest/gtest.h>

namespace restock::http {
namespace {

RouteMatch expect_route(std::string_view method, std::string_view path, RouteId id) {
    Routing routing = route(method, path);
    const auto* match = std::get_if<RouteMatch>(&routing);
    if (match == nullptr) {
        ADD_FAILURE() << method << " " << path << " did not match";
        return RouteMatch{RouteId::kHealth, "", ""};
    }
    EXPECT_EQ(match->id, id) << method << " " << path;
    return *match;
}

std::string expect_not_allowed(std::string_view method, std::string_view path) {
    Routing routing = route(method, path);
    const auto* not_allowed = std::get_if<MethodNotAllowed>(&routing);
    if (not_allowed == nullptr) {
        ADD_FAILURE() << method << " " << path << " was not a 405";
        return "";
    }
    return not_allowed->allow;
}

void expect_no_route(std::string_view method, std::string_view path) {
    EXPECT_TRUE(std::holds_alternative<NoRoute>(route(method, path))) << method << " " << path;
}

TEST(RouterTest, EveryRoute) {
    expect_route("GET", "/healthz", RouteId::kHealth);
    expect_route("GET", "/metrics", RouteId::kMetrics);
    expect_route("POST", "/v1/products", RouteId::kCreateProduct);
    expect_route("GET", "/v1/products", RouteId::kListProducts);
    EXPECT_EQ(expect_route("GET", "/v1/products/SKU-1", RouteId::kGetProduct).param, "SKU-1");
    EXPECT_EQ(expect_route("PATCH", "/v1/products/SKU-1", RouteId::kPatchProduct).param, "SKU-1");
    expect_route("POST", "/v1/checkout", RouteId::kCheckout);
    EXPECT_EQ(expect_route("POST", "/v1/stock/A/receipts", RouteId::kReceipt).param, "A");
    EXPECT_EQ(expect_route("POST", "/v1/stock/B/adjustments", RouteId::kAdjustment).param, "B");
    EXPECT_EQ(expect_route("GET", "/v1/stock/C/movements", RouteId::kMovements).param, "C");
    expect_route("GET", "/v1/events", RouteId::kEvents);
}

TEST(RouterTest, RestockLoopRoutes) {
    expect_route("POST", "/v1/factories", RouteId::kCreateFactory);
    expect_route("GET", "/v1/factories", RouteId::kListFactories);
    EXPECT_EQ(expect_route("GET", "/v1/factories/f-1", RouteId::kGetFactory).param, "f-1");
    expect_route("GET", "/v1/restock-orders", RouteId::kListOrders);
    EXPECT_EQ(expect_route("GET", "/v1/restock-orders/ro_1", RouteId::kGetOrder).param, "ro_1");
    EXPECT_EQ(expect_route("POST", "/v1/restock-orders/ro_3/cancel", RouteId::kCancelOrder).param,
              "ro_3");
    EXPECT_EQ(expect_route("POST", "/v1/factory/callbacks/ro_2", RouteId::kFactoryCallback).param,
              "ro_2");
    expect_route("GET", "/v1/queues", RouteId::kListQueues);
    EXPECT_EQ(expect_route("PATCH", "/v1/queues/q", RouteId::kPatchQueue).param, "q");
    EXPECT_EQ(expect_route("GET", "/v1/queues/q/messages", RouteId::kPeekQueue).param, "q");
    expect_route("DELETE", "/v1/queues/q/messages", RouteId::kPurgeQueue);
    expect_route("POST", "/v1/queues/q/redrive", RouteId::kRedriveQueue);
    const RouteMatch deleted =
        expect_route("DELETE", "/v1/queues/q/messages/42", RouteId::kDeleteMessage);
    EXPECT_EQ(deleted.param, "q");
    EXPECT_EQ(deleted.second, "42");
    const RouteMatch redriven = expect_route(
        "POST", "/v1/queues/stock-empty-dlq/messages/7/redrive", RouteId::kRedriveMessage);
    EXPECT_EQ(redriven.param, "stock-empty-dlq");
    EXPECT_EQ(redriven.second, "7");
    expect_route("GET", "/v1/topics", RouteId::kListTopics);
    expect_route("GET", "/v1/topics/t/subscriptions", RouteId::kListSubscriptions);
    expect_route("POST", "/v1/topics/t/subscriptions", RouteId::kCreateSubscription);
}

TEST(RouterTest, TwoParametersAreCapturedInOrder) {
    const RouteMatch match = expect_route("DELETE", "/v1/topics/stock-events/subscriptions/sub%5F1",
                                          RouteId::kDeleteSubscription);
    EXPECT_EQ(match.param, "stock-events");
    EXPECT_EQ(match.second, "sub_1");
    EXPECT_EQ(expect_route("GET", "/v1/products/A", RouteId::kGetProduct).second, "");
}

TEST(RouterTest, RoutesWithoutParametersCaptureNothing) {
    EXPECT_EQ(expect_route("GET", "/v1/products", RouteId::kListProducts).param, "");
}

TEST(RouterTest, MethodNotAllowedListsTheAllowedMethods) {
    EXPECT_EQ(expect_not_allowed("DELETE", "/v1/products"), "POST, GET");
    EXPECT_EQ(expect_not_allowed("PUT", "/v1/products/SKU-1"), "GET, PATCH, DELETE");
    EXPECT_EQ(expect_not_allowed("GET", "/v1/checkout"), "POST");
    EXPECT_EQ(expect_not_allowed("GET", "/v1/stock/A/receipts"), "POST");
    EXPECT_EQ(expect_not_allowed("POST", "/v1/stock/A/movements"), "GET");
    EXPECT_EQ(expect_not_allowed("POST", "/healthz"), "GET");
    EXPECT_EQ(expect_not_allowed("HEAD", "/v1/events"), "GET");
    EXPECT_EQ(expect_not_allowed("POST", "/v1/queues/q/messages"), "GET, DELETE");
    EXPECT_EQ(expect_not_allowed("GET", "/v1/queues/q/messages/1"), "DELETE");
    EXPECT_EQ(expect_not_allowed("DELETE", "/v1/queues/q/messages/1/redrive"), "POST");
    EXPECT_EQ(expect_not_allowed("PUT", "/v1/topics/t/subscriptions"), "GET, POST");
    EXPECT_EQ(expect_not_allowed("GET", "/v1/topics/t/subscriptions/s"), "DELETE");
}

TEST(RouterTest, MethodsAreCaseSensitive) {
    EXPECT_EQ(expect_not_allowed("get", "/healthz"), "GET");
}

TEST(RouterTest, NoRoute) {
    expect_no_route("GET", "");
    expect_no_route("GET", "healthz");
    expect_no_route("GET", "/");
    expect_no_route("GET", "/nope");
    expect_no_route("GET", "/v1");
    expect_no_route("GET", "/v1/products/");        // empty sku
    expect_no_route("GET", "/v1/products/A/B");     // too deep
    expect_no_route("GET", "/v1/stock//receipts");  // empty sku
    expect_no_route("POST", "/v1/stock/A/transfers");
    expect_no_route("GET", "/healthz/");
    expect_no_route("GET", "//healthz");
    expect_no_route("GET", "/V1/products");  // paths are case-sensitive
}

TEST(RouterTest, PathParametersArePercentDecoded) {
    EXPECT_EQ(expect_route("GET", "/v1/products/SKU%2D1", RouteId::kGetProduct).param, "SKU-1");
    EXPECT_EQ(expect_route("GET", "/v1/products/a%20b", RouteId::kGetProduct).param, "a b");
    // An encoded slash stays inside the segment (the handler then rejects it as a sku).
    EXPECT_EQ(expect_route("GET", "/v1/products/a%2Fb", RouteId::kGetProduct).param, "a/b");
    // '+' is literal in a path.
    EXPECT_EQ(expect_route("GET", "/v1/products/a+b", RouteId::kGetProduct).param, "a+b");
}

TEST(RouterTest, MalformedEscapesDoNotMatch) {
    expect_no_route("GET", "/v1/products/%");
    expect_no_route("GET", "/v1/products/%4");
    expect_no_route("GET", "/v1/products/%zz");
    expect_no_route("GET", "/v1/products/a%g1");
}

TEST(PercentDecodeTest, Decodes) {
    EXPECT_EQ(percent_decode("", false), "");
    EXPECT_EQ(percent_decode("plain", false), "plain");
    EXPECT_EQ(percent_decode("%41%62%2f%2F", false), "Ab//");
    EXPECT_EQ(percent_decode("%41", false), "A");  // an escape at the very end
    EXPECT_EQ(percent_decode("a%41", false), "aA");
    EXPECT_EQ(percent_decode("%00", false), std::string(1, '\0'));
    EXPECT_EQ(percent_decode("%C3%A9", false), "\xc3\xa9");
    EXPECT_EQ(percent_decode("%25", false), "%");
    EXPECT_EQ(percent_decode("%2541", false), "%41");  // decoded once only
}

TEST(PercentDecodeTest, PlusIsASpaceOnlyInForms) {
    EXPECT_EQ(percent_decode("a+b", true), "a b");
    EXPECT_EQ(percent_decode("a+b", false), "a+b");
    EXPECT_EQ(percent_decode("a%2Bb", true), "a+b");
}

TEST(PercentDecodeTest, RejectsMalformedEscapes) {
    for (auto bad : {"%", "%4", "a%", "a%4", "%g0", "%0g", "%%", "% 1"}) {
        EXPECT_FALSE(percent_decode(bad, false)) << bad;
        EXPECT_FALSE(percent_decode(bad, true)) << bad;
    }
}

}  // namespace
}  // namespace restock::http
