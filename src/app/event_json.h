// The JSON form of an event: what GET /v1/events lists, queue messages carry and webhooks
// receive. One definition, so every consumer sees the same document.
#pragma once

#include <string>

#include "core/event.h"
#include "json/json.h"

namespace restock {

void write_event(json::Writer& w, const Event& event);
std::string event_json(const Event& event);

// The fields a consumer needs back from a queued event. kInvalidArgument if malformed.
struct EventRef {
    std::string id;
    std::string type;
    std::string sku;
};
Result<EventRef> parse_event_ref(const std::string& body);

}  // namespace restock
