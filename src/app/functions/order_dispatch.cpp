#include "app/functions/order_dispatch.h"

#include <algorithm>

#include "app/callback_token.h"
#include "app/engine_client.h"
#include "app/event_json.h"

namespace restock {

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
        Outcome settled = submit_and_wait(engine, std::move(complete));
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
