#include "app/callback_token.h"

#include "support/crypto.h"

namespace restock {

std::string callback_token(std::string_view secret, std::string_view order_id) {
    const std::string mac = hmac_sha256(secret, "restock-callback:" + std::string(order_id));
    // base64url without padding: safe in a query string as is.
    std::string token = base64_encode(mac);
    for (auto& c : token) {
        if (c == '+') c = '-';
        if (c == '/') c = '_';
    }
    while (!token.empty() && token.back() == '=') token.pop_back();
    return token;
}

bool verify_callback_token(std::string_view secret, std::string_view order_id,
                           std::string_view token) {
    return constant_time_equal(callback_token(secret, order_id), token);
}

}  // namespace restock
