// order-dispatch: restock-orders -> the factory. Places (or finds) the product's one open
// restock order, sends it to the factory in the legacy format with a per-order callback URL,
// and records the answer together with the message's fate in one commit.
#pragma once

#include <string>

#include "app/functions/function_runner.h"
#include "ports/http_client.h"

namespace restock {

struct OrderDispatchConfig {
    std::string public_url;       // base of the callback URL the factory will call
    std::string callback_secret;  // signs callback tokens
    std::string requester = "restock";
};

// How long the call to the factory may take: the factory's timeout_ms, but never past the end
// of the delivery's hold on the dispatch (less a margin to record the answer), after which a
// redelivery may send the order again. At least 100 ms.
int64_t factory_call_budget_ms(int64_t factory_timeout_ms, int64_t dispatch_ms);

// The JSON body of POST {factory}/api/manufactures.
std::string legacy_order_body(const RestockOrder& order, const std::string& requester,
                              const std::string& callback_url);

Handler make_order_dispatch(CommandSink& engine, HttpClient& http, OrderDispatchConfig config,
                            LogSink log);

}  // namespace restock
