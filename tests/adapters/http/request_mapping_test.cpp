// JSON bodies -> core requests: strict about fields and types, and every message names the field.
#include "adapters/http/request_mapping.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace restock::http {
namespace {

template <typename T>
Error expect_invalid(const Result<T>& result, std::string_view words,
                     std::string_view slug = "invalid-request") {
    if (result.ok()) {
        ADD_FAILURE() << "accepted; expected an error mentioning " << words;
        return Error{ErrorCode::kInternal, "", ""};
    }
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(result.error().slug, slug);
    EXPECT_NE(result.error().message.find(words), std::string::npos) << result.error().message;
    return result.error();
}

constexpr const char* kProduct =
    R"({"sku":"SKU-1","name":"Mug","on_hand":10,"reorder_point":3,"reorder_qty":20,)"
    R"("factory_id":"f-1"})";

std::string product_with(const std::string& extra_members) {
    std::string body = kProduct;
    body.pop_back();
    return body + "," + extra_members + "}";
}

// --- every body must be a JSON object ----------------------------------------------------------

TEST(RequestMappingTest, BodyMustBeAJsonObject) {
    expect_invalid(parse_new_product("[1]"), "must be a JSON object, not an array");
    expect_invalid(parse_checkout("\"x\""), "not a string");
    expect_invalid(parse_receipt("S", "null"), "not null");
    expect_invalid(parse_adjustment("S", "3"), "not an integer");
    expect_invalid(parse_product_patch("true"), "not a boolean");
}

TEST(RequestMappingTest, MalformedJsonIsInvalidJson) {
    expect_invalid(parse_new_product("{"), "malformed JSON at byte", "invalid-json");
    expect_invalid(parse_checkout(R"({"order_id":"a","order_id":"b","lines":[]})"), "duplicate key",
                   "invalid-json");
    expect_invalid(parse_receipt("S", ""), "unexpected end", "invalid-json");
}

// --- new products ------------------------------------------------------------------------------

TEST(ParseNewProductTest, RequiredFields) {
    auto parsed = parse_new_product(kProduct);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->sku, "SKU-1");
    EXPECT_EQ(parsed->name, "Mug");
    EXPECT_EQ(parsed->on_hand, 10);
    EXPECT_EQ(parsed->settings.reorder_point, 3);
    EXPECT_EQ(parsed->settings.reorder_qty, 20);
    EXPECT_EQ(parsed->settings.factory_id, "f-1");
    EXPECT_FALSE(parsed->settings.order_up_to);
    EXPECT_EQ(parsed->settings.min_order_qty, 1);
    EXPECT_EQ(parsed->settings.pack_size, 1);
    EXPECT_FALSE(parsed->settings.ad_id);
}

TEST(ParseNewProductTest, OptionalFields) {
    auto parsed = parse_new_product(
        product_with(R"("order_up_to":50,"min_order_qty":6,"pack_size":12,"ad_id":"ad-1")"));
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->settings.order_up_to, 50);
    EXPECT_EQ(parsed->settings.min_order_qty, 6);
    EXPECT_EQ(parsed->settings.pack_size, 12);
    EXPECT_EQ(parsed->settings.ad_id, "ad-1");
}

TEST(ParseNewProductTest, NullOptionalsAreAbsent) {
    auto parsed = parse_new_product(product_with(R"("order_up_to":null,"ad_id":null)"));
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_FALSE(parsed->settings.order_up_to);
    EXPECT_FALSE(parsed->settings.ad_id);
}

TEST(ParseNewProductTest, MissingFields) {
    const std::vector<std::pair<std::string, std::string>> fields = {
        {"sku", "\"SKU-1\""},   {"name", "\"Mug\""},   {"on_hand", "10"},
        {"reorder_point", "3"}, {"reorder_qty", "20"}, {"factory_id", "\"f-1\""}};
    for (const auto& [missing, unused] : fields) {
        std::string body;
        for (const auto& [name, value] : fields) {
            if (name == missing) continue;
            body += (body.empty() ? "{\"" : ",\"") + name + "\":" + value;
        }
        body += "}";
        expect_invalid(parse_new_product(body), "missing field '" + missing + "'");
    }
}

