// JSON request bodies -> core requests. Strict: unknown fields, wrong types, out-of-range
// numbers and bad strings are errors naming the field; nothing half-parsed escapes.
// Pure functions: the fuzz target drives them directly.
#pragma once

#include <string_view>

#include "app/commands.h"
#include "core/requests.h"
#include "core/result.h"

namespace restock::http {

Result<NewProduct> parse_new_product(std::string_view body);
Result<ProductPatch> parse_product_patch(std::string_view body);
Result<CheckoutRequest> parse_checkout(std::string_view body);
Result<NewReservation> parse_reservation(std::string_view body);
// POST /v1/orders/{order_id}/release: no body (or {}) releases the whole order; else
// {"lines": [{"sku","qty"}...]} with each line's total to be back.
Result<ReleaseRequest> parse_release(std::string_view order_id, std::string_view body);
Result<ReceiptRequest> parse_receipt(std::string_view sku, std::string_view body);
Result<AdjustmentRequest> parse_adjustment(std::string_view sku, std::string_view body);

// {"id","url","format":"legacy","timeout_ms"} (timeout_ms optional, default 5000).
Result<Factory> parse_factory(std::string_view body);
// POST /v1/session: {"api_key": "..."}, the key to log in with.
Result<std::string> parse_login(std::string_view body);
// {"protocol":"queue|webhook|email","endpoint","filter":{"type":[...]}} (filter optional).
Result<Subscription> parse_subscription(std::string_view topic, std::string_view body);
// {"max_receive_count","visibility_timeout_s","backoff_base_ms","backoff_max_ms"}, any subset.
Result<QueuePolicyPatch> parse_queue_patch(std::string_view queue, std::string_view body);
// The legacy factory callback: {"MessageAttributeProductId","MessageAttributeProductCnt"} and,
// from factories that split shipments, "MessageAttributeShipmentId". Without a shipment id the
// quantity identifies the shipment: the same order and quantity again is a duplicate.
Result<AcceptCallback> parse_factory_callback(std::string_view order_id, std::string_view body);

}  // namespace restock::http
