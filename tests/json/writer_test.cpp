// json::Writer and append_quoted: exact output, and every string survives write -> parse.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "json/json.h"

namespace restock::json {
namespace {

std::string json_quoted(std::string_view text) {
    std::string out;
    append_quoted(out, text);
    return out;
}

// Writes `text` as a JSON string and parses it back.
std::string round_trip(std::string_view text) {
    auto parsed = parse(json_quoted(text));
    EXPECT_TRUE(parsed.ok()) << json_quoted(text) << ": " << parsed.error().message;
    if (!parsed.ok()) return {};
    EXPECT_EQ(parsed->kind(), Value::Kind::kString);
    return parsed->as_string();
}

TEST(AppendQuotedTest, ShortEscapes) {
    EXPECT_EQ(json_quoted("plain"), "\"plain\"");
    EXPECT_EQ(json_quoted(""), "\"\"");
    EXPECT_EQ(json_quoted("a\"b"), R"("a\"b")");
    EXPECT_EQ(json_quoted("a\\b"), R"("a\\b")");
    EXPECT_EQ(json_quoted("\n\r\t"), R"("\n\r\t")");
    EXPECT_EQ(json_quoted("a/b"), "\"a/b\"");  // '/' needs no escape
}

TEST(AppendQuotedTest, ControlCharactersAsUnicodeEscapes) {
    EXPECT_EQ(json_quoted(std::string(1, '\0')), R"("\u0000")");
    EXPECT_EQ(json_quoted("\x01"), R"("\u0001")");
    EXPECT_EQ(json_quoted("\b\f"), R"("\u0008\u000c")");
    EXPECT_EQ(json_quoted("\x1f"), R"("\u001f")");
    EXPECT_EQ(json_quoted("\x7f"), R"("\u007f")");
}

TEST(AppendQuotedTest, Utf8PassesThrough) {
    EXPECT_EQ(json_quoted("caf\xc3\xa9 \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
}

// Invalid UTF-8 (say a percent-decoded path echoed in an error) never reaches the JSON text:
// each byte that starts no well-formed sequence becomes U+FFFD, and the result parses.
TEST(AppendQuotedTest, InvalidUtf8BecomesReplacementCharacters) {
    EXPECT_EQ(json_quoted("\xff"), R"("\ufffd")");
    EXPECT_EQ(json_quoted("a\xc3(b"), R"("a\ufffd(b")");                // a cut-off sequence
    EXPECT_EQ(json_quoted("\xc0\xaf"), R"("\ufffd\ufffd")");            // overlong '/'
    EXPECT_EQ(json_quoted("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");  // a surrogate
    EXPECT_EQ(json_quoted("\xf0\x9f\x98"), R"("\ufffd\ufffd\ufffd")");  // truncated at the end
    EXPECT_EQ(json_quoted("\xc3\xa9\xff\xc3\xa9"), "\"\xc3\xa9\\ufffd\xc3\xa9\"");
    for (int c = 0x80; c < 0x100; ++c) {
        const std::string one(1, static_cast<char>(c));
        EXPECT_EQ(round_trip(one), "\xef\xbf\xbd") << c;  // U+FFFD
    }
}

TEST(AppendQuotedTest, EveryAsciiByteRoundTrips) {
    std::string all;
    for (int c = 0; c < 0x80; ++c) all.push_back(static_cast<char>(c));
    EXPECT_EQ(round_trip(all), all);
    for (int c = 0; c < 0x80; ++c) {
        const std::string one(1, static_cast<char>(c));
        EXPECT_EQ(round_trip(one), one) << c;
    }
}

TEST(AppendQuotedTest, UnicodeRoundTrips) {
    // A sample of code points across every UTF-8 length, incl. the edges around surrogates.
    std::string text;
    for (uint32_t cp : {0x80u, 0x7ffu, 0x800u, 0xd7ffu, 0xe000u, 0xfffdu, 0xffffu, 0x10000u,
                        0x1f600u, 0x10ffffu}) {
        std::string utf8;
        if (cp < 0x800) {
            utf8 = {static_cast<char>(0xc0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3f))};
        } else if (cp < 0x10000) {
            utf8 = {static_cast<char>(0xe0 | (cp >> 12)),
                    static_cast<char>(0x80 | ((cp >> 6) & 0x3f)),
                    static_cast<char>(0x80 | (cp & 0x3f))};
        } else {
            utf8 = {static_cast<char>(0xf0 | (cp >> 18)),
                    static_cast<char>(0x80 | ((cp >> 12) & 0x3f)),
                    static_cast<char>(0x80 | ((cp >> 6) & 0x3f)),
                    static_cast<char>(0x80 | (cp & 0x3f))};
        }
        EXPECT_EQ(round_trip(utf8), utf8) << cp;
        text += utf8;
    }
    EXPECT_EQ(round_trip(text), text);
}

TEST(AppendQuotedTest, ParsedEscapesRoundTrip) {
    auto parsed = parse(R"("\u0000\u001f\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00")");
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(round_trip(parsed->as_string()), parsed->as_string());
}

TEST(WriterTest, ObjectsArraysAndCommas) {
    std::string out;
    Writer w(out);
    w.begin_object()
        .key("s")
        .value("x")
        .key("n")
        .value(int64_t{-5})
        .key("i")
        .value(7)
        .key("t")
        .value(true)
        .key("f")
        .value(false)
        .key("z")
        .null()
        .key("a")
        .begin_array()
        .value(1)
        .begin_object()
        .end_object()
        .begin_array()
        .end_array()
        .value("y")
        .end_array()
        .key("r")
        .raw("{\"k\":[1,2]}")
        .end_object();
    EXPECT_EQ(out, R"({"s":"x","n":-5,"i":7,"t":true,"f":false,"z":null,"a":[1,{},[],"y"],)"
                   R"("r":{"k":[1,2]}})");
    EXPECT_TRUE(parse(out).ok());
}

TEST(WriterTest, CharPointerIsAStringNotABool) {
    std::string out;
    Writer(out).value("text");
    EXPECT_EQ(out, "\"text\"");
}

TEST(WriterTest, Int64Extremes) {
    std::string out;
    Writer w(out);
    w.begin_array()
        .value(std::numeric_limits<int64_t>::min())
        .value(std::numeric_limits<int64_t>::max())
        .end_array();
    EXPECT_EQ(out, "[-9223372036854775808,9223372036854775807]");
    auto parsed = parse(out);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->as_array()[0].as_integer(), std::numeric_limits<int64_t>::min());
    EXPECT_EQ(parsed->as_array()[1].as_integer(), std::numeric_limits<int64_t>::max());
}

TEST(WriterTest, KeysAreEscaped) {
    std::string out;
    Writer(out).begin_object().key("a\"b\n").value(1).end_object();
    EXPECT_EQ(out, R"({"a\"b\n":1})");
    auto parsed = parse(out);
    ASSERT_TRUE(parsed.ok());
    ASSERT_NE(parsed->find("a\"b\n"), nullptr);
}

TEST(WriterTest, AppendsToExistingText) {
    std::string out = "prefix:";
    Writer(out).begin_array().value(1).end_array();
    EXPECT_EQ(out, "prefix:[1]");
}

}  // namespace
}  // namespace restock::json

namespace restock::json {
namespace {

std::string canonical_of(std::string_view text) {
    auto parsed = parse(text);
    EXPECT_TRUE(parsed.ok()) << text;
    return parsed.ok() ? canonical(parsed.value()) : std::string();
}

TEST(CanonicalJsonTest, TheSameMeaningHasOneForm) {
    EXPECT_EQ(canonical_of(R"({"b":1,"a":[true,null,"x"]})"), R"({"a":[true,null,"x"],"b":1})");
    EXPECT_EQ(canonical_of(" { \"a\" : \"\\u0041\\/\" } \n"), R"({"a":"A/"})");
    EXPECT_EQ(canonical_of(R"({"n":{"z":0,"y":-5}})"), R"({"n":{"y":-5,"z":0}})");
    EXPECT_NE(canonical_of(R"({"a":1})"), canonical_of(R"({"a":"1"})"));
    EXPECT_NE(canonical_of(R"([1,2])"), canonical_of(R"([2,1])"));  // arrays keep their order
}

TEST(CanonicalJsonTest, WriteValueKeepsMemberOrder) {
    auto parsed = parse(R"({"b":1,"a":2.5})");
    ASSERT_TRUE(parsed.ok());
    std::string out;
    Writer w(out);
    write_value(w, parsed.value());
    EXPECT_EQ(out, R"({"b":1,"a":2.5})");
}

}  // namespace
}  // namespace restock::json
