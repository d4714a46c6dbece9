// format_mail and friends: RFC 5322 headers, encoded subjects, CRLF bodies, no header injection.
#include "adapters/curl/mail_format.h"

#include <gtest/gtest.h>

namespace restock::curl {
namespace {

constexpr int64_t kNow = 1'795'000'000'000;  // 2026-11-18T11:06:40Z

MailMessage sample() {
    return MailMessage{"Restock <restock@shop.example>", "ops@shop.example", "SKU-1 is out",
                       "line one\nline two\n"};
}

TEST(MailAddressTest, BareAddresses) {
    EXPECT_EQ(mailbox_address("Ops <ops@x.org>").value(), "ops@x.org");
    EXPECT_EQ(mailbox_address("  ops@x.org ").value(), "ops@x.org");
    EXPECT_FALSE(mailbox_address("no-at-sign").ok());
    EXPECT_FALSE(mailbox_address("a@b\r\nBcc: evil@x.org").ok());
    EXPECT_FALSE(mailbox_address("Ops <ops@x.org").ok());
    EXPECT_FALSE(mailbox_address("@x.org").ok());
    auto list = recipient_addresses("a@x.org, B <b@y.org>");
    ASSERT_TRUE(list.ok());
    EXPECT_EQ(list.value(), (std::vector<std::string>{"a@x.org", "b@y.org"}));
    EXPECT_FALSE(recipient_addresses("").ok());
}

TEST(MailDateTest, Rfc5322) {
    EXPECT_EQ(format_mail_date(kNow), "Wed, 18 Nov 2026 11:06:40 +0000");
    EXPECT_EQ(format_mail_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
}

TEST(FormatMailTest, HeadersThenCrlfBody) {
    auto text = format_mail(sample(), kNow, "<1.abc@shop.example>");
    ASSERT_TRUE(text.ok()) << text.error().message;
    EXPECT_EQ(text.value(),
              "From: Restock <restock@shop.example>\r\n"
              "To: ops@shop.example\r\n"
              "Subject: SKU-1 is out\r\n"
              "Date: Wed, 18 Nov 2026 11:06:40 +0000\r\n"
              "Message-ID: <1.abc@shop.example>\r\n"
              "MIME-Version: 1.0\r\n"
              "Content-Type: text/plain; charset=utf-8\r\n"
              "Content-Transfer-Encoding: 8bit\r\n"
              "\r\n"
              "line one\r\n"
              "line two\r\n");
}

TEST(FormatMailTest, NonAsciiSubjectIsEncoded) {
    MailMessage message = sample();
    message.subject = "Füße ausverkauft";
    auto text = format_mail(message, kNow, "<x@y>");
    ASSERT_TRUE(text.ok());
    EXPECT_NE(text->find("Subject: =?UTF-8?B?RsO8w59lIGF1c3ZlcmthdWZ0?=\r\n"), std::string::npos)
        << text.value();
}

TEST(FormatMailTest, LongSubjectIsFoldedOnCharacterBoundaries) {
    MailMessage message = sample();
    message.subject.clear();
    for (int i = 0; i < 40; ++i) message.subject += "é";  // 80 bytes
    auto text = format_mail(message, kNow, "<x@y>");
    ASSERT_TRUE(text.ok());
    // 44 bytes (22 characters), then 36: never half a character per word.
    EXPECT_NE(text->find("Subject: =?UTF-8?B?"), std::string::npos);
    EXPECT_NE(text->find("?=\r\n =?UTF-8?B?"), std::string::npos);
}

TEST(FormatMailTest, RefusesHeaderInjection) {
    MailMessage message = sample();
    message.subject = "hi\r\nBcc: evil@x.org";
    EXPECT_FALSE(format_mail(message, kNow, "<x@y>").ok());
    message = sample();
    message.to = "ops@shop.example\r\nBcc: evil@x.org";
    EXPECT_FALSE(format_mail(message, kNow, "<x@y>").ok());
}

TEST(FormatMailTest, RefusesInvalidUtf8) {
    MailMessage message = sample();
    message.text = "bad \xff byte";
    EXPECT_FALSE(format_mail(message, kNow, "<x@y>").ok());
}

TEST(FormatMailTest, OverlongLinesBecomeQuotedPrintable) {
    MailMessage message = sample();
    message.text = std::string(1200, 'a') + "=\n";
    auto text = format_mail(message, kNow, "<x@y>");
    ASSERT_TRUE(text.ok());
    EXPECT_NE(text->find("Content-Transfer-Encoding: quoted-printable\r\n"), std::string::npos);
    const std::string body = text->substr(text->find("\r\n\r\n") + 4);
    std::size_t start = 0;
    while (start < body.size()) {
        const auto end = body.find("\r\n", start);
        ASSERT_NE(end, std::string::npos);
        EXPECT_LE(end - start, 76u);
        start = end + 2;
    }
    EXPECT_NE(body.find("=3D\r\n"), std::string::npos);  // '=' is escaped
}

}  // namespace
}  // namespace restock::curl
