// CurlMailer: the Mailer port over libcurl's SMTP client.
//
// Contract:
// - send() delivers one message (see format_mail) to the SMTP server at smtp_url
//   ("smtp://host:port", "smtps://..." or "smtp://user:password@host:port"); the envelope
//   sender and recipients are the bare addresses of message.from and message.to (a
//   comma-separated list).
// - timeout_ms bounds each send and its connect phase.
// - Errors: kInvalidArgument for a malformed message (see format_mail); kUnavailable
//   "smtp-failed" for any transport or server refusal, naming host:port, never credentials.
// Thread-safe: each send uses its own connection.
#pragma once

#include <cstdint>
#include <string>

#include "ports/http_client.h"

namespace restock::curl {

class CurlMailer final : public Mailer {
  public:
    CurlMailer(std::string smtp_url, int64_t timeout_ms);

    Status send(const MailMessage& message) override;

  private:
    const std::string smtp_url_;
    const int64_t timeout_ms_;
};

}  // namespace restock::curl
