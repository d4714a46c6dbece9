#include "support/time_format.h"

#include <ctime>

namespace restock {

std::string format_rfc3339(int64_t ms) {
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    // By hand rather than snprintf: this runs for every answer that carries a time.
    std::string out = "0000-00-00T00:00:00.000Z";
    auto put = [&out](std::size_t at, int value, int digits) {
        for (int i = digits - 1; i >= 0; --i, value /= 10) {
            out[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
        }
    };
    put(0, utc.tm_year + 1900, 4);
    put(5, utc.tm_mon + 1, 2);
    put(8, utc.tm_mday, 2);
    put(11, utc.tm_hour, 2);
    put(14, utc.tm_min, 2);
    put(17, utc.tm_sec, 2);
    put(20, static_cast<int>(ms % 1000), 3);
    return out;
}

}  // namespace restock
