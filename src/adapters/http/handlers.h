// Api: the HTTP handlers. Each one parses, calls a use case, and maps the result; none does
// socket work. Thread-safe: called concurrently from the server's I/O threads.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/http/response_mapping.h"
#include "adapters/http/router.h"
#include "app/authenticator.h"
#include "app/reader_pool.h"
#include "app/write_path.h"

namespace restock::http {

class EventStreams;  // event_streams.h

// Who may call a route: anyone (`public_route`: no key, or a token of its own), else a key of
// `role` (or admin's, which may call everything).
struct RouteAccess {
    bool public_route;
    Role role;
};
RouteAccess route_access(RouteId id);

// The query parameters a route understands; any other is a 400 invalid-query, never silently
// ignored. docs/openapi.json documents exactly these (tests/adapters/http/openapi_router_test).
std::vector<std::string_view> route_query_names(RouteId id);

struct HttpRequest {
    std::string method;
    std::string path;   // without the query
    std::string query;  // after '?', undecoded
    std::string authorization;
    std::optional<std::string> idempotency_key;
    std::string content_type;
    std::string body;
    std::string request_id;
    // The headers the dashboard's routes read (empty when absent): the session cookie, the
    // CSRF checks' Origin / Sec-Fetch-Site / Host, conditional and compressed asset requests,
    // and where an event stream resumes.
    std::string cookie;
    std::string origin;
    std::string sec_fetch_site;
    std::string host;
    std::string if_none_match;
    std::string accept_encoding;
    std::string last_event_id;
    // Sent by another node forwarding to this one (the header X-Restock-Forwarded): this node
    // must execute it or refuse it, never forward it again.
    bool forwarded = false;
};

struct Exchange {
    Reply reply;
    std::string principal;  // key name for the access log; empty if unauthenticated
    std::string allow;      // Allow header for 405
};

// Delivers the exchange, exactly once: on the calling thread when the answer needs no engine
// (a refusal, a read), else on the engine's answering thread once the outcome is durable. It
// must not block.
using Respond = std::function<void(Exchange)>;

// Sends a request that needs the single writer to the node that runs it, when that is not
// this one, and delivers that node's answer. Thread-safe; never blocks the caller.
class Forwarder {
  public:
    virtual ~Forwarder() = default;
    virtual void forward(const HttpRequest& request, Respond respond) = 0;
};

struct ApiOptions {
    std::string callback_secret;  // checks the tokens in factory callback URLs
    // With a shared store: the secret other nodes present to POST /internal/v1/commands
    // ("Authorization: Cluster <token>"), and where this node's writes go when another node
    // is the writer. Empty / null with an embedded store (the route does not exist there).
    std::string cluster_token;
    Forwarder* forwarder = nullptr;
    // GET /readyz: what to report (a JSON object) when this node can serve, or why not.
    std::function<Result<std::string>()> readiness;
    // Appended to GET /metrics (Prometheus text).
    std::function<std::string()> extra_metrics;
    // Dashboard sessions: how long a login lasts, and whether its cookie is marked Secure
    // (the public URL is https: a proxy in front terminates TLS).
    int64_t session_ttl_ms = 12 * 3600 * 1000;
    // GET /v1/events/stream follows the log through these (null: the route answers 503).
    EventStreams* streams = nullptr;
    bool secure_cookies = false;
};

// The session cookie's token in a request's Cookie header; empty if there is none.
std::string session_token(const HttpRequest& request);
// The key in an 'Authorization: Bearer <key>' header (the scheme in any case, RFC 9110 11.1);
// nullopt if the header is not one.
std::optional<std::string_view> bearer_key(std::string_view authorization);

class Api {
  public:
    Api(WritePath& writer, ReaderPool& readers, Authenticator& authenticator, ApiOptions options)
        : writer_(writer),
          readers_(readers),
          authenticator_(authenticator),
          options_(std::move(options)) {}

    void handle(HttpRequest request, Respond respond);

    // Counted by status class, for /metrics.
    void count(int status);

  private:
    struct Context;
    void dispatch(Context& context, Respond respond);
    // The dashboard's page and assets: answered (and true) when the path is one of theirs.
    bool serve_dashboard(Context& context, const Respond& respond);
    // `finish` may touch the reply of a command executed here (a cookie to set, say); a
    // forwarded request comes back as the writer node finished it.
    using Finish = std::function<void(const Outcome&, Reply&)>;
    void submit(Context& context, Command command, Respond respond, Finish finish = {});
    // Dashboard sessions (session_routes.cpp).
    void create_session(Context& context, Respond respond);
    Reply get_session(Context& context);
    void end_session(Context& context, Respond respond);
    // Sets context.principal from the Bearer key or, without one, the session cookie; else
    // the refusal (401, 403 for a cross-site write, 503).
    std::optional<Reply> authenticate(Context& context);
    std::optional<Reply> authenticate_by_cookie(Context& context);
    void factory_callback(Context& context, Respond respond);
    void internal_command(Context& context, Respond respond);

    Reply health();
    Reply ready(Context& context);
    void metrics(Context& context, Respond respond);
    Reply get_product(Context& context);
    Reply get_reservation(Context& context);
    Reply list_products(Context& context);
    Reply list_movements(Context& context);
    Reply list_events(Context& context);
    Reply event_stream(Context& context);

    WritePath& writer_;
    ReaderPool& readers_;
    Authenticator& authenticator_;
    const ApiOptions options_;
    std::atomic<uint64_t> responses_[6] = {};  // 1xx..5xx, [0] unused
};

}  // namespace restock::http
