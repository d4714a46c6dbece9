// The legacy factory's wire format: the manufacture request it accepts and the callback it
// sends when goods ship (docs/design.md, "Legacy Factory API"). Pure code, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace restock::factory_sim {

struct ManufactureRequest {
    std::string group_id;      // MessageGroupId
    std::string product_id;    // MessageAttributeProductId
    int64_t qty = 0;           // MessageAttributeProductCnt
    std::string factory_id;    // MessageAttributeFactoryId
    std::string requester;     // MessageAttributeRequester
    std::string callback_url;  // CallbackUrl: may carry a secret token in its query
};

// Parses and validates a POST /api/manufactures body: a JSON object with all six members, the
// counts an integer > 0, the ids non-empty strings, CallbackUrl an absolute http:// or https://
// URL with a host. Unknown members are ignored, as a lenient legacy system would.
// Errors: kInvalidArgument "invalid-request" naming the member (never echoing the URL).
Result<ManufactureRequest> parse_manufacture_request(std::string_view body);

// The callback body: {"MessageAttributeProductId":SKU,"MessageAttributeProductCnt":QTY}.
std::string callback_body(std::string_view product_id, int64_t qty);

}  // namespace restock::factory_sim
