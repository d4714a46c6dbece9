// The HTTP request parsers on arbitrary bodies. The first byte picks the parser (and, for the
// routes with a sku or an order id in the path, which one); the rest is the body. Properties:
//   - a refusal is kInvalidArgument, "invalid-json" or "invalid-request", with a UTF-8 message
//     (it ends up in a problem+json body);
//   - anything accepted passes core validate() (nothing half-validated reaches the engine).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "adapters/http/request_mapping.h"
#include "core/requests.h"
#include "json/json.h"

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
    std::fprintf(stderr, "fuzz_request_mapping: %s: %.*s\n", what, static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
}

template <typename T>
void check(const restock::Result<T>& result, const char* parser) {
    if (!result.ok()) {
        const restock::Error& error = result.error();
        if (error.code != restock::ErrorCode::kInvalidArgument) fail(parser, error.message);
        if (error.slug != "invalid-json" && error.slug != "invalid-request") {
            fail(parser, "unexpected slug " + error.slug);
        }
        if (error.message.empty()) fail(parser, "empty message");
        if (!restock::json::is_valid_utf8(error.message)) fail(parser, error.message);
        return;
    }
    const restock::Status valid = restock::validate(result.value());
    if (!valid.ok())
        fail(parser, "accepted a request validate() refuses: " + valid.error().message);
}

// Path skus the router could hand over, valid and not.
constexpr std::string_view kSkus[] = {
    "SKU-1",
    "a",
    "",
    "bad sku",
    "caf\xc3\xa9",
    "0123456789012345678901234567890123456789012345678901234567890123",
    "01234567890123456789012345678901234567890123456789012345678901234"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
    const std::string_view sku = kSkus[(data[0] / 7) % std::size(kSkus)];
    using namespace restock::http;
    switch (data[0] % 7) {
        case 0:
            check(parse_new_product(body), "parse_new_product");
            break;
        case 1:
            check(parse_product_patch(body), "parse_product_patch");
            break;
        case 2:
            check(parse_checkout(body), "parse_checkout");
            break;
        case 3:
            check(parse_receipt(sku, body), "parse_receipt");
            break;
        case 4:
            check(parse_adjustment(sku, body), "parse_adjustment");
            break;
        case 5:
            check(parse_reservation(body), "parse_reservation");
            break;
        case 6:  // the order id comes from the path, as a sku does
            check(parse_release(sku, body), "parse_release");
            break;
    }
    return 0;
}