TEST(ParseNewProductTest, UnknownFields) {
    expect_invalid(parse_new_product(product_with(R"("colour":"blue")")), "unknown field 'colour'");
    expect_invalid(parse_new_product(product_with(R"("reserved":0)")), "unknown field 'reserved'");
    expect_invalid(parse_new_product(product_with(R"("SKU":"x")")), "unknown field 'SKU'");
}

TEST(ParseNewProductTest, WrongTypes) {
    expect_invalid(parse_new_product(product_with(R"("pack_size":"12")")),
                   "'pack_size' must be an integer, not a string");
    expect_invalid(parse_new_product(product_with(R"("min_order_qty":null)")),
                   "'min_order_qty' must be an integer, not null");
    expect_invalid(parse_new_product(product_with(R"("ad_id":7)")),
                   "'ad_id' must be a string, not an integer");
    expect_invalid(parse_new_product(product_with(R"("order_up_to":true)")),
                   "'order_up_to' must be an integer, not a boolean");
    std::string body = kProduct;
    body.replace(body.find("\"Mug\""), 5, "[\"Mug\"]");
    expect_invalid(parse_new_product(body), "'name' must be a string, not an array");
    body = kProduct;
    body.replace(body.find("10"), 2, "{}");
    expect_invalid(parse_new_product(body), "'on_hand' must be an integer, not an object");
}

TEST(ParseNewProductTest, FractionsAndHugeNumbersAreOutOfRange) {
    std::string body = kProduct;
    body.replace(body.find("10"), 2, "10.5");
    expect_invalid(parse_new_product(body), "'on_hand' must be a whole number within range");
    body = kProduct;
    body.replace(body.find("10"), 2, "99999999999999999999");
    expect_invalid(parse_new_product(body), "'on_hand' must be a whole number within range");
    body = kProduct;
    body.replace(body.find("10"), 2, "1e2");
    expect_invalid(parse_new_product(body), "'on_hand' must be a whole number");
}

TEST(ParseNewProductTest, ResultIsValidated) {
    std::string body = kProduct;
    body.replace(body.find("SKU-1"), 5, "SKU 1");
    expect_invalid(parse_new_product(body), "sku must be");
    body = kProduct;
    body.replace(body.find("10"), 2, "-1");
    expect_invalid(parse_new_product(body), "on_hand must be between 0 and");
    expect_invalid(parse_new_product(product_with(R"("order_up_to":3)")),
                   "order_up_to must be greater than reorder_point");
}

// --- patches -----------------------------------------------------------------------------------

TEST(ParseProductPatchTest, SetsOnlyWhatIsPresent) {
    auto parsed = parse_product_patch(R"({"reorder_point":4,"name":"New"})");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->name, "New");
    EXPECT_EQ(parsed->reorder_point, 4);
    EXPECT_FALSE(parsed->reorder_qty);
    EXPECT_FALSE(parsed->order_up_to);
    EXPECT_FALSE(parsed->min_order_qty);
    EXPECT_FALSE(parsed->pack_size);
    EXPECT_FALSE(parsed->factory_id);
    EXPECT_FALSE(parsed->ad_id);
}

TEST(ParseProductPatchTest, EveryField) {
    auto parsed = parse_product_patch(
        R"({"name":"n","reorder_point":1,"reorder_qty":2,"order_up_to":30,"min_order_qty":4,)"
        R"("pack_size":5,"factory_id":"f","ad_id":"a"})");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->reorder_qty, 2);
    EXPECT_EQ(parsed->order_up_to, std::optional<int64_t>(30));
    EXPECT_EQ(parsed->min_order_qty, 4);
    EXPECT_EQ(parsed->pack_size, 5);
    EXPECT_EQ(parsed->factory_id, "f");
    EXPECT_EQ(parsed->ad_id, std::optional<std::string>("a"));
}

TEST(ParseProductPatchTest, NullClearsOptionalSettings) {
    auto parsed = parse_product_patch(R"({"order_up_to":null,"ad_id":null})");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    ASSERT_TRUE(parsed->order_up_to);    // present...
    EXPECT_FALSE(*parsed->order_up_to);  // ...and cleared
    ASSERT_TRUE(parsed->ad_id);
    EXPECT_FALSE(*parsed->ad_id);
}

