#include "adapters/http/router.h"

#include <array>
#include <vector>

namespace restock::http {
namespace {

struct RouteSpec {
    std::string_view method;
    std::string_view pattern;  // segments; "{sku}" captures one
    RouteId id;
};

constexpr std::array<RouteSpec, 11> kRoutes{{
    {"GET", "/healthz", RouteId::kHealth},
    {"GET", "/metrics", RouteId::kMetrics},
    {"POST", "/v1/products", RouteId::kCreateProduct},
    {"GET", "/v1/products", RouteId::kListProducts},
    {"GET", "/v1/products/{sku}", RouteId::kGetProduct},
    {"PATCH", "/v1/products/{sku}", RouteId::kPatchProduct},
    {"POST", "/v1/checkout", RouteId::kCheckout},
    {"POST", "/v1/stock/{sku}/receipts", RouteId::kReceipt},
    {"POST", "/v1/stock/{sku}/adjustments", RouteId::kAdjustment},
    {"GET", "/v1/stock/{sku}/movements", RouteId::kMovements},
    {"GET", "/v1/events", RouteId::kEvents},
}};

std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    std::size_t start = 1;  // skip the leading '/'
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        out.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

// Matches a pattern; on success fills the captured sku.
bool matches(std::string_view pattern, const std::vector<std::string_view>& parts,
             std::string& sku) {
    const auto want = segments(pattern);
    if (want.size() != parts.size()) return false;
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (want[i] == "{sku}") {
            if (parts[i].empty()) return false;
            auto decoded = percent_decode(parts[i], false);
            if (!decoded) return false;
            sku = std::move(*decoded);
        } else if (want[i] != parts[i]) {
            return false;
        }
    }
    return true;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool form) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            const int high = hex_value(text[i + 1]);
            const int low = hex_value(text[i + 2]);
            if (high < 0 || low < 0) return std::nullopt;
            out.push_back(static_cast<char>(high * 16 + low));
            i += 2;
        } else if (c == '+' && form) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

Routing route(std::string_view method, std::string_view path) {
    if (path.empty() || path.front() != '/') return NoRoute{};
    const auto parts = segments(path);
    std::string allow;
    for (const auto& spec : kRoutes) {
        std::string sku;
        if (!matches(spec.pattern, parts, sku)) continue;
        if (spec.method == method) return RouteMatch{spec.id, std::move(sku)};
        if (!allow.empty()) allow += ", ";
        allow += spec.method;
    }
    if (!allow.empty()) return MethodNotAllowed{std::move(allow)};
    return NoRoute{};
}

}  // namespace restock::http
