// What one request's handling knows once it is routed and authenticated. Private to the Api's
// handler files (handlers.cpp, session_routes.cpp).
#pragma once

#include <map>
#include <string>

#include "adapters/http/handlers.h"
#include "adapters/http/problem.h"

namespace restock::http {

struct Api::Context {
    HttpRequest request;
    RouteMatch route;
    Principal principal;
    std::map<std::string, std::string> params;  // the query, parsed and checked

    Reply problem(ErrorCode code, std::string_view slug, std::string message) const {
        return problem_reply(make_error(code, std::string(slug), std::move(message)), request.path,
                             request.request_id);
    }
    // A problem whose status is not the one its ErrorCode maps to (401, 403, 405, 415, ...).
    Reply problem(int status, std::string_view slug, const std::string& detail) const {
        return problem_reply(status, slug, detail, request.path, request.request_id);
    }
    Reply problem(const Error& error) const {
        return problem_reply(error, request.path, request.request_id);
    }
    // A credential refused: 503 when the store behind it cannot be read, else 401.
    Reply auth_problem(const Error& error) const {
        const bool down = error.code == ErrorCode::kUnavailable;
        return problem(down ? 503 : 401, down ? "unavailable" : "unauthorized", error.message);
    }
};

}  // namespace restock::http
