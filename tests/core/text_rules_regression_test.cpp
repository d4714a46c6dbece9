// Regressions (commit c1aa676): names and reasons must be well-formed UTF-8 without C0 or C1
// control characters. Before the fix, U+0085 (NEL, "\xc2\x85") and stray bytes such as "\xff"
// were accepted and stored. Also the ad_id alphabet (commit 9a993e5).
#include <gtest/gtest.h>

#include <string>

#include "core/requests.h"

namespace restock {
namespace {

NewProduct product_named(std::string name) {
    NewProduct p;
    p.sku = "SKU-1";
    p.name = std::move(name);
    p.on_hand = 1;
    p.settings.reorder_point = 0;
    p.settings.reorder_qty = 1;
    p.settings.factory_id = "factory-1";
    return p;
}

void expect_name_refused(const std::string& name) {
    const Status status = validate(product_named(name));
    ASSERT_FALSE(status.ok()) << "accepted a name with bytes that must be refused";
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(status.error().message.find("name"), std::string::npos) << status.error().message;
}

TEST(TextRulesRegressionTest, C1ControlsAreRefusedInNames) {
    expect_name_refused("next\xc2\x85line");                      // U+0085 NEL
    expect_name_refused("\xc2\x80");                              // U+0080, first C1
    expect_name_refused("csi\xc2\x9b");                           // U+009B CSI: terminal escapes
    expect_name_refused("\xc2\x9f");                              // U+009F, last C1
    EXPECT_TRUE(validate(product_named("nbsp\xc2\xa0ok")).ok());  // U+00A0 is printable
}

TEST(TextRulesRegressionTest, InvalidUtf8IsRefusedInNames) {
    expect_name_refused("bad\xff");
    expect_name_refused("\xfe");
    expect_name_refused("lone continuation \x80");
    expect_name_refused("truncated \xc3");
    expect_name_refused("truncated \xe2\x82");
    expect_name_refused("overlong \xc0\xaf");
    expect_name_refused("overlong \xe0\x80\xaf");
    expect_name_refused("surrogate \xed\xa0\x80");
    expect_name_refused("beyond U+10FFFF \xf4\x90\x80\x80");
    EXPECT_TRUE(validate(product_named("euro \xe2\x82\xac, tea \xf0\x9f\x8d\xb5")).ok());
}

TEST(TextRulesRegressionTest, PatchNamesFollowTheSameRules) {
    ProductPatch patch;
    patch.name = "next\xc2\x85line";
    EXPECT_FALSE(validate(patch).ok());
    patch.name = "bad\xff";
    EXPECT_FALSE(validate(patch).ok());
}

TEST(TextRulesRegressionTest, AdjustmentReasonsFollowTheSameRules) {
    AdjustmentRequest r{"SKU-1", 1, "recount\xc2\x85"};
    EXPECT_FALSE(validate(r).ok());
    r.reason = "recount\xff";
    EXPECT_FALSE(validate(r).ok());
    r.reason = "recount \xe2\x80\x94 shelf 3";
    EXPECT_TRUE(validate(r).ok());
}

// ad_id becomes a path segment of the Ads API URL (POST {ads_url}/ads/{ad_id}/pause): since
// commit 9a993e5 it uses the sku alphabet, and "." / ".." are refused.
TEST(TextRulesRegressionTest, AdIdIsAUrlSafePathSegment) {
    NewProduct p = product_named("Mug");
    for (const char* good : {"ad-1", "AD_2.summer", "x", "..."}) {
        p.settings.ad_id = good;
        EXPECT_TRUE(validate(p).ok()) << good;
    }
    for (const char* bad :
         {"summer sale", "a/b", "../admin", "x?y=1", "x#y", "%2F", ".", "..", ""}) {
        p.settings.ad_id = bad;
        const Status status = validate(p);
        ASSERT_FALSE(status.ok()) << bad;
        EXPECT_NE(status.error().message.find("ad_id"), std::string::npos);
    }
    p.settings.ad_id = std::string(64, 'a');
    EXPECT_TRUE(validate(p).ok());
    p.settings.ad_id = std::string(65, 'a');
    EXPECT_FALSE(validate(p).ok());
}

}  // namespace
}  // namespace restock
