#include "app/authenticator.h"

#include "support/crypto.h"

namespace restock {
namespace {

constexpr std::size_t kMaxCacheEntries = 10'000;

Error unauthorized() {
    return make_error(ErrorCode::kInvalidArgument, "unauthorized",
                      "the API key is unknown or revoked");
}

}  // namespace

std::string_view to_string(Role role) {
    switch (role) {
        case Role::kStorefront:
            return "storefront";
        case Role::kFactory:
            return "factory";
        case Role::kAdmin:
            return "admin";
    }
    return "storefront";
}

std::optional<Role> parse_role(std::string_view text) {
    for (auto role : {Role::kStorefront, Role::kFactory, Role::kAdmin}) {
        if (to_string(role) == text) return role;
    }
    return std::nullopt;
}

Result<Principal> Authenticator::authenticate(std::string_view key) {
    // The cache is keyed by the key's hash (no secret kept in it); hashing 46 bytes is cheap.
    return authenticate_hash(sha256_hex(key), clock_.now_ms());
}

Result<Authenticator::SessionPrincipal> Authenticator::authenticate_session(
    std::string_view token) {
    const int64_t now = clock_.now_ms();
    auto found = session(sha256_hex(token), now);
    if (!found) return found.error();
    const std::optional<SessionRecord>& record = found.value();
    if (!record || record->ended_at_ms || record->expires_at_ms <= now) {
        return make_error(ErrorCode::kInvalidArgument, "unauthorized",
                          "the session has ended or expired; log in again");
    }
    auto principal = authenticate_hash(record->key_hash, now);
    if (!principal) return principal.error();
    return SessionPrincipal{std::move(principal.value()), record->expires_at_ms};
}

void Authenticator::forget_session(std::string_view token) {
    std::lock_guard lock(mutex_);
    session_cache_.erase(sha256_hex(token));
}

Result<std::optional<SessionRecord>> Authenticator::session(const std::string& hash, int64_t now) {
    {
        std::lock_guard lock(mutex_);
        auto it = session_cache_.find(hash);
        if (it != session_cache_.end() && it->second.expires_ms > now) return it->second.session;
    }
    auto reader = readers_.acquire();
    if (!reader) return reader.error();
    auto record = reader.value()->session(hash);
    if (!record) return record.error();
    std::lock_guard lock(mutex_);
    if (session_cache_.size() >= kMaxCacheEntries) session_cache_.clear();
    session_cache_[hash] = SessionEntry{record.value(), now + kCacheMs};
    return record.value();
}

Result<Principal> Authenticator::authenticate_hash(const std::string& hash, int64_t now) {
    {
        std::lock_guard lock(mutex_);
        auto it = cache_.find(hash);
        if (it != cache_.end() && it->second.expires_ms > now) {
            if (!it->second.principal) return unauthorized();
            return *it->second.principal;
        }
    }
    auto reader = readers_.acquire();
    if (!reader) return reader.error();
    auto record = reader.value()->api_key(hash);
    if (!record) return record.error();

    std::optional<Principal> principal;
    if (record.value() && !record.value()->revoked_at_ms) {
        if (auto role = parse_role(record.value()->role)) {
            principal = Principal{record.value()->name, *role};
        }
    }
    {
        std::lock_guard lock(mutex_);
        if (cache_.size() >= kMaxCacheEntries) cache_.clear();  // bounded under key spraying
        cache_[hash] = Entry{principal, now + kCacheMs};
    }
    if (!principal) return unauthorized();
    return *principal;
}

}  // namespace restock
