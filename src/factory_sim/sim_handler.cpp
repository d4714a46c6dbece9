#include "factory_sim/sim_handler.h"

#include <charconv>
#include <chrono>
#include <limits>

#include "json/json.h"

namespace restock::factory_sim {
namespace {

SimReply error_reply(int status, std::string_view slug, std::string_view message) {
    std::string body;
    json::Writer(body)
        .begin_object()
        .key("error")
        .value(slug)
        .key("message")
        .value(message)
        .end_object();
    return SimReply{status, std::move(body)};
}

SimReply invalid(const Error& error) { return error_reply(400, error.slug, error.message); }

int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

uint64_t initial_seed(uint64_t seed) {
    if (seed != 0) return seed;
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
}

// Value of `name` in an a=1&b=2 query; nullopt if absent or not a non-negative integer.
std::optional<uint64_t> query_number(std::string_view query, std::string_view name) {
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const auto eq = pair.find('=');
        if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
            const std::string_view text = pair.substr(eq + 1);
            uint64_t value = 0;
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
            if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
            return value;
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

}  // namespace

SimHandler::SimHandler(const SimSettings& initial, uint64_t seed, OrderBook& book,
                       CallbackDispatcher& dispatcher, SimLog& log)
    : book_(book),
      dispatcher_(dispatcher),
      log_(log),
      settings_(initial),
      random_(initial_seed(seed)) {}

SimSettings SimHandler::settings() const {
    std::lock_guard lock(mutex_);
    return settings_;
}

bool SimHandler::draw(double probability) {
    if (probability <= 0) return false;
    std::lock_guard lock(mutex_);
    return std::uniform_real_distribution<double>(0, 1)(random_) < probability;
}

SimReply SimHandler::handle(const SimRequest& request) {
    const std::string_view method = request.method;
    const std::string_view path = request.path;
    const bool get = method == "GET" || method == "HEAD";
    if (path == "/healthz") {
        return get ? SimReply{200, R"({"status":"ok"})"}
                   : error_reply(405, "method-not-allowed", "use GET");
    }
    if (path == "/api/manufactures") {
        return method == "POST" ? manufacture(request.body)
                                : error_reply(405, "method-not-allowed", "use POST");
    }
    if (path == "/api/orders") {
        return get ? orders(request.query) : error_reply(405, "method-not-allowed", "use GET");
    }
    if (path == "/control") {
        return get || method == "POST" ? control(method, request.body)
                                       : error_reply(405, "method-not-allowed", "use GET or POST");
    }
    if (path == "/api/callbacks/replay") {
        return method == "POST" ? replay(request.body)
                                : error_reply(405, "method-not-allowed", "use POST");
    }
    return error_reply(404, "not-found", "no such resource");
}

SimReply SimHandler::manufacture(std::string_view body) {
    auto request = parse_manufacture_request(body);
    if (!request) return invalid(request.error());
    const SimSettings now = settings();
    if (draw(now.fail_rate)) {
        return error_reply(500, "factory-failure", "the factory failed (simulated)");
    }
    if (draw(now.hang_rate)) {
        SimReply reply = error_reply(504, "gateway-timeout", "the factory timed out (simulated)");
        reply.hold_ms = now.hang_ms;
        return reply;
    }
    const CallbackState state = now.callbacks ? CallbackState::kPending : CallbackState::kNone;
    const uint64_t seq = book_.add(std::move(request.value()), wall_ms(), state);
    if (now.callbacks) {
        if (auto order = book_.find(seq)) schedule_callback(*order, now.delay_ms);
    }
    std::string out;
    json::Writer(out)
        .begin_object()
        .key("accepted")
        .value(true)
        .key("factory_order")
        .value(static_cast<int64_t>(seq))
        .end_object();
    return SimReply{202, std::move(out)};
}

bool SimHandler::schedule_callback(const FactoryOrder& order, int64_t delay_ms) {
    CallbackJob job{order.seq, order.request.callback_url,
                    callback_body(order.request.product_id, order.request.qty)};
    if (dispatcher_.schedule(std::move(job), std::chrono::milliseconds(delay_ms))) return true;
    log_.event("warn", "callback queue full, callback dropped",
               ",\"seq\":" + std::to_string(order.seq));
    CallbackAttempt dropped;
    dropped.error = "callback queue full";
    dropped.final = true;
    book_.record_attempt(order.seq, dropped);
    return false;
}

SimReply SimHandler::orders(std::string_view query) const {
    const uint64_t after = query_number(query, "after").value_or(0);
    const uint64_t limit = query_number(query, "limit").value_or(OrderBook::kMaxOrders);
    if (after == std::numeric_limits<uint64_t>::max()) return SimReply{200, R"({"orders":[]})"};
    return SimReply{200, book_.to_json(after, limit)};
}

SimReply SimHandler::control(std::string_view method, std::string_view body) {
    std::lock_guard lock(mutex_);
    if (method == "POST") {
        auto next = apply_control(settings_, body);
        if (!next) return invalid(next.error());
        settings_ = next.value();
    }
    return SimReply{200, settings_json(settings_)};
}

SimReply SimHandler::replay(std::string_view body) {
    auto parsed = json::parse(body);
    if (!parsed) return error_reply(400, "invalid-request", parsed.error().message);
    const json::Value* seq =
        parsed->kind() == json::Value::Kind::kObject ? parsed->find("seq") : nullptr;
    if (seq == nullptr || seq->kind() != json::Value::Kind::kInteger || seq->as_integer() <= 0) {
        return error_reply(400, "invalid-request", "expected {\"seq\": N} with N > 0");
    }
    const auto n = static_cast<uint64_t>(seq->as_integer());
    auto order = book_.find(n);
    if (!order) return error_reply(404, "not-found", "no order " + std::to_string(n));
    book_.mark_pending(n);
    if (!schedule_callback(*order, 0)) {
        return error_reply(503, "queue-full", "the callback queue is full");
    }
    std::string out;
    json::Writer(out)
        .begin_object()
        .key("replayed")
        .value(true)
        .key("factory_order")
        .value(static_cast<int64_t>(n))
        .end_object();
    return SimReply{202, std::move(out)};
}

}  // namespace restock::factory_sim
