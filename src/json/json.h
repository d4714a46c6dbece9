// A small, strict JSON reader and a streaming writer. Strict means: RFC 8259 only, valid UTF-8,
// no duplicate object keys, integers within int64, bounded nesting. No I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace restock::json {

class Value {
  public:
    enum class Kind { kNull, kBool, kInteger, kNumber, kString, kArray, kObject };
    using Member = std::pair<std::string, Value>;

    Kind kind() const { return kind_; }
    bool is_null() const { return kind_ == Kind::kNull; }

    // REQUIRES: the matching kind.
    bool as_bool() const { return bool_; }
    int64_t as_integer() const { return integer_; }
    double as_number() const { return number_; }
    const std::string& as_string() const { return string_; }
    const std::vector<Value>& as_array() const { return array_; }
    const std::vector<Member>& as_object() const { return object_; }

    // Object member by key, or nullptr. REQUIRES: kind() == kObject.
    const Value* find(std::string_view key) const;

    static Value null() { return Value(); }
    static Value boolean(bool b);
    static Value integer(int64_t i);
    static Value number(double d);
    static Value string(std::string s);
    static Value array(std::vector<Value> items);
    static Value object(std::vector<Member> members);

  private:
    Kind kind_ = Kind::kNull;
    bool bool_ = false;
    int64_t integer_ = 0;
    double number_ = 0;
    std::string string_;
    std::vector<Value> array_;
    std::vector<Member> object_;
};

std::string_view kind_name(Value::Kind kind);

inline constexpr int kMaxDepth = 32;

// Parses one JSON document. Errors are kInvalidArgument with slug "invalid-json" and a message
// naming the byte offset.
Result<Value> parse(std::string_view text);

// Appends JSON to a string. The caller balances begin/end; keys and values alternate in objects.
class Writer {
  public:
    explicit Writer(std::string& out) : out_(out) {}

    Writer& begin_object();
    Writer& end_object();
    Writer& begin_array();
    Writer& end_array();
    Writer& key(std::string_view name);
    Writer& value(std::string_view text);
    Writer& value(const char* text) { return value(std::string_view(text)); }
    Writer& value(int64_t number);
    Writer& value(int number) { return value(static_cast<int64_t>(number)); }
    Writer& value(bool flag);
    Writer& null();
    // Writes pre-serialised JSON as a value. REQUIRES: raw is valid JSON.
    Writer& raw(std::string_view raw);

  private:
    void separate();
    std::string& out_;
    bool need_comma_ = false;
};

// Writes a parsed value back as JSON: members in their order (`sort_keys`: by key, bytewise),
// no insignificant whitespace.
void write_value(Writer& w, const Value& value, bool sort_keys = false);
// The canonical form of a value: keys sorted, no whitespace, strings escaped one way only. Two
// documents that mean the same (key order, spacing, escapes such as \u0041 for A) have the
// same canonical form.
std::string canonical(const Value& value);

// Appends text as a JSON string literal, quotes included.
void append_quoted(std::string& out, std::string_view text);

// True if text is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view text);

}  // namespace restock::json
