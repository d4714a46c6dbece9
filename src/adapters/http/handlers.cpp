#include "adapters/http/handlers.h"

#include <charconv>
#include <map>

#include "adapters/http/problem.h"
#include "adapters/http/request_mapping.h"
#include "adapters/http/router.h"
#include "core/limits.h"
#include "support/crypto.h"

namespace restock::http {

struct Api::Context {
    HttpRequest request;
    RouteMatch route;
    Principal principal;

    Reply problem(ErrorCode code, std::string_view slug, std::string message) const {
        return problem_reply(make_error(code, std::string(slug), std::move(message)), request.path,
                             request.request_id);
    }
    Reply problem(const Error& error) const {
        return problem_reply(error, request.path, request.request_id);
    }
};

namespace {

constexpr std::size_t kMaxIdempotencyKeyLength = 255;

struct RouteAccess {
    bool public_route;
    Role role;
};

RouteAccess access_for(RouteId id) {
    switch (id) {
        case RouteId::kHealth:
            return {true, Role::kAdmin};
        case RouteId::kGetProduct:
        case RouteId::kListProducts:
        case RouteId::kCheckout:
            return {false, Role::kStorefront};
        case RouteId::kReceipt:
            return {false, Role::kFactory};
        default:
            return {false, Role::kAdmin};
    }
}

bool has_body(RouteId id) {
    switch (id) {
        case RouteId::kCreateProduct:
        case RouteId::kPatchProduct:
        case RouteId::kCheckout:
        case RouteId::kReceipt:
        case RouteId::kAdjustment:
            return true;
        default:
            return false;
    }
}

bool is_json_media_type(std::string_view content_type, bool allow_merge_patch) {
    const auto semicolon = content_type.find(';');
    std::string type(content_type.substr(0, semicolon));
    while (!type.empty() && type.back() == ' ') type.pop_back();
    for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return type == "application/json" ||
           (allow_merge_patch && type == "application/merge-patch+json");
}

Error invalid_query(std::string message) {
    return make_error(ErrorCode::kInvalidArgument, "invalid-query", std::move(message));
}

// Parses "a=1&b=2" into names -> values; unknown or repeated names are errors.
Result<std::map<std::string, std::string>> parse_query(
    std::string_view query, std::initializer_list<std::string_view> allowed) {
    std::map<std::string, std::string> out;
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

Result<int64_t> integer_param(const std::map<std::string, std::string>& params,
                              const std::string& name, int64_t fallback, int64_t low,
                              int64_t high) {
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

Result<int64_t> page_limit(const std::map<std::string, std::string>& params) {
    return integer_param(params, "limit", limits::kDefaultPageSize, 1, limits::kMaxPageSize);
}

Reply json_reply(std::string body) {
    return Reply{200, "application/json", std::move(body), "", false};
}

}  // namespace

void Api::count(int status) {
    const int cls = status / 100;
    if (cls >= 1 && cls <= 5) responses_[cls].fetch_add(1, std::memory_order_relaxed);
}

void Api::handle(HttpRequest request, Respond respond, Defer defer) {
    Context context{std::move(request), RouteMatch{RouteId::kHealth, ""}, Principal{}};
    const std::string& path = context.request.path;
    Routing routing = route(context.request.method, path);
    if (std::holds_alternative<NoRoute>(routing)) {
        respond(Exchange{context.problem(ErrorCode::kNotFound, "not-found",
                                         "no route for " + context.request.method + " " + path),
                         "", ""});
        return;
    }
    if (auto* not_allowed = std::get_if<MethodNotAllowed>(&routing)) {
        Exchange exchange{
            problem_reply(make_error(ErrorCode::kInvalidArgument, "method-not-allowed",
                                     context.request.method + " is not allowed on " + path +
                                         "; allowed: " + not_allowed->allow),
                          path, context.request.request_id),
            "", not_allowed->allow};
        exchange.reply.status = 405;
        exchange.reply.body = problem_body(405, "method-not-allowed",
                                           context.request.method + " is not allowed on " + path +
                                               "; allowed: " + not_allowed->allow,
                                           path, context.request.request_id);
        respond(std::move(exchange));
        return;
    }
    context.route = std::get<RouteMatch>(std::move(routing));

    const RouteAccess access = access_for(context.route.id);
    if (!access.public_route) {
        constexpr std::string_view kBearer = "Bearer ";
        const std::string& header = context.request.authorization;
        if (header.size() <= kBearer.size() || header.compare(0, kBearer.size(), kBearer) != 0) {
            Reply reply = context.problem(ErrorCode::kInvalidArgument, "unauthorized",
                                          "send 'Authorization: Bearer <key>'");
            reply.status = 401;
            reply.body = problem_body(401, "unauthorized", "send 'Authorization: Bearer <key>'",
                                      path, context.request.request_id);
            respond(Exchange{std::move(reply), "", ""});
            return;
        }
        auto principal =
            authenticator_.authenticate(std::string_view(header).substr(kBearer.size()));
        if (!principal) {
            const bool down = principal.error().code == ErrorCode::kUnavailable;
            const int status = down ? 503 : 401;
            Reply reply{status, std::string(kProblemContentType),
                        problem_body(status, down ? "unavailable" : "unauthorized",
                                     principal.error().message, path, context.request.request_id),
                        "", false};
            respond(Exchange{std::move(reply), "", ""});
            return;
        }
        context.principal = std::move(principal.value());
        if (!allows(context.principal.role, access.role)) {
            const std::string detail = "a " + std::string(to_string(context.principal.role)) +
                                       " key may not do this; it needs the " +
                                       std::string(to_string(access.role)) + " role";
            Reply reply{403, std::string(kProblemContentType),
                        problem_body(403, "forbidden", detail, path, context.request.request_id),
                        "", false};
            respond(Exchange{std::move(reply), context.principal.name, ""});
            return;
        }
    }
    dispatch(context, std::move(respond), std::move(defer));
}

void Api::dispatch(Context& context, Respond respond, Defer defer) {
    const RouteId id = context.route.id;
    const std::string principal = context.principal.name;
    auto reply_now = [&](Reply reply) { respond(Exchange{std::move(reply), principal, ""}); };

    if (has_body(id) &&
        !is_json_media_type(context.request.content_type, id == RouteId::kPatchProduct)) {
        Reply reply{415, std::string(kProblemContentType),
                    problem_body(415, "unsupported-media-type",
                                 "send the body as Content-Type: application/json",
                                 context.request.path, context.request.request_id),
                    "", false};
        reply_now(std::move(reply));
        return;
    }
    if (!has_body(id) && !context.request.query.empty() && id != RouteId::kListProducts &&
        id != RouteId::kMovements && id != RouteId::kEvents) {
        reply_now(context.problem(invalid_query("this route takes no query parameters")));
        return;
    }
    if (!context.route.sku.empty() && !is_valid_sku(context.route.sku)) {
        reply_now(context.problem(ErrorCode::kInvalidArgument, "invalid-request",
                                  "'" + context.route.sku + "' is not a valid sku"));
        return;
    }

    auto then_submit = [&](auto parsed) {
        if (!parsed) {
            reply_now(context.problem(parsed.error()));
            return;
        }
        submit(context, Command(std::move(parsed.value())), std::move(respond), std::move(defer));
    };

    switch (id) {
        case RouteId::kHealth:
            return reply_now(health());
        case RouteId::kMetrics:
            return reply_now(metrics());
        case RouteId::kGetProduct:
            return reply_now(get_product(context));
        case RouteId::kListProducts:
            return reply_now(list_products(context));
        case RouteId::kMovements:
            return reply_now(list_movements(context));
        case RouteId::kEvents:
            return reply_now(list_events(context));
        case RouteId::kCreateProduct:
            return then_submit(parse_new_product(context.request.body));
        case RouteId::kPatchProduct: {
            auto patch = parse_product_patch(context.request.body);
            if (!patch) return then_submit(Result<PatchProduct>(patch.error()));
            return then_submit(
                Result<PatchProduct>(PatchProduct{context.route.sku, std::move(patch.value())}));
        }
        case RouteId::kCheckout:
            return then_submit(parse_checkout(context.request.body));
        case RouteId::kReceipt:
            return then_submit(parse_receipt(context.route.sku, context.request.body));
        case RouteId::kAdjustment:
            return then_submit(parse_adjustment(context.route.sku, context.request.body));
    }
}

void Api::submit(Context& context, Command command, Respond respond, Defer defer) {
    const std::string instance = context.request.path;
    const std::string request_id = context.request.request_id;
    const std::string principal = context.principal.name;

    Submission submission;
    submission.command = std::move(command);
    if (context.request.idempotency_key) {
        const std::string& key = *context.request.idempotency_key;
        if (!is_valid_token(key, kMaxIdempotencyKeyLength)) {
            respond(Exchange{
                context.problem(ErrorCode::kInvalidArgument, "invalid-idempotency-key",
                                "Idempotency-Key must be 1 to 255 printable ASCII characters"),
                principal, ""});
            return;
        }
        submission.idempotency = IdempotencyTag{
            principal, key,
            sha256_hex(context.request.method + " " + instance + "\n" + context.request.body)};
        submission.render = [instance, request_id](const Outcome& outcome) {
            Reply reply = reply_for(outcome, instance, request_id);
            return StoredResponse{reply.status, std::move(reply.body)};
        };
    }
    submission.done = [respond = std::move(respond), defer = std::move(defer), instance, request_id,
                       principal](Outcome outcome) mutable {
        defer([respond = std::move(respond), outcome = std::move(outcome), instance, request_id,
               principal]() mutable {
            respond(Exchange{reply_for(outcome, instance, request_id), principal, ""});
        });
    };
    engine_.submit(std::move(submission));
}

Reply Api::health() { return json_reply("{\"status\":\"ok\"}"); }

Reply Api::metrics() {
    const auto stats = engine_.stats();
    std::string text;
    text += "# HELP restock_engine_commands_total Commands the stock engine has executed.\n";
    text += "# TYPE restock_engine_commands_total counter\n";
    text += "restock_engine_commands_total " + std::to_string(stats.commands) + "\n";
    text += "# HELP restock_engine_batches_total Group commits attempted.\n";
    text += "# TYPE restock_engine_batches_total counter\n";
    text += "restock_engine_batches_total " + std::to_string(stats.batches) + "\n";
    text += "# HELP restock_engine_failed_batches_total Group commits the store refused.\n";
    text += "# TYPE restock_engine_failed_batches_total counter\n";
    text += "restock_engine_failed_batches_total " + std::to_string(stats.failed_batches) + "\n";
    text += "# HELP restock_http_responses_total HTTP responses by status class.\n";
    text += "# TYPE restock_http_responses_total counter\n";
    for (int cls = 1; cls <= 5; ++cls) {
        text += "restock_http_responses_total{class=\"" + std::to_string(cls) + "xx\"} " +
                std::to_string(responses_[cls].load(std::memory_order_relaxed)) + "\n";
    }
    return Reply{200, "text/plain; version=0.0.4", std::move(text), "", false};
}

Reply Api::get_product(Context& context) {
    auto reader = readers_.acquire();
    if (!reader) return context.problem(reader.error());
    auto product = reader.value()->product(context.route.sku);
    if (!product) return context.problem(product.error());
    if (!product.value()) {
        return context.problem(ErrorCode::kNotFound, "product-not-found",
                               "no product with sku '" + context.route.sku + "'");
    }
    return json_reply(product_json(*product.value()));
}

Reply Api::list_products(Context& context) {
    auto params = parse_query(context.request.query, {"status", "limit", "cursor"});
    if (!params) return context.problem(params.error());
    auto limit = page_limit(params.value());
    if (!limit) return context.problem(limit.error());
    std::optional<ProductStatus> status;
    if (auto it = params->find("status"); it != params->end()) {
        status = parse_product_status(it->second);
        if (!status) {
            return context.problem(
                invalid_query("'status' must be one of in_stock, low, out_of_stock"));
        }
    }
    std::string cursor;
    if (auto it = params->find("cursor"); it != params->end()) {
        cursor = it->second;
        if (!is_valid_sku(cursor)) return context.problem(invalid_query("'cursor' is not valid"));
    }
    auto reader = readers_.acquire();
    if (!reader) return context.problem(reader.error());
    // One extra row tells whether there is a next page.
    auto products = reader.value()->products(status, cursor, static_cast<std::size_t>(*limit) + 1);
    if (!products) return context.problem(products.error());
    const bool more = products->size() > static_cast<std::size_t>(*limit);
    if (more) products->pop_back();
    std::string body;
    json::Writer w(body);
    w.begin_object().key("items").begin_array();
    for (const auto& product : products.value()) write_product(w, product);
    w.end_array().key("next_cursor");
    if (more) {
        w.value(products->back().sku);
    } else {
        w.null();
    }
    w.end_object();
    return json_reply(std::move(body));
}

Reply Api::list_movements(Context& context) {
    auto params = parse_query(context.request.query, {"limit", "cursor"});
    if (!params) return context.problem(params.error());
    auto limit = page_limit(params.value());
    if (!limit) return context.problem(limit.error());
    auto cursor = integer_param(params.value(), "cursor", 0, 1, INT64_MAX);
    if (!cursor) return context.problem(cursor.error());
    auto reader = readers_.acquire();
    if (!reader) return context.problem(reader.error());
    auto product = reader.value()->product(context.route.sku);
    if (!product) return context.problem(product.error());
    if (!product.value()) {
        return context.problem(ErrorCode::kNotFound, "product-not-found",
                               "no product with sku '" + context.route.sku + "'");
    }
    auto movements =
        reader.value()->movements(*product.value(), *cursor, static_cast<std::size_t>(*limit));
    if (!movements) return context.problem(movements.error());
    std::string body;
    json::Writer w(body);
    w.begin_object().key("items").begin_array();
    for (const auto& movement : movements.value()) write_movement(w, movement, context.route.sku);
    w.end_array().key("next_cursor");
    if (movements->size() == static_cast<std::size_t>(*limit) && movements->back().prev_id != 0) {
        w.value(std::to_string(movements->back().id));
    } else {
        w.null();
    }
    w.end_object();
    return json_reply(std::move(body));
}

Reply Api::list_events(Context& context) {
    auto params = parse_query(context.request.query, {"after", "limit"});
    if (!params) return context.problem(params.error());
    auto limit = page_limit(params.value());
    if (!limit) return context.problem(limit.error());
    auto after = integer_param(params.value(), "after", 0, 0, INT64_MAX);
    if (!after) return context.problem(after.error());
    auto reader = readers_.acquire();
    if (!reader) return context.problem(reader.error());
    auto events = reader.value()->events(*after, static_cast<std::size_t>(*limit));
    if (!events) return context.problem(events.error());
    std::string body;
    json::Writer w(body);
    w.begin_object().key("items").begin_array();
    for (const auto& event : events.value()) write_event(w, event);
    w.end_array().key("next_after").value(events->empty() ? *after : events->back().seq);
    w.end_object();
    return json_reply(std::move(body));
}

}  // namespace restock::http
