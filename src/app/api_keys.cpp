#include "app/api_keys.h"

#include "core/requests.h"
#include "support/crypto.h"

namespace restock {

namespace {
constexpr std::size_t kKeyBytes = 32;  // 256 bits: a fast hash is enough, no KDF needed
}

Result<CreatedKey> create_api_key(KeyStore& keys, const Clock& clock, Role role, std::string name) {
    if (!is_valid_identifier(name)) {
        return make_error(ErrorCode::kInvalidArgument, "invalid-request",
                          "key name must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' or '-'");
    }
    CreatedKey created;
    created.key = "rk_" + random_token(kKeyBytes);
    created.record.name = std::move(name);
    created.record.role = std::string(to_string(role));
    created.record.hash = sha256_hex(created.key);
    created.record.created_at_ms = clock.now_ms();
    auto stored = keys.create_key(created.record);
    if (!stored) return stored.error();
    created.record = std::move(stored.value());
    return created;
}

}  // namespace restock
