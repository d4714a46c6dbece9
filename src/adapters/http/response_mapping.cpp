#include "adapters/http/response_mapping.h"

#include "adapters/http/metrics_text.h"
#include "adapters/http/problem.h"
#include "support/time_format.h"

namespace restock::http {

void write_product(json::Writer& w, const Product& p) {
    w.begin_object()
        .key("sku")
        .value(p.sku)
        .key("name")
        .value(p.name)
        .key("on_hand")
        .value(p.on_hand)
        .key("reserved")
        .value(p.reserved)
        .key("available")
        .value(p.available())
        .key("on_order")
        .value(p.on_order)
        .key("reorder_point")
        .value(p.settings.reorder_point)
        .key("reorder_qty")
        .value(p.settings.reorder_qty);
    w.key("order_up_to");
    if (p.settings.order_up_to) {
        w.value(*p.settings.order_up_to);
    } else {
        w.null();
    }
    w.key("min_order_qty")
        .value(p.settings.min_order_qty)
        .key("pack_size")
        .value(p.settings.pack_size)
        .key("factory_id")
        .value(p.settings.factory_id);
    w.key("ad_id");
    if (p.settings.ad_id) {
        w.value(*p.settings.ad_id);
    } else {
        w.null();
    }
    w.key("replenishment")
        .begin_object()
        .key("mode")
        .value(to_string(p.settings.replenishment))
        .end_object();
    w.key("archived").value(p.archived()).key("archived_at");
    if (p.archived_at_ms) {
        w.value(format_rfc3339(*p.archived_at_ms));
    } else {
        w.null();
    }
    w.key("status")
        .value(to_string(status_of(p)))
        .key("created_at")
        .value(format_rfc3339(p.created_at_ms))
        .key("updated_at")
        .value(format_rfc3339(p.updated_at_ms))
        .end_object();
}

void write_movement(json::Writer& w, const Movement& m, std::string_view sku) {
    w.begin_object()
        .key("id")
        .value(m.id)
        .key("sku")
        .value(sku)
        .key("kind")
        .value(to_string(m.kind))
        .key("delta")
        .value(m.delta)
        .key("on_hand_after")
        .value(m.on_hand_after)
        .key("reference")
        .value(m.reference)
        .key("at")
        .value(format_rfc3339(m.at_ms))
        .end_object();
}

void write_reservation(json::Writer& w, const Reservation& r) {
    w.begin_object().key("reservation_id").value(r.id);
    w.key("status").value(to_string(r.status)).key("lines").begin_array();
    for (const auto& line : r.lines) {
        w.begin_object().key("sku").value(line.sku).key("qty").value(line.qty).end_object();
    }
    w.end_array().key("expires_at").value(format_rfc3339(r.expires_at_ms));
    w.key("order_id");
    r.order_id.empty() ? w.null() : w.value(r.order_id);
    w.key("created_at").value(format_rfc3339(r.created_at_ms));
    w.key("updated_at").value(format_rfc3339(r.updated_at_ms)).end_object();
}

std::string reservation_json(const Reservation& reservation) {
    std::string body;
    json::Writer w(body);
    write_reservation(w, reservation);
    return body;
}

void write_order(json::Writer& w, const RestockOrder& o, std::optional<int64_t> due_ms,
                 int64_t now_ms) {
    w.begin_object()
        .key("id")
        .value(o.id)
        .key("sku")
        .value(o.sku)
        .key("qty")
        .value(o.qty)
        .key("factory_id")
        .value(o.factory_id)
        .key("status")
        .value(to_string(o.status))
        .key("attempts")
        .value(o.attempts)
        .key("received_qty")
        .value(o.received_qty)
        .key("last_error")
        .value(o.last_error)
        .key("trigger_event_id")
        .value(o.trigger_event_id)
        .key("created_at")
        .value(format_rfc3339(o.created_at_ms))
        .key("updated_at")
        .value(format_rfc3339(o.updated_at_ms))
        .key("due_at");
    if (due_ms) {
        w.value(format_rfc3339(*due_ms));
    } else {
        w.null();
    }
    w.key("overdue").value(due_ms && is_overdue(o, *due_ms, now_ms)).end_object();
}

void write_factory(json::Writer& w, const Factory& f) {
    w.begin_object()
        .key("id")
        .value(f.id)
        .key("url")
        .value(f.url)
        .key("format")
        .value(f.format)
        .key("timeout_ms")
        .value(f.timeout_ms)
        .key("lead_time_days");
    if (f.lead_time_days) {
        w.value(*f.lead_time_days);
    } else {
        w.null();
    }
    w.key("created_at").value(format_rfc3339(f.created_at_ms)).end_object();
}

void write_subscription(json::Writer& w, const Subscription& s, bool with_secret) {
    w.begin_object()
        .key("id")
        .value(s.id)
        .key("topic")
        .value(s.topic)
        .key("protocol")
        .value(to_string(s.protocol))
        .key("endpoint")
        .value(s.endpoint);
    w.key("filter").begin_object().key("type").begin_array();
    for (const auto& type : s.event_types) w.value(type);
    w.end_array().end_object();
    if (with_secret && !s.secret.empty()) w.key("secret").value(s.secret);
    w.key("created_at").value(format_rfc3339(s.created_at_ms)).end_object();
}

void write_queue(json::Writer& w, const QueueInfo& q) {
    w.begin_object()
        .key("name")
        .value(q.policy.name)
        .key("visible")
        .value(q.counts.visible)
        .key("in_flight")
        .value(q.counts.in_flight)
        .key("delayed")
        .value(q.counts.delayed);
    w.key("dlq");
    if (q.policy.dlq.empty()) {
        w.null();
    } else {
        w.value(q.policy.dlq);
    }
    w.key("max_receive_count")
        .value(q.policy.max_receive_count)
        .key("visibility_timeout_s")
        .value(q.policy.visibility_timeout_ms / 1000)
        .key("backoff_base_ms")
        .value(q.policy.backoff_base_ms)
        .key("backoff_max_ms")
        .value(q.policy.backoff_max_ms)
        .end_object();
}

void write_message(json::Writer& w, const QueueMessage& m) {
    w.begin_object()
        .key("id")
        .value(m.id)
        .key("queue")
        .value(m.queue)
        .key("body")
        .raw(m.body)  // always JSON the engine wrote
        .key("receive_count")
        .value(m.receive_count)
        .key("last_error")
        .value(m.last_error)
        .key("in_flight")
        .value(m.in_flight)
        .key("visible_at")
        .value(format_rfc3339(m.visible_at_ms));
    w.key("source_queue");
    if (m.source_queue.empty()) {
        w.null();
    } else {
        w.value(m.source_queue);
    }
    w.key("created_at").value(format_rfc3339(m.created_at_ms)).end_object();
}

std::string product_json(const Product& product) {
    std::string body;
    json::Writer w(body);
    write_product(w, product);
    return body;
}

Reply json_reply(int status, std::string body) {
    return Reply{status, "application/json", std::move(body), "", false};
}

Reply problem_reply(int status, std::string_view slug, std::string_view detail,
                    std::string_view instance, std::string_view request_id) {
    return Reply{status, std::string(kProblemContentType),
                 problem_body(status, slug, detail, instance, request_id), "", false};
}

Reply problem_reply(const Error& error, std::string_view instance, std::string_view request_id) {
    // Every 503 has the one documented type: whatever failed (the engine's queue, the store, a
    // read), the client's move is the same, retry later. The detail still says what failed.
    const std::string_view slug =
        error.code == ErrorCode::kUnavailable ? std::string_view("unavailable") : error.slug;
    return problem_reply(status_for(error.code), slug, error.message, instance, request_id);
}

namespace {

std::string as_replayed(const std::string& body) {
    auto parsed = json::parse(body);
    if (!parsed || parsed->kind() != json::Value::Kind::kObject) return body;
    const json::Value* replayed = parsed->find("replayed");
    if (replayed == nullptr || replayed->kind() != json::Value::Kind::kBool ||
        replayed->as_bool()) {
        return body;
    }
    std::vector<json::Value::Member> members;
    for (const auto& [key, value] : parsed->as_object()) {
        members.emplace_back(key, key == "replayed" ? json::Value::boolean(true) : value);
    }
    std::string out;
    json::Writer w(out);
    json::write_value(w, json::Value::object(std::move(members)));
    return out;
}

struct OutcomeReplier {
    std::string_view instance;
    std::string_view request_id;

