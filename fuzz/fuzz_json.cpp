// json::parse on arbitrary bytes. Properties:
//   - a refusal is kInvalidArgument "invalid-json" naming a byte offset inside the input;
//   - an accepted document, written back with json::Writer, is valid UTF-8, parses again, and
//     means the same (numbers compare by value: -0.0 may come back as the integer 0);
//   - writing is a fixed point after one round.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "json/json.h"

namespace {

using restock::json::Value;

[[noreturn]] void fail(const char* what, std::string_view detail) {
    std::fprintf(stderr, "fuzz_json: %s: %.*s\n", what, static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
}

std::string number_text(double number) {
    // Writer has no double overload; JSON has no infinity, but 1e999 parses back to one.
    if (std::isinf(number)) return number > 0 ? "1e999" : "-1e999";
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%.17g", number);  // round-trips every double
    return buffer;
}

void write(restock::json::Writer& w, const Value& v) {
    switch (v.kind()) {
        case Value::Kind::kNull:
            w.null();
            return;
        case Value::Kind::kBool:
            w.value(v.as_bool());
            return;
        case Value::Kind::kInteger:
            w.value(v.as_integer());
            return;
        case Value::Kind::kNumber:
            w.raw(number_text(v.as_number()));
            return;
        case Value::Kind::kString:
            w.value(std::string_view(v.as_string()));
            return;
        case Value::Kind::kArray:
            w.begin_array();
            for (const auto& item : v.as_array()) write(w, item);
            w.end_array();
            return;
        case Value::Kind::kObject:
            w.begin_object();
            for (const auto& [key, member] : v.as_object()) {
                w.key(key);
                write(w, member);
            }
            w.end_object();
            return;
    }
}

std::string serialise(const Value& v) {
    std::string out;
    restock::json::Writer w(out);
    write(w, v);
    return out;
}

bool is_numeric(const Value& v) {
    return v.kind() == Value::Kind::kInteger || v.kind() == Value::Kind::kNumber;
}

double numeric(const Value& v) {
    return v.kind() == Value::Kind::kInteger ? static_cast<double>(v.as_integer()) : v.as_number();
}

bool same(const Value& a, const Value& b) {
    if (is_numeric(a) && is_numeric(b)) {
        if (a.kind() == Value::Kind::kInteger && b.kind() == Value::Kind::kInteger) {
            return a.as_integer() == b.as_integer();
        }
        return numeric(a) == numeric(b);
    }
    if (a.kind() != b.kind()) return false;
    switch (a.kind()) {
        case Value::Kind::kNull:
            return true;
        case Value::Kind::kBool:
            return a.as_bool() == b.as_bool();
        case Value::Kind::kString:
            return a.as_string() == b.as_string();
        case Value::Kind::kArray: {
            const auto& x = a.as_array();
            const auto& y = b.as_array();
            if (x.size() != y.size()) return false;
            for (std::size_t i = 0; i < x.size(); ++i) {
                if (!same(x[i], y[i])) return false;
            }
            return true;
        }
        case Value::Kind::kObject: {
            const auto& x = a.as_object();
            const auto& y = b.as_object();
            if (x.size() != y.size()) return false;
            for (std::size_t i = 0; i < x.size(); ++i) {
                if (x[i].first != y[i].first || !same(x[i].second, y[i].second)) return false;
            }
            return true;
        }
        default:
            return false;
    }
}

void check_refusal(const restock::Error& error, std::size_t size) {
    if (error.code != restock::ErrorCode::kInvalidArgument || error.slug != "invalid-json") {
        fail("unexpected error kind", error.message);
    }
    constexpr std::string_view kPrefix = "malformed JSON at byte ";
    if (error.message.rfind(kPrefix, 0) != 0) fail("message without offset", error.message);
    const std::size_t offset = std::strtoull(error.message.c_str() + kPrefix.size(), nullptr, 10);
    if (offset > size) fail("offset beyond the input", error.message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = restock::json::parse(text);
    if (!parsed.ok()) {
        check_refusal(parsed.error(), size);
        return 0;
    }
    const std::string once = serialise(parsed.value());
    if (!restock::json::is_valid_utf8(once)) fail("writer produced invalid UTF-8", once);
    auto again = restock::json::parse(once);
    if (!again.ok()) fail("written JSON does not parse", again.error().message + "\n" + once);
    if (!same(parsed.value(), again.value())) fail("round trip changed the value", once);
    const std::string twice = serialise(again.value());
    auto third = restock::json::parse(twice);
    if (!third.ok()) fail("rewritten JSON does not parse", twice);
    if (serialise(third.value()) != twice) fail("writing is not a fixed point", twice);
    return 0;
}
