// The command line's pure helpers: where --help counts, table cells, and what a queue message is
// about (its SKU and event type, for `restock queues peek`).
#include "main/cli_support.h"

#include <gtest/gtest.h>

namespace restock {
namespace {

bool every_option_takes_a_value(std::string_view) { return true; }

TEST(AsksForHelpTest, HelpOrHWhereAnOptionMayStand) {
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{{"--help"},
                                               {"-h"},
                                               {"create", "--help"},
                                               {"list", "--name", "ops", "-h"},
                                               {"--data-dir=/x", "--help"}}) {
        EXPECT_TRUE(asks_for_help(args, every_option_takes_a_value)) << args.size();
    }
}

TEST(AsksForHelpTest, AnOptionsValueIsNotAHelpFlag) {
    EXPECT_FALSE(asks_for_help({}, every_option_takes_a_value));
    EXPECT_FALSE(asks_for_help({"create", "--name", "-h"}, every_option_takes_a_value));
    EXPECT_FALSE(asks_for_help({"--url", "--help"}, every_option_takes_a_value));
    EXPECT_FALSE(asks_for_help({"--helpful", "x"}, every_option_takes_a_value));
    // An option that takes no value does not hide what follows it.
    auto flag_without_value = [](std::string_view option) { return option != "--no-access-log"; };
    EXPECT_TRUE(asks_for_help({"--no-access-log", "--help"}, flag_without_value));
    EXPECT_FALSE(asks_for_help({"--listen", "-h"}, flag_without_value));
}

TEST(TableCellTest, KeepsARowOnOneLine) {
    EXPECT_EQ(table_cell("factory f1 answered 500"), "factory f1 answered 500");
    EXPECT_EQ(table_cell("a\tb\nc\r\nd"), "a b c  d");
    EXPECT_EQ(table_cell(""), "");
}

json::Value parsed(const std::string& text) {
    auto value = json::parse(text);
    EXPECT_TRUE(value.ok()) << text;
    return value.ok() ? std::move(value.value()) : json::Value::null();
}

TEST(MessageSubjectTest, AnEventNamesItsSkuAndType) {
    const MessageSubject event = message_subject(
        parsed(R"({"seq":3,"id":"evt_3","type":"stock.empty","sku":"MUG","cause":"checkout",)"
               R"("data":{"on_hand":0},"at":"2026-12-01T10:00:00.000Z"})"));
    EXPECT_EQ(event.sku, "MUG");
    EXPECT_EQ(event.type, "stock.empty");
}

TEST(MessageSubjectTest, ANotificationNamesTheEventItWraps) {
    const MessageSubject note = message_subject(parsed(
        R"({"subscription_id":"sub_1","event":{"seq":4,"type":"stock.restored","sku":"CAP"}})"));
    EXPECT_EQ(note.sku, "CAP");
    EXPECT_EQ(note.type, "stock.restored");
}

TEST(MessageSubjectTest, AReceiptHasASkuAndNoEventType) {
    const MessageSubject receipt =
        message_subject(parsed(R"({"order_id":"ro_1","sku":"TEE","qty":5,"shipment":"qty-5"})"));
    EXPECT_EQ(receipt.sku, "TEE");
    EXPECT_EQ(receipt.type, "-");
}

TEST(MessageSubjectTest, WhatTheBodyDoesNotSayIsADash) {
    for (const char* text : {"[]", "\"text\"", "{}", R"({"sku":7,"type":null})",
                             R"({"event":"not an object","sku":"X\tY"})"}) {
        const MessageSubject subject = message_subject(parsed(text));
        EXPECT_EQ(subject.type, "-") << text;
    }
    EXPECT_EQ(message_subject(parsed(R"({"sku":7})")).sku, "-");
    EXPECT_EQ(message_subject(parsed(R"({"event":"x","sku":"X\tY"})")).sku, "X Y");
}

}  // namespace
}  // namespace restock