    Reply operator()(const Error& error) const {
        return problem_reply(error, instance, request_id);
    }

    Reply operator()(const ProductOutcome& o) const {
        Reply reply = json_reply(o.created ? 201 : 200, product_json(o.product));
        if (o.created) reply.location = "/v1/products/" + o.product.sku;
        return reply;
    }

    Reply operator()(const CheckoutOutcome& o) const {
        std::string body;
        json::Writer w(body);
        w.begin_object().key("order_id").value(o.order_id).key("status").value("accepted");
        w.key("lines").begin_array();
        for (const auto& line : o.lines) {
            w.begin_object()
                .key("sku")
                .value(line.sku)
                .key("qty")
                .value(line.qty)
                .key("movement_id")
                .value(line.movement_id)
                .key("available")
                .value(line.available)
                .end_object();
        }
        w.end_array().key("at").value(format_rfc3339(o.at_ms)).end_object();
        return json_reply(200, std::move(body));
    }

    Reply operator()(const ReleaseOutcome& o) const {
        std::string body;
        json::Writer w(body);
        w.begin_object().key("order_id").value(o.order_id).key("lines").begin_array();
        for (const auto& line : o.lines) {
            w.begin_object().key("sku").value(line.sku).key("taken").value(line.taken);
            w.key("released").value(line.released).key("released_now").value(line.released_now);
            w.key("movement_id");
            if (line.movement_id > 0) {
                w.value(line.movement_id);
            } else {
                w.null();
            }
            w.key("available").value(line.available).end_object();
        }
        w.end_array().key("at").value(format_rfc3339(o.at_ms)).end_object();
        return json_reply(200, std::move(body));
    }

