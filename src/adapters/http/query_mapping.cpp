#include "adapters/http/query_mapping.h"

#include <charconv>

#include "adapters/http/router.h"
#include "core/ascii.h"
#include "core/event.h"
#include "core/limits.h"
#include "core/requests.h"
#include "support/time_format.h"

namespace restock::http {
namespace {

// "a,b,c" split at commas; empty items are an error of the caller's choosing.
std::vector<std::string> comma_list(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = text.find(',', start);
        out.push_back(text.substr(start, comma == std::string::npos ? comma : comma - start));
        if (comma == std::string::npos) return out;
        start = comma + 1;
    }
}

const std::string* find(const QueryParams& params, const char* name) {
    auto it = params.find(name);
    return it == params.end() ? nullptr : &it->second;
}

Result<std::optional<bool>> bool_param(const QueryParams& params, const char* name) {
    const std::string* text = find(params, name);
    if (text == nullptr) return std::optional<bool>();
    if (*text == "true") return std::optional<bool>(true);
    if (*text == "false") return std::optional<bool>(false);
    return invalid_query(std::string("'") + name + "' must be true or false");
}

bool is_stock_event(std::string_view type) { return type.rfind("stock.", 0) == 0; }

}  // namespace

Error invalid_query(std::string message) {
    return make_error(ErrorCode::kInvalidArgument, "invalid-query", std::move(message));
}

Result<QueryParams> parse_query(std::string_view query,
                                const std::vector<std::string_view>& allowed) {
    QueryParams out;
    std::size_t start = 0;
    while (start < query.size()) {
        std::size_t end = query.find('&', start);
        if (end == std::string_view::npos) end = query.size();
        const std::string_view pair = query.substr(start, end - start);
        start = end + 1;
        if (pair.empty()) continue;
        const std::size_t equals = pair.find('=');
        auto name = percent_decode(pair.substr(0, equals), true);
        auto value = percent_decode(
            equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1), true);
        if (!name || !value) return invalid_query("malformed percent-encoding in the query");
        bool known = false;
        for (auto a : allowed) known = known || a == *name;
        if (!known) {
            if (allowed.size() == 0) return invalid_query("this route takes no query parameters");
            std::string list;
            for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
            return invalid_query("unknown query parameter '" + *name + "'" +
                                 (list.empty() ? "" : "; allowed: " + list));
        }
        if (!out.emplace(*name, *value).second) {
            return invalid_query("query parameter '" + *name + "' appears twice");
        }
    }
    return out;
}

Result<int64_t> integer_param(const QueryParams& params, const std::string& name, int64_t fallback,
                              int64_t low, int64_t high) {
    auto it = params.find(name);
    if (it == params.end()) return fallback;
    int64_t value = 0;
    const auto& text = it->second;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < low || value > high) {
        return invalid_query("'" + name + "' must be an integer from " + std::to_string(low) +
                             " to " + std::to_string(high));
    }
    return value;
}

Result<int64_t> page_limit(const QueryParams& params) {
    return integer_param(params, "limit", limits::kDefaultPageSize, 1, limits::kMaxPageSize);
}

