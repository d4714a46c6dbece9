#include "adapters/http/handlers.h"

#include <charconv>
#include <map>

#include "adapters/http/api_context.h"
#include "adapters/http/command_codec.h"
#include "adapters/http/event_streams.h"
#include "adapters/http/metrics_text.h"
#include "adapters/http/openapi_document.h"
#include "adapters/http/problem.h"
#include "adapters/http/query_mapping.h"
#include "adapters/http/request_mapping.h"
#include "adapters/http/router.h"
#include "adapters/http/static_assets.h"
#include "app/callback_token.h"
#include "core/ascii.h"
#include "core/limits.h"
#include "support/crypto.h"

namespace restock::http {

namespace {

constexpr std::size_t kMaxIdempotencyKeyLength = 255;

bool has_body(RouteId id) {
    switch (id) {
        case RouteId::kCreateProduct:
        case RouteId::kPatchProduct:
        case RouteId::kCheckout:
        case RouteId::kReleaseOrder:
        case RouteId::kCreateReservation:
        case RouteId::kReceipt:
        case RouteId::kAdjustment:
        case RouteId::kCreateFactory:
        case RouteId::kCreateSession:
        case RouteId::kPatchQueue:
        case RouteId::kCreateSubscription:
        case RouteId::kFactoryCallback:
        case RouteId::kInternalCommands:
            return true;
        default:
            return false;
    }
}

// Routes whose first path parameter is a SKU.
bool takes_sku(RouteId id) {
    switch (id) {
        case RouteId::kGetProduct:
        case RouteId::kPatchProduct:
        case RouteId::kArchiveProduct:
        case RouteId::kGetReplenishment:
        case RouteId::kReceipt:
        case RouteId::kAdjustment:
        case RouteId::kMovements:
            return true;
        default:
            return false;
    }
}

bool is_json_media_type(std::string_view content_type, bool allow_merge_patch) {
    const auto semicolon = content_type.find(';');
    std::string type(content_type.substr(0, semicolon));
    while (!type.empty() && type.back() == ' ') type.pop_back();
    type = ascii_lower(std::move(type));
    return type == "application/json" ||
           (allow_merge_patch && type == "application/merge-patch+json");
}

// A route without a body takes none; an empty JSON object is allowed, since `curl -d '{}'` is a
// common way to send a bare POST. Anything else would be silently ignored, so it is refused.
bool is_empty_body(std::string_view body) {
    std::string compact;
    for (char c : body) {
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') compact.push_back(c);
    }
    return compact.empty() || compact == "{}";
}

// The 503 of a node asked to write while another node is the writer.
Reply not_writer(const HttpRequest& request) {
    Reply reply = problem_reply(
        make_error(ErrorCode::kUnavailable, "unavailable",
                   "this node is not the writer and cannot take writes right now (the writer is "
                   "changing); nothing was changed, retry"),
        request.path, request.request_id);
    reply.not_writer = true;
    return reply;
}

// A queue message's id in a path: the positive integer GET /v1/queues/{name}/messages lists.
Result<int64_t> message_id(const std::string& text) {
    int64_t id = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (text.empty() || text[0] == '-' || text[0] == '+' || ec != std::errc() ||
        end != text.data() + text.size() || id < 1) {
        return make_error(ErrorCode::kInvalidArgument, "invalid-request",
                          "'" + text + "' is not a message id (a positive integer)");
    }
    return id;
}

}  // namespace

RouteAccess route_access(RouteId id) {
    switch (id) {
        case RouteId::kHealth:
        case RouteId::kReady:
        case RouteId::kOpenApi:
        case RouteId::kFactoryCallback:   // authenticated by the token in its URL
        case RouteId::kInternalCommands:  // by the cluster token
        case RouteId::kCreateSession:     // by the key in its body
        case RouteId::kGetSession:        // by the session cookie (session_routes.cpp)
        case RouteId::kEndSession:
            return {true, Role::kAdmin};
        case RouteId::kGetProduct:
        case RouteId::kListProducts:
        case RouteId::kCheckout:
        case RouteId::kReleaseOrder:
        case RouteId::kCreateReservation:
        case RouteId::kGetReservation:
        case RouteId::kDeleteReservation:
        case RouteId::kEvents:  // stock.* events only (list_events)
            return {false, Role::kStorefront};
        case RouteId::kReceipt:
            return {false, Role::kFactory};
        default:
            return {false, Role::kAdmin};
    }
}

std::vector<std::string_view> route_query_names(RouteId id) {
    switch (id) {
        case RouteId::kListProducts:
            return {"status", "sku", "q", "archived", "limit", "cursor"};
        case RouteId::kMovements:
            return {"limit", "cursor"};
        case RouteId::kListOrders:
            return {"status", "sku", "created_before", "overdue", "limit", "cursor"};
        case RouteId::kEvents:
            return {"after", "type", "sku", "limit"};
        case RouteId::kEventStream:
            return {"after", "type", "sku"};
        case RouteId::kPeekQueue:
            return {"limit"};
        case RouteId::kFactoryCallback:
            return {"token"};
        default:
            return {};
    }
}

// The dashboard's page and assets (static_assets.h): no key, nothing read from disk.
bool Api::serve_dashboard(Context& context, const Respond& respond) {
    const HttpRequest& r = context.request;
    StaticAnswer answer =
        serve_static({r.method, r.path, r.if_none_match, r.accept_encoding}, web_assets());
    switch (answer.kind) {
        case StaticKind::kNotStatic:
            return false;
        case StaticKind::kServed:
            respond(Exchange{std::move(answer.reply), "", ""});
            return true;
        case StaticKind::kMissing:
            respond(Exchange{
                context.problem(ErrorCode::kNotFound, "not-found", "no such asset: " + r.path), "",
                ""});
            return true;
        case StaticKind::kWrongMethod:
            respond(Exchange{
                context.problem(405, "method-not-allowed",
                                r.method + " is not allowed on " + r.path + "; allowed: GET, HEAD"),
                "", "GET, HEAD"});
            return true;
    }
    return false;
}

void Api::count(int status) {
    const int cls = status / 100;
    if (cls >= 1 && cls <= 5) responses_[cls].fetch_add(1, std::memory_order_relaxed);
}

void Api::handle(HttpRequest request, Respond respond) {
    Context context{std::move(request), RouteMatch{RouteId::kHealth, "", ""}, Principal{}, {}};
    const std::string& path = context.request.path;
    if (serve_dashboard(context, respond)) return;
    Routing routing = route(context.request.method, path);
    // Between the nodes of one database only: with an embedded store there is no such route.
    if (options_.cluster_token.empty()) {
        if (const auto* match = std::get_if<RouteMatch>(&routing);
            match != nullptr && match->id == RouteId::kInternalCommands) {
            routing = NoRoute{};
        }
    }
    if (std::holds_alternative<NoRoute>(routing) && !percent_decode(path, false)) {
        respond(Exchange{context.problem(ErrorCode::kInvalidArgument, "invalid-request",
                                         "malformed percent-encoding in the path " + path),
                         "", ""});
        return;
    }
    if (std::holds_alternative<NoRoute>(routing)) {
        respond(Exchange{context.problem(ErrorCode::kNotFound, "not-found",
                                         "no route for " + context.request.method + " " + path),
                         "", ""});
        return;
    }
    if (auto* not_allowed = std::get_if<MethodNotAllowed>(&routing)) {
        respond(Exchange{context.problem(405, "method-not-allowed",
                                         context.request.method + " is not allowed on " + path +
                                             "; allowed: " + not_allowed->allow),
                         "", not_allowed->allow});
        return;
    }
    context.route = std::get<RouteMatch>(std::move(routing));

    const RouteAccess access = route_access(context.route.id);
    if (!access.public_route) {
        if (auto refused = authenticate(context)) {
            respond(Exchange{std::move(*refused), "", ""});
            return;
        }
        if (!allows(context.principal.role, access.role)) {
            const std::string detail = "a " + std::string(to_string(context.principal.role)) +
                                       " key may not do this; it needs the " +
                                       std::string(to_string(access.role)) + " role";
            respond(
                Exchange{context.problem(403, "forbidden", detail), context.principal.name, ""});
            return;
        }
    }
    dispatch(context, std::move(respond));
}

std::optional<std::string_view> bearer_key(std::string_view authorization) {
    constexpr std::string_view kBearer = "bearer ";
    if (authorization.size() <= kBearer.size() || !starts_with_icase(authorization, kBearer)) {
        return std::nullopt;
    }
    return authorization.substr(kBearer.size());
}

std::optional<Reply> Api::authenticate(Context& context) {
    // The dashboard's calls: its session cookie stands for the key it logged in with.
    if (context.request.authorization.empty() && !session_token(context.request).empty()) {
        return authenticate_by_cookie(context);
    }
    const auto key = bearer_key(context.request.authorization);
    if (!key) return context.problem(401, "unauthorized", "send 'Authorization: Bearer <key>'");
    auto principal = authenticator_.authenticate(*key);
    if (!principal) return context.auth_problem(principal.error());
    context.principal = std::move(principal.value());
    return std::nullopt;
}

void Api::dispatch(Context& context, Respond respond) {
    const RouteId id = context.route.id;
    const std::string principal = context.principal.name;
    auto reply_now = [&](Reply reply) { respond(Exchange{std::move(reply), principal, ""}); };

    // Legacy factories send their callback with whatever Content-Type they like.
    if (id == RouteId::kInternalCommands) return internal_command(context, std::move(respond));
    // A release may come with no body at all: the whole order.
    const bool no_body_needed = id == RouteId::kReleaseOrder && context.request.body.empty();
    if (has_body(id) && id != RouteId::kFactoryCallback && !no_body_needed &&
        !is_json_media_type(context.request.content_type, context.request.method == "PATCH")) {
        reply_now(context.problem(415, "unsupported-media-type",
                                  "send the body as Content-Type: application/json"));
        return;
    }
    if (!has_body(id) && !is_empty_body(context.request.body)) {
        reply_now(context.problem(ErrorCode::kInvalidArgument, "invalid-request",
                                  context.request.method + " " + context.request.path +
                                      " takes no body; send none (or {})"));
        return;
    }
    auto params = parse_query(context.request.query, route_query_names(id));
    if (!params) {
        reply_now(context.problem(params.error()));
        return;
    }
    context.params = std::move(params.value());
    if (takes_sku(id) && !is_valid_sku(context.route.param)) {
        reply_now(context.problem(ErrorCode::kInvalidArgument, "invalid-request",
                                  "'" + context.route.param + "' is not a valid sku"));
        return;
    }

    auto then_submit = [&](auto parsed) {
        if (!parsed) {
            reply_now(context.problem(parsed.error()));
            return;
        }
        submit(context, Command(std::move(parsed.value())), std::move(respond));
    };
    auto submit_now = [&](Command command) {
        submit(context, std::move(command), std::move(respond));
    };
    const std::string& param = context.route.param;
    const std::string& body = context.request.body;

    switch (id) {
        case RouteId::kHealth:
            return reply_now(health());
        case RouteId::kReady:
            return reply_now(ready(context));
        case RouteId::kOpenApi:
            return reply_now(json_reply(200, std::string(openapi_document())));
        case RouteId::kCreateSession:
            return create_session(context, std::move(respond));
        case RouteId::kGetSession:
            return reply_now(get_session(context));
        case RouteId::kEndSession:
            return end_session(context, std::move(respond));
        case RouteId::kInternalCommands:
            return;  // handled above
        case RouteId::kMetrics:
            return metrics(context, std::move(respond));
        case RouteId::kGetProduct:
            return reply_now(get_product(context));
        case RouteId::kListProducts:
            return reply_now(list_products(context));
        case RouteId::kMovements:
            return reply_now(list_movements(context));
        case RouteId::kEvents:
            return reply_now(list_events(context));
        case RouteId::kEventStream:
            return reply_now(event_stream(context));
        case RouteId::kCreateProduct:
            return then_submit(parse_new_product(body));
        case RouteId::kPatchProduct: {
            auto patch = parse_product_patch(body);
            if (!patch) return then_submit(Result<PatchProduct>(patch.error()));
            return then_submit(Result<PatchProduct>(PatchProduct{param, std::move(patch.value())}));
        }
        case RouteId::kArchiveProduct: {
            ProductPatch archive;
            archive.archived = true;
            return submit_now(PatchProduct{param, std::move(archive)});
        }
        case RouteId::kCheckout:
            return then_submit(parse_checkout(body));
        case RouteId::kReleaseOrder:
            return then_submit(parse_release(param, body));
        case RouteId::kCreateReservation:
            return then_submit(parse_reservation(body));
        case RouteId::kGetReservation:
            return reply_now(get_reservation(context));
        case RouteId::kDeleteReservation:
            return submit_now(ReleaseReservation{param});
        case RouteId::kReceipt:
            return then_submit(parse_receipt(param, body));
        case RouteId::kAdjustment:
            return then_submit(parse_adjustment(param, body));
        case RouteId::kCreateFactory: {
            auto factory = parse_factory(body);
            if (!factory) return then_submit(Result<PutFactory>(factory.error()));
            return submit_now(PutFactory{std::move(factory.value())});
        }
        case RouteId::kGetReplenishment:
            return submit_now(GetReplenishment{param});
        case RouteId::kListFactories:
            return submit_now(GetFactories{});
        case RouteId::kGetFactory:
            return submit_now(GetFactories{param});
        case RouteId::kDeleteFactory:
            return submit_now(DeleteFactory{param});
        case RouteId::kListOrders:
            return then_submit(parse_orders_query(context.params));
        case RouteId::kGetOrder:
            return submit_now(GetRestockOrders{param, 1, ""});
        case RouteId::kCancelOrder:
            return submit_now(CancelRestockOrder{param});
        case RouteId::kFactoryCallback:
            return factory_callback(context, std::move(respond));
        case RouteId::kListQueues:
            return submit_now(QueueList{});
        case RouteId::kPatchQueue:
            return then_submit(parse_queue_patch(param, body));
        case RouteId::kPeekQueue: {
            auto limit = page_limit(context.params);
            if (!limit) return reply_now(context.problem(limit.error()));
            return submit_now(QueuePeek{param, static_cast<std::size_t>(*limit)});
        }
        case RouteId::kRedriveQueue:
            return submit_now(QueueRedrive{param});
        case RouteId::kPurgeQueue:
            return submit_now(QueuePurge{param});
        case RouteId::kDeleteMessage:
        case RouteId::kRedriveMessage: {
            auto message = message_id(context.route.second);
            if (!message) return reply_now(context.problem(message.error()));
            if (id == RouteId::kDeleteMessage) {
                return submit_now(QueueDeleteMessage{param, *message});
            }
            return submit_now(QueueRedriveMessage{param, *message});
        }
        case RouteId::kListAlarms:
            return submit_now(GetAlarms{});
        case RouteId::kListTopics:
            return reply_now(json_reply(200, "{\"items\":[{\"name\":\"stock-events\"}]}"));
        case RouteId::kListSubscriptions:
            return submit_now(ListSubscriptions{param});
        case RouteId::kCreateSubscription: {
            auto subscription = parse_subscription(param, body);
            if (!subscription) return then_submit(Result<CreateSubscription>(subscription.error()));
            return submit_now(CreateSubscription{std::move(subscription.value())});
        }
        case RouteId::kDeleteSubscription:
            return submit_now(DeleteSubscription{param, context.route.second});
    }
}

void Api::factory_callback(Context& context, Respond respond) {
    // The token proves the caller is the factory this order went to. A wrong token is
    // refused the same way whether the order exists or not.
    auto token = context.params.find("token");
    if (token == context.params.end() ||
        !verify_callback_token(options_.callback_secret, context.route.param, token->second)) {
        respond(Exchange{context.problem(403, "forbidden", "invalid callback token"), "", ""});
        return;
    }
    auto callback = parse_factory_callback(context.route.param, context.request.body);
    if (!callback) {
        respond(Exchange{context.problem(callback.error()), "", ""});
        return;
    }
    submit(context, Command(std::move(callback.value())), std::move(respond));
}

void Api::submit(Context& context, Command command, Respond respond, Finish finish) {
    const std::string instance = context.request.path;
    const std::string request_id = context.request.request_id;
    const std::string principal = context.principal.name;

    Submission submission;
    submission.command = std::move(command);
    // Reads served by the engine (queues, orders, ...) change nothing: no record for them.
    if (context.request.idempotency_key && context.request.method != "GET") {
        const std::string& key = *context.request.idempotency_key;
        if (!is_valid_token(key, kMaxIdempotencyKeyLength)) {
            respond(Exchange{
                context.problem(ErrorCode::kInvalidArgument, "invalid-idempotency-key",
                                "Idempotency-Key must be 1 to 255 printable ASCII characters"),
                principal, ""});
            return;
        }
        // A factory callback carries no API key: its keys are scoped to the order it is for
        // (a space, which no key name has, keeps the two kinds of scope apart).
        const std::string scope = context.route.id == RouteId::kFactoryCallback
                                      ? "callback " + context.route.param
                                      : principal;
        // The request as it means, not as it is spelled: the same JSON with other spacing or
        // key order is the same request (as Stripe compares parameters).
        // No body means what {} means on every route that takes none (a bare POST, a DELETE,
        // a release of the whole order).
        auto parsed = json::parse(is_empty_body(context.request.body) ? std::string_view("{}")
                                                                      : context.request.body);
        const std::string body = parsed ? json::canonical(parsed.value()) : context.request.body;
        submission.idempotency = IdempotencyTag{
            scope, key, sha256_hex(context.request.method + " " + instance + "\n" + body)};
        submission.render = [instance, request_id](const Outcome& outcome) {
            Reply reply = reply_for(outcome, instance, request_id);
            return StoredResponse{reply.status, std::move(reply.body), std::move(reply.location),
                                  request_id};
        };
    }
    std::shared_ptr<StockEngine> engine = writer_.local();
    if (engine == nullptr) {
        // Another node is the writer: it parses, checks and answers this request itself, so
        // the answer (and an idempotent replay of it) is exactly the one it would give.
        if (context.request.forwarded || options_.forwarder == nullptr) {
            // A forwarding node retries this elsewhere: it changed nothing here.
            respond(Exchange{not_writer(context.request), principal, ""});
            return;
        }
        options_.forwarder->forward(context.request,
                                    [respond = std::move(respond), principal](Exchange exchange) {
                                        exchange.principal = principal;
                                        respond(std::move(exchange));
                                    });
        return;
    }
    submission.done = [respond = std::move(respond), instance, request_id, principal,
                       finish = std::move(finish)](Outcome outcome) {
        Reply reply = reply_for(outcome, instance, request_id);
        if (finish) finish(outcome, reply);
        respond(Exchange{std::move(reply), principal, ""});
    };
    engine->submit(std::move(submission));
}

Reply Api::health() { return json_reply(200, "{\"status\":\"ok\"}"); }

Reply Api::ready(Context& context) {
    if (!options_.readiness) return json_reply(200, "{\"status\":\"ready\"}");
    auto ready = options_.readiness();
    if (!ready) {
        return context.problem(503, "not-ready",
                               "this node cannot reach its store: " + ready.error().message);
    }
    return json_reply(200, std::move(ready.value()));
}

void Api::internal_command(Context& context, Respond respond) {
    const std::string_view kScheme = "cluster ";
    const std::string& header = context.request.authorization;
    if (header.size() <= kScheme.size() || !starts_with_icase(header, kScheme) ||
        !constant_time_equal(std::string_view(header).substr(kScheme.size()),
                             options_.cluster_token)) {
        respond(Exchange{context.problem(403, "forbidden", "a node's cluster token is required"),
                         "", ""});
        return;
    }
    auto command = decode_command(context.request.body);
    if (!command) {
        respond(Exchange{context.problem(command.error()), "", ""});
        return;
    }
    std::shared_ptr<StockEngine> engine = writer_.local();
    if (engine == nullptr) {
        respond(Exchange{not_writer(context.request), "", ""});
        return;
    }
    Submission submission;
    submission.command = std::move(command.value());
    submission.done = [respond = std::move(respond)](Outcome outcome) {
        respond(Exchange{json_reply(200, encode_outcome(outcome)), "(node)", ""});
    };
    engine->submit(std::move(submission));
}

void Api::metrics(Context& context, Respond respond) {
    const std::shared_ptr<StockEngine> engine = writer_.local();
    std::string text;
    // On a shared store the writer's engine holds the counters and the gauges; a follower
    // reports its own HTTP figures and restock_node_writer 0.
    if (engine) write_engine_metrics(text, engine->stats());
    MetricsText m(text);
    m.family("restock_http_responses_total", "counter", "HTTP responses by status class.");
    for (int cls = 1; cls <= 5; ++cls) {
        const std::string name = std::to_string(cls) + "xx";
        m.sample("restock_http_responses_total", {"class", name},
                 static_cast<double>(responses_[cls].load(std::memory_order_relaxed)));
    }
    if (options_.extra_metrics) text += options_.extra_metrics();
    const std::string principal = context.principal.name;
    if (!engine) {
        respond(Exchange{Reply{200, kMetricsType, std::move(text), "", false}, principal, ""});
        return;
    }
    // The gauges come from the engine's own state, in its order with the writes.
    Submission submission;
    submission.command = GetGauges{};
    submission.done = [respond = std::move(respond), text = std::move(text), principal,
                       instance = context.request.path,
                       request_id = context.request.request_id](Outcome outcome) mutable {
        if (const auto* gauges = std::get_if<GaugesOutcome>(&outcome)) {
            write_gauges(text, *gauges);
            respond(Exchange{Reply{200, kMetricsType, std::move(text), "", false}, principal, ""});
        } else {
            respond(Exchange{reply_for(outcome, instance, request_id), principal, ""});
        }
    };
    engine->submit(std::move(submission));
}

Reply Api::get_product(Context& context) {
    auto reader = readers_.acquire();
    if (!reader) return context.problem(reader.error());
    auto product = reader.value()->product(context.route.param);
    if (!product) return context.problem(product.error());
    if (!product.value()) {
        return context.problem(ErrorCode::kNotFound, "product-not-found",
                               "no product with sku '" + context.route.param + "'");
    }
    return json_reply(200, product_json(*product.value()));
}

Reply Api::get_reservation(Context& context) {
    auto reader = readers_.acquire();
    if (!reader) return context.problem(reader.error());
    auto hold = reader.value()->reservation(context.route.param);
    if (!hold) return context.problem(hold.error());
    if (!hold.value()) {
        return context.problem(ErrorCode::kNotFound, "reservation-not-found",
                               "no reservation '" + context.route.param + "'");
    }
    return json_reply(200, reservation_json(*hold.value()));
}

Reply Api::list_products(Context& context) {
    auto query = parse_product_query(context.params);
    if (!query) return context.problem(query.error());
    const std::size_t limit = query->limit;
    auto reader = readers_.acquire();
    if (!reader) return context.problem(reader.error());
    // One extra row tells whether there is a next page.
    query->limit = limit + 1;
    auto products = reader.value()->find_products(*query);
    if (!products) return context.problem(products.error());
    const bool more = products->size() > limit;
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
    return json_reply(200, std::move(body));
}

Reply Api::list_movements(Context& context) {
    const auto& params = context.params;
    auto limit = page_limit(params);
    if (!limit) return context.problem(limit.error());
    auto cursor = integer_param(params, "cursor", 0, 1, INT64_MAX);
    if (!cursor) return context.problem(cursor.error());
    auto reader = readers_.acquire();
    if (!reader) return context.problem(reader.error());
    auto product = reader.value()->product(context.route.param);
    if (!product) return context.problem(product.error());
    if (!product.value()) {
        return context.problem(ErrorCode::kNotFound, "product-not-found",
                               "no product with sku '" + context.route.param + "'");
    }
    auto movements =
        reader.value()->movements(*product.value(), *cursor, static_cast<std::size_t>(*limit),
                                  writer_.durable_marks().movement_id);
    if (!movements) return context.problem(movements.error());
    std::string body;
    json::Writer w(body);
    w.begin_object().key("items").begin_array();
    for (const auto& movement : movements.value()) write_movement(w, movement, context.route.param);
    w.end_array().key("next_cursor");
    if (movements->size() == static_cast<std::size_t>(*limit) && movements->back().prev_id != 0) {
        w.value(std::to_string(movements->back().id));
    } else {
        w.null();
    }
    w.end_object();
    return json_reply(200, std::move(body));
}

Reply Api::list_events(Context& context) {
    // A storefront may follow the stock.* events (to hide what ran out, say), not the rest.
    auto request = parse_events_query(context.params, context.principal.role == Role::kStorefront);
    if (!request) return context.problem(request.error());
    if (!request->forbidden_type.empty()) {
        return context.problem(
            403, "forbidden",
            "a storefront key may read stock.* events only, not '" + request->forbidden_type + "'");
    }
    EventQuery& query = request->query;
    auto reader = readers_.acquire();
    if (!reader) return context.problem(reader.error());
    if (request->latest) {
        // No events: only where the log ends now, the cursor to ask after for what follows.
        auto last = reader.value()->last_event_seq(writer_.durable_marks().event_seq);
        if (!last) return context.problem(last.error());
        std::string body;
        json::Writer w(body);
        w.begin_object().key("items").begin_array().end_array();
        w.key("next_after").value(last.value()).end_object();
        return json_reply(200, std::move(body));
    }
    const int64_t after = query.after_seq;
    const bool filtered = !query.types.empty() || !query.sku.empty();
    int64_t up_to = writer_.durable_marks().event_seq;
    if (filtered) {
        // The page covers the log up to its last event as of now (read first: whatever is
        // committed after it is left for the next page), so it can say where it stopped.
        auto last = reader.value()->last_event_seq(up_to);
        if (!last) return context.problem(last.error());
        up_to = last.value();
    }
    query.up_to_seq = up_to;
    auto events = reader.value()->find_events(query);
    if (!events) return context.problem(events.error());
    if (events->empty() && after > 0) {
        // A cursor past the end of the log is no place to wait at: it came from another
        // database (or one restored from an older backup), and following it would miss
        // every event up to it. Say so rather than answer an empty page.
        auto last = reader.value()->last_event_seq(up_to);
        if (!last) return context.problem(last.error());
        if (after > last.value()) {
            return context.problem(ErrorCode::kConflict, "cursor-ahead",
                                   "after=" + std::to_string(after) +
                                       " is ahead of the event log, whose last event is seq " +
                                       std::to_string(last.value()) +
                                       ": the cursor is not from this store; start again from "
                                       "after=0");
        }
    }
    std::string body;
    json::Writer w(body);
    w.begin_object().key("items").begin_array();
    for (const auto& event : events.value()) write_event(w, event);
    // A filtered page that is not full has looked at every event up to `up_to`: the next one
    // starts after it, so a consumer of rare events does not scan the same stretch again.
    int64_t next_after = events->empty() ? after : events->back().seq;
    if (filtered && events->size() < query.limit) next_after = std::max(next_after, up_to);
    w.end_array().key("next_after").value(next_after);
    w.end_object();
    return json_reply(200, std::move(body));
}

Reply Api::event_stream(Context& context) {
    if (options_.streams == nullptr) {
        return context.problem(503, "unavailable", "this server does not stream events");
    }
    auto request = parse_events_query(context.params, false);
    if (!request) return context.problem(request.error());
    EventQuery& query = request->query;
    // Where to resume: the browser's Last-Event-ID (the last id: it saw) wins over ?after=,
    // which a first connection may give; with neither the stream starts at the log's end.
    const std::string& last_id = context.request.last_event_id;
    std::optional<int64_t> after;
    if (!last_id.empty()) {
        int64_t seq = 0;
        auto [end, ec] = std::from_chars(last_id.data(), last_id.data() + last_id.size(), seq);
        if (ec != std::errc() || end != last_id.data() + last_id.size() || seq < 0) {
            return context.problem(ErrorCode::kInvalidArgument, "invalid-request",
                                   "Last-Event-ID must be an event seq (an integer >= 0)");
        }
        after = seq;
    } else if (context.params.count("after") != 0 && !request->latest) {
        after = query.after_seq;
    }
    auto reader = readers_.acquire();
    if (!reader) return context.problem(reader.error());
    auto last = reader.value()->last_event_seq(writer_.durable_marks().event_seq);
    if (!last) return context.problem(last.error());
    if (after && *after > last.value()) {
        return context.problem(ErrorCode::kConflict, "cursor-ahead",
                               "after=" + std::to_string(*after) +
                                   " is ahead of the event log, whose last event is seq " +
                                   std::to_string(last.value()) +
                                   ": the cursor is not from this store; start again from "
                                   "after=0");
    }
    query.after_seq = after.value_or(last.value());
    // The stream ends when its key is revoked or its session ends (a store that cannot be read
    // ends nothing: the next check decides).
    const std::string bearer = context.request.authorization;
    const std::string token = bearer.empty() ? session_token(context.request) : std::string();
    auto still_allowed = [&auth = authenticator_, bearer, token] {
        if (!token.empty()) {
            auto session = auth.authenticate_session(token);
            if (session) return session.value().principal.role == Role::kAdmin;
            return session.error().code == ErrorCode::kUnavailable;
        }
        const auto key = bearer_key(bearer);
        if (!key) return false;
        auto principal = auth.authenticate(*key);
        if (principal) return principal.value().role == Role::kAdmin;
        return principal.error().code == ErrorCode::kUnavailable;
    };
    auto stream =
        options_.streams->open(context.principal.name, std::move(query), std::move(still_allowed));
    if (!stream) {
        if (stream.error().slug == "too-many-streams") {
            return context.problem(429, "too-many-streams", stream.error().message);
        }
        return context.problem(stream.error());
    }
    Reply reply;
    reply.content_type = "text/event-stream";
    // A reconnecting EventSource waits this long (ms); the comment shows the stream is up.
    reply.body = "retry: 2000\n: stream of events after seq " +
                 std::to_string(after.value_or(last.value())) + "\n\n";
    reply.stream = std::move(stream.value());
    return reply;
}

}  // namespace restock::http
