// Recursive-descent JSON parser. Depth is bounded by kMaxDepth so hostile input cannot exhaust
// the stack; every error names the byte offset where it was found.
#include <charconv>
#include <cstdlib>
#include <set>

#include "core/utf8.h"
#include "json/json.h"

namespace restock::json {
namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 if it is not well-formed.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
    uint32_t code = 0;
    return decode_utf8(s, i, code);
}

void append_utf8(std::string& out, uint32_t code) {
    if (code < 0x80) {
        out.push_back(static_cast<char>(code));
    } else if (code < 0x800) {
        out.push_back(static_cast<char>(0xc0 | (code >> 6)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
    } else if (code < 0x10000) {
        out.push_back(static_cast<char>(0xe0 | (code >> 12)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
    } else {
        out.push_back(static_cast<char>(0xf0 | (code >> 18)));
        out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
    }
}

class Parser {
  public:
    explicit Parser(std::string_view text) : text_(text) {}

    Result<Value> parse_document() {
        skip_space();
        Value root;
        if (!parse_value(root, 0)) return error();
        skip_space();
        if (pos_ != text_.size()) {
            fail("unexpected content after the JSON value");
            return error();
        }
        return root;
    }

  private:
    Error error() const {
        return make_error(ErrorCode::kInvalidArgument, "invalid-json",
                          "malformed JSON at byte " + std::to_string(error_pos_) + ": " + reason_);
    }

    bool fail(std::string reason) {
        if (reason_.empty()) {
            reason_ = std::move(reason);
            error_pos_ = pos_;
        }
        return false;
    }

    void skip_space() {
        while (pos_ < text_.size()) {
            char c = text_[pos_];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
            ++pos_;
        }
    }

    bool at_end() const { return pos_ >= text_.size(); }

    bool consume_literal(std::string_view literal) {
        if (text_.substr(pos_, literal.size()) != literal) return fail("invalid literal");
        pos_ += literal.size();
        return true;
    }

    bool parse_value(Value& out, int depth) {
        if (at_end()) return fail("unexpected end of input");
        switch (text_[pos_]) {
            case '{':
                return parse_object(out, depth + 1);
            case '[':
                return parse_array(out, depth + 1);
            case '"': {
                std::string s;
                if (!parse_string(s)) return false;
                out = Value::string(std::move(s));
                return true;
            }
            case 't':
                out = Value::boolean(true);
                return consume_literal("true");
            case 'f':
                out = Value::boolean(false);
                return consume_literal("false");
            case 'n':
                out = Value::null();
                return consume_literal("null");
            default:
                return parse_number(out);
        }
    }

    bool parse_object(Value& out, int depth) {
        if (depth > kMaxDepth) return fail("nesting deeper than 32 levels");
        ++pos_;  // '{'
        std::vector<Value::Member> members;
        std::set<std::string, std::less<>> keys;  // only for large objects (see is_duplicate)
        skip_space();
        if (!at_end() && text_[pos_] == '}') {
            ++pos_;
            out = Value::object(std::move(members));
            return true;
        }
        while (true) {
            skip_space();
            if (at_end() || text_[pos_] != '"') return fail("expected a string key");
            std::string key;
            const std::size_t key_pos = pos_;
            if (!parse_string(key)) return false;
            if (is_duplicate(members, keys, key)) {
                pos_ = key_pos;
                return fail("duplicate key \"" + key + "\"");
            }
            skip_space();
            if (at_end() || text_[pos_] != ':') return fail("expected ':' after a key");
            ++pos_;
            skip_space();
            Value member;
            if (!parse_value(member, depth)) return false;
            members.emplace_back(std::move(key), std::move(member));
            skip_space();
            if (at_end()) return fail("unexpected end of input in an object");
            if (text_[pos_] == ',') {
                ++pos_;
                continue;
            }
            if (text_[pos_] == '}') {
                ++pos_;
                out = Value::object(std::move(members));
                return true;
            }
            return fail("expected ',' or '}' in an object");
        }
    }

    bool parse_array(Value& out, int depth) {
        if (depth > kMaxDepth) return fail("nesting deeper than 32 levels");
        ++pos_;  // '['
        std::vector<Value> items;
        skip_space();
        if (!at_end() && text_[pos_] == ']') {
            ++pos_;
            out = Value::array(std::move(items));
            return true;
        }
        while (true) {
            skip_space();
            Value item;
            if (!parse_value(item, depth)) return false;
            items.push_back(std::move(item));
            skip_space();
            if (at_end()) return fail("unexpected end of input in an array");
            if (text_[pos_] == ',') {
                ++pos_;
                continue;
            }
            if (text_[pos_] == ']') {
                ++pos_;
                out = Value::array(std::move(items));
                return true;
            }
            return fail("expected ',' or ']' in an array");
        }
    }

    bool parse_hex4(uint32_t& code) {
        if (pos_ + 4 > text_.size()) return fail("truncated \\u escape");
        code = 0;
        for (int k = 0; k < 4; ++k) {
            char c = text_[pos_++];
            code <<= 4;
            if (c >= '0' && c <= '9') {
                code |= static_cast<uint32_t>(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                code |= static_cast<uint32_t>(c - 'a' + 10);
            } else if (c >= 'A' && c <= 'F') {
                code |= static_cast<uint32_t>(c - 'A' + 10);
            } else {
                return fail("invalid \\u escape");
            }
        }
        return true;
    }

    bool parse_escape(std::string& out) {
        if (at_end()) return fail("unexpected end of input in an escape");
        char c = text_[pos_++];
        switch (c) {
            case '"':
                out.push_back('"');
                return true;
            case '\\':
                out.push_back('\\');
                return true;
            case '/':
                out.push_back('/');
                return true;
            case 'b':
                out.push_back('\b');
                return true;
            case 'f':
                out.push_back('\f');
                return true;
            case 'n':
                out.push_back('\n');
                return true;
            case 'r':
                out.push_back('\r');
                return true;
            case 't':
                out.push_back('\t');
                return true;
            case 'u':
                break;
            default:
                return fail("invalid escape character");
        }
        uint32_t code = 0;
        if (!parse_hex4(code)) return false;
        if (code >= 0xdc00 && code <= 0xdfff) return fail("lone low surrogate in \\u escape");
        if (code >= 0xd800 && code <= 0xdbff) {
            if (text_.substr(pos_, 2) != "\\u") return fail("lone high surrogate in \\u escape");
            pos_ += 2;
            uint32_t low = 0;
            if (!parse_hex4(low)) return false;
            if (low < 0xdc00 || low > 0xdfff) return fail("invalid surrogate pair");
            code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        }
        append_utf8(out, code);
        return true;
    }

    bool parse_string(std::string& out) {
        ++pos_;  // opening quote
        while (true) {
            if (at_end()) return fail("unterminated string");
            const unsigned char c = static_cast<unsigned char>(text_[pos_]);
            if (c == '"') {
                ++pos_;
                return true;
            }
            if (c == '\\') {
                ++pos_;
                if (!parse_escape(out)) return false;
                continue;
            }
            if (c < 0x20) return fail("control character in a string");
            const std::size_t length = utf8_sequence_length(text_, pos_);
            if (length == 0) return fail("invalid UTF-8 in a string");
            out.append(text_.substr(pos_, length));
            pos_ += length;
        }
    }

    bool parse_number(Value& out) {
        const std::size_t start = pos_;
        bool fractional = false;
        if (!at_end() && text_[pos_] == '-') ++pos_;
        if (at_end() || !is_digit(text_[pos_])) return fail("invalid value");
        if (text_[pos_] == '0') {
            ++pos_;
            if (!at_end() && is_digit(text_[pos_])) return fail("leading zero in a number");
        } else {
            while (!at_end() && is_digit(text_[pos_])) ++pos_;
        }
        if (!at_end() && text_[pos_] == '.') {
            fractional = true;
            ++pos_;
            if (at_end() || !is_digit(text_[pos_])) return fail("digit expected after '.'");
            while (!at_end() && is_digit(text_[pos_])) ++pos_;
        }
        if (!at_end() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
            fractional = true;
            ++pos_;
            if (!at_end() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
            if (at_end() || !is_digit(text_[pos_])) return fail("digit expected in exponent");
            while (!at_end() && is_digit(text_[pos_])) ++pos_;
        }
        const std::string_view literal = text_.substr(start, pos_ - start);
        if (!fractional) {
            int64_t value = 0;
            auto [end, ec] =
                std::from_chars(literal.data(), literal.data() + literal.size(), value);
            if (ec == std::errc() && end == literal.data() + literal.size()) {
                out = Value::integer(value);
                return true;
            }
            // Too large for int64: keep it as a number so the mapping can say "out of range".
        }
        out = Value::number(std::strtod(std::string(literal).c_str(), nullptr));
        return true;
    }

    static bool is_digit(char c) { return c >= '0' && c <= '9'; }

    // Small objects (every request body we accept) are checked by a scan, without allocating;
    // large ones through a set, so a hostile body with thousands of keys stays linear.
    static bool is_duplicate(const std::vector<Value::Member>& members,
                             std::set<std::string, std::less<>>& keys, const std::string& key) {
        constexpr std::size_t kScanLimit = 16;
        if (members.size() < kScanLimit) {
            for (const auto& member : members) {
                if (member.first == key) return true;
            }
            return false;
        }
        if (keys.empty()) {
            for (const auto& member : members) keys.insert(member.first);
        }
        return !keys.insert(key).second;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t error_pos_ = 0;
    std::string reason_;
};

}  // namespace

Result<Value> parse(std::string_view text) { return Parser(text).parse_document(); }

bool is_valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t length = utf8_sequence_length(text, i);
        if (length == 0) return false;
        i += length;
    }
    return true;
}

}  // namespace restock::json
