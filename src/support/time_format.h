#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace restock {

// RFC 3339 in UTC with milliseconds: 2026-11-24T13:52:40.123Z
std::string format_rfc3339(int64_t ms_since_epoch);

// An RFC 3339 date-time (2026-11-24T13:52:40Z, 2026-11-24T14:52:40.5+01:00; 't' and 'z' in
// either case; fractions beyond milliseconds cut off) as ms since the epoch; nullopt if it is
// none, or out of the years 1970 to 9999.
std::optional<int64_t> parse_rfc3339(std::string_view text);

}  // namespace restock
