#include "adapters/http/static_assets.h"

#include <algorithm>
#include <array>

#include "core/ascii.h"

namespace restock::http {
namespace {

constexpr std::string_view kIndex = "/index.html";
constexpr std::string_view kAssetsPrefix = "/assets/";

// The single-page app's routes (web/src/main.js): a reload or a shared link of any of them
// gets the page, which then shows the view.
constexpr std::array<std::string_view, 9> kClientRoots = {"products", "orders",        "queues",
                                                          "events",   "subscriptions", "factories",
                                                          "login",    "alarms",        "overview"};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

const WebAsset* find(std::span<const WebAsset> assets, std::string_view path) {
    auto it = std::lower_bound(assets.begin(), assets.end(), path,
                               [](const WebAsset& a, std::string_view p) { return a.path < p; });
    return it != assets.end() && it->path == path ? &*it : nullptr;
}

// The ETag of the gzip form: another representation, so another strong tag.
std::string gzip_etag(std::string_view etag) {
    std::string tag(etag.substr(0, etag.size() - 1));
    tag += "-gz\"";
    return tag;
}

}  // namespace

std::span<const std::string_view> client_route_roots() { return kClientRoots; }

bool is_client_route(std::string_view path) {
    if (path.size() < 2 || path.front() != '/') return false;
    std::string_view first = path.substr(1);
    first = first.substr(0, first.find('/'));
    return std::find(kClientRoots.begin(), kClientRoots.end(), first) != kClientRoots.end();
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
    auto opaque = [](std::string_view tag) {
        tag = trim(tag);
        if (tag.size() >= 2 && (tag[0] == 'W' || tag[0] == 'w') && tag[1] == '/')
            tag.remove_prefix(2);
        return tag;
    };
    const std::string_view want = opaque(etag);
    while (!if_none_match.empty()) {
        const std::size_t comma = if_none_match.find(',');
        const std::string_view tag = opaque(if_none_match.substr(0, comma));
        if (tag == "*" || (!tag.empty() && tag == want)) return true;
        if (comma == std::string_view::npos) break;
        if_none_match.remove_prefix(comma + 1);
    }
    return false;
}

bool accepts_gzip(std::string_view accept_encoding) {
    bool star = false;
    while (!accept_encoding.empty()) {
        const std::size_t comma = accept_encoding.find(',');
        std::string_view item = trim(accept_encoding.substr(0, comma));
        std::string_view coding = trim(item.substr(0, item.find(';')));
        bool refused = false;
        if (const std::size_t semi = item.find(';'); semi != std::string_view::npos) {
            std::string_view param = trim(item.substr(semi + 1));
            if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
                // q=0, q=0.0, q=0.000: refused; any other weight accepts.
                std::string_view q = trim(param.substr(2));
                refused = !q.empty() && q.find_first_not_of("0.") == std::string_view::npos;
            }
        }
        const std::string lower = ascii_lower(std::string(coding));
        if (lower == "gzip" || lower == "x-gzip") return !refused;
        if (lower == "*") star = !refused;
        if (comma == std::string_view::npos) break;
        accept_encoding.remove_prefix(comma + 1);
    }
    return star;
}

StaticAnswer serve_static(const StaticRequest& request, std::span<const WebAsset> assets) {
    const std::string_view path = request.path;
    const bool is_asset = path.starts_with(kAssetsPrefix);
    const bool is_page = path == "/" || path == kIndex || is_client_route(path);
    if (!is_asset && !is_page) return {};

    StaticAnswer answer;
    if (request.method != "GET") {
        answer.kind = StaticKind::kWrongMethod;
        return answer;
    }
    const WebAsset* asset = find(assets, is_page ? kIndex : path);
    if (asset == nullptr) {
        answer.kind = StaticKind::kMissing;
        return answer;
    }

    answer.kind = StaticKind::kServed;
    Reply& reply = answer.reply;
    reply.content_type = std::string(asset->content_type);
    // A hashed name never changes its bytes: cache it for a year. The page names the current
    // ones, so the browser asks for it every time (cheaply: an ETag answers 304).
    reply.cache_control = is_asset ? std::string(kImmutable) : "no-cache";
    const bool gzip = !asset->gzip.empty() && asset->gzip.size() < asset->body.size() &&
                      accepts_gzip(request.accept_encoding);
    const std::string etag = gzip ? gzip_etag(asset->etag) : std::string(asset->etag);
    reply.headers.emplace_back("ETag", etag);
    if (!asset->gzip.empty() && asset->gzip.size() < asset->body.size()) {
        reply.headers.emplace_back("Vary", "Accept-Encoding");
    }
    reply.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
    reply.headers.emplace_back("Referrer-Policy", "no-referrer");
    if (!request.if_none_match.empty() &&
        (etag_matches(request.if_none_match, asset->etag) ||
         etag_matches(request.if_none_match, gzip_etag(asset->etag)))) {
        reply.status = 304;
        return answer;
    }
    reply.status = 200;
    if (gzip) {
        reply.headers.emplace_back("Content-Encoding", "gzip");
        reply.body = std::string(asset->gzip);
    } else {
        reply.body = std::string(asset->body);
    }
    return answer;
}

}  // namespace restock::http
