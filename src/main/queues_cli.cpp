#include "main/queues_cli.h"

#include <charconv>
#include <iostream>

#include "main/admin_cli.h"
#include "main/cli_support.h"

namespace restock {
namespace {

constexpr const char* kUsage =
    R"(usage: restock queues ACTION [NAME [ID]] [--url URL] [--key KEY] [--limit N]
  list              every queue with its counts and retry policy
  peek NAME         the messages of a queue (--limit, default 50), without consuming them:
                    id, sku, event type, receives, in flight, source queue, last error
  redrive NAME      move a dead-letter queue's messages back to their source queues
  redrive NAME ID   move one message of a dead-letter queue back to its source queue
  purge NAME        delete every message of a queue
  delete NAME ID    delete one message of a queue (refused while it is in flight)
URL defaults to $RESTOCK_URL or http://127.0.0.1:8080; KEY (an admin key) to $RESTOCK_KEY.
)";

constexpr const char* kListHeader = "name\tvisible\tin_flight\tdelayed\tdlq\tmax_receive_count\n";
constexpr const char* kPeekHeader =
    "id\tsku\ttype\treceives\tin_flight\tsource_queue\tlast_error\n";

bool is_message_id(const std::string& text) {
    int64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    return !text.empty() && ec == std::errc() && end == text.data() + text.size() && id > 0;
}

void print_message(const json::Value& message) {
    const json::Value* body =
        message.kind() == json::Value::Kind::kObject ? message.find("body") : nullptr;
    const MessageSubject subject = body ? message_subject(*body) : MessageSubject{};
    std::cout << field(message, "id") << "\t" << subject.sku << "\t" << subject.type << "\t"
              << field(message, "receive_count") << "\t" << field(message, "in_flight") << "\t"
              << field(message, "source_queue") << "\t" << field(message, "last_error") << "\n";
}

}  // namespace

int run_queues_cli(const std::vector<std::string>& args) {
    auto parsed = parse_admin_command("queues", kUsage, args, {"limit"}, /*names=*/2);
    if (const int* exit_code = std::get_if<int>(&parsed)) return *exit_code;
    const AdminCommand& command = std::get<AdminCommand>(parsed);
    const std::string& action = command.action;
    const std::string& name = command.name;
    const std::string& id = command.second;

    std::string method = "GET";
    std::string path;
    if (action != "peek" && command.flags.count("limit")) {
        return command.usage_error(action + " takes no --limit");
    }
    if (action == "list") {
        if (!name.empty()) return command.usage_error("list takes no queue name");
        path = "/v1/queues";
    } else if (action == "delete") {
        if (id.empty()) return command.usage_error("delete needs a queue name and a message id");
    } else if (action == "peek" || action == "redrive" || action == "purge") {
        if (name.empty()) return command.usage_error(action + " needs a queue name");
        if (!id.empty() && action != "redrive") {
            return command.usage_error("unexpected argument '" + id + "'");
        }
    } else {
        return command.usage_error("unknown action '" + action + "'");
    }
    if (!id.empty() && !is_message_id(id)) {
        return command.usage_error("'" + id + "' is not a message id (a positive integer)");
    }
    const std::string queue = "/v1/queues/" + url_encoded(name);
    if (action == "peek") {
        path = queue + "/messages?limit=" + url_encoded(command.flag("limit", "50"));
    } else if (action == "redrive") {
        method = "POST";
        path = id.empty() ? queue + "/redrive" : queue + "/messages/" + id + "/redrive";
    } else if (action == "purge" || action == "delete") {
        method = "DELETE";
        path = queue + "/messages" + (id.empty() ? "" : "/" + id);
    }

    auto answer = command.call(method, path);
    if (!answer) return 1;
    if (action == "list" || action == "peek") {
        const auto* items = items_of(command, answer.value());
        if (items == nullptr) return 1;
        // The header always, so an empty queue reads as one rather than as nothing said.
        std::cout << (action == "list" ? kListHeader : kPeekHeader);
        for (const auto& item : *items) {
            if (action == "peek") {
                print_message(item);
                continue;
            }
            std::cout << field(item, "name") << "\t" << field(item, "visible") << "\t"
                      << field(item, "in_flight") << "\t" << field(item, "delayed") << "\t"
                      << field(item, "dlq") << "\t" << field(item, "max_receive_count") << "\n";
        }
        return 0;
    }
    const char* label = action == "redrive" ? "redriven" : action == "purge" ? "purged" : "deleted";
    std::cout << label << " " << field(answer.value(), label) << "\n";
    return 0;
}

}  // namespace restock
