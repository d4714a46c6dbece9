#include "app/functions/stock_increase.h"

#include "app/engine_client.h"
#include "json/json.h"

namespace restock {

Handler make_stock_increase(CommandSink& engine) {
    return [&engine](const QueueMessage& message) -> HandlerResult {
        auto parsed = json::parse(message.body);
        if (!parsed || parsed->kind() != json::Value::Kind::kObject) {
            return HandlerResult::fail("malformed receipt message");
        }
        const json::Value* order_id = parsed->find("order_id");
        const json::Value* shipment = parsed->find("shipment");
        const json::Value* qty = parsed->find("qty");
        if (!order_id || !shipment || !qty || order_id->kind() != json::Value::Kind::kString ||
            shipment->kind() != json::Value::Kind::kString ||
            qty->kind() != json::Value::Kind::kInteger) {
            return HandlerResult::fail("malformed receipt message");
        }
        Outcome booked = submit_and_wait(
            engine, ReceiveShipment{order_id->as_string(), shipment->as_string(), qty->as_integer(),
                                    message.id, message.receive_count});
        if (const auto* error = std::get_if<Error>(&booked)) {
            return HandlerResult::fail(error->message);
        }
        return HandlerResult::settled();
    };
}

}  // namespace restock
