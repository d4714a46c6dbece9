#pragma once
// The dashboard's files, embedded in the binary at build time (cmake/embed_web_assets.cmake
// over web/build.mjs's output), and the pure mapping from a request to the reply that serves
// them: hashed assets cached for a year, the page revalidated by ETag, gzip when the client
// takes it and it is smaller, and the page's security headers (a strict CSP) on each.
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "adapters/http/response_mapping.h"

namespace restock::http {

struct WebAsset {
    std::string_view path;          // "/index.html", "/assets/app.<hash>.js"
    std::string_view content_type;  // with its charset where it is text
    std::string_view body;
    std::string_view gzip;  // empty when there is no gzip twin
    std::string_view etag;  // a strong ETag, quoted: "\"<hex>\""
};

// Every embedded file, sorted by path (generated: web_assets.cpp).
std::span<const WebAsset> web_assets();

// The Content-Security-Policy of every page: nothing but this origin, no inline script or style,
// no eval, no framing.
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
inline constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";

// The request headers the mapping reads.
struct StaticRequest {
    std::string_view method;  // HEAD arrives as GET (the server drops the body)
    std::string_view path;
    std::string_view if_none_match;
    std::string_view accept_encoding;
};

enum class StaticKind {
    kNotStatic,   // not the dashboard's: route it as an API request
    kServed,      // `reply` is the answer (200, or 304)
    kMissing,     // under /assets/ but no such file: a 404 problem
    kWrongMethod  // a dashboard path asked with another method than GET: a 405 (Allow: GET, HEAD)
};

struct StaticAnswer {
    StaticKind kind = StaticKind::kNotStatic;
    Reply reply;
};

// Which paths are the dashboard's: "/", "/assets/...", "/index.html", and the single-page app's
// own routes (the first segment one of `client_route_roots()`), which all get index.html.
bool is_client_route(std::string_view path);
std::span<const std::string_view> client_route_roots();

// REQUIRES: `assets` sorted by path and holding "/index.html".
StaticAnswer serve_static(const StaticRequest& request, std::span<const WebAsset> assets);

// Pure header parsing, exposed for the tests.
// Whether an If-None-Match value (a list of entity tags, or "*") matches `etag` (weak comparison).
bool etag_matches(std::string_view if_none_match, std::string_view etag);
// Whether an Accept-Encoding value accepts gzip (a q=0 refuses it; "*" accepts it).
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace restock::http
