#include "adapters/http/request_mapping.h"

#include <initializer_list>

#include "json/json.h"

namespace restock::http {
namespace {

using json::Value;

Error invalid(std::string message) {
    return make_error(ErrorCode::kInvalidArgument, "invalid-request", std::move(message));
}

// Reads the fields of one JSON object, remembering the path for error messages.
class ObjectReader {
  public:
    ObjectReader(const Value& object, std::string path) : object_(object), path_(std::move(path)) {}

    // Fails on any member not in `allowed`.
    Status only(std::initializer_list<std::string_view> allowed) const {
        for (const auto& [name, value] : object_.as_object()) {
            bool known = false;
            for (auto field : allowed) known = known || field == name;
            if (!known) return invalid("unknown field " + where(name));
        }
        return ok_status();
    }

    bool has(std::string_view name) const { return object_.find(name) != nullptr; }

    Result<std::string> string(std::string_view name) const {
        const Value* value = object_.find(name);
        if (value == nullptr) return invalid("missing field " + where(name));
        if (value->kind() != Value::Kind::kString) return wrong_type(name, *value, "a string");
        return value->as_string();
    }

    Result<int64_t> integer(std::string_view name) const {
        const Value* value = object_.find(name);
        if (value == nullptr) return invalid("missing field " + where(name));
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

    Result<const std::vector<Value>*> array(std::string_view name) const {
        const Value* value = object_.find(name);
        if (value == nullptr) return invalid("missing field " + where(name));
        if (value->kind() != Value::Kind::kArray) return wrong_type(name, *value, "an array");
        return &value->as_array();
    }

    std::string where(std::string_view name) const {
        return "'" + (path_.empty() ? std::string(name) : path_ + "." + std::string(name)) + "'";
    }

  private:
    Result<int64_t> integer_of(std::string_view name, const Value& value) const {
        if (value.kind() == Value::Kind::kNumber) {
            return invalid(where(name) + " must be a whole number within range");
        }
        if (value.kind() != Value::Kind::kInteger) return wrong_type(name, value, "an integer");
        return value.as_integer();
    }

    Error wrong_type(std::string_view name, const Value& value, std::string_view expected) const {
        return invalid(where(name) + " must be " + std::string(expected) + ", not " +
                       std::string(json::kind_name(value.kind())));
    }

    const Value& object_;
    std::string path_;
};

Result<Value> parse_object(std::string_view body) {
    auto parsed = json::parse(body);
    if (!parsed) return parsed.error();
    if (parsed->kind() != Value::Kind::kObject) {
        return invalid("the body must be a JSON object, not " +
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

}  // namespace

Result<NewProduct> parse_new_product(std::string_view body) {
    auto parsed = parse_object(body);
    if (!parsed) return parsed.error();
    ObjectReader in(parsed.value(), "");
    if (auto s = in.only({"sku", "name", "on_hand", "reorder_point", "reorder_qty", "factory_id",
                          "order_up_to", "min_order_qty", "pack_size", "ad_id"});
        !s) {
        return s.error();
    }
    NewProduct r;
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
            return invalid("'" + std::string(forbidden) +
                           "' cannot be changed with PATCH; stock changes go through "
                           "receipts, adjustments and checkouts");
        }
    }
    if (auto s = in.only({"name", "reorder_point", "reorder_qty", "order_up_to", "min_order_qty",
                          "pack_size", "factory_id", "ad_id"});
        !s) {
        return s.error();
    }
    ProductPatch p;
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

Result<CheckoutRequest> parse_checkout(std::string_view body) {
    auto parsed = parse_object(body);
    if (!parsed) return parsed.error();
    ObjectReader in(parsed.value(), "");
    if (auto s = in.only({"order_id", "lines"}); !s) return s.error();
    CheckoutRequest r;
    RESTOCK_ASSIGN(r.order_id, in.string("order_id"));
    const std::vector<Value>* lines = nullptr;
    RESTOCK_ASSIGN(lines, in.array("lines"));
    r.lines.reserve(lines->size());
    for (std::size_t i = 0; i < lines->size(); ++i) {
        const std::string path = "lines[" + std::to_string(i) + "]";
        const Value& item = (*lines)[i];
        if (item.kind() != Value::Kind::kObject) return invalid("'" + path + "' must be an object");
        ObjectReader line(item, path);
        if (auto s = line.only({"sku", "qty"}); !s) return s.error();
        CheckoutLine out;
        RESTOCK_ASSIGN(out.sku, line.string("sku"));
        RESTOCK_ASSIGN(out.qty, line.integer("qty"));
        r.lines.push_back(std::move(out));
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

}  // namespace restock::http
