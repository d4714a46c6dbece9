// parse_manufacture_request and callback_body: the legacy factory's wire format.
#include "factory_sim/legacy_order.h"

#include <gtest/gtest.h>

namespace restock::factory_sim {
namespace {

constexpr const char* kValid =
    R"({"MessageGroupId":"stock-arrival-group","MessageAttributeProductId":"SKU-1",)"
    R"("MessageAttributeProductCnt":12,"MessageAttributeFactoryId":"f1",)"
    R"("MessageAttributeRequester":"restock",)"
    R"("CallbackUrl":"http://127.0.0.1:8080/v1/factory/callbacks/7?token=abc"})";

std::string with(std::string_view member, std::string_view replacement) {
    std::string body = kValid;
    const auto at = body.find("\"" + std::string(member) + "\"");
    const auto end = body.find_first_of(",}", body.find(':', at) + 1);
    // CallbackUrl contains no ',' or '}', so the value ends at the next one.
    body.replace(at, end - at, replacement);
    return body;
}

TEST(ParseManufactureRequestTest, ReadsAllMembers) {
    auto request = parse_manufacture_request(kValid);
    ASSERT_TRUE(request.ok()) << request.error().message;
    EXPECT_EQ(request->group_id, "stock-arrival-group");
    EXPECT_EQ(request->product_id, "SKU-1");
    EXPECT_EQ(request->qty, 12);
    EXPECT_EQ(request->factory_id, "f1");
    EXPECT_EQ(request->requester, "restock");
    EXPECT_EQ(request->callback_url, "http://127.0.0.1:8080/v1/factory/callbacks/7?token=abc");
}

TEST(ParseManufactureRequestTest, IgnoresUnknownMembers) {
    std::string body = kValid;
    body.insert(1, R"("Extra":[1,2],)");
    EXPECT_TRUE(parse_manufacture_request(body).ok());
}

TEST(ParseManufactureRequestTest, RejectsMissingAndMistypedMembers) {
    const std::vector<std::string> bad = {
        "",
        "[]",
        "{",
        with("MessageGroupId", R"("x":1)"),
        with("MessageAttributeProductId", R"("MessageAttributeProductId":"")"),
        with("MessageAttributeProductId", R"("MessageAttributeProductId":7)"),
        with("MessageAttributeProductCnt", R"("MessageAttributeProductCnt":0)"),
        with("MessageAttributeProductCnt", R"("MessageAttributeProductCnt":-3)"),
        with("MessageAttributeProductCnt", R"("MessageAttributeProductCnt":1.5)"),
        with("MessageAttributeProductCnt", R"("MessageAttributeProductCnt":"12")"),
        with("MessageAttributeFactoryId", R"("MessageAttributeFactoryId":null)"),
        with("MessageAttributeRequester", R"("x":"y")"),
        with("CallbackUrl", R"("CallbackUrl":"ftp://h/cb")"),
        with("CallbackUrl", R"("CallbackUrl":"http://")"),
        with("CallbackUrl", R"("CallbackUrl":"http:///cb")"),
        with("CallbackUrl", R"("CallbackUrl":"http://h/a b")"),
        with("CallbackUrl", R"("CallbackUrl":"/relative")"),
    };
    for (const auto& body : bad) {
        auto request = parse_manufacture_request(body);
        EXPECT_FALSE(request.ok()) << body;
        if (!request.ok()) {
            EXPECT_EQ(request.error().code, ErrorCode::kInvalidArgument);
            EXPECT_EQ(request.error().message.find("token=abc"), std::string::npos);
        }
    }
}

TEST(ParseManufactureRequestTest, AcceptsHttps) {
    auto request = parse_manufacture_request(
        with("CallbackUrl", R"("CallbackUrl":"HTTPS://shop.example/cb/1?token=x")"));
    EXPECT_TRUE(request.ok());
}

TEST(CallbackBodyTest, ExactJson) {
    EXPECT_EQ(callback_body("SKU-1", 12),
              R"({"MessageAttributeProductId":"SKU-1","MessageAttributeProductCnt":12})");
    EXPECT_EQ(callback_body("a\"b", 1),
              R"({"MessageAttributeProductId":"a\"b","MessageAttributeProductCnt":1})");
}

}  // namespace
}  // namespace restock::factory_sim