Result<ProductQuery> parse_product_query(const QueryParams& params) {
    ProductQuery query;
    auto limit = page_limit(params);
    if (!limit) return limit.error();
    query.limit = static_cast<std::size_t>(*limit);
    if (const std::string* status = find(params, "status")) {
        query.status = parse_product_status(*status);
        if (!query.status) {
            return invalid_query("'status' must be one of in_stock, low, out_of_stock");
        }
    }
    if (const std::string* cursor = find(params, "cursor")) {
        if (!is_valid_sku(*cursor)) return invalid_query("'cursor' is not valid");
        query.after_sku = *cursor;
    }
    if (const std::string* skus = find(params, "sku")) {
        query.skus = comma_list(*skus);
        if (query.skus.size() > limits::kMaxPageSize) {
            return invalid_query("'sku' lists " + std::to_string(query.skus.size()) +
                                 " SKUs; at most " + std::to_string(limits::kMaxPageSize));
        }
        for (const auto& sku : query.skus) {
            if (!is_valid_sku(sku)) {
                return invalid_query("'sku' must be a comma-separated list of SKUs; '" + sku +
                                     "' is none");
            }
        }
    }
    if (const std::string* text = find(params, "q")) {
        if (!is_valid_text(*text, limits::kMaxNameLength)) {
            return invalid_query("'q' must be 1 to " + std::to_string(limits::kMaxNameLength) +
                                 " printable characters");
        }
        query.text = ascii_lower(*text);
    }
    if (const std::string* archived = find(params, "archived")) {
        if (*archived == "false") {
            query.archived = ArchivedFilter::kActive;
        } else if (*archived == "true") {
            query.archived = ArchivedFilter::kArchived;
        } else if (*archived == "all") {
            query.archived = ArchivedFilter::kAll;
        } else {
            return invalid_query("'archived' must be false (the default), true or all");
        }
    }
    return query;
}

Result<GetRestockOrders> parse_orders_query(const QueryParams& params) {
    GetRestockOrders request;
    auto limit = page_limit(params);
    if (!limit) return limit.error();
    request.limit = static_cast<std::size_t>(*limit);
    // The engine checks the cursor (an order id): 400 invalid-query if it is none.
    if (const std::string* cursor = find(params, "cursor")) request.after_id = *cursor;
    if (const std::string* statuses = find(params, "status")) {
        for (const auto& name : comma_list(*statuses)) {
            auto status = parse_order_status(name);
            if (!status) {
                return invalid_query(
                    "'status' must be a comma-separated list of pending, sent, acknowledged, "
                    "received, failed, cancelled; '" +
                    name + "' is none");
            }
            request.statuses.push_back(*status);
        }
    }
    if (const std::string* sku = find(params, "sku")) {
        if (!is_valid_sku(*sku)) return invalid_query("'sku' is not a valid SKU");
        request.sku = *sku;
    }
    if (const std::string* before = find(params, "created_before")) {
        request.created_before_ms = parse_rfc3339(*before);
        if (!request.created_before_ms) {
            return invalid_query(
                "'created_before' must be an RFC 3339 date-time, such as "
                "2026-12-01T00:00:00Z");
        }
    }
    auto overdue = bool_param(params, "overdue");
    if (!overdue) return overdue.error();
    request.overdue = *overdue;
    return request;
}

Result<EventsRequest> parse_events_query(const QueryParams& params, bool stock_only) {
    EventsRequest request;
    auto limit = page_limit(params);
    if (!limit) return limit.error();
    request.query.limit = static_cast<std::size_t>(*limit);
    // after=latest: the end of the log as of now, for a consumer that wants what comes next.
    if (const std::string* text = find(params, "after"); text != nullptr && *text == "latest") {
        request.latest = true;
    } else {
        auto after = integer_param(params, "after", 0, 0, INT64_MAX);
        if (!after) return after.error();
        request.query.after_seq = *after;
    }
    if (const std::string* types = find(params, "type")) {
        for (const auto& name : comma_list(*types)) {
            if (!parse_event_type(name)) {
                return invalid_query("'type' must be a comma-separated list of event types; '" +
                                     name + "' is none");
            }
            if (stock_only && !is_stock_event(name) && request.forbidden_type.empty()) {
                request.forbidden_type = name;
            }
            request.query.types.push_back(name);
        }
    } else if (stock_only) {
        for (auto type : {EventType::kStockLow, EventType::kStockEmpty, EventType::kStockShort,
                          EventType::kStockRestored}) {
            request.query.types.emplace_back(to_string(type));
        }
    }
    if (const std::string* sku = find(params, "sku")) {
        if (!is_valid_sku(*sku)) return invalid_query("'sku' is not a valid SKU");
        request.query.sku = *sku;
    }
    return request;
}

}  // namespace restock::http
