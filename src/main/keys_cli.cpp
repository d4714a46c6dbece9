#include "main/keys_cli.h"

#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>

#include "adapters/postgres/pg_connection.h"
#include "app/api_keys.h"
#include "app/authenticator.h"
#include "core/requests.h"
#include "main/admin_cli.h"
#include "main/cli_support.h"
#include "main/store_factory.h"
#include "support/system_clock.h"
#include "support/time_format.h"

namespace restock {
namespace {

constexpr const char* kUsage =
    R"(usage: restock keys ACTION [options] [--data-dir DIR | --store-url URL]
  create --role admin|storefront|factory --name NAME
                  a new key, printed once, alone on the last line (stored as SHA-256); a
                  revoked key's name may be used again, a live key's may not
  list [--name NAME]
                  every key, or those named NAME: name, role, created_at, revoked_at
  revoke NAME     revoke the live key named NAME (also --name NAME); effective within 5 s
The store: --data-dir DIR (default ./data, or $RESTOCK_DATA_DIR), or --store-url
postgresql://USER:PASSWORD@HOST:PORT/DB ($RESTOCK_STORE_URL) for a PostgreSQL store.
create makes a data dir it is given (--data-dir or $RESTOCK_DATA_DIR) if missing, and says
so; the default ./data must exist already. list and revoke need an existing store.
)";

constexpr const char* kListHeader = "name\trole\tcreated_at\trevoked_at\n";

int fail(const std::string& message) {
    std::cerr << "restock keys: " << message << "\n";
    return 1;
}

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value ? std::string(value) : std::string();
}

struct KeysCommand {
    std::string action;
    std::string name;  // --name, or revoke's NAME
    std::optional<std::string> role;
    std::optional<std::string> data_dir;  // given: --data-dir or RESTOCK_DATA_DIR
    std::string store_url;
};

// The arguments after "keys", checked against what `action` takes.
std::variant<KeysCommand, int> parse(const std::vector<std::string>& args) {
    KeysCommand command;
    if (args.empty()) return cli_usage_error("keys", "name an action: create, list or revoke");
    command.action = args[0];
    if (command.action != "create" && command.action != "list" && command.action != "revoke") {
        return cli_usage_error("keys", "unknown action '" + command.action + "'");
    }
    std::map<std::string, std::string> flags;
    std::string positional;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg.rfind("--", 0) != 0) {
            if (command.action != "revoke" || !positional.empty()) {
                return cli_usage_error("keys", "unexpected argument '" + arg + "'");
            }
            positional = arg;
            continue;
        }
        const std::string flag = arg.substr(2);
        if (flag != "data-dir" && flag != "store-url" && flag != "role" && flag != "name") {
            return cli_usage_error("keys", "unknown option " + arg);
        }
        if (i + 1 >= args.size()) return cli_usage_error("keys", arg + " needs a value");
        if (!flags.emplace(flag, args[++i]).second) {
            return cli_usage_error("keys", arg + " is given twice");
        }
    }
    if (flags.count("role") && command.action != "create") {
        return cli_usage_error("keys", command.action + " takes no --role");
    }
    if (!positional.empty() && flags.count("name")) {
        return cli_usage_error("keys", "revoke takes the name once: NAME or --name NAME");
    }
    auto flag = [&flags](const char* name) -> std::optional<std::string> {
        auto it = flags.find(name);
        return it == flags.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    if (flag("name") && flag("name")->empty()) {
        return cli_usage_error("keys", "--name needs a non-empty value");
    }
    command.name = positional.empty() ? flag("name").value_or("") : positional;
    command.role = flag("role");
    if (command.action == "create" && (!command.role || command.name.empty())) {
        return cli_usage_error("keys", "create needs --role and --name");
    }
    if (command.action == "revoke" && command.name.empty()) {
        return cli_usage_error("keys", "revoke needs the name of a key: revoke NAME");
    }
    command.data_dir = flag("data-dir");
    if (!command.data_dir && !env("RESTOCK_DATA_DIR").empty()) {
        command.data_dir = env("RESTOCK_DATA_DIR");
    }
    command.store_url = flag("store-url").value_or(env("RESTOCK_STORE_URL"));
    return command;
}

int list(KeyStore& store, const std::string& name) {
    auto keys = store.list_keys();
    if (!keys) return fail(keys.error().message);
    std::cout << kListHeader;  // also when there is no key: an empty list, not nothing said
    for (const auto& key : keys.value()) {
        if (!name.empty() && key.name != name) continue;
        std::cout << table_cell(key.name) << "\t" << key.role << "\t"
                  << format_rfc3339(key.created_at_ms) << "\t"
                  << (key.revoked_at_ms ? format_rfc3339(*key.revoked_at_ms) : "-") << "\n";
    }
    return 0;
}

}  // namespace

int run_keys_cli(const std::vector<std::string>& args) {
    if (asks_for_help(args, [](std::string_view) { return true; }) ||
        (!args.empty() && args[0] == "help")) {
        std::cout << kUsage;
        return 0;
    }
    auto parsed = parse(args);
    if (const int* exit_code = std::get_if<int>(&parsed)) return *exit_code;
    const KeysCommand& command = std::get<KeysCommand>(parsed);
    if (!command.store_url.empty()) {
        if (auto valid = pg::check_url(command.store_url); !valid) {
            return cli_usage_error("keys", valid.error().message);
        }
    }
    // Bad input changes nothing: checked before the store is opened (or its dir made).
    std::optional<Role> role;
    if (command.action == "create") {
        role = parse_role(*command.role);
        if (!role) return cli_usage_error("keys", "--role must be admin, storefront or factory");
        if (!is_valid_identifier(command.name)) {
            return fail("key name must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' or '-'");
        }
    }

    // No command makes a data dir it was not given (docs/operations.md, "Data dirs").
    const std::string data_dir = command.data_dir.value_or("./data");
    Missing missing = Missing::kNeedStore;
    if (command.action == "create")
        missing = command.data_dir ? Missing::kCreate : Missing::kNeedDir;
    auto opened = open_store(data_dir, command.store_url, StoreUse::kKeys, "restock keys", missing);
    if (!opened) {
        if (opened.error().slug != "no-store") {
            return fail("cannot open the store: " + opened.error().message);
        }
        const std::string hint =
            command.action == "create"
                ? "give --data-dir DIR (created if missing) or --store-url URL"
                : "give the --data-dir of an existing store, or --store-url URL";
        return fail(opened.error().message + (command.data_dir ? "" : " (the default)") +
                    ", and none is created for " + command.action + ": " + hint);
    }
    if (opened->created_data_dir()) {
        std::cerr << "restock keys: created data dir " << data_dir << "\n";
    }
    KeyStore& store = opened.value().keys();
    SystemClock clock;
    if (command.action == "list") return list(store, command.name);
    if (command.action == "create") {
        auto created = create_api_key(store, clock, *role, command.name);
        if (!created) return fail(created.error().message);
        std::cerr << "created " << created->record.role << " key '" << created->record.name
                  << "'; it is shown once, store it now:\n";
        std::cout << created->key << std::endl;
        return 0;
    }
    if (auto s = store.revoke_key(command.name, clock.now_ms()); !s) return fail(s.error().message);
    std::cout << "revoked '" << command.name << "' (effective within "
              << Authenticator::kCacheMs / 1000 << " s on running servers)\n";
    return 0;
}

}  // namespace restock
