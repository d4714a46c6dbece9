// Authenticator: turns a bearer key into a Principal. Keys are looked up by their SHA-256 and
// cached briefly so a request costs no store read; a revoked key stops working within the
// cache lifetime. Thread-safe.
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

  private:
    struct Entry {
        std::optional<Principal> principal;  // nullopt: known bad
        int64_t expires_ms = 0;
    };
    ReaderPool& readers_;
    const Clock& clock_;
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> cache_;  // by key hash
};

}  // namespace restock
