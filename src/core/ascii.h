// ASCII text helpers for protocol tokens (URL schemes, HTTP auth schemes) and base URLs. Pure.
#pragma once

#include <string>
#include <string_view>

namespace restock {

// Whether `text` starts with `lower_prefix`, ignoring the case of ASCII letters in `text`.
// REQUIRES: `lower_prefix` is lower case.
bool starts_with_icase(std::string_view text, std::string_view lower_prefix);

// `text` with its ASCII letters lower-cased; every other byte (UTF-8 included) as it is.
std::string ascii_lower(std::string text);

// A base URL that paths are appended to ("{url}/v1/..."), without its trailing slashes:
// "http://h:1/" and "http://h:1" mean the same base, and the first would make "//v1/...".
// The "//" of "scheme://" is never taken.
std::string_view without_trailing_slashes(std::string_view url);

}  // namespace restock
