#include "core/utf8.h"
#include "json/json.h"

namespace restock::json {

void append_quoted(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {
            // JSON text is UTF-8: a byte that starts no well-formed sequence (a percent-decoded
            // path echoed in an error, say) is written as U+FFFD, never raw.
            uint32_t code = 0;
            const std::size_t length = decode_utf8(text, i, code);
            if (length == 0) {
                out += "\\ufffd";
                i += 1;
            } else {
                out.append(text.substr(i, length));
                i += length;
            }
            continue;
        }
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    out += "\\u00";
                    out.push_back(kHex[c >> 4]);
                    out.push_back(kHex[c & 0xf]);
                } else {
                    out.push_back(static_cast<char>(c));
                }
        }
        i += 1;
    }
    out.push_back('"');
}

void Writer::separate() {
    if (need_comma_) out_.push_back(',');
    need_comma_ = true;
}

Writer& Writer::begin_object() {
    separate();
    out_.push_back('{');
    need_comma_ = false;
    return *this;
}

Writer& Writer::end_object() {
    out_.push_back('}');
    need_comma_ = true;
    return *this;
}

Writer& Writer::begin_array() {
    separate();
    out_.push_back('[');
    need_comma_ = false;
    return *this;
}

Writer& Writer::end_array() {
    out_.push_back(']');
    need_comma_ = true;
    return *this;
}

Writer& Writer::key(std::string_view name) {
    separate();
    append_quoted(out_, name);
    out_.push_back(':');
    need_comma_ = false;
    return *this;
}

Writer& Writer::value(std::string_view text) {
    separate();
    append_quoted(out_, text);
    return *this;
}

Writer& Writer::value(int64_t number) {
    separate();
    out_ += std::to_string(number);
    return *this;
}

Writer& Writer::value(bool flag) {
    separate();
    out_ += flag ? "true" : "false";
    return *this;
}

Writer& Writer::null() {
    separate();
    out_ += "null";
    return *this;
}

Writer& Writer::raw(std::string_view raw) {
    separate();
    out_ += raw;
    return *this;
}

}  // namespace restock::json
