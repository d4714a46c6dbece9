// ASCII text helpers for protocol tokens (URL schemes, HTTP auth schemes). Pure.
#pragma once

#include <string_view>

namespace restock {

// Whether `text` starts with `lower_prefix`, ignoring the case of ASCII letters in `text`.
// REQUIRES: `lower_prefix` is lower case.
bool starts_with_icase(std::string_view text, std::string_view lower_prefix);

}  // namespace restock
