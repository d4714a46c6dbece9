#include "main/orders_cli.h"

#include <iostream>

#include "main/admin_cli.h"

namespace restock {
namespace {

constexpr const char* kUsage =
    R"(usage: restock orders ACTION [ID] [--url URL] [--key KEY] [--limit N]
  list            the newest restock orders (--limit, default 50), one per line
  show ID         one order
  cancel ID       cancel an open order (the factory is not told; see docs/api.md)
URL defaults to $RESTOCK_URL or http://127.0.0.1:8080; KEY (an admin key) to $RESTOCK_KEY.
)";

void print_order(const json::Value& order) {
    std::cout << field(order, "id") << "\t" << field(order, "sku") << "\t" << field(order, "qty")
              << "\t" << field(order, "received_qty") << "\t" << field(order, "status") << "\t"
              << field(order, "factory_id") << "\t" << field(order, "attempts") << "\t"
              << field(order, "last_error") << "\n";
}

constexpr const char* kHeader = "id\tsku\tqty\treceived\tstatus\tfactory\tattempts\tlast_error\n";

}  // namespace

int run_orders_cli(const std::vector<std::string>& args) {
    auto parsed = parse_admin_command("orders", kUsage, args, {"limit"});
    if (const int* exit_code = std::get_if<int>(&parsed)) return *exit_code;
    const AdminCommand& command = std::get<AdminCommand>(parsed);
    const std::string& action = command.action;
    const std::string& id = command.name;

    std::string method = "GET";
    std::string path;
    if (action == "list") {
        if (!id.empty()) return command.usage_error("list takes no order id");
        path = "/v1/restock-orders?limit=" + url_encoded(command.flag("limit", "50"));
    } else if (action == "show" || action == "cancel") {
        if (id.empty()) return command.usage_error(action + " needs an order id");
        if (command.flags.count("limit")) return command.usage_error(action + " takes no --limit");
        path = "/v1/restock-orders/" + url_encoded(id);
        if (action == "cancel") {
            method = "POST";
            path += "/cancel";
        }
    } else {
        return command.usage_error("unknown action '" + action + "'");
    }

    auto answer = command.call(method, path);
    if (!answer) return 1;
    std::cout << kHeader;
    if (action == "list") {
        const auto* items = items_of(command, answer.value());
        if (items == nullptr) return 1;
        for (const auto& order : *items) print_order(order);
    } else {
        print_order(answer.value());
    }
    return 0;
}

}  // namespace restock
