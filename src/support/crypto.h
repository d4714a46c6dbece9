// Hashing and secure randomness (OpenSSL). Thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace restock {

// Lower-case hex SHA-256 of the bytes.
std::string sha256_hex(std::string_view bytes);
// `bytes` cryptographically random bytes, base64url without padding.
std::string random_token(std::size_t bytes);
// Constant-time comparison, for secrets.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace restock
