// UTF-8 decoding shared by the JSON parser and the text rules. Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace restock {

// Decodes the well-formed UTF-8 sequence starting at text[i] (no overlongs, no surrogates,
// at most U+10FFFF) into `code` and returns its length, or returns 0 if it is not well-formed.
std::size_t decode_utf8(std::string_view text, std::size_t i, uint32_t& code);

}  // namespace restock