TEST(ParseProductPatchTest, StockFieldsCannotBePatched) {
    for (auto field : {"sku", "on_hand", "reserved", "available", "on_order", "status"}) {
        expect_invalid(parse_product_patch("{\"" + std::string(field) + "\":1}"),
                       "'" + std::string(field) + "' cannot be changed with PATCH");
    }
}

TEST(ParseProductPatchTest, Rejections) {
    expect_invalid(parse_product_patch("{}"), "changes nothing");
    expect_invalid(parse_product_patch(R"({"colour":"red"})"), "unknown field 'colour'");
    expect_invalid(parse_product_patch(R"({"name":null})"), "'name' must be a string, not null");
    expect_invalid(parse_product_patch(R"({"reorder_qty":null})"),
                   "'reorder_qty' must be an integer, not null");
    expect_invalid(parse_product_patch(R"({"name":""})"), "name must be");
}

// --- checkout ----------------------------------------------------------------------------------

TEST(ParseNewProductTest, ReplenishmentMode) {
    EXPECT_EQ(parse_new_product(kProduct)->settings.replenishment, ReplenishmentMode::kFixed);
    auto none = parse_new_product(product_with(R"("replenishment":{"mode":"none"})"));
    ASSERT_TRUE(none.ok()) << none.error().message;
    EXPECT_EQ(none->settings.replenishment, ReplenishmentMode::kNone);
    expect_invalid(parse_new_product(product_with(R"("replenishment":{"mode":"lucky"})")),
                   "'replenishment.mode' must be fixed, auto or none");
    expect_invalid(parse_new_product(product_with(R"("replenishment":"none")")),
                   "'replenishment' must be an object");
    expect_invalid(parse_new_product(product_with(R"("replenishment":{"mode":"none","x":1})")),
                   "unknown field 'replenishment.x'");
    expect_invalid(parse_new_product(product_with(R"("replenishment":{})")),
                   "missing field 'replenishment.mode'");
    expect_invalid(parse_new_product(product_with(R"("archived":true)")), "unknown field");
}

TEST(ParseNewProductTest, ReplenishmentAutoWithFillRate) {
    auto automatic =
        parse_new_product(product_with(R"("replenishment":{"mode":"auto","fill_rate":0.98})"));
    ASSERT_TRUE(automatic.ok()) << automatic.error().message;
    EXPECT_EQ(automatic->settings.replenishment, ReplenishmentMode::kAuto);
    EXPECT_DOUBLE_EQ(automatic->settings.fill_rate, 0.98);
    // Kept to six decimals, as stored.
    EXPECT_DOUBLE_EQ(
        parse_new_product(product_with(R"("replenishment":{"mode":"auto","fill_rate":0.9123456})"))
            ->settings.fill_rate,
        0.912346);
    for (const char* bounds : {"0.5", "0.999"}) {
        EXPECT_TRUE(parse_new_product(
                        product_with(std::string(R"("replenishment":{"mode":"auto","fill_rate":)") +
                                     bounds + "}"))
                        .ok())
            << bounds;
    }
    for (const char* outside : {"0.4999", "1", "0.9991", "-1", "2"}) {
        expect_invalid(
            parse_new_product(product_with(
                std::string(R"("replenishment":{"mode":"auto","fill_rate":)") + outside + "}")),
            "'replenishment.fill_rate' must be between 0.5 and 0.999");
    }
    expect_invalid(parse_new_product(product_with(R"("replenishment":{"mode":"auto"})")),
                   "missing field 'replenishment.fill_rate'");
    expect_invalid(
        parse_new_product(product_with(R"("replenishment":{"mode":"auto","fill_rate":"high"})")),
        "'replenishment.fill_rate' must be a number, not a string");
    expect_invalid(
        parse_new_product(product_with(R"("replenishment":{"mode":"fixed","fill_rate":0.9})")),
        "'replenishment.fill_rate' is given only with mode auto");
    auto patch = parse_product_patch(R"({"replenishment":{"mode":"auto","fill_rate":0.95}})");
    ASSERT_TRUE(patch.ok()) << patch.error().message;
    EXPECT_EQ(patch->replenishment, ReplenishmentMode::kAuto);
    EXPECT_DOUBLE_EQ(patch->fill_rate, 0.95);
    expect_invalid(parse_product_patch(R"({"replenishment":{"mode":"auto","fill_rate":0.3}})"),
                   "'replenishment.fill_rate' must be between 0.5 and 0.999");
}

