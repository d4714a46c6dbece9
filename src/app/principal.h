// Who is calling, as established from an API key.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace restock {

enum class Role { kStorefront, kFactory, kAdmin };

struct Principal {
    std::string name;  // the key's name: safe to log, never the key itself
    Role role = Role::kStorefront;
};

std::string_view to_string(Role role);
std::optional<Role> parse_role(std::string_view text);

// admin may do everything; the other roles only what their routes name.
inline bool allows(Role have, Role need) { return have == Role::kAdmin || have == need; }

}  // namespace restock
