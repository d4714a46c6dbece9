#include "app/event_json.h"

#include "support/time_format.h"

namespace restock {

void write_alarm(json::Writer& w, const Alarm& alarm) {
    w.begin_object()
        .key("id")
        .value(alarm.id())
        .key("kind")
        .value(to_string(alarm.kind))
        .key("subject")
        .value(alarm.subject)
        .key("sku")
        .value(alarm.sku)
        .key("value")
        .value(alarm.value)
        .key("detail")
        .value(alarm_detail(alarm))
        .key("raised_at")
        .value(format_rfc3339(alarm.raised_at_ms))
        .end_object();
}

void write_event(json::Writer& w, const Event& e) {
    w.begin_object()
        .key("seq")
        .value(e.seq)
        .key("id")
        .value(e.id)
        .key("type")
        .value(to_string(e.type))
        .key("sku")
        .value(e.sku)
        .key("cause")
        .value(e.cause);
    if (!e.order_id.empty()) w.key("order_id").value(e.order_id).key("qty").value(e.qty);
    w.key("data")
        .begin_object()
        .key("on_hand")
        .value(e.figures.on_hand)
        .key("reserved")
        .value(e.figures.reserved)
        .key("available")
        .value(e.figures.available)
        .key("on_order")
        .value(e.figures.on_order)
        .key("position")
        .value(e.figures.position)
        .key("reorder_point")
        .value(e.figures.reorder_point);
    if (auto alarm = alarm_of(e)) {
        w.key("alarm");
        write_alarm(w, *alarm);
    }
    w.end_object().key("at").value(format_rfc3339(e.at_ms)).end_object();
}

std::string event_json(const Event& event) {
    std::string body;
    json::Writer w(body);
    write_event(w, event);
    return body;
}

namespace {

// The part of a notification before its event: {"subscription_id":"...","event":
std::string notification_head(std::string_view subscription_id) {
    std::string head;
    json::Writer(head).begin_object().key("subscription_id").value(subscription_id).key("event");
    return head;
}

Error invalid_notification(std::string message) {
    return make_error(ErrorCode::kInvalidArgument, "invalid-message", std::move(message));
}

}  // namespace

std::string notification_json(std::string_view subscription_id, std::string_view event) {
    std::string body = notification_head(subscription_id);
    body += event;
    body += '}';
    return body;
}

Result<Notification> parse_notification(std::string_view body) {
    auto parsed = json::parse(body);
    if (!parsed) return parsed.error();
    const json::Value& v = parsed.value();
    if (v.kind() != json::Value::Kind::kObject) return invalid_notification("not an object");
    const json::Value* id = v.find("subscription_id");
    const json::Value* event = v.find("event");
    if (id == nullptr || id->kind() != json::Value::Kind::kString || event == nullptr ||
        event->kind() != json::Value::Kind::kObject) {
        return invalid_notification("a notification has a subscription_id and an event object");
    }
    // The event's own bytes: the document is exactly head + event + "}".
    const std::string head = notification_head(id->as_string());
    if (body.size() < head.size() + 1 || body.substr(0, head.size()) != head ||
        body.back() != '}') {
        return invalid_notification("the notification is not in the form restock writes");
    }
    return Notification{id->as_string(),
                        std::string(body.substr(head.size(), body.size() - head.size() - 1))};
}

Result<EventRef> parse_event_ref(const std::string& body) {
    auto parsed = json::parse(body);
    if (!parsed) return parsed.error();
    const json::Value& v = parsed.value();
    if (v.kind() != json::Value::Kind::kObject) {
        return make_error(ErrorCode::kInvalidArgument, "invalid-message", "event is not an object");
    }
    EventRef ref;
    for (auto [field, target] :
         {std::pair{"id", &ref.id}, std::pair{"type", &ref.type}, std::pair{"sku", &ref.sku}}) {
        const json::Value* value = v.find(field);
        if (value == nullptr || value->kind() != json::Value::Kind::kString) {
            return make_error(ErrorCode::kInvalidArgument, "invalid-message",
                              std::string("event lacks '") + field + "'");
        }
        *target = value->as_string();
    }
    return ref;
}

}  // namespace restock
