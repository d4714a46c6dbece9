// Maps method + path to a route. Pure: no I/O, no knowledge of handlers.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace restock::http {

enum class RouteId {
    kHealth,
    kReady,
    kMetrics,
    kCreateProduct,
    kListProducts,
    kGetProduct,
    kPatchProduct,
    kArchiveProduct,
    kGetReplenishment,  // what replenishment learned about a product
    kCheckout,
    kReleaseOrder,
    kCreateReservation,
    kGetReservation,
    kDeleteReservation,
    kReceipt,
    kAdjustment,
    kMovements,
    kEvents,
    kEventStream,  // the event log as Server-Sent Events (an extension of the design's API)
    kCreateFactory,
    kListFactories,
    kGetFactory,
    kDeleteFactory,  // (an extension of the design's API)
    kListOrders,
    kGetOrder,
    kCancelOrder,
    kFactoryCallback,
    kListQueues,
    kPatchQueue,
    kPeekQueue,
    kRedriveQueue,
    kPurgeQueue,
    kDeleteMessage,   // one message, by id (an extension of the design's API)
    kRedriveMessage,  // one DLQ message back to its source queue (likewise)
    kListAlarms,      // the open alarms (an extension of the design's API)
    kListTopics,
    kListSubscriptions,
    kCreateSubscription,
    kDeleteSubscription,
    kOpenApi,
    kCreateSession,  // the dashboard's login (an extension of the design's API)
    kGetSession,
    kEndSession,
    kInternalCommands,  // between nodes of one database (command_codec.h)
};

// One route: a method and a path template whose segments in braces ("{sku}") each capture one
// path segment. The templates are written as OpenAPI writes them, so docs/openapi.json can be
// checked against this table (tests/adapters/http/openapi_router_test.cpp).
struct RouteSpec {
    std::string_view method;
    std::string_view pattern;
    RouteId id;
};

// Every route, in the order route() tries them (which is also the order of a 405's Allow list).
std::span<const RouteSpec> routes();

struct RouteMatch {
    RouteId id;
    std::string param;   // the first path parameter, percent-decoded (sku, id, queue, topic)
    std::string second;  // the second one, where the route has two (a message id, ...)
};

struct NoRoute {};
struct MethodNotAllowed {
    std::string allow;  // value for the Allow header
};

using Routing = std::variant<RouteMatch, NoRoute, MethodNotAllowed>;

Routing route(std::string_view method, std::string_view path);

// Percent-decodes a path segment or query component ('+' is a space only when `form`).
// nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool form);

}  // namespace restock::http
