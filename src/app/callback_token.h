// Per-order callback tokens for the legacy factory API: the callback URL is the only thing the
// factory sends back, so it carries an unguessable token: HMAC-SHA256(secret, order id).
// Nothing is stored per order; a token can be recomputed and checked in constant time.
#pragma once

#include <string>
#include <string_view>

namespace restock {

std::string callback_token(std::string_view secret, std::string_view order_id);
bool verify_callback_token(std::string_view secret, std::string_view order_id,
                           std::string_view token);

}  // namespace restock
