#include "json/json.h"

namespace restock::json {

const Value* Value::find(std::string_view key) const {
    for (const auto& member : object_) {
        if (member.first == key) return &member.second;
    }
    return nullptr;
}

Value Value::boolean(bool b) {
    Value v;
    v.kind_ = Kind::kBool;
    v.bool_ = b;
    return v;
}

Value Value::integer(int64_t i) {
    Value v;
    v.kind_ = Kind::kInteger;
    v.integer_ = i;
    return v;
}

Value Value::number(double d) {
    Value v;
    v.kind_ = Kind::kNumber;
    v.number_ = d;
    return v;
}

Value Value::string(std::string s) {
    Value v;
    v.kind_ = Kind::kString;
    v.string_ = std::move(s);
    return v;
}

Value Value::array(std::vector<Value> items) {
    Value v;
    v.kind_ = Kind::kArray;
    v.array_ = std::move(items);
    return v;
}

Value Value::object(std::vector<Member> members) {
    Value v;
    v.kind_ = Kind::kObject;
    v.object_ = std::move(members);
    return v;
}

std::string_view kind_name(Value::Kind kind) {
    switch (kind) {
        case Value::Kind::kNull:
            return "null";
        case Value::Kind::kBool:
            return "a boolean";
        case Value::Kind::kInteger:
            return "an integer";
        case Value::Kind::kNumber:
            return "a fractional number";
        case Value::Kind::kString:
            return "a string";
        case Value::Kind::kArray:
            return "an array";
        case Value::Kind::kObject:
            return "an object";
    }
    return "a value";
}

}  // namespace restock::json
