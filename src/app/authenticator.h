// Authenticator: turns a bearer key, or a dashboard session's cookie token, into a Principal. Keys
// are looked up by their SHA-256 and cached briefly so a request costs no store read; a revoked key
// stops working within the cache lifetime. Thread-safe.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include "app/principal.h"
#include "app/reader_pool.h"
#include "ports/clock.h"

namespace restock {

class Authenticator {
  public:
    static constexpr int64_t kCacheMs = 5000;

    Authenticator(ReaderPool& readers, const Clock& clock) : readers_(readers), clock_(clock) {}

    // kNotFound-free: an unknown or revoked key is ErrorCode::kInvalidArgument "unauthorized";
    // a store failure is kUnavailable.
    Result<Principal> authenticate(std::string_view key);

    // A session's token (the cookie's value): the principal of the key it was exchanged for,
    // while the session is neither ended nor expired and the key not revoked. A session and
    // its key are each cached for kCacheMs, so a revoked key's sessions end within that time.
    struct SessionPrincipal {
        Principal principal;
        int64_t expires_at_ms = 0;
    };
    Result<SessionPrincipal> authenticate_session(std::string_view token);
    // After a logout on this node: the session stops working here at once.
    void forget_session(std::string_view token);
    int64_t now_ms() const { return clock_.now_ms(); }

  private:
    struct Entry {
        std::optional<Principal> principal;  // nullopt: known bad
        int64_t expires_ms = 0;
    };
    struct SessionEntry {
        std::optional<SessionRecord> session;  // nullopt: unknown
        int64_t expires_ms = 0;
    };
    Result<Principal> authenticate_hash(const std::string& hash, int64_t now);
    Result<std::optional<SessionRecord>> session(const std::string& hash, int64_t now);
    ReaderPool& readers_;
    const Clock& clock_;
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> cache_;                 // by key hash
    std::unordered_map<std::string, SessionEntry> session_cache_;  // by token hash
};

}  // namespace restock
