// Creating API keys: a random secret shown once, stored only as its SHA-256.
#pragma once

#include <string>

#include "app/principal.h"
#include "ports/clock.h"
#include "ports/stock_store.h"

namespace restock {

struct CreatedKey {
    ApiKeyRecord record;
    std::string key;  // the secret; print it once, never log it
};

// Names: 1..64 of [A-Za-z0-9._-].
Result<CreatedKey> create_api_key(KeyStore& keys, const Clock& clock, Role role, std::string name);

}  // namespace restock
