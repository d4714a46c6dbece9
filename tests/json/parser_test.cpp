// json::parse: RFC 8259 documents in, every kind of malformed input refused with its byte offset.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "json/json.h"

namespace restock::json {
namespace {

Value parse_ok(std::string_view text) {
    auto parsed = parse(text);
    EXPECT_TRUE(parsed.ok()) << "for " << text << ": " << parsed.error().message;
    return parsed.ok() ? parsed.value() : Value();
}

// Asserts that `text` is refused, and that the message says `words` (if given).
void expect_rejected(std::string_view text, std::string_view words = {}) {
    auto parsed = parse(text);
    ASSERT_FALSE(parsed.ok()) << "accepted: " << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(parsed.error().slug, "invalid-json");
    EXPECT_NE(parsed.error().message.find(words), std::string::npos)
        << "for " << text << ": " << parsed.error().message;
}

std::string nested(int depth, char open, char close) {
    return std::string(static_cast<std::size_t>(depth), open) +
           std::string(static_cast<std::size_t>(depth), close);
}

std::string nested_objects(int depth) {
    std::string text;
    for (int i = 0; i < depth - 1; ++i) text += "{\"a\":";
    text += "{}";
    for (int i = 0; i < depth - 1; ++i) text += "}";
    return text;
}

// --- valid documents ---------------------------------------------------------------------------

TEST(JsonParseTest, Scalars) {
    EXPECT_TRUE(parse_ok("null").is_null());
    EXPECT_EQ(parse_ok("true").as_bool(), true);
    EXPECT_EQ(parse_ok("false").as_bool(), false);
    EXPECT_EQ(parse_ok("\"hi\"").as_string(), "hi");
    EXPECT_EQ(parse_ok("0").as_integer(), 0);
    EXPECT_EQ(parse_ok("-0").as_integer(), 0);
    EXPECT_EQ(parse_ok("42").kind(), Value::Kind::kInteger);
    EXPECT_EQ(parse_ok("-17").as_integer(), -17);
}

TEST(JsonParseTest, WhitespaceAroundTheValue) {
    EXPECT_EQ(parse_ok(" \t\r\n 7 \n\t\r ").as_integer(), 7);
    EXPECT_EQ(parse_ok("[ 1 , 2 ]").as_array().size(), 2u);
    EXPECT_EQ(parse_ok("{ \"a\" : 1 }").find("a")->as_integer(), 1);
}

TEST(JsonParseTest, Fractions) {
    EXPECT_EQ(parse_ok("1.5").kind(), Value::Kind::kNumber);
    EXPECT_DOUBLE_EQ(parse_ok("1.5").as_number(), 1.5);
    EXPECT_DOUBLE_EQ(parse_ok("-0.25").as_number(), -0.25);
    EXPECT_DOUBLE_EQ(parse_ok("1e3").as_number(), 1000.0);
    EXPECT_DOUBLE_EQ(parse_ok("1E+3").as_number(), 1000.0);
    EXPECT_DOUBLE_EQ(parse_ok("25e-2").as_number(), 0.25);
    EXPECT_EQ(parse_ok("1.0").kind(), Value::Kind::kNumber);  // a fraction, even if whole
}

TEST(JsonParseTest, Int64Limits) {
    EXPECT_EQ(parse_ok("9223372036854775807").as_integer(), std::numeric_limits<int64_t>::max());
    EXPECT_EQ(parse_ok("-9223372036854775808").as_integer(), std::numeric_limits<int64_t>::min());
}

TEST(JsonParseTest, Int64OverflowBecomesANumber) {
    for (auto text : {"9223372036854775808", "-9223372036854775809", "100000000000000000000000"}) {
        const Value v = parse_ok(text);
        EXPECT_EQ(v.kind(), Value::Kind::kNumber) << text;
    }
    EXPECT_DOUBLE_EQ(parse_ok("9223372036854775808").as_number(), 9223372036854775808.0);
    EXPECT_LT(parse_ok("-9223372036854775809").as_number(), 0);
}

TEST(JsonParseTest, HugeExponentIsANumberNotAnError) {
    EXPECT_EQ(parse_ok("1e999").kind(), Value::Kind::kNumber);
}

TEST(JsonParseTest, ArraysAndObjects) {
    const Value v = parse_ok(R"({"a":[1,"two",null,true,{"b":[]}],"c":{},"d":-1.5})");
    ASSERT_EQ(v.kind(), Value::Kind::kObject);
    ASSERT_EQ(v.as_object().size(), 3u);
    EXPECT_EQ(v.as_object()[0].first, "a");  // member order is kept
    EXPECT_EQ(v.as_object()[1].first, "c");
    const auto& a = v.find("a")->as_array();
    ASSERT_EQ(a.size(), 5u);
    EXPECT_EQ(a[0].as_integer(), 1);
    EXPECT_EQ(a[1].as_string(), "two");
    EXPECT_TRUE(a[2].is_null());
    EXPECT_TRUE(a[3].as_bool());
    EXPECT_TRUE(a[4].find("b")->as_array().empty());
    EXPECT_TRUE(v.find("c")->as_object().empty());
    EXPECT_EQ(v.find("missing"), nullptr);
    EXPECT_TRUE(parse_ok("[]").as_array().empty());
    EXPECT_TRUE(parse_ok("{}").as_object().empty());
}

TEST(JsonParseTest, Escapes) {
    EXPECT_EQ(parse_ok(R"("\"\\\/\b\f\n\r\t")").as_string(), "\"\\/\b\f\n\r\t");
    EXPECT_EQ(parse_ok(R"("\u0041\u00e9\u20AC")").as_string(), "A\xc3\xa9\xe2\x82\xac");
    EXPECT_EQ(parse_ok(R"("\u0000")").as_string(), std::string(1, '\0'));
    EXPECT_EQ(parse_ok(R"("\ud83d\ude00")").as_string(), "\xf0\x9f\x98\x80");  // U+1F600
    EXPECT_EQ(parse_ok(R"("\uDBFF\uDFFF")").as_string(), "\xf4\x8f\xbf\xbf");  // U+10FFFF
}

TEST(JsonParseTest, RawUtf8) {
    EXPECT_EQ(parse_ok("\"caf\xc3\xa9\"").as_string(), "caf\xc3\xa9");
    EXPECT_EQ(parse_ok("\"\xe2\x82\xac\"").as_string(), "\xe2\x82\xac");
    EXPECT_EQ(parse_ok("\"\xf0\x9f\x98\x80\"").as_string(), "\xf0\x9f\x98\x80");
    EXPECT_EQ(parse_ok("\"\xf4\x8f\xbf\xbf\"").as_string(), "\xf4\x8f\xbf\xbf");  // U+10FFFF
    EXPECT_EQ(parse_ok("\"\xef\xbf\xbf\"").as_string(), "\xef\xbf\xbf");          // U+FFFF
    EXPECT_EQ(parse_ok("\"\x7f\"").as_string(), "\x7f");  // DEL is not a JSON control character
}

TEST(JsonParseTest, DepthUpToTheLimit) {
    EXPECT_TRUE(parse(nested(kMaxDepth, '[', ']')).ok());
    EXPECT_TRUE(parse(nested_objects(kMaxDepth)).ok());
    EXPECT_TRUE(parse("[" + nested_objects(kMaxDepth - 1) + "]").ok());
}

// --- rejections --------------------------------------------------------------------------------

TEST(JsonRejectTest, DepthBeyondTheLimit) {
    expect_rejected(nested(kMaxDepth + 1, '[', ']'), "nesting deeper than 32");
    expect_rejected(nested_objects(kMaxDepth + 1), "nesting deeper than 32");
    expect_rejected("[" + nested_objects(kMaxDepth) + "]", "nesting deeper than 32");
    // Far too deep must fail cleanly too (no stack exhaustion).
    expect_rejected(std::string(100000, '['), "nesting deeper");
}

TEST(JsonRejectTest, DuplicateKeys) {
    expect_rejected(R"({"a":1,"a":2})", "duplicate key \"a\"");
    expect_rejected(R"({"a":1,"b":{"c":1,"c":1}})", "duplicate key \"c\"");
    // Keys are compared after unescaping.
    expect_rejected(R"({"a":1,"\u0061":2})", "duplicate key");
    // The offset is that of the repeated key.
    auto parsed = parse(R"({"a":1,"a":2})");
    ASSERT_FALSE(parsed.ok());
    EXPECT_NE(parsed.error().message.find("at byte 7"), std::string::npos)
        << parsed.error().message;
}

TEST(JsonRejectTest, SameKeyInSiblingObjectsIsFine) {
    EXPECT_TRUE(parse(R"([{"a":1},{"a":2}])").ok());
    EXPECT_TRUE(parse(R"({"a":{"a":{"a":1}}})").ok());
}

TEST(JsonRejectTest, InvalidUtf8) {
    expect_rejected("\"\x80\"", "invalid UTF-8");              // lone continuation byte
    expect_rejected("\"\xc3\"", "invalid UTF-8");              // truncated 2-byte sequence
    expect_rejected("\"\xc3\x28\"", "invalid UTF-8");          // bad continuation
    expect_rejected("\"\xe2\x82\"", "invalid UTF-8");          // truncated 3-byte sequence
    expect_rejected("\"\xf0\x9f\x98\"", "invalid UTF-8");      // truncated 4-byte sequence
    expect_rejected("\"\xf5\x80\x80\x80\"", "invalid UTF-8");  // lead byte beyond U+10FFFF
    expect_rejected("\"\xf4\x90\x80\x80\"", "invalid UTF-8");  // U+110000
    expect_rejected("\"\xfe\"", "invalid UTF-8");
    expect_rejected("\"\xff\"", "invalid UTF-8");
    expect_rejected("\"abc\xe2\x82", "invalid UTF-8");  // truncated at the very end
}

TEST(JsonRejectTest, OverlongEncodings) {
    expect_rejected("\"\xc0\xaf\"", "invalid UTF-8");          // '/' in 2 bytes
    expect_rejected("\"\xc1\xbf\"", "invalid UTF-8");          // U+007F in 2 bytes
    expect_rejected("\"\xc0\x80\"", "invalid UTF-8");          // NUL in 2 bytes
    expect_rejected("\"\xe0\x80\xaf\"", "invalid UTF-8");      // '/' in 3 bytes
    expect_rejected("\"\xe0\x9f\xbf\"", "invalid UTF-8");      // U+07FF in 3 bytes
    expect_rejected("\"\xf0\x80\x80\xaf\"", "invalid UTF-8");  // '/' in 4 bytes
    expect_rejected("\"\xf0\x8f\xbf\xbf\"", "invalid UTF-8");  // U+FFFF in 4 bytes
    EXPECT_TRUE(parse("\"\xe0\xa0\x80\"").ok());               // U+0800: shortest form
    EXPECT_TRUE(parse("\"\xf0\x90\x80\x80\"").ok());           // U+10000: shortest form
}

TEST(JsonRejectTest, EncodedSurrogates) {
    expect_rejected("\"\xed\xa0\x80\"", "invalid UTF-8");              // U+D800
    expect_rejected("\"\xed\xbf\xbf\"", "invalid UTF-8");              // U+DFFF
    expect_rejected("\"\xed\xa0\xbd\xed\xb8\x80\"", "invalid UTF-8");  // CESU-8 pair
    EXPECT_TRUE(parse("\"\xed\x9f\xbf\"").ok());                       // U+D7FF
    EXPECT_TRUE(parse("\"\xee\x80\x80\"").ok());                       // U+E000
}

TEST(JsonRejectTest, LoneSurrogateEscapes) {
    expect_rejected(R"("\ud800")", "lone high surrogate");
    expect_rejected(R"("\uDBFF x")", "lone high surrogate");
    expect_rejected(R"("\ud800\n")", "lone high surrogate");
    expect_rejected(R"("\udc00")", "lone low surrogate");
    expect_rejected(R"("\uDFFF\ud800")", "lone low surrogate");
    expect_rejected(R"("\ud800\u0041")", "invalid surrogate pair");
    expect_rejected(R"("\ud800\ud800")", "invalid surrogate pair");
    expect_rejected(R"("\ud800\u12")", "");
}

TEST(JsonRejectTest, BadEscapes) {
    expect_rejected(R"("\x41")", "invalid escape");
    expect_rejected(R"("\'")", "invalid escape");
    expect_rejected(R"("\u00g1")", "invalid \\u escape");
    expect_rejected(R"("\u12)", "");
    expect_rejected("\"\\", "");
}

TEST(JsonRejectTest, ControlCharactersInStrings) {
    for (int c = 0; c < 0x20; ++c) {
        std::string text = "\"a";
        text.push_back(static_cast<char>(c));
        text += "b\"";
        expect_rejected(text, "control character");
    }
}

TEST(JsonRejectTest, LeadingZeros) {
    expect_rejected("01", "leading zero");
    expect_rejected("-01", "leading zero");
    expect_rejected("00", "leading zero");
    expect_rejected("[007]", "leading zero");
    expect_rejected("{\"qty\":0123}", "leading zero");
    EXPECT_TRUE(parse("0.01").ok());
    EXPECT_TRUE(parse("0e5").ok());
}

TEST(JsonRejectTest, MalformedNumbers) {
    for (auto text : {"-", "+1", ".5", "1.", "1.e3", "1e", "1e+", "-.5", "0x10", "1_000", "NaN",
                      "Infinity", "-Infinity", "--1", "1ee2"}) {
        expect_rejected(text);
    }
}

TEST(JsonRejectTest, TrailingGarbage) {
    expect_rejected("{} x", "unexpected content after the JSON value");
    expect_rejected("1 2", "unexpected content after");
    expect_rejected("[]]", "unexpected content after");
    expect_rejected("truex", "unexpected content after");
    expect_rejected("\"a\"\"b\"", "unexpected content after");
    expect_rejected(std::string("{}\0", 3), "unexpected content after");
    auto parsed = parse("{}  x");
    ASSERT_FALSE(parsed.ok());
    EXPECT_NE(parsed.error().message.find("at byte 4"), std::string::npos);
}

TEST(JsonRejectTest, Truncated) {
    for (auto text : {"", "   ", "[", "[1", "[1,", "{", "{\"a\"", "{\"a\":", "{\"a\":1",
                      "{\"a\":1,", "\"abc", "tru", "fals", "nul"}) {
        expect_rejected(text);
    }
}

TEST(JsonRejectTest, StructuralErrors) {
    expect_rejected("[1,]");
    expect_rejected("[,1]");
    expect_rejected("{\"a\":1,}", "expected a string key");
    expect_rejected("{a:1}", "expected a string key");
    expect_rejected("{'a':1}", "expected a string key");
    expect_rejected("{\"a\" 1}", "expected ':'");
    expect_rejected("{\"a\":1 \"b\":2}", "expected ',' or '}'");
    expect_rejected("[1 2]", "expected ',' or ']'");
    expect_rejected("{1:2}", "expected a string key");
    expect_rejected("True");
    expect_rejected("nulL");
    expect_rejected("\xef\xbb\xbf{}");  // a byte-order mark is not JSON
    expect_rejected("/* comment */ {}");
}

TEST(JsonRejectTest, MessageNamesTheByteOffset) {
    auto parsed = parse("[1, 2, x]");
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().message, "malformed JSON at byte 7: invalid value");
}

// --- is_valid_utf8 -----------------------------------------------------------------------------

TEST(IsValidUtf8Test, MatchesTheParser) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("plain ascii \x01\x7f"));
    EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));
    EXPECT_FALSE(is_valid_utf8("ok\xc3"));
    EXPECT_FALSE(is_valid_utf8("\x80"));
}

TEST(KindNameTest, NamesEveryKind) {
    EXPECT_EQ(kind_name(Value::Kind::kNull), "null");
    EXPECT_EQ(kind_name(Value::Kind::kBool), "a boolean");
    EXPECT_EQ(kind_name(Value::Kind::kInteger), "an integer");
    EXPECT_EQ(kind_name(Value::Kind::kNumber), "a fractional number");
    EXPECT_EQ(kind_name(Value::Kind::kString), "a string");
    EXPECT_EQ(kind_name(Value::Kind::kArray), "an array");
    EXPECT_EQ(kind_name(Value::Kind::kObject), "an object");
}

}  // namespace
}  // namespace restock::json
