// redact_url, url_query, scrub: URLs in messages never carry queries or credentials.
#include "adapters/curl/url_redaction.h"

#include <gtest/gtest.h>

namespace restock::curl {
namespace {

TEST(RedactUrlTest, HostPortAndPathOnly) {
    EXPECT_EQ(redact_url("http://127.0.0.1:8080/v1/factory/callbacks/7?token=s3cret"),
              "127.0.0.1:8080/v1/factory/callbacks/7");
    EXPECT_EQ(redact_url("http://factory.example/api/manufactures"),
              "factory.example:80/api/manufactures");
    EXPECT_EQ(redact_url("https://factory.example"), "factory.example:443/");
    EXPECT_EQ(redact_url("HTTP://h:1?x=1#f"), "h:1/");
    EXPECT_EQ(redact_url("http://h/p#frag?x"), "h:80/p");
    EXPECT_EQ(redact_url("smtp://mail.example"), "mail.example:25/");
}

TEST(RedactUrlTest, DropsUserInfo) {
    EXPECT_EQ(redact_url("smtp://user:pa55@mail.example:2525"), "mail.example:2525/");
    EXPECT_EQ(redact_url("http://u:p@h:9/x?y"), "h:9/x");
}

TEST(RedactUrlTest, Ipv6Literals) {
    EXPECT_EQ(redact_url("http://[::1]:8080/cb?t=1"), "[::1]:8080/cb");
    EXPECT_EQ(redact_url("http://[::1]/cb"), "[::1]:80/cb");
}

TEST(RedactUrlTest, GarbageIsNeverEchoed) {
    EXPECT_EQ(redact_url("not a url?token=s3cret"), "<unparseable url>");
    EXPECT_EQ(redact_url("http://:80/x?token=s3cret"), "<unparseable url>");
    EXPECT_EQ(redact_url("http://h:port/x?token=s3cret"), "<unparseable url>");
    EXPECT_EQ(redact_url(""), "<unparseable url>");
}

TEST(UrlQueryTest, QueryWithoutFragment) {
    EXPECT_EQ(url_query("http://h/p?token=abc#frag"), "token=abc");
    EXPECT_EQ(url_query("http://h/p"), "");
}

TEST(ScrubTest, ReplacesEveryOccurrence) {
    EXPECT_EQ(scrub("a token=x b token=x", "token=x"), "a <redacted> b <redacted>");
    EXPECT_EQ(scrub("unchanged", ""), "unchanged");
}

}  // namespace
}  // namespace restock::curl
