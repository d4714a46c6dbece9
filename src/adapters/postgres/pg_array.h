// ArrayText: a PostgreSQL array literal in text format ('{1,2,NULL}', '{"a","b\"c"}'), so that
// one prepared statement with unnest($1::bigint[], $2::text[], ...) writes a whole column of a
// batch: one statement per table per group commit, whatever the batch size.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace restock::pg {

class ArrayText {
  public:
    ArrayText() : text_("{") {}

    ArrayText& add(int64_t value) {
        separate();
        text_ += std::to_string(value);
        return *this;
    }
    ArrayText& add(std::string_view value) {
        separate();
        text_ += '"';
        for (char c : value) {
            if (c == '"' || c == '\\') text_ += '\\';
            // PostgreSQL text cannot hold NUL. The engine's validation keeps it out of every
            // field; should one slip through, it is stored as U+FFFD rather than failing the
            // whole group commit (and every other request in it).
            if (c == '\0') {
                text_ += "\xEF\xBF\xBD";
                continue;
            }
            text_ += c;
        }
        text_ += '"';
        return *this;
    }
    ArrayText& add(const std::string& value) { return add(std::string_view(value)); }
    ArrayText& add(const char* value) { return add(std::string_view(value)); }
    ArrayText& add(const std::optional<int64_t>& value) { return value ? add(*value) : add_null(); }
    ArrayText& add(const std::optional<std::string>& value) {
        return value ? add(std::string_view(*value)) : add_null();
    }
    ArrayText& add_null() {
        separate();
        text_ += "NULL";
        return *this;
    }

    // The literal, closed. The builder is spent afterwards.
    std::string take() {
        text_ += '}';
        return std::move(text_);
    }

  private:
    void separate() {
        if (text_.size() > 1) text_ += ',';
    }
    std::string text_;
};

}  // namespace restock::pg
