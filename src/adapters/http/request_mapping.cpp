#include "adapters/http/request_mapping.h"

#include <cmath>
#include <initializer_list>

#include "core/limits.h"
#include "core/replenishment_policy.h"
#include "json/json.h"

namespace restock::http {
namespace {

using json::Value;

// Reads the fields of one JSON object, remembering the path for error messages.
class ObjectReader {
  public:
    ObjectReader(const Value& object, std::string path) : object_(object), path_(std::move(path)) {}

    // Fails on any member not in `allowed`.
    Status only(std::initializer_list<std::string_view> allowed) const {
        for (const auto& [name, value] : object_.as_object()) {
            bool known = false;
            for (auto field : allowed) known = known || field == name;
            if (!known) return invalid_request("unknown field " + where(name));
        }
        return ok_status();
    }

    bool has(std::string_view name) const { return object_.find(name) != nullptr; }

    Result<std::string> string(std::string_view name) const {
        const Value* value = object_.find(name);
        if (value == nullptr) return invalid_request("missing field " + where(name));
        if (value->kind() != Value::Kind::kString) return wrong_type(name, *value, "a string");
        return value->as_string();
    }

    Result<int64_t> integer(std::string_view name) const {
        const Value* value = object_.find(name);
        if (value == nullptr) return invalid_request("missing field " + where(name));
        return integer_of(name, *value);
    }

    Result<std::optional<int64_t>> nullable_integer(std::string_view name) const {
        const Value* value = object_.find(name);
        if (value == nullptr || value->is_null()) return std::optional<int64_t>();
        auto number = integer_of(name, *value);
        if (!number) return number.error();
        return std::optional<int64_t>(number.value());
    }

    Result<std::optional<std::string>> nullable_string(std::string_view name) const {
        const Value* value = object_.find(name);
        if (value == nullptr || value->is_null()) return std::optional<std::string>();
        if (value->kind() != Value::Kind::kString) return wrong_type(name, *value, "a string");
        return std::optional<std::string>(value->as_string());
    }

    Result<bool> boolean(std::string_view name) const {
        const Value* value = object_.find(name);
        if (value == nullptr) return invalid_request("missing field " + where(name));
        if (value->kind() != Value::Kind::kBool) return wrong_type(name, *value, "true or false");
        return value->as_bool();
    }

    Result<const Value*> object(std::string_view name) const {
        const Value* value = object_.find(name);
        if (value == nullptr) return invalid_request("missing field " + where(name));
        if (value->kind() != Value::Kind::kObject) return wrong_type(name, *value, "an object");
        return value;
    }

    Result<const std::vector<Value>*> array(std::string_view name) const {
        const Value* value = object_.find(name);
        if (value == nullptr) return invalid_request("missing field " + where(name));
        if (value->kind() != Value::Kind::kArray) return wrong_type(name, *value, "an array");
        return &value->as_array();
    }

    std::string where(std::string_view name) const {
        return "'" + (path_.empty() ? std::string(name) : path_ + "." + std::string(name)) + "'";
    }

  private:
    Result<int64_t> integer_of(std::string_view name, const Value& value) const {
        if (value.kind() == Value::Kind::kNumber) {
            return invalid_request(where(name) + " must be a whole number within range");
        }
        if (value.kind() != Value::Kind::kInteger) return wrong_type(name, value, "an integer");
        return value.as_integer();
    }

    Error wrong_type(std::string_view name, const Value& value, std::string_view expected) const {
        return invalid_request(where(name) + " must be " + std::string(expected) + ", not " +
                               std::string(json::kind_name(value.kind())));
    }

