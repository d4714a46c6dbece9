#include "app/functions/order_dispatch.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "app/callback_token.h"
#include "app/engine_client.h"
#include "app/event_json.h"

namespace restock {
namespace {

constexpr auto kRecordRetryFirst = std::chrono::milliseconds(100);
constexpr auto kRecordRetryMax = std::chrono::milliseconds(1'000);

bool is_transient(const Outcome& outcome) {
    const auto* error = std::get_if<Error>(&outcome);
    return error != nullptr &&
           (error->code == ErrorCode::kUnavailable || error->code == ErrorCode::kStoreLost);
}

}  // namespace

std::string legacy_order_body(const RestockOrder& order, const std::string& requester,
                              const std::string& callback_url) {
    std::string body;
    json::Writer w(body);
    w.begin_object()
        .key("MessageGroupId")
        .value("stock-arrival-group")
        .key("MessageAttributeProductId")
        .value(order.sku)
        .key("MessageAttributeProductCnt")
        .value(order.qty)
        .key("MessageAttributeFactoryId")
        .value(order.factory_id)
        .key("MessageAttributeRequester")
        .value(requester)
        .key("CallbackUrl")
        .value(callback_url)
        .end_object();
    return body;
}

int64_t factory_call_budget_ms(int64_t factory_timeout_ms, int64_t dispatch_ms) {
    const int64_t margin = std::min<int64_t>(2'000, dispatch_ms / 4);
    return std::max<int64_t>(100, std::min(factory_timeout_ms, dispatch_ms - margin));
}

Handler make_order_dispatch(CommandSink& engine, HttpClient& http, OrderDispatchConfig config,
                            LogSink log) {
    return [&engine, &http, config = std::move(config),
            log = std::move(log)](const QueueMessage& message) -> HandlerResult {
        auto event = parse_event_ref(message.body);
        if (!event) return HandlerResult::fail("malformed event: " + event.error().message);

        Outcome placed = submit_and_wait(
            engine, PlaceRestockOrder{event->sku, event->id, message.id, message.receive_count});
        if (const auto* error = std::get_if<Error>(&placed)) {
            return HandlerResult::fail(error->message);
        }
        const auto& outcome = std::get<OrderOutcome>(placed);
        if (!outcome.order) return HandlerResult::ack();  // nothing to order now
        const RestockOrder& order = *outcome.order;
        // The factory already has it, or another delivery is sending it right now.
        if (!outcome.dispatch) return HandlerResult::ack();
        const auto hold_ends =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(outcome.dispatch_ms);
        if (!outcome.factory) {
            return HandlerResult::fail("unknown factory '" + order.factory_id +
                                       "': register it with POST /v1/factories");
        }
        const Factory& factory = *outcome.factory;
        const std::string callback_url =
            config.public_url + "/v1/factory/callbacks/" + order.id +
            "?token=" + callback_token(config.callback_secret, order.id);
        HttpCall call;
        call.url = factory.url + "/api/manufactures";
        call.headers = {{"Content-Type", "application/json"}};
        call.body = legacy_order_body(order, config.requester, callback_url);
        call.timeout_ms = factory_call_budget_ms(factory.timeout_ms, outcome.dispatch_ms);
        auto answer = http.send(call);

        CompleteDispatch complete{order.id, false, "", message.id, message.receive_count};
        if (!answer) {
            complete.error = answer.error().message;
        } else if (answer->status < 200 || answer->status > 299) {
            complete.error =
                "factory " + factory.id + " answered " + std::to_string(answer->status);
        } else {
            complete.accepted = true;
        }
        Outcome settled = submit_and_wait(engine, complete);
        // The factory has the order: unless its acceptance is recorded, the message comes back
        // and the order is sent again. A store that failed or was lost for a moment (a commit
        // whose outcome is unknown, a writer changing) is tried again while this delivery
        // still holds the dispatch; recording an acceptance twice changes nothing.
        auto backoff = kRecordRetryFirst;
        while (complete.accepted && is_transient(settled) &&
               std::chrono::steady_clock::now() + backoff < hold_ends) {
            std::this_thread::sleep_for(backoff);
            backoff = std::min(backoff * 2, kRecordRetryMax);
            settled = submit_and_wait(engine, complete);
        }
        if (const auto* error = std::get_if<Error>(&settled)) {
            log("warn",
                "order-dispatch: cannot record the answer for " + order.id + ": " + error->message);
        } else {
            log("info", "order-dispatch: " + order.id + " (" + order.sku + " x" +
                            std::to_string(order.qty) + ") to " + factory.id + ": " +
                            std::get<Done>(settled).note);
        }
        return HandlerResult::settled();
    };
}

}  // namespace restock
