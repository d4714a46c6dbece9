// CurlMailer against a loopback SMTP server: envelope, headers, body, and errors.
#include "adapters/curl/curl_mailer.h"

#include <gtest/gtest.h>

#include <chrono>

#include "adapters/curl/fake_smtp_server.h"

namespace restock::curl {
namespace {

using restock::testing::FakeSmtpServer;

MailMessage sample() {
    return MailMessage{"Restock <restock@shop.example>", "ops@shop.example, oncall@shop.example",
                       "SKU-1 is out of stock", "SKU-1 sold out.\n.leading dot\nbye\n"};
}

std::string header(const std::string& data, const std::string& name) {
    const auto at = data.find("\r\n" + name + ": ");
    if (at == std::string::npos) return "<missing>";
    const auto start = at + name.size() + 4;
    return data.substr(start, data.find("\r\n", start) - start);
}

TEST(CurlMailerTest, DeliversAnRfc5322Message) {
    FakeSmtpServer server;
    CurlMailer mailer(server.url(), 5000);
    auto sent = mailer.send(sample());
    ASSERT_TRUE(sent.ok()) << sent.error().message;
    ASSERT_TRUE(server.wait_for(1, std::chrono::milliseconds(2000)));

    const auto mail = server.mails().at(0);
    EXPECT_EQ(mail.mail_from, "<restock@shop.example>");
    EXPECT_EQ(mail.recipients,
              (std::vector<std::string>{"<ops@shop.example>", "<oncall@shop.example>"}));
    const std::string data = "\r\n" + mail.data;
    EXPECT_EQ(header(data, "From"), "Restock <restock@shop.example>");
    EXPECT_EQ(header(data, "To"), "ops@shop.example, oncall@shop.example");
    EXPECT_EQ(header(data, "Subject"), "SKU-1 is out of stock");
    EXPECT_EQ(header(data, "Content-Type"), "text/plain; charset=utf-8");
    EXPECT_NE(header(data, "Date"), "<missing>");
    const std::string id = header(data, "Message-ID");
    EXPECT_EQ(id.front(), '<');
    EXPECT_NE(id.find("@shop.example>"), std::string::npos) << id;
    // The body survives SMTP dot-stuffing unchanged.
    EXPECT_NE(mail.data.find("\r\n\r\nSKU-1 sold out.\r\n.leading dot\r\nbye\r\n"),
              std::string::npos)
        << mail.data;
}

TEST(CurlMailerTest, MessageIdsAreUnique) {
    FakeSmtpServer server;
    CurlMailer mailer(server.url(), 5000);
    ASSERT_TRUE(mailer.send(sample()).ok());
    ASSERT_TRUE(mailer.send(sample()).ok());
    ASSERT_TRUE(server.wait_for(2, std::chrono::milliseconds(2000)));
    const auto mails = server.mails();
    EXPECT_NE(header("\r\n" + mails[0].data, "Message-ID"),
              header("\r\n" + mails[1].data, "Message-ID"));
}

TEST(CurlMailerTest, RefusedRecipientIsUnavailable) {
    FakeSmtpServer server;
    server.refuse_recipients(true);
    CurlMailer mailer(server.url(), 5000);
    auto sent = mailer.send(sample());
    ASSERT_FALSE(sent.ok());
    EXPECT_EQ(sent.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(sent.error().slug, "smtp-failed");
}

TEST(CurlMailerTest, UnreachableServerIsUnavailableWithoutCredentials) {
    CurlMailer mailer("smtp://user:pa55word@127.0.0.1:9", 1000);
    auto sent = mailer.send(sample());
    ASSERT_FALSE(sent.ok());
    EXPECT_EQ(sent.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(sent.error().message.find("127.0.0.1:9"), std::string::npos);
    EXPECT_EQ(sent.error().message.find("pa55word"), std::string::npos) << sent.error().message;
}

TEST(CurlMailerTest, MalformedMessageIsInvalidArgument) {
    CurlMailer mailer("smtp://127.0.0.1:9", 1000);
    MailMessage message = sample();
    message.subject = "hi\r\nBcc: evil@x.org";
    auto sent = mailer.send(message);
    ASSERT_FALSE(sent.ok());
    EXPECT_EQ(sent.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace restock::curl
