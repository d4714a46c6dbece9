// Hashing and secure randomness (OpenSSL). Thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace restock {

// Lower-case hex SHA-256 of the bytes.
std::string sha256_hex(std::string_view bytes);
// `bytes` cryptographically random bytes, base64url without padding.
std::string random_token(std::size_t bytes);
// `bytes` cryptographically random bytes, raw.
std::string random_bytes(std::size_t bytes);
// Standard base64 with padding (RFC 4648 section 4), and its inverse (nullopt if malformed).
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);
// Raw HMAC-SHA256.
std::string hmac_sha256(std::string_view key, std::string_view message);
// Constant-time comparison, for secrets.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace restock
