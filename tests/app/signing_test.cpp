// Callback tokens (legacy factory callbacks) and Standard Webhooks signatures, checked against
// values computed independently here with OpenSSL, and against the Standard Webhooks vector.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <string>

#include "app/callback_token.h"
#include "app/functions/notifier.h"

namespace restock {
namespace {

std::string openssl_hmac_sha256(const std::string& key, const std::string& message) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), out, &length);
    return std::string(reinterpret_cast<const char*>(out), length);
}

std::string openssl_base64(const std::string& raw) {
    std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(raw.data()),
                                  static_cast<int>(raw.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::string openssl_unbase64(const std::string& text) {
    std::string out(text.size(), '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(text.size()));
    EXPECT_GE(n, 0) << text;
    std::size_t padding = 0;
    for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) ++padding;
    out.resize(static_cast<std::size_t>(std::max(n, 0)) - padding);
    return out;
}

std::string base64url_unpadded(std::string text) {
    for (auto& c : text) {
        if (c == '+') c = '-';
        if (c == '/') c = '_';
    }
    while (!text.empty() && text.back() == '=') text.pop_back();
    return text;
}

// --- callback tokens ----------------------------------------------------------------------------

TEST(CallbackTokenTest, IsBase64UrlOfHmacOverThePrefixedOrderId) {
    const std::string secret = "s3cret-key";
    for (const char* order : {"ro_1", "ro_42", "ro_123456789"}) {
        const std::string expected = base64url_unpadded(
            openssl_base64(openssl_hmac_sha256(secret, std::string("restock-callback:") + order)));
        EXPECT_EQ(callback_token(secret, order), expected) << order;
    }
    // And one fixed value (python: hmac.new(b"secret", b"restock-callback:ro_1", sha256)).
    EXPECT_EQ(callback_token("secret", "ro_1"), "HV-ozObEUpydwukent7yCaB-zXV7H9pBbLKUJZekdpg");
}

TEST(CallbackTokenTest, IsUrlSafeAndUnpadded) {
    for (int i = 0; i < 200; ++i) {
        const std::string token = callback_token("k", "ro_" + std::to_string(i));
        EXPECT_EQ(token.size(), 43u);  // 32 bytes, base64 without padding
        EXPECT_EQ(token.find_first_of("+/="), std::string::npos) << token;
    }
}

TEST(CallbackTokenTest, DiffersPerOrderAndPerSecret) {
    EXPECT_NE(callback_token("k", "ro_1"), callback_token("k", "ro_2"));
    EXPECT_NE(callback_token("k", "ro_1"), callback_token("k", "ro_10"));
    EXPECT_NE(callback_token("k1", "ro_1"), callback_token("k2", "ro_1"));
    EXPECT_EQ(callback_token("k", "ro_1"), callback_token("k", "ro_1"));  // stateless
}

TEST(CallbackTokenTest, VerifyAcceptsOnlyTheExactToken) {
    const std::string token = callback_token("secret", "ro_7");
    EXPECT_TRUE(verify_callback_token("secret", "ro_7", token));
    EXPECT_FALSE(verify_callback_token("wrong", "ro_7", token));
    EXPECT_FALSE(verify_callback_token("secret", "ro_8", token));
    EXPECT_FALSE(verify_callback_token("secret", "ro_7", callback_token("secret", "ro_8")));
    EXPECT_FALSE(verify_callback_token("secret", "ro_7", ""));
    EXPECT_FALSE(verify_callback_token("secret", "ro_7", token.substr(0, 42)));
    EXPECT_FALSE(verify_callback_token("secret", "ro_7", token + "="));
    EXPECT_FALSE(verify_callback_token("secret", "ro_7", token + "A"));
    std::string flipped = token;
    flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
    EXPECT_FALSE(verify_callback_token("secret", "ro_7", flipped));
    std::string first = token;
    first.front() = first.front() == 'A' ? 'B' : 'A';
    EXPECT_FALSE(verify_callback_token("secret", "ro_7", first));
    // The standard-base64 spelling of the same MAC is not the token.
    const std::string standard =
        openssl_base64(openssl_hmac_sha256("secret", "restock-callback:ro_7"));
    if (standard != token) {
        EXPECT_FALSE(verify_callback_token("secret", "ro_7", standard));
    }
}

// --- webhook signatures ----------------------------------------------------------------------

TEST(WebhookSignatureTest, StandardWebhooksPublishedVector) {
    // From the Standard Webhooks specification's reference test.
    EXPECT_EQ(
        webhook_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                          1614265330, R"({"test": 2432232314})"),
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(WebhookSignatureTest, MatchesAnIndependentComputation) {
    const std::string key_bytes = std::string("\x01\x02\xfe\xff restock key \x00\x7f", 19);
    const std::string secret = "whsec_" + openssl_base64(key_bytes);
    ASSERT_EQ(openssl_unbase64(secret.substr(6)), key_bytes);
    const std::string id = "evt_db1_42";
    const int64_t timestamp = 1'700'000'123;
    const std::string body = R"({"seq":42,"type":"stock.empty","sku":"A"})";
    const std::string expected =
        "v1," + openssl_base64(openssl_hmac_sha256(key_bytes, id + ".1700000123." + body));
    EXPECT_EQ(webhook_signature(secret, id, timestamp, body), expected);
    // The prefix is optional.
    EXPECT_EQ(webhook_signature(secret.substr(6), id, timestamp, body), expected);
}

TEST(WebhookSignatureTest, CoversIdTimestampAndBody) {
    const std::string secret = "whsec_" + openssl_base64("0123456789abcdef0123456789abcdef");
    const std::string base = webhook_signature(secret, "evt_1", 100, "{}");
    EXPECT_EQ(base.rfind("v1,", 0), 0u);
    EXPECT_NE(webhook_signature(secret, "evt_2", 100, "{}"), base);
    EXPECT_NE(webhook_signature(secret, "evt_1", 101, "{}"), base);
    EXPECT_NE(webhook_signature(secret, "evt_1", 100, "{ }"), base);
    EXPECT_NE(webhook_signature("whsec_" + openssl_base64("another key"), "evt_1", 100, "{}"),
              base);
}

}  // namespace
}  // namespace restock
