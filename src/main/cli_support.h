// Pure helpers of the command line: help flags, table cells, and what a queue message is about.
// No I/O; tested in tests/main.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "json/json.h"

namespace restock {

// Whether `args` ask for help: "--help" or "-h" where an option may stand. `takes_value`
// says which options consume the argument after them (so `--name -h` names a key "-h"); an
// option written --flag=value never does.
bool asks_for_help(const std::vector<std::string>& args,
                   const std::function<bool(std::string_view option)>& takes_value);

// `text` as one cell of a tab-separated table: tabs and line breaks become spaces, so a value
// (an error message, say) never splits its row.
std::string table_cell(std::string_view text);

// What a queue message is about, from its body: the SKU and the event type. Events (on
// restock-orders and ad-control) carry both; a notification wraps its event; a stock receipt
// (stock-receipts) names its SKU and is no event. "-" for what the body does not say.
struct MessageSubject {
    std::string sku = "-";
    std::string type = "-";
};
MessageSubject message_subject(const json::Value& body);

}  // namespace restock
