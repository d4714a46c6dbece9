// Describing a URL in logs and error messages without its secrets. Pure code, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace restock::curl {

// "host:port/path" for a URL such as "http://user:pw@host/path?token=x#frag": no scheme, no
// user info, no query, no fragment. The port is the explicit one or the scheme's default
// (http 80, https 443, smtp 25, smtps 465). Never fails: anything it cannot parse becomes
// "<unparseable url>", so the result is always safe to print.
std::string redact_url(std::string_view url);

// The query string of a URL ("" if none), so that callers can scrub it from third-party text.
std::string_view url_query(std::string_view url);

// Replaces every occurrence of `secret` in `text` with "<redacted>". No-op if secret is empty.
std::string scrub(std::string text, std::string_view secret);

}  // namespace restock::curl
