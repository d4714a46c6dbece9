// `restock keys create|list|revoke`: API keys, straight in the store (SQLite data dir or
// PostgreSQL), beside a running server or without one.
#pragma once

#include <string>
#include <vector>

namespace restock {

// args: everything after "keys". Returns the exit code.
int run_keys_cli(const std::vector<std::string>& args);

}  // namespace restock
