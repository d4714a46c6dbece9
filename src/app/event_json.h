// The JSON form of an event: what GET /v1/events lists, queue messages carry and webhooks
// receive. One definition, so every consumer sees the same document.
#pragma once

#include <string>
#include <string_view>

#include "core/alarm.h"
#include "core/event.h"
#include "json/json.h"

namespace restock {

void write_event(json::Writer& w, const Event& event);
// {"id","kind","subject","sku","value","detail","raised_at"}: GET /v1/alarms' items, and
// the `alarm` of an alarm event's data.
void write_alarm(json::Writer& w, const Alarm& alarm);
std::string event_json(const Event& event);

// The fields a consumer needs back from a queued event. kInvalidArgument if malformed.
struct EventRef {
    std::string id;
    std::string type;
    std::string sku;
};
Result<EventRef> parse_event_ref(const std::string& body);

// A message of the notifications queue: an event for one webhook or email subscription. The
// event's bytes travel as written, since a webhook signs exactly the body it sends.
struct Notification {
    std::string subscription_id;
    std::string event;  // the event's JSON, as event_json() wrote it
};
std::string notification_json(std::string_view subscription_id, std::string_view event);
// kInvalidArgument unless `body` is what notification_json() writes.
Result<Notification> parse_notification(std::string_view body);

}  // namespace restock
