// FakeSmtpServer: a loopback SMTP server for tests. Speaks just enough of RFC 5321 for libcurl
// (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), one connection at a time, and records each
// delivered message with the dot-stuffing undone. Can be told to refuse recipients.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace restock::testing {

struct ReceivedMail {
    std::string mail_from;                // as in MAIL FROM:<...>, brackets included
    std::vector<std::string> recipients;  // as in RCPT TO:<...>
    std::string data;                     // the message, CRLF line ends, without the final "."
};

class FakeSmtpServer {
  public:
    FakeSmtpServer();  // binds 127.0.0.1:0 and starts
    ~FakeSmtpServer();

    uint16_t port() const;
    std::string url() const;  // "smtp://127.0.0.1:PORT"
    void refuse_recipients(bool refuse);
    std::vector<ReceivedMail> mails() const;
    bool wait_for(std::size_t n, std::chrono::milliseconds timeout) const;

    class Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace restock::testing
