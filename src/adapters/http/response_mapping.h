// Domain values and engine outcomes -> JSON response bodies. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/http/stream_port.h"
#include "app/commands.h"
#include "app/event_json.h"
#include "core/event.h"
#include "core/movement.h"
#include "core/product.h"
#include "json/json.h"

namespace restock::http {

struct Reply {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::string location;    // for 201
    bool replayed = false;   // an Idempotency-Key replay
    std::string request_id;  // set: the X-Request-Id to answer with (a replay: the first one's)
    // A 503 from a node that is not the writer (X-Restock-Not-Writer): the node that forwarded
    // the request knows it was not executed and sends it to the next writer.
    bool not_writer = false;
    // The Cache-Control header (hashed assets are cached long; everything else by default not).
    std::string cache_control = "no-store";
    // Further headers, written as given (Set-Cookie, ETag, Content-Security-Policy, ...).
    std::vector<std::pair<std::string, std::string>> headers;
    // Set: an event stream (text/event-stream) whose body the source writes until the
    // connection ends; `body` is sent first.
    std::shared_ptr<StreamSource> stream;
};

// The media type of the Prometheus text exposition.
inline constexpr const char* kMetricsType = "text/plain; version=0.0.4";

void write_product(json::Writer& w, const Product& product);
void write_movement(json::Writer& w, const Movement& movement, std::string_view sku);

std::string product_json(const Product& product);
// `due_ms`: when the order should have arrived (due_at; overdue as of `now_ms`), if known.
void write_order(json::Writer& w, const RestockOrder& order, std::optional<int64_t> due_ms,
                 int64_t now_ms);
void write_factory(json::Writer& w, const Factory& factory);
// The secret is written only when `with_secret` (once, in the answer that created it).
void write_subscription(json::Writer& w, const Subscription& subscription, bool with_secret);
void write_queue(json::Writer& w, const QueueInfo& queue);
void write_message(json::Writer& w, const QueueMessage& message);
void write_reservation(json::Writer& w, const Reservation& reservation);
std::string reservation_json(const Reservation& reservation);

// What the client gets for an engine outcome. `instance` and `request_id` go into problems.
Reply reply_for(const Outcome& outcome, std::string_view instance, std::string_view request_id);
Reply json_reply(int status, std::string body);
// A problem whose status is given (401, 403, 405, 413, ...), or the one its ErrorCode maps to.
Reply problem_reply(int status, std::string_view slug, std::string_view detail,
                    std::string_view instance, std::string_view request_id);
Reply problem_reply(const Error& error, std::string_view instance, std::string_view request_id);

}  // namespace restock::http
