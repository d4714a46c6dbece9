// What the admin commands that talk to a running server share (`restock queues`, `restock
// orders`): their arguments, the HTTP call with an admin key, and how a failure is reported.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "json/json.h"
#include "ports/http_client.h"

namespace restock {

struct AdminCommand {
    std::string tool;                          // "queues", "orders": names the command in messages
    std::string action;                        // the first argument
    std::string name;                          // the optional second one (a queue, an order id)
    std::string second;                        // and the third (a message id), where allowed
    std::map<std::string, std::string> flags;  // --flag value, only the allowed ones
    // --url, $RESTOCK_URL or http://127.0.0.1:8080, without trailing slashes (the same server).
    std::string url;
    std::string key;  // --key or $RESTOCK_KEY

    // Prints a usage error (one line, and where the usage is); returns the exit code (2).
    int usage_error(const std::string& message) const;
    // The value of --`name`, or `fallback`.
    std::string flag(const std::string& name, std::string fallback) const;
    // GET/POST/DELETE `path` (from the server's root) with the admin key. A failure (no answer,
    // or a status other than 200) is printed and gives nullopt: exit code 1.
    std::optional<json::Value> call(const std::string& method, const std::string& path) const;
};

// Parses "ACTION [NAME [SECOND]] [--flag VALUE]..." with `flags` besides --url and --key, and
// at most `names` arguments after the action. A usage error is printed and returned as the
// exit code; so is a request for help (--help, -h, or the action "help"): `usage` on stdout,
// exit code 0.
std::variant<AdminCommand, int> parse_admin_command(std::string tool, const char* usage,
                                                    const std::vector<std::string>& args,
                                                    const std::set<std::string>& flags,
                                                    std::size_t names = 1);

// A usage error of `restock TOOL`: "restock TOOL: MESSAGE" and where the usage is, on stderr.
// Returns the exit code (2).
int cli_usage_error(const std::string& tool, const std::string& message);

// A field of a JSON object as text for a table: "-" when absent or null.
std::string field(const json::Value& object, const char* name);

// `text` percent-encoded for a URL path segment or query value (only unreserved characters
// stay), so a name with '/', '?', '#' or a space reaches the server as the one name it is.
std::string url_encoded(const std::string& text);

// The "items" array of a list answer; nullptr (after a message) when the answer has none.
const std::vector<json::Value>* items_of(const AdminCommand& command, const json::Value& answer);

}  // namespace restock
