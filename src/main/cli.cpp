#include "main/cli.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>

#include "adapters/postgres/pg_connection.h"
#include "app/api_keys.h"
#include "app/authenticator.h"
#include "factory_sim/factory_sim.h"
#include "main/composition_root.h"
#include "main/config.h"
#include "main/demo.h"
#include "main/orders_cli.h"
#include "main/queues_cli.h"
#include "main/store_factory.h"
#include "support/system_clock.h"
#include "support/time_format.h"

namespace restock {
namespace {

constexpr const char* kUsage = R"(usage: restock COMMAND [options]

commands:
  serve     run the HTTP API
            --data-dir DIR (./data)  --listen HOST:PORT (127.0.0.1:8080)  --public-url URL
            --store-url postgresql://USER:PASSWORD@HOST:PORT/DB (a shared PostgreSQL store:
            any number of nodes; unset: SQLite under --data-dir)  --node-url URL
            --ads-url URL  --config FILE  --io-threads N  --max-batch N  --body-limit-bytes N
            --header-timeout-ms N (30000)  --body-timeout-ms N (10000)
            --group-commit-wait-us N (1000)  --no-access-log
  demo      serve + a factory simulator (separate process) + storefront traffic, with demo
            products and freshly printed admin and storefront keys (same options as serve)
  keys      create --data-dir DIR --role admin|storefront|factory --name NAME
            list   --data-dir DIR
            revoke --data-dir DIR --name NAME
            (or --store-url URL instead of --data-dir, for a PostgreSQL store)
  queues    list | peek NAME | redrive NAME | purge NAME   [--url URL] [--key ADMIN_KEY]
            (talks to the running server; RESTOCK_URL and RESTOCK_KEY work too)
  orders    list [--limit N] | show ID | cancel ID   [--url URL] [--key ADMIN_KEY]
            restock orders, the same way
  factory-sim --listen HOST:PORT [--delay-ms N] [--fail-rate F] [--hang-rate F] [--hang-ms N]
            an imitation of the legacy factory API, for the demo and the tests
  version   print the version

Settings may also come from restock.toml (--config) and RESTOCK_* environment variables,
e.g. RESTOCK_DATA_DIR, RESTOCK_STORE_URL, RESTOCK_LISTEN.
)";

int usage_error(const std::string& message) {
    std::cerr << "restock: " << message << "\n\n" << kUsage;
    return 2;
}

// --name value pairs for the keys command.
bool key_flags(const std::vector<std::string>& args, std::size_t from,
               std::map<std::string, std::string>& out, std::string& error) {
    for (std::size_t i = from; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg.rfind("--", 0) != 0 || i + 1 >= args.size()) {
            error = "unexpected argument '" + arg + "'";
            return false;
        }
        const std::string name = arg.substr(2);
        if (name != "data-dir" && name != "store-url" && name != "role" && name != "name") {
            error = "unknown option '" + arg + "'";
            return false;
        }
        out[name] = args[++i];
    }
    return true;
}

int run_keys(const std::vector<std::string>& args) {
    if (args.size() < 2) return usage_error("keys needs create, list or revoke");
    const std::string& action = args[1];
    std::map<std::string, std::string> flags;
    std::string error;
    if (!key_flags(args, 2, flags, error)) return usage_error(error);
    std::string data_dir = "./data";
    if (const char* env = std::getenv("RESTOCK_DATA_DIR")) data_dir = env;
    if (flags.count("data-dir")) data_dir = flags["data-dir"];
    std::string store_url;
    if (const char* env = std::getenv("RESTOCK_STORE_URL")) store_url = env;
    if (flags.count("store-url")) store_url = flags["store-url"];
    if (!store_url.empty()) {
        if (auto valid = pg::check_url(store_url); !valid)
            return usage_error(valid.error().message);
    }

    auto opened = open_store(data_dir, store_url, StoreUse::kKeys, "restock keys");
    if (!opened) {
        std::cerr << "restock: cannot open the store: " << opened.error().message << "\n";
        return 1;
    }
    KeyStore& store = opened.value().keys();
    SystemClock clock;
    if (action == "create") {
        if (!flags.count("role") || !flags.count("name"))
            return usage_error("keys create needs --role and --name");
        auto role = parse_role(flags["role"]);
        if (!role) return usage_error("--role must be admin, storefront or factory");
        auto created = create_api_key(store, clock, *role, flags["name"]);
        if (!created) {
            std::cerr << "restock: " << created.error().message << "\n";
            return 1;
        }
        std::cerr << "created " << created->record.role << " key '" << created->record.name
                  << "'; it is shown once, store it now:\n";
        std::cout << created->key << std::endl;
        return 0;
    }
    if (action == "list") {
        auto keys = store.list_keys();
        if (!keys) {
            std::cerr << "restock: " << keys.error().message << "\n";
            return 1;
        }
        for (const auto& key : keys.value()) {
            std::cout << key.name << "\t" << key.role << "\tcreated "
                      << format_rfc3339(key.created_at_ms)
                      << (key.revoked_at_ms ? "\trevoked " + format_rfc3339(*key.revoked_at_ms)
                                            : "")
                      << "\n";
        }
        return 0;
    }
    if (action == "revoke") {
        if (!flags.count("name")) return usage_error("keys revoke needs --name");
        if (auto s = store.revoke_key(flags["name"], clock.now_ms()); !s) {
            std::cerr << "restock: " << s.error().message << "\n";
            return 1;
        }
        std::cout << "revoked '" << flags["name"] << "' (effective within "
                  << Authenticator::kCacheMs / 1000 << " s on running servers)\n";
        return 0;
    }
    return usage_error("unknown keys action '" + action + "'");
}

}  // namespace

int run_cli(const std::vector<std::string>& args) {
    if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
        std::cout << kUsage;
        return args.empty() ? 2 : 0;
    }
    const std::string& command = args[0];
    if (command == "version" || command == "--version") {
        std::cout << "restock " << RESTOCK_VERSION << "\n";
        return 0;
    }
    if (command == "keys") return run_keys(args);
    if (command == "queues") {
        return run_queues_cli(std::vector<std::string>(args.begin() + 1, args.end()));
    }
    if (command == "orders") {
        return run_orders_cli(std::vector<std::string>(args.begin() + 1, args.end()));
    }
    if (command == "factory-sim") {
        return run_factory_sim(std::vector<std::string>(args.begin() + 1, args.end()));
    }
    if (command == "serve" || command == "demo") {
        std::vector<std::string> rest;
        auto config = load_config(std::vector<std::string>(args.begin() + 1, args.end()), &rest);
        if (!config) return usage_error(config.error().message);
        if (!rest.empty()) return usage_error("unexpected argument '" + rest.front() + "'");
        if (command == "serve") return run_server(config.value());
        // Before the demo starts a thread: Ctrl-C must reach run_server's sigwait, not end
        // the process outright with the simulator left running. (The child starts with
        // default signal handling: ChildProcess resets its mask.)
        block_termination_signals();
        auto demo = Demo::start(config.value(), DemoOptions{});
        if (!demo) {
            std::cerr << "restock: cannot start the demo: " << demo.error().message << "\n";
            return 1;
        }
        ServerHooks hooks;
        hooks.command = "restock demo";
        hooks.on_start = [&](CommandSink& engine, KeyStore& keys) {
            SystemClock clock;
            return demo.value()->seed(engine, keys, clock);
        };
        hooks.on_listening = [&](uint16_t port) { demo.value()->on_listening(port); };
        const int code = run_server(config.value(), hooks);
        demo.value().reset();
        return code;
    }
    return usage_error("unknown command '" + command + "'");
}

}  // namespace restock
