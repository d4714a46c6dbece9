#include "support/time_format.h"

#include <algorithm>
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

namespace {

// Days from 1970-01-01 to the date (proleptic Gregorian; H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

std::optional<int64_t> parse_rfc3339(std::string_view t) {
    std::size_t at = 0;
    auto number = [&](std::size_t digits) -> std::optional<int64_t> {
        if (at + digits > t.size()) return std::nullopt;
        int64_t value = 0;
        for (std::size_t i = 0; i < digits; ++i) {
            const char c = t[at + i];
            if (c < '0' || c > '9') return std::nullopt;
            value = value * 10 + (c - '0');
        }
        at += digits;
        return value;
    };
    auto expect = [&](std::string_view any_of) {
        if (at >= t.size() || any_of.find(t[at]) == std::string_view::npos) return false;
        ++at;
        return true;
    };
    const auto year = number(4);
    if (!year || !expect("-")) return std::nullopt;
    const auto month = number(2);
    if (!month || !expect("-")) return std::nullopt;
    const auto day = number(2);
    if (!day || !expect("Tt")) return std::nullopt;
    const auto hour = number(2);
    if (!hour || !expect(":")) return std::nullopt;
    const auto minute = number(2);
    if (!minute || !expect(":")) return std::nullopt;
    const auto second = number(2);
    if (!second) return std::nullopt;
    int64_t ms = 0;
    if (at < t.size() && t[at] == '.') {
        ++at;
        int digits = 0;
        while (at < t.size() && t[at] >= '0' && t[at] <= '9') {
            if (digits < 3) ms = ms * 10 + (t[at] - '0');
            ++digits;
            ++at;
        }
        if (digits == 0) return std::nullopt;
        for (int i = digits; i < 3; ++i) ms *= 10;
    }
    int64_t offset_minutes = 0;
    if (expect("Zz")) {
        // UTC
    } else if (at < t.size() && (t[at] == '+' || t[at] == '-')) {
        const int sign = t[at] == '-' ? -1 : 1;
        ++at;
        const auto oh = number(2);
        if (!oh || !expect(":")) return std::nullopt;
        const auto om = number(2);
        if (!om || *oh > 23 || *om > 59) return std::nullopt;
        offset_minutes = sign * (*oh * 60 + *om);
    } else {
        return std::nullopt;
    }
    if (at != t.size()) return std::nullopt;
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (*year < 1970 || *month < 1 || *month > 12 || *day < 1) return std::nullopt;
    const int64_t month_days = kDays[*month - 1] + (*month == 2 && is_leap(*year) ? 1 : 0);
    if (*day > month_days || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
    const int64_t seconds = days_from_civil(*year, *month, *day) * 86'400 + *hour * 3'600 +
                            *minute * 60 + std::min<int64_t>(*second, 59) - offset_minutes * 60;
    if (seconds < 0) return std::nullopt;
    return seconds * 1000 + ms;
}

}  // namespace restock
