#include "main/queues_cli.h"

#include <iostream>

#include "main/admin_cli.h"

namespace restock {
namespace {

constexpr const char* kUsage =
    R"(usage: restock queues ACTION [NAME] [--url URL] [--key KEY] [--limit N]
  list            every queue with its counts and retry policy
  peek NAME       the messages of a queue, without consuming them
  redrive NAME    move a dead-letter queue's messages back to their source queues
  purge NAME      delete every message of a queue
URL defaults to $RESTOCK_URL or http://127.0.0.1:8080; KEY (an admin key) to $RESTOCK_KEY.
)";

}  // namespace

int run_queues_cli(const std::vector<std::string>& args) {
    auto parsed = parse_admin_command("queues", kUsage, args, {"limit"});
    if (const int* exit_code = std::get_if<int>(&parsed)) return *exit_code;
    const AdminCommand& command = std::get<AdminCommand>(parsed);
    const std::string& action = command.action;
    const std::string& name = command.name;

    std::string method = "GET";
    std::string path;
    if (action != "peek" && command.flags.count("limit")) {
        return command.usage_error(action + " takes no --limit");
    }
    if (action == "list") {
        if (!name.empty()) return command.usage_error("list takes no queue name");
        path = "/v1/queues";
    } else if (action == "peek" || action == "redrive" || action == "purge") {
        if (name.empty()) return command.usage_error(action + " needs a queue name");
        if (action == "peek") {
            path = "/v1/queues/" + url_encoded(name) +
                   "/messages?limit=" + url_encoded(command.flag("limit", "50"));
        } else if (action == "redrive") {
            method = "POST";
            path = "/v1/queues/" + url_encoded(name) + "/redrive";
        } else {
            method = "DELETE";
            path = "/v1/queues/" + url_encoded(name) + "/messages";
        }
    } else {
        return command.usage_error("unknown action '" + action + "'");
    }

    auto answer = command.call(method, path);
    if (!answer) return 1;
    if ((action == "list" || action == "peek") && items_of(command, answer.value()) == nullptr) {
        return 1;
    }
    if (action == "list") {
        std::cout << "name\tvisible\tin_flight\tdelayed\tdlq\tmax_receive_count\n";
        for (const auto& queue : answer->find("items")->as_array()) {
            std::cout << field(queue, "name") << "\t" << field(queue, "visible") << "\t"
                      << field(queue, "in_flight") << "\t" << field(queue, "delayed") << "\t"
                      << field(queue, "dlq") << "\t" << field(queue, "max_receive_count") << "\n";
        }
    } else if (action == "peek") {
        for (const auto& message : answer->find("items")->as_array()) {
            std::cout << "#" << field(message, "id")
                      << " receives=" << field(message, "receive_count")
                      << " last_error=" << field(message, "last_error") << "\n";
        }
    } else {
        const char* label = action == "redrive" ? "redriven" : "purged";
        std::cout << label << " " << field(answer.value(), label) << "\n";
    }
    return 0;
}

}  // namespace restock
