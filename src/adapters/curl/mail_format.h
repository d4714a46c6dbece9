// Formatting one email as an RFC 5322 message. Pure code (time and ids come in), thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "ports/http_client.h"

namespace restock::curl {

// The bare address of one mailbox: "Ops <ops@x.org>" -> "ops@x.org", " ops@x.org " ->
// "ops@x.org". Errors: kInvalidArgument "invalid-address" when there is no '@', or there are
// CR, LF, NUL, spaces or unbalanced angle brackets.
Result<std::string> mailbox_address(std::string_view mailbox);

// Addresses of a comma-separated recipient list. Errors as mailbox_address; an empty list is one.
Result<std::vector<std::string>> recipient_addresses(std::string_view to);

// "Tue, 24 Nov 2026 13:52:40 +0000" (RFC 5322 date-time, UTC).
std::string format_mail_date(int64_t ms_since_epoch);

// The whole message: From, To, Subject (RFC 2047 encoded-words when not plain short ASCII),
// Date, Message-ID, MIME-Version, Content-Type text/plain; charset=utf-8 and a body with CRLF
// line ends (8bit, or quoted-printable when a line would exceed 998 octets). SMTP dot-stuffing
// is left to the transport. REQUIRES: message_id is "<local@domain>".
// Errors: kInvalidArgument for bad addresses, a subject with CR/LF, or text that is not UTF-8.
Result<std::string> format_mail(const MailMessage& message, int64_t now_ms,
                                std::string_view message_id);

}  // namespace restock::curl
