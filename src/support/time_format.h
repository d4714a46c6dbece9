#pragma once

#include <cstdint>
#include <string>

namespace restock {

// RFC 3339 in UTC with milliseconds: 2026-11-24T13:52:40.123Z
std::string format_rfc3339(int64_t ms_since_epoch);

}  // namespace restock
