// starts_with_icase: the case of ASCII letters in the text does not matter; nothing else does.
// without_trailing_slashes: a base URL given with a trailing slash is the same base.
#include "core/ascii.h"

#include <gtest/gtest.h>

namespace restock {
namespace {

TEST(StartsWithIcaseTest, IgnoresTheCaseOfTheText) {
    for (const char* text : {"bearer k", "Bearer k", "BEARER k", "bEaReR k"}) {
        EXPECT_TRUE(starts_with_icase(text, "bearer ")) << text;
    }
    EXPECT_TRUE(starts_with_icase("HTTPS://x", "https://"));
    EXPECT_TRUE(starts_with_icase("anything", ""));
}

TEST(StartsWithIcaseTest, RefusesOtherTextAndShortText) {
    EXPECT_FALSE(starts_with_icase("bearer", "bearer "));  // shorter than the prefix
    EXPECT_FALSE(starts_with_icase("basic k", "bearer "));
    EXPECT_FALSE(starts_with_icase("bearer-k", "bearer "));
    EXPECT_FALSE(starts_with_icase("", "b"));
    // Only A-Z fold: '@' (0x40) and '[' (0x5b) sit beside them and stay themselves.
    EXPECT_FALSE(starts_with_icase("@", "`"));
    EXPECT_FALSE(starts_with_icase("[", "{"));
    EXPECT_FALSE(starts_with_icase("\xc3\x89", "\xc3\xa9"));  // É is no é: not ASCII
}

TEST(WithoutTrailingSlashesTest, DropsTheSlashesAfterABaseUrl) {
    EXPECT_EQ(without_trailing_slashes("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
    EXPECT_EQ(without_trailing_slashes("http://h:1///"), "http://h:1");
    EXPECT_EQ(without_trailing_slashes("https://ads.test/api/"), "https://ads.test/api");
    EXPECT_EQ(without_trailing_slashes("http://h:1"), "http://h:1");
    EXPECT_EQ(without_trailing_slashes("http://h/a/b"), "http://h/a/b");
}

TEST(WithoutTrailingSlashesTest, NeverTakesTheSchemeSeparatorOrEverything) {
    EXPECT_EQ(without_trailing_slashes("http://"), "http://");
    EXPECT_EQ(without_trailing_slashes("http:///"), "http://");
    EXPECT_EQ(without_trailing_slashes("/"), "/");
    EXPECT_EQ(without_trailing_slashes("x//"), "x");
    EXPECT_EQ(without_trailing_slashes(""), "");
}

}  // namespace
}  // namespace restock

namespace restock {
namespace {

TEST(AsciiLowerTest, LowersAsciiLettersOnly) {
    EXPECT_EQ(ascii_lower("Red MUG-2_x"), "red mug-2_x");
    EXPECT_EQ(ascii_lower("\xc3\x89MAIL"), "\xc3\x89mail");  // É stays: not ASCII
    EXPECT_EQ(ascii_lower("@[`{"), "@[`{");                  // the neighbours of A-Z and a-z
    EXPECT_EQ(ascii_lower(""), "");
}

}  // namespace
}  // namespace restock