    Reply operator()(const ReservationOutcome& o) const {
        Reply reply = json_reply(o.created ? 201 : 200, reservation_json(o.reservation));
        if (o.created) reply.location = "/v1/reservations/" + o.reservation.id;
        return reply;
    }

    Reply operator()(const CheckoutRefused& o) const {
        std::string lines = o.reservation ? ",\"reservation_id\":" : ",\"order_id\":";
        json::append_quoted(lines, o.order_id);
        lines += ",\"lines\":";
        json::Writer w(lines);
        w.begin_array();
        for (const auto& s : o.shortfalls) {
            w.begin_object()
                .key("sku")
                .value(s.sku)
                .key("requested")
                .value(s.requested)
                .key("available")
                .value(s.available)
                .end_object();
        }
        w.end_array();
        std::string detail = "not enough stock for " + std::to_string(o.shortfalls.size()) +
                             " line(s); nothing was " + (o.reservation ? "reserved" : "taken");
        return Reply{409, std::string(kProblemContentType),
                     problem_body(409, "insufficient-stock", detail, instance, request_id, lines),
                     "", false};
    }

    Reply operator()(const MovementOutcome& o) const {
        std::string body;
        json::Writer w(body);
        w.begin_object().key("movement");
        write_movement(w, o.movement, o.product.sku);
        w.key("product");
        write_product(w, o.product);
        w.key("replayed").value(o.replayed).end_object();
        return json_reply(o.replayed ? 200 : 201, std::move(body));
    }

    Reply operator()(const OrderOutcome& o) const {
        std::string body;
        json::Writer w(body);
        if (o.order) {
            write_order(w, *o.order, std::nullopt, 0);
        } else {
            w.begin_object().key("order").null().key("note").value(o.note).end_object();
        }
        return json_reply(200, std::move(body));
    }

