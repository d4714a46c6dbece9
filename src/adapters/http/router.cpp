#include "adapters/http/router.h"

#include <iterator>
#include <vector>

namespace restock::http {
namespace {

// Sized by its initialisers: a fixed size larger than the list would add empty routes.
constexpr RouteSpec kRoutes[] = {
    {"GET", "/healthz", RouteId::kHealth},
    {"GET", "/readyz", RouteId::kReady},
    {"GET", "/metrics", RouteId::kMetrics},
    {"POST", "/v1/products", RouteId::kCreateProduct},
    {"GET", "/v1/products", RouteId::kListProducts},
    {"GET", "/v1/products/{sku}", RouteId::kGetProduct},
    {"PATCH", "/v1/products/{sku}", RouteId::kPatchProduct},
    {"DELETE", "/v1/products/{sku}", RouteId::kArchiveProduct},
    {"GET", "/v1/products/{sku}/replenishment", RouteId::kGetReplenishment},
    {"POST", "/v1/checkout", RouteId::kCheckout},
    {"POST", "/v1/orders/{order_id}/release", RouteId::kReleaseOrder},
    {"POST", "/v1/reservations", RouteId::kCreateReservation},
    {"GET", "/v1/reservations/{reservation_id}", RouteId::kGetReservation},
    {"DELETE", "/v1/reservations/{reservation_id}", RouteId::kDeleteReservation},
    {"POST", "/v1/stock/{sku}/receipts", RouteId::kReceipt},
    {"POST", "/v1/stock/{sku}/adjustments", RouteId::kAdjustment},
    {"GET", "/v1/stock/{sku}/movements", RouteId::kMovements},
    {"GET", "/v1/events", RouteId::kEvents},
    {"GET", "/v1/events/stream", RouteId::kEventStream},
    {"POST", "/v1/factories", RouteId::kCreateFactory},
    {"GET", "/v1/factories", RouteId::kListFactories},
    {"GET", "/v1/factories/{id}", RouteId::kGetFactory},
    {"DELETE", "/v1/factories/{id}", RouteId::kDeleteFactory},
    {"GET", "/v1/restock-orders", RouteId::kListOrders},
    {"GET", "/v1/restock-orders/{id}", RouteId::kGetOrder},
    {"POST", "/v1/restock-orders/{id}/cancel", RouteId::kCancelOrder},
    {"POST", "/v1/factory/callbacks/{order_id}", RouteId::kFactoryCallback},
    {"GET", "/v1/queues", RouteId::kListQueues},
    {"PATCH", "/v1/queues/{name}", RouteId::kPatchQueue},
    {"GET", "/v1/queues/{name}/messages", RouteId::kPeekQueue},
    {"DELETE", "/v1/queues/{name}/messages", RouteId::kPurgeQueue},
    {"POST", "/v1/queues/{name}/redrive", RouteId::kRedriveQueue},
    {"DELETE", "/v1/queues/{name}/messages/{id}", RouteId::kDeleteMessage},
    {"POST", "/v1/queues/{name}/messages/{id}/redrive", RouteId::kRedriveMessage},
    {"GET", "/v1/alarms", RouteId::kListAlarms},
    {"GET", "/v1/topics", RouteId::kListTopics},
    {"GET", "/v1/topics/{topic}/subscriptions", RouteId::kListSubscriptions},
    {"POST", "/v1/topics/{topic}/subscriptions", RouteId::kCreateSubscription},
    {"DELETE", "/v1/topics/{topic}/subscriptions/{id}", RouteId::kDeleteSubscription},
    {"GET", "/v1/openapi.json", RouteId::kOpenApi},
    {"POST", "/v1/session", RouteId::kCreateSession},
    {"GET", "/v1/session", RouteId::kGetSession},
    {"DELETE", "/v1/session", RouteId::kEndSession},
    {"POST", "/internal/v1/commands", RouteId::kInternalCommands},
};

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

// The routes' patterns split into segments once, not on every request.
const std::vector<std::vector<std::string_view>>& pattern_segments() {
    static const auto* all = [] {
        auto* split = new std::vector<std::vector<std::string_view>>();
        for (const auto& spec : kRoutes) split->push_back(segments(spec.pattern));
        return split;
    }();
    return *all;
}

bool is_capture(std::string_view segment) {
    return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

// Matches a pattern; on success fills the captured parameters ("{name}" segments) in order.
bool matches(const std::vector<std::string_view>& want, const std::vector<std::string_view>& parts,
             RouteMatch& match) {
    if (want.size() != parts.size()) return false;
    int captured = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (is_capture(want[i])) {
            if (parts[i].empty()) return false;
            auto decoded = percent_decode(parts[i], false);
            if (!decoded) return false;
            (captured++ == 0 ? match.param : match.second) = std::move(*decoded);
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

std::span<const RouteSpec> routes() { return kRoutes; }

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
    const auto& patterns = pattern_segments();
    for (std::size_t i = 0; i < std::size(kRoutes); ++i) {
        const RouteSpec& spec = kRoutes[i];
        RouteMatch match{spec.id, "", ""};
        if (!matches(patterns[i], parts, match)) continue;
        if (spec.method == method) return match;
        if (!allow.empty()) allow += ", ";
        allow += spec.method;
    }
    if (!allow.empty()) return MethodNotAllowed{std::move(allow)};
    return NoRoute{};
}

}  // namespace restock::http
