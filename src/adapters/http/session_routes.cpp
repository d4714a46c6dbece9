// Dashboard sessions: POST /v1/session exchanges an API key for an HttpOnly, SameSite=Strict
// cookie; GET says who is logged in; DELETE logs out. Every other route takes the cookie in
// place of a Bearer key, and a write that comes with it must come from this server's own pages
// (Sec-Fetch-Site, else Origin): a cookie is sent by the browser on its own, a Bearer key is
// not, so only cookie-authenticated requests need the CSRF check.
#include <optional>

#include "adapters/http/api_context.h"
#include "adapters/http/request_mapping.h"
#include "json/json.h"
#include "support/crypto.h"
#include "support/time_format.h"

namespace restock::http {

namespace {

constexpr std::string_view kCookieName = "restock_session";
constexpr std::size_t kTokenBytes = 32;

bool is_unsafe(std::string_view method) { return method != "GET" && method != "HEAD"; }

// Why a request is not from this server's own pages, or nullopt if it is. Browsers send
// Sec-Fetch-Site with every request (Chromium 76, Firefox 90, Safari 16.4); before that, Origin
// with every POST, PATCH and DELETE.
std::optional<std::string> cross_site(const HttpRequest& request, bool signal_required) {
    if (!request.sec_fetch_site.empty()) {
        if (request.sec_fetch_site == "same-origin") return std::nullopt;
        return "the request comes from another site (Sec-Fetch-Site: " + request.sec_fetch_site +
               ")";
    }
    if (!request.origin.empty()) {
        if (request.origin == "http://" + request.host ||
            request.origin == "https://" + request.host) {
            return std::nullopt;
        }
        return "the request comes from another origin (" + request.origin + ")";
    }
    if (!signal_required) return std::nullopt;
    return "a write with the session cookie must come from the dashboard's own pages (with "
           "Sec-Fetch-Site or Origin); other clients send 'Authorization: Bearer <key>'";
}

std::string session_body(const Principal& principal, int64_t expires_at_ms) {
    std::string body;
    json::Writer w(body);
    w.begin_object()
        .key("role")
        .value(to_string(principal.role))
        .key("name")
        .value(principal.name)
        .key("expires_at")
        .value(format_rfc3339(expires_at_ms))
        .end_object();
    return body;
}

std::string cookie(std::string_view value, int64_t max_age_s, bool secure) {
    std::string text = std::string(kCookieName) + "=" + std::string(value) +
                       "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_s);
    if (secure) text += "; Secure";
    return text;
}

}  // namespace

std::string session_token(const HttpRequest& request) {
    // Cookie: a=b; restock_session=TOKEN; c=d (RFC 6265 5.4: pairs split by "; ").
    std::string_view rest = request.cookie;
    while (!rest.empty()) {
        const auto end = rest.find(';');
        std::string_view pair = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
        while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
        const auto equals = pair.find('=');
        if (equals == std::string_view::npos || pair.substr(0, equals) != kCookieName) continue;
        std::string_view value = pair.substr(equals + 1);
        while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
        return std::string(value);
    }
    return {};
}

std::optional<Reply> Api::authenticate_by_cookie(Context& context) {
    auto session = authenticator_.authenticate_session(session_token(context.request));
    if (!session) return context.auth_problem(session.error());
    context.principal = std::move(session.value().principal);
    if (is_unsafe(context.request.method)) {
        if (auto why = cross_site(context.request, true)) {
            return context.problem(403, "cross-site-request", *why);
        }
    }
    return std::nullopt;
}

void Api::create_session(Context& context, Respond respond) {
    auto refuse = [&](Reply reply) { respond(Exchange{std::move(reply), "", ""}); };
    // A login from another site would log the browser in with someone else's key.
    if (auto why = cross_site(context.request, false)) {
        return refuse(context.problem(403, "cross-site-request", *why));
    }
    auto key = parse_login(context.request.body);
    if (!key) return refuse(context.problem(key.error()));
    auto principal = authenticator_.authenticate(key.value());
    if (!principal) return refuse(context.auth_problem(principal.error()));
    if (principal.value().role == Role::kFactory) {
        return refuse(context.problem(403, "forbidden",
                                      "a factory key cannot open a dashboard session; use an "
                                      "admin or storefront key"));
    }
    const int64_t now = authenticator_.now_ms();
    const std::string token = random_token(kTokenBytes);
    SessionRecord record{sha256_hex(token), sha256_hex(key.value()), now,
                         now + options_.session_ttl_ms, std::nullopt};
    const int64_t expires = record.expires_at_ms;
    // A login is not replayed: a replay could not hand out the cookie again.
    context.request.idempotency_key.reset();
    context.principal = principal.value();
    submit(context, OpenSession{std::move(record)}, std::move(respond),
           [token, expires, principal = principal.value(), ttl = options_.session_ttl_ms,
            secure = options_.secure_cookies](const Outcome& outcome, Reply& reply) {
               if (!std::holds_alternative<Done>(outcome)) return;
               reply.status = 201;
               reply.content_type = "application/json";
               reply.body = session_body(principal, expires);
               reply.headers.emplace_back("Set-Cookie", cookie(token, ttl / 1000, secure));
           });
}

Reply Api::get_session(Context& context) {
    const std::string token = session_token(context.request);
    if (token.empty()) {
        return context.problem(401, "unauthorized", "no session: log in with POST /v1/session");
    }
    auto session = authenticator_.authenticate_session(token);
    if (!session) return context.auth_problem(session.error());
    context.principal = session.value().principal;
    return json_reply(200, session_body(session.value().principal, session.value().expires_at_ms));
}

void Api::end_session(Context& context, Respond respond) {
    if (auto why = cross_site(context.request, false)) {
        respond(Exchange{context.problem(403, "cross-site-request", *why), "", ""});
        return;
    }
    const std::string token = session_token(context.request);
    const bool secure = options_.secure_cookies;
    if (token.empty()) {
        // Logged out already: say so the same way, and clear whatever cookie is left.
        Reply reply = json_reply(204, "");
        reply.headers.emplace_back("Set-Cookie", cookie("", 0, secure));
        respond(Exchange{std::move(reply), "", ""});
        return;
    }
    context.request.idempotency_key.reset();
    // Forgotten once the logout is committed (here or on the writer node): a request that read
    // the session before could cache it again meanwhile.
    Respond forget_then_respond = [this, token, respond = std::move(respond)](Exchange exchange) {
        if (exchange.reply.status == 204) authenticator_.forget_session(token);
        respond(std::move(exchange));
    };
    submit(context, EndSession{sha256_hex(token)}, std::move(forget_then_respond),
           [secure](const Outcome& outcome, Reply& reply) {
               if (!std::holds_alternative<Done>(outcome)) return;
               reply.status = 204;
               reply.body.clear();
               reply.headers.emplace_back("Set-Cookie", cookie("", 0, secure));
           });
}

}  // namespace restock::http
