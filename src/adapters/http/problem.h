// RFC 9457 problem details: every 4xx/5xx body this server sends is built here.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace restock::http {

inline constexpr std::string_view kProblemContentType = "application/problem+json";
inline constexpr std::string_view kJsonContentType = "application/json";

int status_for(ErrorCode code);
std::string_view title_for(std::string_view slug);
// "https://restock.dev/problems/<slug>"
std::string problem_type(std::string_view slug);

// A complete problem+json document. `extra_members` is raw JSON members (", \"lines\":[...]")
// appended inside the object, or empty.
std::string problem_body(int status, std::string_view slug, std::string_view detail,
                         std::string_view instance, std::string_view request_id,
                         std::string_view extra_members = {});

}  // namespace restock::http