    const Value& object_;
    std::string path_;
};

Result<Value> parse_object(std::string_view body) {
    auto parsed = json::parse(body);
    if (!parsed) return parsed.error();
    if (parsed->kind() != Value::Kind::kObject) {
        return invalid_request("the body must be a JSON object, not " +
                               std::string(json::kind_name(parsed->kind())));
    }
    return parsed;
}

// Shorthand: assign a Result's value to `target` or return its error from the caller.
#define RESTOCK_ASSIGN(target, expression)                    \
    do {                                                      \
        auto restock_result_ = (expression);                  \
        if (!restock_result_) return restock_result_.error(); \
        target = std::move(restock_result_.value());          \
    } while (false)

template <typename T>
Result<T> validated(T request) {
    if (auto valid = validate(request); !valid) return valid.error();
    return request;
}

struct Replenishment {
    std::optional<ReplenishmentMode> mode;  // PATCH: absent keeps the product's
    double fill_rate = 0;                   // 0: none given
};

// "replenishment": {"mode": "fixed" | "none"} or {"mode": "auto", "fill_rate": 0.5 to 0.999}.
// The fill rate is kept to six decimals (as it is stored). A PATCH merges it (RFC 7396): the
// mode may be left out (the fill rate of a product in mode auto changes) and so may the fill
// rate of mode auto (a product in mode auto keeps its own); the engine checks the result.
Result<Replenishment> parse_replenishment(const ObjectReader& in, bool patch) {
    const Value* object = nullptr;
    RESTOCK_ASSIGN(object, in.object("replenishment"));
    ObjectReader policy(*object, "replenishment");
    if (auto s = policy.only({"mode", "fill_rate"}); !s) return s.error();
    Replenishment r;
    if (!patch || policy.has("mode")) {
        std::string name;
        RESTOCK_ASSIGN(name, policy.string("mode"));
        r.mode = parse_replenishment_mode(name);
        if (!r.mode) return invalid_request("'replenishment.mode' must be fixed, auto or none");
    }
    const Value* rate = object->find("fill_rate");
    if (r.mode && *r.mode != ReplenishmentMode::kAuto) {
        if (rate != nullptr) {
            return invalid_request("'replenishment.fill_rate' is given only with mode auto");
        }
        return r;
    }
    if (rate == nullptr) {
        if (patch && r.mode) return r;  // mode auto, the fill rate the product has
        return invalid_request(
            patch ? "'replenishment' needs 'mode' or 'fill_rate'"
                  : "missing field 'replenishment.fill_rate' (mode auto needs it)");
    }
    if (rate->kind() != Value::Kind::kNumber && rate->kind() != Value::Kind::kInteger) {
        return invalid_request("'replenishment.fill_rate' must be a number, not " +
                               std::string(json::kind_name(rate->kind())));
    }
    const double value = rate->kind() == Value::Kind::kInteger
                             ? static_cast<double>(rate->as_integer())
                             : rate->as_number();
    if (!(value >= kMinFillRate && value <= kMaxFillRate)) {
        return invalid_request("'replenishment.fill_rate' must be between 0.5 and 0.999");
    }
    r.fill_rate = std::round(value * 1e6) / 1e6;
    return r;
}

}  // namespace

Result<NewProduct> parse_new_product(std::string_view body) {
    auto parsed = parse_object(body);
    if (!parsed) return parsed.error();
    ObjectReader in(parsed.value(), "");
    if (auto s = in.only({"sku", "name", "on_hand", "reorder_point", "reorder_qty", "factory_id",
                          "order_up_to", "min_order_qty", "pack_size", "ad_id", "replenishment"});
        !s) {
        return s.error();
    }
    NewProduct r;
    if (in.has("replenishment")) {
        Replenishment policy;
        RESTOCK_ASSIGN(policy, parse_replenishment(in, /*patch=*/false));
        r.settings.replenishment = *policy.mode;
        r.settings.fill_rate = policy.fill_rate;
    }
    RESTOCK_ASSIGN(r.sku, in.string("sku"));
    RESTOCK_ASSIGN(r.name, in.string("name"));
    RESTOCK_ASSIGN(r.on_hand, in.integer("on_hand"));
    RESTOCK_ASSIGN(r.settings.reorder_point, in.integer("reorder_point"));
    RESTOCK_ASSIGN(r.settings.reorder_qty, in.integer("reorder_qty"));
    RESTOCK_ASSIGN(r.settings.factory_id, in.string("factory_id"));
    RESTOCK_ASSIGN(r.settings.order_up_to, in.nullable_integer("order_up_to"));
    if (in.has("min_order_qty"))
        RESTOCK_ASSIGN(r.settings.min_order_qty, in.integer("min_order_qty"));
    if (in.has("pack_size")) RESTOCK_ASSIGN(r.settings.pack_size, in.integer("pack_size"));
    RESTOCK_ASSIGN(r.settings.ad_id, in.nullable_string("ad_id"));
    return validated(std::move(r));
}

Result<ProductPatch> parse_product_patch(std::string_view body) {
    auto parsed = parse_object(body);
    if (!parsed) return parsed.error();
    ObjectReader in(parsed.value(), "");
    for (auto forbidden : {"sku", "on_hand", "reserved", "available", "on_order", "status"}) {
        if (in.has(forbidden)) {
            return invalid_request("'" + std::string(forbidden) +
                                   "' cannot be changed with PATCH; stock changes go through "
                                   "receipts, adjustments and checkouts");
        }
    }
    if (auto s = in.only({"name", "reorder_point", "reorder_qty", "order_up_to", "min_order_qty",
                          "pack_size", "factory_id", "ad_id", "replenishment", "archived"});
        !s) {
        return s.error();
    }
    ProductPatch p;
    if (in.has("replenishment")) {
        Replenishment policy;
        RESTOCK_ASSIGN(policy, parse_replenishment(in, /*patch=*/true));
        p.replenishment = policy.mode;
        p.fill_rate = policy.fill_rate;
    }
    if (in.has("archived")) RESTOCK_ASSIGN(p.archived, in.boolean("archived"));
    if (in.has("name")) RESTOCK_ASSIGN(p.name, in.string("name"));
    if (in.has("reorder_point")) RESTOCK_ASSIGN(p.reorder_point, in.integer("reorder_point"));
    if (in.has("reorder_qty")) RESTOCK_ASSIGN(p.reorder_qty, in.integer("reorder_qty"));
    if (in.has("order_up_to")) RESTOCK_ASSIGN(p.order_up_to, in.nullable_integer("order_up_to"));
    if (in.has("min_order_qty")) RESTOCK_ASSIGN(p.min_order_qty, in.integer("min_order_qty"));
    if (in.has("pack_size")) RESTOCK_ASSIGN(p.pack_size, in.integer("pack_size"));
    if (in.has("factory_id")) RESTOCK_ASSIGN(p.factory_id, in.string("factory_id"));
    if (in.has("ad_id")) RESTOCK_ASSIGN(p.ad_id, in.nullable_string("ad_id"));
    return validated(std::move(p));
}

// "lines": [{"sku","qty"}...] of a checkout or a reservation.
Result<std::vector<CheckoutLine>> parse_lines(const ObjectReader& in) {
    const std::vector<Value>* lines = nullptr;
    RESTOCK_ASSIGN(lines, in.array("lines"));
    std::vector<CheckoutLine> out;
    out.reserve(lines->size());
    for (std::size_t i = 0; i < lines->size(); ++i) {
        const std::string path = "lines[" + std::to_string(i) + "]";
        const Value& item = (*lines)[i];
        if (item.kind() != Value::Kind::kObject)
            return invalid_request("'" + path + "' must be an object");
        ObjectReader line(item, path);
        if (auto s = line.only({"sku", "qty"}); !s) return s.error();
        CheckoutLine parsed;
        RESTOCK_ASSIGN(parsed.sku, line.string("sku"));
        RESTOCK_ASSIGN(parsed.qty, line.integer("qty"));
        out.push_back(std::move(parsed));
    }
    return out;
}

Result<CheckoutRequest> parse_checkout(std::string_view body) {
    auto parsed = parse_object(body);
    if (!parsed) return parsed.error();
    ObjectReader in(parsed.value(), "");
    if (auto s = in.only({"order_id", "lines", "reservation_id"}); !s) return s.error();
    CheckoutRequest r;
    RESTOCK_ASSIGN(r.order_id, in.string("order_id"));
    if (in.has("reservation_id")) RESTOCK_ASSIGN(r.reservation_id, in.string("reservation_id"));
    // With a reservation the lines may be left out: it names them.
    if (r.reservation_id.empty() || in.has("lines")) RESTOCK_ASSIGN(r.lines, parse_lines(in));
    return validated(std::move(r));
}

Result<ReleaseRequest> parse_release(std::string_view order_id, std::string_view body) {
    ReleaseRequest r;
    r.order_id = std::string(order_id);
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return validated(std::move(r));
    auto parsed = parse_object(body);
    if (!parsed) return parsed.error();
    ObjectReader in(parsed.value(), "");
    if (auto s = in.only({"lines"}); !s) return s.error();
    if (in.has("lines")) {
        RESTOCK_ASSIGN(r.lines, parse_lines(in));
        if (r.lines.empty()) {
            return invalid_request(
                "'lines' must hold 1 to 100 lines; leave it out to release "
                "the whole order");
        }
    }
    return validated(std::move(r));
}

Result<NewReservation> parse_reservation(std::string_view body) {
    auto parsed = parse_object(body);
    if (!parsed) return parsed.error();
    ObjectReader in(parsed.value(), "");
    if (auto s = in.only({"reservation_id", "lines", "ttl_s"}); !s) return s.error();
    NewReservation r;
    RESTOCK_ASSIGN(r.reservation_id, in.string("reservation_id"));
    RESTOCK_ASSIGN(r.lines, parse_lines(in));
    r.ttl_ms = kDefaultReservationTtlMs;
    if (in.has("ttl_s")) {
        int64_t seconds = 0;
        RESTOCK_ASSIGN(seconds, in.integer("ttl_s"));
        if (seconds < kMinReservationTtlMs / 1000 || seconds > kMaxReservationTtlMs / 1000) {
            return invalid_request("'ttl_s' must be from 1 to 604800 (a week)");
        }
        r.ttl_ms = seconds * 1000;
    }
    return validated(std::move(r));
}

Result<ReceiptRequest> parse_receipt(std::string_view sku, std::string_view body) {
    auto parsed = parse_object(body);
    if (!parsed) return parsed.error();
    ObjectReader in(parsed.value(), "");
    if (auto s = in.only({"qty", "reference"}); !s) return s.error();
    ReceiptRequest r;
    r.sku = std::string(sku);
    RESTOCK_ASSIGN(r.qty, in.integer("qty"));
    RESTOCK_ASSIGN(r.reference, in.string("reference"));
    return validated(std::move(r));
}

Result<AdjustmentRequest> parse_adjustment(std::string_view sku, std::string_view body) {
    auto parsed = parse_object(body);
    if (!parsed) return parsed.error();
    ObjectReader in(parsed.value(), "");
    if (auto s = in.only({"delta", "reason"}); !s) return s.error();
    AdjustmentRequest r;
    r.sku = std::string(sku);
    RESTOCK_ASSIGN(r.delta, in.integer("delta"));
    RESTOCK_ASSIGN(r.reason, in.string("reason"));
    return validated(std::move(r));
}

Result<Factory> parse_factory(std::string_view body) {
    auto parsed = parse_object(body);
    if (!parsed) return parsed.error();
    ObjectReader in(parsed.value(), "");
    if (auto s = in.only({"id", "url", "format", "timeout_ms", "lead_time_days"}); !s) {
        return s.error();
    }
    Factory f;
    RESTOCK_ASSIGN(f.id, in.string("id"));
    RESTOCK_ASSIGN(f.url, in.string("url"));
    if (in.has("format")) RESTOCK_ASSIGN(f.format, in.string("format"));
    if (in.has("timeout_ms")) RESTOCK_ASSIGN(f.timeout_ms, in.integer("timeout_ms"));
    RESTOCK_ASSIGN(f.lead_time_days, in.nullable_integer("lead_time_days"));
    if (auto valid = validate_factory(f); !valid) return valid.error();
    return f;
}

Result<std::string> parse_login(std::string_view body) {
    auto parsed = parse_object(body);
    if (!parsed) return parsed.error();
    ObjectReader in(parsed.value(), "");
    if (auto s = in.only({"api_key"}); !s) return s.error();
    std::string key;
    RESTOCK_ASSIGN(key, in.string("api_key"));
    if (key.empty()) return invalid_request("'api_key' is empty");
    return key;
}

Result<Subscription> parse_subscription(std::string_view topic, std::string_view body) {
    auto parsed = parse_object(body);
    if (!parsed) return parsed.error();
    ObjectReader in(parsed.value(), "");
    if (auto s = in.only({"protocol", "endpoint", "filter"}); !s) return s.error();
    Subscription sub;
    sub.topic = std::string(topic);
    std::string protocol;
    RESTOCK_ASSIGN(protocol, in.string("protocol"));
    auto known = parse_protocol(protocol);
    if (!known) return invalid_request("'protocol' must be queue, webhook or email");
    sub.protocol = *known;
    RESTOCK_ASSIGN(sub.endpoint, in.string("endpoint"));
    if (const Value* filter = parsed->find("filter"); filter != nullptr && !filter->is_null()) {
        if (filter->kind() != Value::Kind::kObject)
            return invalid_request("'filter' must be an object");
        ObjectReader f(*filter, "filter");
        if (auto s = f.only({"type"}); !s) return s.error();
        const std::vector<Value>* types = nullptr;
        RESTOCK_ASSIGN(types, f.array("type"));
        if (types->empty()) {
            return invalid_request(
                "'filter.type' must name at least one event type; omit 'filter' for "
                "every event");
        }
        for (const Value& type : *types) {
            if (type.kind() != Value::Kind::kString)
                return invalid_request("'filter.type' must be an array of strings");
            sub.event_types.push_back(type.as_string());
        }
    }
    if (auto valid = validate_subscription(sub); !valid) return valid.error();
    return sub;
}

Result<QueuePolicyPatch> parse_queue_patch(std::string_view queue, std::string_view body) {
    auto parsed = parse_object(body);
    if (!parsed) return parsed.error();
    ObjectReader in(parsed.value(), "");
    if (auto s = in.only(
            {"max_receive_count", "visibility_timeout_s", "backoff_base_ms", "backoff_max_ms"});
        !s) {
        return s.error();
    }
    QueuePolicyPatch patch;
    patch.queue = std::string(queue);
    if (in.has("max_receive_count"))
        RESTOCK_ASSIGN(patch.max_receive_count, in.integer("max_receive_count"));
    if (in.has("visibility_timeout_s")) {
        int64_t seconds = 0;
        RESTOCK_ASSIGN(seconds, in.integer("visibility_timeout_s"));
        if (seconds < 1 || seconds > 12 * 3600)
            return invalid_request("'visibility_timeout_s' must be between 1 and 43200");
        patch.visibility_timeout_ms = seconds * 1000;
    }
    if (in.has("backoff_base_ms"))
        RESTOCK_ASSIGN(patch.backoff_base_ms, in.integer("backoff_base_ms"));
    if (in.has("backoff_max_ms"))
        RESTOCK_ASSIGN(patch.backoff_max_ms, in.integer("backoff_max_ms"));
    if (!patch.max_receive_count && !patch.visibility_timeout_ms && !patch.backoff_base_ms &&
        !patch.backoff_max_ms) {
        return invalid_request("the patch changes nothing: name at least one setting");
    }
    return patch;
}

Result<AcceptCallback> parse_factory_callback(std::string_view order_id, std::string_view body) {
    auto parsed = parse_object(body);
    if (!parsed) return parsed.error();
    ObjectReader in(parsed.value(), "");
    if (auto s = in.only({"MessageAttributeProductId", "MessageAttributeProductCnt",
                          "MessageAttributeShipmentId"});
        !s) {
        return s.error();
    }
    AcceptCallback callback;
    callback.order_id = std::string(order_id);
    RESTOCK_ASSIGN(callback.sku, in.string("MessageAttributeProductId"));
    RESTOCK_ASSIGN(callback.qty, in.integer("MessageAttributeProductCnt"));
    if (!is_valid_sku(callback.sku))
        return invalid_request("'MessageAttributeProductId' is not a valid sku");
    if (callback.qty < 1 || callback.qty > limits::kMaxQuantity)
        return invalid_request("'MessageAttributeProductCnt' must be between 1 and 1000000000");
    if (in.has("MessageAttributeShipmentId")) {
        RESTOCK_ASSIGN(callback.shipment, in.string("MessageAttributeShipmentId"));
        if (!is_valid_token(callback.shipment, limits::kMaxIdLength))
            return invalid_request(
                "'MessageAttributeShipmentId' must be 1 to 64 printable ASCII characters");
        callback.shipment = "id-" + callback.shipment;
    } else {
        callback.shipment = "qty-" + std::to_string(callback.qty);
    }
    return callback;
}

}  // namespace restock::http