TEST(ParseProductPatchTest, TheReplenishmentObjectIsMerged) {
    // RFC 7396: a fill rate alone keeps the mode, mode auto alone keeps the fill rate.
    auto rate = parse_product_patch(R"({"replenishment":{"fill_rate":0.8}})");
    ASSERT_TRUE(rate.ok()) << rate.error().message;
    EXPECT_FALSE(rate->replenishment);
    EXPECT_DOUBLE_EQ(rate->fill_rate, 0.8);
    EXPECT_FALSE(rate->empty());
    auto mode = parse_product_patch(R"({"replenishment":{"mode":"auto"}})");
    ASSERT_TRUE(mode.ok()) << mode.error().message;
    EXPECT_EQ(mode->replenishment, ReplenishmentMode::kAuto);
    EXPECT_EQ(mode->fill_rate, 0);
    expect_invalid(parse_product_patch(R"({"replenishment":{}})"),
                   "'replenishment' needs 'mode' or 'fill_rate'");
    // What the engine makes of them, from the product's settings.
    ReorderSettings fixed;
    fixed.reorder_qty = 5;
    fixed.factory_id = "f";
    ReorderSettings automatic = fixed;
    automatic.replenishment = ReplenishmentMode::kAuto;
    automatic.fill_rate = 0.9;
    EXPECT_DOUBLE_EQ(apply(*rate, automatic).fill_rate, 0.8);
    EXPECT_DOUBLE_EQ(apply(*mode, automatic).fill_rate, 0.9);
    EXPECT_TRUE(validate_settings(apply(*rate, automatic)).ok());
    EXPECT_EQ(validate_settings(apply(*rate, fixed)).error().message,
              "replenishment.fill_rate is given only with mode auto");
    EXPECT_EQ(validate_settings(apply(*mode, fixed)).error().message,
              "mode auto needs replenishment.fill_rate (0.5 to 0.999)");
}

TEST(ParseProductPatchTest, ArchiveAndMode) {
    auto p = parse_product_patch(R"({"archived":false,"replenishment":{"mode":"fixed"}})");
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(p->archived, false);
    EXPECT_EQ(p->replenishment, ReplenishmentMode::kFixed);
    EXPECT_FALSE(p->empty());
    EXPECT_EQ(parse_product_patch(R"({"archived":true})")->archived, true);
    expect_invalid(parse_product_patch(R"({"archived":"yes"})"),
                   "'archived' must be true or false");
}

TEST(ParseFactoryTest, LeadTimeDays) {
    constexpr const char* kFactory = R"({"id":"f","url":"http://f.test")";
    EXPECT_EQ(parse_factory(std::string(kFactory) + "}")->lead_time_days, std::nullopt);
    EXPECT_EQ(parse_factory(std::string(kFactory) + R"(,"lead_time_days":21})")->lead_time_days,
              21);
    EXPECT_EQ(parse_factory(std::string(kFactory) + R"(,"lead_time_days":null})")->lead_time_days,
              std::nullopt);
    expect_invalid(parse_factory(std::string(kFactory) + R"(,"lead_time_days":0})"),
                   "lead_time_days must be between 1 and 365");
    expect_invalid(parse_factory(std::string(kFactory) + R"(,"lead_time_days":366})"),
                   "lead_time_days must be between 1 and 365");
    expect_invalid(parse_factory(std::string(kFactory) + R"(,"lead_time_days":1.5})"),
                   "'lead_time_days' must be a whole number");
}

TEST(ParseCheckoutTest, Lines) {
    auto parsed = parse_checkout(R"({"order_id":"o-1","lines":[{"sku":"A","qty":2},)"
                                 R"({"qty":1,"sku":"B"}]})");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->order_id, "o-1");
    ASSERT_EQ(parsed->lines.size(), 2u);
    EXPECT_EQ(parsed->lines[0].sku, "A");
    EXPECT_EQ(parsed->lines[0].qty, 2);
    EXPECT_EQ(parsed->lines[1].sku, "B");
    EXPECT_EQ(parsed->lines[1].qty, 1);
}

