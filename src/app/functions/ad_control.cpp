#include "app/functions/ad_control.h"

#include "app/event_json.h"

namespace restock {

Handler make_ad_control(ReaderPool& readers, HttpClient& http, AdControlConfig config,
                        LogSink log) {
    return [&readers, &http, config = std::move(config),
            log = std::move(log)](const QueueMessage& message) -> HandlerResult {
        auto event = parse_event_ref(message.body);
        if (!event) return HandlerResult::fail("malformed event: " + event.error().message);
        std::string action;
        if (event->type == "stock.empty") action = "pause";
        if (event->type == "stock.restored") action = "resume";
        if (action.empty() || config.ads_url.empty()) return HandlerResult::ack();

        auto reader = readers.acquire();
        if (!reader) return HandlerResult::fail(reader.error().message);
        auto product = reader.value()->product(event->sku);
        if (!product) return HandlerResult::fail(product.error().message);
        if (!product.value() || !product.value()->settings.ad_id) return HandlerResult::ack();
        const std::string ad_id = *product.value()->settings.ad_id;
        // Act on the product as it is now, not as it was when the event was raised: a pause
        // redriven from the DLQ after the stock came back must not pause a selling product.
        const bool out_of_stock = product.value()->available() <= 0;
        if ((action == "pause") != out_of_stock) {
            log("info", "ad-control: skipped stale " + action + " of ad " + ad_id + " (" +
                            event->sku + " is " + (out_of_stock ? "out of stock" : "in stock") +
                            ")");
            return HandlerResult::ack();
        }

        HttpCall call;
        call.url = config.ads_url + "/ads/" + ad_id + "/" + action;
        call.headers = {{"Content-Type", "application/json"}};
        call.body = "{\"sku\":\"" + event->sku + "\",\"event_id\":\"" + event->id + "\"}";
        call.timeout_ms = config.timeout_ms;
        auto answer = http.send(call);
        if (!answer) return HandlerResult::fail(answer.error().message);
        if (answer->status < 200 || answer->status > 299) {
            return HandlerResult::fail("ads API answered " + std::to_string(answer->status));
        }
        log("info", "ad-control: " + action + " ad " + ad_id + " (" + event->sku + ")");
        return HandlerResult::ack();
    };
}

}  // namespace restock
