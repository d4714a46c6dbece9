#include <algorithm>
#include <cstdio>

#include "json/json.h"

namespace restock::json {

void write_value(Writer& w, const Value& value, bool sort_keys) {
    switch (value.kind()) {
        case Value::Kind::kNull:
            w.null();
            return;
        case Value::Kind::kBool:
            w.value(value.as_bool());
            return;
        case Value::Kind::kInteger:
            w.value(value.as_integer());
            return;
        case Value::Kind::kNumber: {
            char text[32];
            std::snprintf(text, sizeof text, "%.17g", value.as_number());
            w.raw(text);
            return;
        }
        case Value::Kind::kString:
            w.value(value.as_string());
            return;
        case Value::Kind::kArray:
            w.begin_array();
            for (const Value& item : value.as_array()) write_value(w, item, sort_keys);
            w.end_array();
            return;
        case Value::Kind::kObject: {
            std::vector<const Value::Member*> members;
            for (const auto& member : value.as_object()) members.push_back(&member);
            if (sort_keys) {
                std::sort(members.begin(), members.end(),
                          [](const auto* a, const auto* b) { return a->first < b->first; });
            }
            w.begin_object();
            for (const auto* member : members) {
                w.key(member->first);
                write_value(w, member->second, sort_keys);
            }
            w.end_object();
            return;
        }
    }
}

std::string canonical(const Value& value) {
    std::string out;
    Writer w(out);
    write_value(w, value, /*sort_keys=*/true);
    return out;
}

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
