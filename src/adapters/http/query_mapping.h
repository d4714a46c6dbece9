// URL queries -> what a list asks for. Strict, as the body mapping is: an unknown or repeated
// parameter, or a value out of range, is a 400 invalid-query naming it. Pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "app/commands.h"
#include "core/result.h"
#include "ports/stock_store.h"

namespace restock::http {

using QueryParams = std::map<std::string, std::string>;

Error invalid_query(std::string message);

// Parses "a=1&b=2" into names -> values; names not in `allowed`, or repeated, are errors.
Result<QueryParams> parse_query(std::string_view query,
                                const std::vector<std::string_view>& allowed);

Result<int64_t> integer_param(const QueryParams& params, const std::string& name, int64_t fallback,
                              int64_t low, int64_t high);
// `limit`: 1 to limits::kMaxPageSize, default limits::kDefaultPageSize.
Result<int64_t> page_limit(const QueryParams& params);

// GET /v1/products: status, sku (a comma list of at most kMaxPageSize SKUs), q (1 to
// limits::kMaxNameLength characters), archived (false, true or all), limit and cursor.
Result<ProductQuery> parse_product_query(const QueryParams& params);

// GET /v1/restock-orders: status (a comma list), sku, created_before (RFC 3339), overdue
// (true or false), limit and cursor (checked by the engine).
Result<GetRestockOrders> parse_orders_query(const QueryParams& params);

// GET /v1/events: after, type (a comma list of event types), sku and limit. up_to_seq is left
// for the caller. With `stock_only` (a storefront key) the list holds stock.* events only: no
// type means all of those, and a type of another kind is `forbidden_type`.
struct EventsRequest {
    EventQuery query;
    std::string forbidden_type;  // set: a type the caller may not read
    bool latest = false;         // after=latest: from the log's end as of now (after_seq unset)
};
Result<EventsRequest> parse_events_query(const QueryParams& params, bool stock_only);

}  // namespace restock::http
