#include "main/admin_cli.h"

#include <cctype>
#include <cstdlib>
#include <iostream>

#include "adapters/curl/curl_http_client.h"
#include "core/ascii.h"
#include "main/cli_support.h"

namespace restock {
namespace {

std::string env_or(const char* name, std::string fallback) {
    const char* value = std::getenv(name);
    return value && *value ? std::string(value) : std::move(fallback);
}

}  // namespace

int cli_usage_error(const std::string& tool, const std::string& message) {
    const std::string command = tool.empty() ? "restock" : "restock " + tool;
    std::cerr << command << ": " << message << "\n(" << command << " --help shows the usage)\n";
    return 2;
}

int AdminCommand::usage_error(const std::string& message) const {
    return cli_usage_error(tool, message);
}

std::variant<AdminCommand, int> parse_admin_command(std::string tool, const char* usage,
                                                    const std::vector<std::string>& args,
                                                    const std::set<std::string>& flags,
                                                    std::size_t names) {
    AdminCommand command;
    command.tool = std::move(tool);
    // Every option takes a value.
    if (asks_for_help(args, [](std::string_view) { return true; }) ||
        (!args.empty() && args[0] == "help")) {
        std::cout << usage;
        return 0;
    }
    if (args.empty()) return command.usage_error("name an action");
    command.action = args[0];
    std::size_t positional = 0;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i].rfind("--", 0) == 0) {
            if (i + 1 >= args.size()) return command.usage_error(args[i] + " needs a value");
            const std::string flag = args[i].substr(2);
            if (flag != "url" && flag != "key" && flags.count(flag) == 0) {
                return command.usage_error("unknown option " + args[i]);
            }
            command.flags[flag] = args[++i];
        } else if (positional < names) {
            (positional++ == 0 ? command.name : command.second) = args[i];
        } else {
            return command.usage_error("unexpected argument '" + args[i] + "'");
        }
    }
    command.url = std::string(without_trailing_slashes(
        command.flag("url", env_or("RESTOCK_URL", "http://127.0.0.1:8080"))));
    command.key = command.flag("key", env_or("RESTOCK_KEY", ""));
    if (command.key.empty()) {
        return command.usage_error("an admin key is needed: --key KEY or RESTOCK_KEY");
    }
    return command;
}

std::string AdminCommand::flag(const std::string& name, std::string fallback) const {
    auto it = flags.find(name);
    return it == flags.end() ? std::move(fallback) : it->second;
}

std::optional<json::Value> AdminCommand::call(const std::string& method,
                                              const std::string& path) const {
    HttpCall request;
    request.method = method;
    request.url = url + path;
    request.headers = {{"Authorization", "Bearer " + key}};
    request.timeout_ms = 10'000;
    curl::CurlHttpClient http;
    auto answer = http.send(request);
    if (!answer) {
        std::cerr << "restock " << tool << ": " << answer.error().message << "\n";
        return std::nullopt;
    }
    auto parsed = json::parse(answer->body);
    if (answer->status != 200) {
        // The problem's detail, or the raw body if it is not problem+json.
        std::string detail = answer->body;
        if (parsed && parsed->kind() == json::Value::Kind::kObject) {
            if (const auto* d = parsed->find("detail");
                d && d->kind() == json::Value::Kind::kString) {
                detail = d->as_string();
            }
        }
        std::cerr << "restock " << tool << ": HTTP " << answer->status << ": " << detail << "\n";
        return std::nullopt;
    }
    if (!parsed || parsed->kind() != json::Value::Kind::kObject) {
        std::cerr << "restock " << tool
                  << ": the server answered 200 with unexpected JSON: " << answer->body << "\n";
        return std::nullopt;
    }
    return std::move(parsed.value());
}

std::string url_encoded(const std::string& text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out += {'%', kHex[c >> 4], kHex[c & 15]};
        }
    }
    return out;
}

const std::vector<json::Value>* items_of(const AdminCommand& command, const json::Value& answer) {
    const json::Value* items = answer.find("items");
    if (items == nullptr || items->kind() != json::Value::Kind::kArray) {
        std::cerr << "restock " << command.tool << ": the answer has no \"items\" list\n";
        return nullptr;
    }
    return &items->as_array();
}

std::string field(const json::Value& object, const char* name) {
    if (object.kind() != json::Value::Kind::kObject) return "-";
    const json::Value* value = object.find(name);
    if (value == nullptr || value->is_null()) return "-";
    if (value->kind() == json::Value::Kind::kInteger) return std::to_string(value->as_integer());
    if (value->kind() == json::Value::Kind::kBool) return value->as_bool() ? "true" : "false";
    if (value->kind() == json::Value::Kind::kString) return table_cell(value->as_string());
    return "?";
}

}  // namespace restock