    Reply operator()(const MessagesOutcome& o) const {
        std::string body;
        json::Writer w(body);
        w.begin_object().key("items").begin_array();
        for (const auto& message : o.messages) write_message(w, message);
        w.end_array().end_object();
        return json_reply(200, std::move(body));
    }

    Reply operator()(const QueuesOutcome& o) const {
        std::string body;
        json::Writer w(body);
        if (o.single) {
            write_queue(w, o.queues.front());
        } else {
            w.begin_object().key("items").begin_array();
            for (const auto& queue : o.queues) write_queue(w, queue);
            w.end_array().end_object();
        }
        return json_reply(200, std::move(body));
    }

    Reply operator()(const CountOutcome& o) const {
        std::string body;
        json::Writer w(body);
        w.begin_object().key(o.label).value(o.count).end_object();
        return json_reply(200, std::move(body));
    }

    Reply operator()(const SubscriptionsOutcome& o) const {
        std::string body;
        json::Writer w(body);
        if (o.created) {
            write_subscription(w, o.subscriptions.front(), /*with_secret=*/true);
            return json_reply(201, std::move(body));
        }
        w.begin_object().key("items").begin_array();
        for (const auto& s : o.subscriptions) write_subscription(w, s, false);
        w.end_array().end_object();
        return json_reply(200, std::move(body));
    }

    Reply operator()(const FactoriesOutcome& o) const {
        std::string body;
        json::Writer w(body);
        if (o.single) {
            write_factory(w, o.factories.front());
            Reply reply = json_reply(o.created ? 201 : 200, std::move(body));
            if (o.created) reply.location = "/v1/factories/" + o.factories.front().id;
            return reply;
        }
        w.begin_object().key("items").begin_array();
        for (const auto& f : o.factories) write_factory(w, f);
        w.end_array().end_object();
        return json_reply(200, std::move(body));
    }

    Reply operator()(const OrdersOutcome& o) const {
        std::string body;
        json::Writer w(body);
        if (o.single) {
            write_order(w, o.orders.front(), o.due_at_ms.front(), o.now_ms);
            return json_reply(200, std::move(body));
        }
        w.begin_object().key("items").begin_array();
        for (std::size_t i = 0; i < o.orders.size(); ++i) {
            write_order(w, o.orders[i], o.due_at_ms[i], o.now_ms);
        }
        w.end_array().key("next_cursor");
        if (o.next_cursor.empty()) {
            w.null();
        } else {
            w.value(o.next_cursor);
        }
        w.end_object();
        return json_reply(200, std::move(body));
    }

    Reply operator()(const GaugesOutcome& o) const {
        std::string text;
        write_gauges(text, o);
        return Reply{200, kMetricsType, std::move(text), "", false};
    }

    Reply operator()(const AlarmsOutcome& o) const {
        std::string body;
        json::Writer w(body);
        w.begin_object().key("items").begin_array();
        for (const Alarm& alarm : o.alarms) write_alarm(w, alarm);
        w.end_array().end_object();
        return json_reply(200, std::move(body));
    }

    Reply operator()(const Done& o) const {
        std::string body;
        json::Writer w(body);
        w.begin_object().key("status").value(o.note).end_object();
        return json_reply(o.status, std::move(body));
    }

    // The first response again: its status, body, Location and request id (which a problem's
    // body names). A body that says whether the request added anything ("replayed", as a
    // receipt's) says true: a replay adds nothing, as its Idempotent-Replayed header says.
    Reply operator()(const StoredResponse& o) const {
        const bool problem = o.status >= 400;
        Reply reply{
            o.status,
            std::string(problem ? kProblemContentType : std::string_view("application/json")),
            as_replayed(o.body), o.location, true};
        reply.request_id = o.request_id;
        return reply;
    }
};

}  // namespace

Reply reply_for(const Outcome& outcome, std::string_view instance, std::string_view request_id) {
    return std::visit(OutcomeReplier{instance, request_id}, outcome);
}

}  // namespace restock::http