TEST(ParseCheckoutTest, NestedPathsInMessages) {
    const std::string head = R"({"order_id":"o-1","lines":[{"sku":"A","qty":1},)";
    expect_invalid(parse_checkout(head + R"({"sku":"B","qty":"2"}]})"),
                   "'lines[1].qty' must be an integer, not a string");
    expect_invalid(parse_checkout(head + R"({"sku":"B","qty":2,"price":3}]})"),
                   "unknown field 'lines[1].price'");
    expect_invalid(parse_checkout(head + R"({"qty":2}]})"), "missing field 'lines[1].sku'");
    expect_invalid(parse_checkout(head + R"({"sku":"B","qty":2.5}]})"),
                   "'lines[1].qty' must be a whole number within range");
    expect_invalid(parse_checkout(head + R"(["B",2]]})"), "'lines[1]' must be an object");
    expect_invalid(parse_checkout(head + R"({"sku":"B","qty":0}]})"), "lines[1].qty must be");
    expect_invalid(parse_checkout(head + R"({"sku":"A","qty":2}]})"), "appears twice");
}

TEST(ParseCheckoutTest, TopLevelRejections) {
    expect_invalid(parse_checkout(R"({"order_id":"o","lines":{}})"),
                   "'lines' must be an array, not an object");
    expect_invalid(parse_checkout(R"({"order_id":1,"lines":[]})"),
                   "'order_id' must be a string, not an integer");
    expect_invalid(parse_checkout(R"({"lines":[]})"), "missing field 'order_id'");
    expect_invalid(parse_checkout(R"({"order_id":"o"})"), "missing field 'lines'");
    expect_invalid(parse_checkout(R"({"order_id":"o","lines":[]})"), "lines must hold");
    expect_invalid(parse_checkout(R"({"order_id":"o","lines":[],"note":"x"})"),
                   "unknown field 'note'");
}

// --- receipts and adjustments ------------------------------------------------------------------

TEST(ParseReceiptTest, TakesTheSkuFromThePath) {
    auto parsed = parse_receipt("SKU-9", R"({"qty":5,"reference":"ship-1"})");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->sku, "SKU-9");
    EXPECT_EQ(parsed->qty, 5);
    EXPECT_EQ(parsed->reference, "ship-1");
}

TEST(ParseReceiptTest, Rejections) {
    expect_invalid(parse_receipt("S", R"({"qty":5,"reference":"r","sku":"S"})"),
                   "unknown field 'sku'");
    expect_invalid(parse_receipt("S", R"({"qty":"5","reference":"r"})"),
                   "'qty' must be an integer, not a string");
    expect_invalid(parse_receipt("S", R"({"reference":"r"})"), "missing field 'qty'");
    expect_invalid(parse_receipt("S", R"({"qty":5})"), "missing field 'reference'");
    expect_invalid(parse_receipt("S", R"({"qty":0,"reference":"r"})"), "qty must be");
    expect_invalid(parse_receipt("bad sku", R"({"qty":1,"reference":"r"})"), "sku is not");
}

TEST(ParseAdjustmentTest, NegativeDeltas) {
    auto parsed = parse_adjustment("SKU-9", R"({"delta":-3,"reason":"broken"})");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->sku, "SKU-9");
    EXPECT_EQ(parsed->delta, -3);
    EXPECT_EQ(parsed->reason, "broken");
}

TEST(ParseAdjustmentTest, Rejections) {
    expect_invalid(parse_adjustment("S", R"({"delta":0,"reason":"x"})"), "delta must be");
    expect_invalid(parse_adjustment("S", R"({"delta":-9223372036854775809,"reason":"x"})"),
                   "'delta' must be a whole number within range");
    expect_invalid(parse_adjustment("S", R"({"delta":1,"reason":false})"),
                   "'reason' must be a string, not a boolean");
    expect_invalid(parse_adjustment("S", R"({"delta":1,"why":"x"})"), "unknown field 'why'");
}

}  // namespace
}  // namespace restock::http
