#include "main/queues_cli.h"

#include <cstdlib>
#include <iostream>
#include <map>

#include "adapters/curl/curl_http_client.h"
#include "json/json.h"

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

int usage(const std::string& message) {
    std::cerr << "restock queues: " << message << "\n\n" << kUsage;
    return 2;
}

std::string env_or(const char* name, std::string fallback) {
    const char* value = std::getenv(name);
    return value && *value ? std::string(value) : std::move(fallback);
}

// Prints the problem's detail for a failed call; returns the exit code.
int report_failure(const Result<HttpAnswer>& answer) {
    if (!answer) {
        std::cerr << "restock queues: " << answer.error().message << "\n";
        return 1;
    }
    std::string detail = answer->body;
    if (auto parsed = json::parse(answer->body);
        parsed && parsed->kind() == json::Value::Kind::kObject) {
        if (const auto* d = parsed->find("detail"); d && d->kind() == json::Value::Kind::kString) {
            detail = d->as_string();
        }
    }
    std::cerr << "restock queues: HTTP " << answer->status << ": " << detail << "\n";
    return 1;
}

std::string field(const json::Value& object, const char* name) {
    const json::Value* value = object.find(name);
    if (value == nullptr || value->is_null()) return "-";
    if (value->kind() == json::Value::Kind::kInteger) return std::to_string(value->as_integer());
    if (value->kind() == json::Value::Kind::kString) return value->as_string();
    return "?";
}

}  // namespace

int run_queues_cli(const std::vector<std::string>& args) {
    if (args.empty()) return usage("name an action");
    const std::string action = args[0];
    std::string name;
    std::map<std::string, std::string> flags;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i].rfind("--", 0) == 0) {
            if (i + 1 >= args.size()) return usage(args[i] + " needs a value");
            const std::string flag = args[i].substr(2);
            if (flag != "url" && flag != "key" && flag != "limit") {
                return usage("unknown option " + args[i]);
            }
            flags[flag] = args[++i];
        } else if (name.empty()) {
            name = args[i];
        } else {
            return usage("unexpected argument '" + args[i] + "'");
        }
    }
    const std::string url =
        flags.count("url") ? flags["url"] : env_or("RESTOCK_URL", "http://127.0.0.1:8080");
    const std::string key = flags.count("key") ? flags["key"] : env_or("RESTOCK_KEY", "");
    if (key.empty()) return usage("an admin key is needed: --key KEY or RESTOCK_KEY");

    HttpCall call;
    call.headers = {{"Authorization", "Bearer " + key}};
    call.timeout_ms = 10'000;
    if (action == "list") {
        call.method = "GET";
        call.url = url + "/v1/queues";
    } else if (action == "peek" || action == "redrive" || action == "purge") {
        if (name.empty()) return usage(action + " needs a queue name");
        if (action == "peek") {
            call.method = "GET";
            call.url = url + "/v1/queues/" + name +
                       "/messages?limit=" + (flags.count("limit") ? flags["limit"] : "50");
        } else if (action == "redrive") {
            call.method = "POST";
            call.url = url + "/v1/queues/" + name + "/redrive";
        } else {
            call.method = "DELETE";
            call.url = url + "/v1/queues/" + name + "/messages";
        }
    } else {
        return usage("unknown action '" + action + "'");
    }

    curl::CurlHttpClient http;
    auto answer = http.send(call);
    if (!answer || answer->status != 200) return report_failure(answer);
    auto parsed = json::parse(answer->body);
    if (!parsed) {
        std::cout << answer->body << "\n";
        return 0;
    }
    if (action == "list") {
        std::cout << "name\tvisible\tin_flight\tdelayed\tdlq\tmax_receive_count\n";
        for (const auto& queue : parsed->find("items")->as_array()) {
            std::cout << field(queue, "name") << "\t" << field(queue, "visible") << "\t"
                      << field(queue, "in_flight") << "\t" << field(queue, "delayed") << "\t"
                      << field(queue, "dlq") << "\t" << field(queue, "max_receive_count") << "\n";
        }
    } else if (action == "peek") {
        for (const auto& message : parsed->find("items")->as_array()) {
            std::cout << "#" << field(message, "id")
                      << " receives=" << field(message, "receive_count")
                      << " last_error=" << field(message, "last_error") << "\n";
        }
    } else {
        const char* label = action == "redrive" ? "redriven" : "purged";
        std::cout << label << " " << field(parsed.value(), label) << "\n";
    }
    return 0;
}

}  // namespace restock
