#include "factory_sim/legacy_order.h"

#include "core/ascii.h"
#include "json/json.h"

namespace restock::factory_sim {
namespace {

using json::Value;

Result<std::string> non_empty_string(const Value& object, std::string_view name) {
    const Value* value = object.find(name);
    if (value == nullptr) return invalid_request("missing " + std::string(name));
    if (value->kind() != Value::Kind::kString || value->as_string().empty()) {
        return invalid_request(std::string(name) + " must be a non-empty string");
    }
    return value->as_string();
}

bool is_callback_url(std::string_view url) {
    std::size_t scheme = 0;
    if (starts_with_icase(url, "http://")) {
        scheme = 7;
    } else if (starts_with_icase(url, "https://")) {
        scheme = 8;
    } else {
        return false;
    }
    for (char c : url) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
    }
    const std::string_view rest = url.substr(scheme);
    const auto host_end = rest.find_first_of("/?#");
    return host_end != 0 && !rest.empty();
}

}  // namespace

Result<ManufactureRequest> parse_manufacture_request(std::string_view body) {
    auto parsed = json::parse(body);
    if (!parsed) return invalid_request("the body is not JSON: " + parsed.error().message);
    const Value& object = parsed.value();
    if (object.kind() != Value::Kind::kObject)
        return invalid_request("the body must be a JSON object");

    ManufactureRequest request;
    auto group = non_empty_string(object, "MessageGroupId");
    if (!group) return group.error();
    request.group_id = std::move(group.value());
    auto product = non_empty_string(object, "MessageAttributeProductId");
    if (!product) return product.error();
    request.product_id = std::move(product.value());

    const Value* count = object.find("MessageAttributeProductCnt");
    if (count == nullptr) return invalid_request("missing MessageAttributeProductCnt");
    if (count->kind() != Value::Kind::kInteger || count->as_integer() <= 0) {
        return invalid_request("MessageAttributeProductCnt must be an integer > 0");
    }
    request.qty = count->as_integer();

    auto factory = non_empty_string(object, "MessageAttributeFactoryId");
    if (!factory) return factory.error();
    request.factory_id = std::move(factory.value());
    auto requester = non_empty_string(object, "MessageAttributeRequester");
    if (!requester) return requester.error();
    request.requester = std::move(requester.value());

    const Value* url = object.find("CallbackUrl");
    if (url == nullptr) return invalid_request("missing CallbackUrl");
    if (url->kind() != Value::Kind::kString || !is_callback_url(url->as_string())) {
        return invalid_request("CallbackUrl must be an absolute http:// or https:// URL");
    }
    request.callback_url = url->as_string();
    return request;
}

std::string callback_body(std::string_view product_id, int64_t qty) {
    std::string out;
    json::Writer(out)
        .begin_object()
        .key("MessageAttributeProductId")
        .value(product_id)
        .key("MessageAttributeProductCnt")
        .value(qty)
        .end_object();
    return out;
}

}  // namespace restock::factory_sim
