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
Result<ReceiptRequest> parse_receipt(std::string_view sku, std::string_view body);
Result<AdjustmentRequest> parse_adjustment(std::string_view sku, std::string_view body);

}  // namespace restock::http
