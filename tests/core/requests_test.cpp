// validate(): every rule and every limit in core/limits.h, at and just past the edge.
#include "core/requests.h"

#include <gtest/gtest.h>

#include <string>

#include "core/limits.h"

namespace restock {
namespace {

using limits::kMaxCheckoutLines;
using limits::kMaxCheckoutQty;
using limits::kMaxQuantity;

// Asserts an invalid-request error whose message mentions `words`.
void expect_invalid(const Status& status, const std::string& words) {
    ASSERT_FALSE(status.ok()) << "expected an error mentioning '" << words << "'";
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(status.error().slug, "invalid-request");
    EXPECT_NE(status.error().message.find(words), std::string::npos) << status.error().message;
}

void expect_valid(const Status& status) { EXPECT_TRUE(status.ok()) << status.error().message; }

NewProduct good_product() {
    NewProduct p;
    p.sku = "SKU-1";
    p.name = "Blue mug";
    p.on_hand = 10;
    p.settings.reorder_point = 3;
    p.settings.reorder_qty = 20;
    p.settings.factory_id = "factory-1";
    return p;
}

CheckoutRequest good_checkout(std::size_t lines = 1) {
    CheckoutRequest r;
    r.order_id = "order-1";
    for (std::size_t i = 0; i < lines; ++i) r.lines.push_back({"SKU-" + std::to_string(i), 1});
    return r;
}

// --- sku and token alphabets ---------------------------------------------------------------

TEST(IsValidSkuTest, AcceptsTheWholeAlphabet) {
    EXPECT_TRUE(is_valid_sku("abcdefghijklmnopqrstuvwxyz"));
    EXPECT_TRUE(is_valid_sku("ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
    EXPECT_TRUE(is_valid_sku("0123456789"));
    EXPECT_TRUE(is_valid_sku("a.b_c-d"));
    EXPECT_TRUE(is_valid_sku(".a"));
    EXPECT_TRUE(is_valid_sku("-"));
}

TEST(IsValidSkuTest, LengthIsOneToSixtyFour) {
    EXPECT_FALSE(is_valid_sku(""));
    EXPECT_TRUE(is_valid_sku("x"));
    EXPECT_TRUE(is_valid_sku(std::string(limits::kMaxSkuLength, 'x')));
    EXPECT_FALSE(is_valid_sku(std::string(limits::kMaxSkuLength + 1, 'x')));
}

TEST(IsValidSkuTest, RejectsEverythingElse) {
    for (const std::string& bad :
         std::vector<std::string>{"a b", "a/b", "a%20", "a+b", "a~b", "a:b", "a?b", "a#b", "a\\b",
                                  "caf\xc3\xa9", "a\tb", std::string("a\0b", 3)}) {
        EXPECT_FALSE(is_valid_sku(bad)) << bad;
    }
    // Every byte outside [A-Za-z0-9._-] is refused on its own.
    for (int c = 0; c < 256; ++c) {
        const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                             (c >= '0' && c <= '9') || c == '_' || c == '-';  // "." alone: no
        EXPECT_EQ(is_valid_sku(std::string(1, static_cast<char>(c))), allowed) << c;
    }
}

TEST(IsValidTokenTest, PrintableAsciiWithoutOuterSpaces) {
    EXPECT_TRUE(is_valid_token("order 42/a?b#c", 64));
    EXPECT_TRUE(is_valid_token("~", 64));
    EXPECT_FALSE(is_valid_token("", 64));
    EXPECT_FALSE(is_valid_token(" lead", 64));
    EXPECT_FALSE(is_valid_token("trail ", 64));
    EXPECT_FALSE(is_valid_token(" ", 64));
    EXPECT_FALSE(is_valid_token("tab\there", 64));
    EXPECT_FALSE(is_valid_token("del\x7f", 64));
    EXPECT_FALSE(is_valid_token("caf\xc3\xa9", 64));
    EXPECT_TRUE(is_valid_token(std::string(64, 'a'), 64));
    EXPECT_FALSE(is_valid_token(std::string(65, 'a'), 64));
}

// --- NewProduct --------------------------------------------------------------------------------

TEST(ValidateNewProductTest, AcceptsAGoodProduct) { expect_valid(validate(good_product())); }

TEST(ValidateNewProductTest, Sku) {
    NewProduct p = good_product();
    p.sku = "";
    expect_invalid(validate(p), "sku");
    p.sku = "has space";
    expect_invalid(validate(p), "sku");
    p.sku = std::string(limits::kMaxSkuLength + 1, 'a');
    expect_invalid(validate(p), "sku");
    p.sku = std::string(limits::kMaxSkuLength, 'a');
    expect_valid(validate(p));
    p.sku = ".";  // dot segments: a client resolves /v1/products/.. to /v1/
    expect_invalid(validate(p), "sku");
    p.sku = "..";
    expect_invalid(validate(p), "sku");
    p.sku = "...";
    expect_valid(validate(p));
}

TEST(ValidateNewProductTest, Name) {
    NewProduct p = good_product();
    p.name = "";
    expect_invalid(validate(p), "name");
    p.name = std::string(limits::kMaxNameLength, 'n');
    expect_valid(validate(p));
    p.name = std::string(limits::kMaxNameLength + 1, 'n');
    expect_invalid(validate(p), "name");
    p.name = "tea\ttowel";
    expect_invalid(validate(p), "name");
    p.name = "bell\x07";
    expect_invalid(validate(p), "name");
    p.name = "del\x7f";
    expect_invalid(validate(p), "name");
    p.name = "Caf\xc3\xa9 cup \xf0\x9f\x8d\xb5";  // UTF-8 is welcome
    expect_valid(validate(p));
}

TEST(ValidateNewProductTest, OnHand) {
    NewProduct p = good_product();
    p.on_hand = -1;
    expect_invalid(validate(p), "on_hand");
    p.on_hand = 0;
    expect_valid(validate(p));
    p.on_hand = kMaxQuantity;
    expect_valid(validate(p));
    p.on_hand = kMaxQuantity + 1;
    expect_invalid(validate(p), "on_hand");
}

TEST(ValidateNewProductTest, ReorderPoint) {
    NewProduct p = good_product();
    p.settings.reorder_point = -1;
    expect_invalid(validate(p), "reorder_point");
    p.settings.reorder_point = 0;
    expect_valid(validate(p));
    p.settings.reorder_point = kMaxQuantity;
    expect_valid(validate(p));
    p.settings.reorder_point = kMaxQuantity + 1;
    expect_invalid(validate(p), "reorder_point");
}

TEST(ValidateNewProductTest, PositiveQuantities) {
    for (int64_t ReorderSettings::*field :
         {&ReorderSettings::reorder_qty, &ReorderSettings::min_order_qty,
          &ReorderSettings::pack_size}) {
        NewProduct p = good_product();
        p.settings.*field = 0;
        EXPECT_FALSE(validate(p).ok());
        p.settings.*field = -5;
        EXPECT_FALSE(validate(p).ok());
        p.settings.*field = 1;
        expect_valid(validate(p));
        p.settings.*field = kMaxQuantity;
        expect_valid(validate(p));
        p.settings.*field = kMaxQuantity + 1;
        EXPECT_FALSE(validate(p).ok());
    }
    NewProduct p = good_product();
    p.settings.reorder_qty = 0;
    expect_invalid(validate(p), "reorder_qty");
    p = good_product();
    p.settings.min_order_qty = 0;
    expect_invalid(validate(p), "min_order_qty");
    p = good_product();
    p.settings.pack_size = 0;
    expect_invalid(validate(p), "pack_size");
}

TEST(ValidateNewProductTest, OrderUpToMustExceedReorderPoint) {
    NewProduct p = good_product();  // reorder_point 3
    p.settings.order_up_to = 0;
    expect_invalid(validate(p), "order_up_to");
    p.settings.order_up_to = 3;
    expect_invalid(validate(p), "greater than reorder_point");
    p.settings.order_up_to = 4;
    expect_valid(validate(p));
    p.settings.order_up_to = kMaxQuantity;
    expect_valid(validate(p));
    p.settings.order_up_to = kMaxQuantity + 1;
    expect_invalid(validate(p), "order_up_to");
    p.settings.order_up_to.reset();
    expect_valid(validate(p));
}

TEST(ValidateNewProductTest, FactoryId) {
    NewProduct p = good_product();
    p.settings.factory_id = "";
    expect_invalid(validate(p), "factory_id");
    p.settings.factory_id = std::string(limits::kMaxIdLength, 'f');
    expect_valid(validate(p));
    p.settings.factory_id = std::string(limits::kMaxIdLength + 1, 'f');
    expect_invalid(validate(p), "factory_id");
    p.settings.factory_id = " f";
    expect_invalid(validate(p), "factory_id");
    p.settings.factory_id = "f\xc3\xa9";
    expect_invalid(validate(p), "factory_id");
}

TEST(ValidateNewProductTest, AdIdIsOptionalButChecked) {
    NewProduct p = good_product();
    p.settings.ad_id = "ad-1";
    expect_valid(validate(p));
    p.settings.ad_id = "";
    expect_invalid(validate(p), "ad_id");
    p.settings.ad_id = std::string(limits::kMaxIdLength + 1, 'a');
    expect_invalid(validate(p), "ad_id");
    p.settings.ad_id = "ad\n1";
    expect_invalid(validate(p), "ad_id");
}

// --- ProductPatch ------------------------------------------------------------------------------

TEST(ValidatePatchTest, EmptyPatchIsRefused) {
    ProductPatch p;
    EXPECT_TRUE(p.empty());
    expect_invalid(validate(p), "changes nothing");
}

TEST(ValidatePatchTest, EveryFieldMakesItNonEmpty) {
    const auto non_empty = [](auto set) {
        ProductPatch p;
        set(p);
        return !p.empty();
    };
    EXPECT_TRUE(non_empty([](ProductPatch& p) { p.name = "n"; }));
    EXPECT_TRUE(non_empty([](ProductPatch& p) { p.reorder_point = 1; }));
    EXPECT_TRUE(non_empty([](ProductPatch& p) { p.reorder_qty = 1; }));
    EXPECT_TRUE(non_empty([](ProductPatch& p) { p.order_up_to = std::optional<int64_t>(); }));
    EXPECT_TRUE(non_empty([](ProductPatch& p) { p.min_order_qty = 1; }));
    EXPECT_TRUE(non_empty([](ProductPatch& p) { p.pack_size = 1; }));
    EXPECT_TRUE(non_empty([](ProductPatch& p) { p.factory_id = "f"; }));
    EXPECT_TRUE(non_empty([](ProductPatch& p) { p.ad_id = std::optional<std::string>(); }));
}

TEST(ValidatePatchTest, NameRules) {
    ProductPatch p;
    p.name = "";
    expect_invalid(validate(p), "name");
    p.name = std::string(limits::kMaxNameLength + 1, 'n');
    expect_invalid(validate(p), "name");
    p.name = "ok";
    expect_valid(validate(p));
}

TEST(ValidatePatchTest, NumbersAreCheckedAfterApply) {
    ProductPatch p;
    p.reorder_qty = 0;  // checked by validate_settings(apply(...)), not here
    expect_valid(validate(p));
    ReorderSettings settings = good_product().settings;
    expect_invalid(validate_settings(apply(p, settings)), "reorder_qty");
}

TEST(ApplyPatchTest, ReplacesOnlyWhatIsSet) {
    ReorderSettings s = good_product().settings;
    s.order_up_to = 50;
    s.ad_id = "ad-1";
    ProductPatch p;
    p.reorder_point = 7;
    const ReorderSettings out = apply(p, s);
    EXPECT_EQ(out.reorder_point, 7);
    EXPECT_EQ(out.reorder_qty, s.reorder_qty);
    EXPECT_EQ(out.order_up_to, 50);
    EXPECT_EQ(out.ad_id, "ad-1");
    EXPECT_EQ(out.factory_id, s.factory_id);
}

TEST(ApplyPatchTest, SetsEveryField) {
    ReorderSettings s = good_product().settings;
    ProductPatch p;
    p.reorder_point = 1;
    p.reorder_qty = 2;
    p.order_up_to = std::optional<int64_t>(30);
    p.min_order_qty = 4;
    p.pack_size = 5;
    p.factory_id = "f2";
    p.ad_id = std::optional<std::string>("ad-9");
    const ReorderSettings out = apply(p, s);
    EXPECT_EQ(out.reorder_point, 1);
    EXPECT_EQ(out.reorder_qty, 2);
    EXPECT_EQ(out.order_up_to, 30);
    EXPECT_EQ(out.min_order_qty, 4);
    EXPECT_EQ(out.pack_size, 5);
    EXPECT_EQ(out.factory_id, "f2");
    EXPECT_EQ(out.ad_id, "ad-9");
}

TEST(ApplyPatchTest, InnerNulloptClearsOptionalSettings) {
    ReorderSettings s = good_product().settings;
    s.order_up_to = 50;
    s.ad_id = "ad-1";
    ProductPatch p;
    p.order_up_to = std::optional<int64_t>();
    p.ad_id = std::optional<std::string>();
    const ReorderSettings out = apply(p, s);
    EXPECT_FALSE(out.order_up_to);
    EXPECT_FALSE(out.ad_id);
}

// --- CheckoutRequest ---------------------------------------------------------------------------

TEST(ValidateCheckoutTest, AcceptsAGoodCheckout) { expect_valid(validate(good_checkout(3))); }

TEST(ValidateCheckoutTest, OrderId) {
    CheckoutRequest r = good_checkout();
    r.order_id = "";
    expect_invalid(validate(r), "order_id");
    r.order_id = std::string(limits::kMaxIdLength, 'o');
    expect_valid(validate(r));
    r.order_id = std::string(limits::kMaxIdLength + 1, 'o');
    expect_invalid(validate(r), "order_id");
    r.order_id = "order 1 ";
    expect_invalid(validate(r), "order_id");
}

TEST(ValidateCheckoutTest, LineCount) {
    expect_invalid(validate(good_checkout(0)), "lines");
    expect_valid(validate(good_checkout(1)));
    expect_valid(validate(good_checkout(kMaxCheckoutLines)));
    expect_invalid(validate(good_checkout(kMaxCheckoutLines + 1)), "lines");
}

TEST(ValidateCheckoutTest, LineSkuNamesTheLine) {
    CheckoutRequest r = good_checkout(3);
    r.lines[2].sku = "bad sku";
    expect_invalid(validate(r), "lines[2].sku");
}

TEST(ValidateCheckoutTest, LineQty) {
    CheckoutRequest r = good_checkout(2);
    for (int64_t bad : {int64_t{0}, int64_t{-1}, kMaxCheckoutQty + 1, kMaxQuantity}) {
        r.lines[1].qty = bad;
        expect_invalid(validate(r), "lines[1].qty");
    }
    r.lines[1].qty = kMaxCheckoutQty;
    expect_valid(validate(r));
    r.lines[1].qty = 1;
    expect_valid(validate(r));
}

TEST(ValidateCheckoutTest, DuplicateSkusAreRefused) {
    CheckoutRequest r = good_checkout(3);
    r.lines[2].sku = r.lines[0].sku;
    expect_invalid(validate(r), "lines[2].sku 'SKU-0' appears twice");
}

TEST(ValidateCheckoutTest, SkusDifferingOnlyInCaseAreDistinct) {
    CheckoutRequest r;
    r.order_id = "o";
    r.lines = {{"abc", 1}, {"ABC", 1}};
    expect_valid(validate(r));
}

// --- ReceiptRequest ----------------------------------------------------------------------------

TEST(ValidateReceiptTest, Rules) {
    ReceiptRequest r{"SKU-1", 5, "shipment-1"};
    expect_valid(validate(r));
    r.sku = "no/slash";
    expect_invalid(validate(r), "sku");
    r.sku = "SKU-1";
    r.qty = 0;
    expect_invalid(validate(r), "qty");
    r.qty = kMaxQuantity;
    expect_valid(validate(r));
    r.qty = kMaxQuantity + 1;
    expect_invalid(validate(r), "qty");
    r.qty = 1;
    r.reference = "";
    expect_invalid(validate(r), "reference");
    r.reference = std::string(limits::kMaxReferenceLength, 'r');
    expect_valid(validate(r));
    r.reference = std::string(limits::kMaxReferenceLength + 1, 'r');
    expect_invalid(validate(r), "reference");
}

// --- AdjustmentRequest -------------------------------------------------------------------------

TEST(ValidateAdjustmentTest, Delta) {
    AdjustmentRequest r{"SKU-1", -3, "broken in transit"};
    expect_valid(validate(r));
    r.delta = 0;
    expect_invalid(validate(r), "delta");
    r.delta = kMaxQuantity;
    expect_valid(validate(r));
    r.delta = -kMaxQuantity;
    expect_valid(validate(r));
    r.delta = kMaxQuantity + 1;
    expect_invalid(validate(r), "delta");
    r.delta = -kMaxQuantity - 1;
    expect_invalid(validate(r), "delta");
}

// Lengths are in characters: 200 two-, three- or four-byte characters are a valid name, 201 not.
TEST(ValidateNewProductTest, NameLengthCountsCharactersNotBytes) {
    auto repeat = [](std::string_view character, std::size_t times) {
        std::string out;
        for (std::size_t i = 0; i < times; ++i) out += character;
        return out;
    };
    NewProduct p = good_product();
    for (std::string_view character : {"\xc3\xa9", "\xe6\x9d\xaf", "\xf0\x9f\x8d\xb5"}) {
        p.name = repeat(character, limits::kMaxNameLength);
        expect_valid(validate(p));
        p.name = repeat(character, limits::kMaxNameLength + 1);
        expect_invalid(validate(p), "name");
    }
    AdjustmentRequest r{"SKU-1", 1, repeat("\xc3\xa9", limits::kMaxReasonLength)};
    expect_valid(validate(r));
    r.reason += "\xc3\xa9";
    expect_invalid(validate(r), "reason");
}

TEST(ValidateAdjustmentTest, ReasonAndSku) {
    AdjustmentRequest r{"SKU-1", 1, std::string(limits::kMaxReasonLength, 'r')};
    expect_valid(validate(r));
    r.reason = std::string(limits::kMaxReasonLength + 1, 'r');
    expect_invalid(validate(r), "reason");
    r.reason = "";
    expect_invalid(validate(r), "reason");
    r.reason = "line\nbreak";
    expect_invalid(validate(r), "reason");
    r.reason = "ok";
    r.sku = "";
    expect_invalid(validate(r), "sku");
}

}  // namespace
}  // namespace restock
