#include "main/cli.h"

#include <iostream>

#include "factory_sim/factory_sim.h"
#include "main/admin_cli.h"
#include "main/cli_support.h"
#include "main/composition_root.h"
#include "main/config.h"
#include "main/demo.h"
#include "main/keys_cli.h"
#include "main/orders_cli.h"
#include "main/queues_cli.h"
#include "main/simulate_cli.h"
#include "support/system_clock.h"

namespace restock {
namespace {

constexpr const char* kUsage =
    R"(usage: restock COMMAND [options]    (restock COMMAND --help: its options)

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
  keys      create --role admin|storefront|factory --name NAME
            list   [--name NAME]
            revoke NAME
            (each with --data-dir DIR, or --store-url URL for a PostgreSQL store)
  queues    list | peek NAME | redrive NAME [ID] | purge NAME | delete NAME ID
            [--url URL] [--key ADMIN_KEY]
            (talks to the running server; RESTOCK_URL and RESTOCK_KEY work too)
  orders    list [--limit N] | show ID | cancel ID   [--url URL] [--key ADMIN_KEY]
            restock orders, the same way
  simulate  --demand FILE --products FILE [--lead-time-days L] [--lead-time-sd S] [--days N]
            [--warmup-days W] [--seed N] [--json]
            replays a demand trace through the real engine with a simulated clock and factory
  factory-sim --listen HOST:PORT [--delay-ms N] [--fail-rate F] [--hang-rate F] [--hang-ms N]
            an imitation of the legacy factory API, for the demo and the tests
  version   print the version

Settings may also come from restock.toml (--config) and RESTOCK_* environment variables,
e.g. RESTOCK_DATA_DIR, RESTOCK_STORE_URL, RESTOCK_LISTEN.
)";

constexpr const char* kServeUsage = R"(usage: restock serve [options]
Runs the HTTP API (docs/api.md) and the restock loop's functions.
  --data-dir DIR            the SQLite store's directory (./data); created if missing, with a
                            "created data dir" log line
  --store-url URL           postgresql://USER:PASSWORD@HOST:PORT/DB: a shared PostgreSQL store,
                            one node of any number (unset: SQLite under --data-dir)
  --listen HOST:PORT        where to listen (127.0.0.1:8080; port 0: any free one)
  --public-url URL          the base of factory callback URLs (http://<listen>)
  --node-url URL            how the other nodes of a shared store reach this one (http://<listen>)
  --ads-url URL             the Ads API (unset: ads are not managed)
  --smtp-url URL  --mail-from ADDRESS    email subscriptions
  --config FILE             a restock.toml (also RESTOCK_CONFIG)
  --io-threads N  --max-batch N (4096)  --group-commit-wait-us N (1000)
  --body-limit-bytes N (65536)  --header-timeout-ms N (30000)  --body-timeout-ms N (10000)
  --lease-ttl-ms N (2000)  --forward-timeout-ms N (10000)  --forward-concurrency N (32)
  --function-concurrency N (2)  --idempotency-retention-hours N (24)
  --no-access-log           no access line per request
Every option is also --name=value, a key of restock.toml (max_batch = 4096) and a RESTOCK_*
variable (RESTOCK_MAX_BATCH=4096). URLs given with a trailing slash mean the same without it.
)";

constexpr const char* kDemoUsage = R"(usage: restock demo [options]
The restock loop on one machine: serve, plus `restock factory-sim` as a child process, demo
products and factories, fresh admin and storefront keys printed once, and storefront traffic.
Every 5 s a status line: a timestamp, checkouts, each product's stock, open restock orders and
each dead-letter queue's depth (a legend says which is which before the first one).
The options are serve's (restock serve --help); the data dir (./data) is created if missing.
)";

constexpr const char* kVersionUsage = "usage: restock version\nPrints the version.\n";

// serve and demo: every option takes a value but --no-access-log.
bool serve_option_takes_value(std::string_view option) { return option != "--no-access-log"; }

int run_serve_or_demo(const std::string& command, const std::vector<std::string>& args) {
    if (asks_for_help(args, serve_option_takes_value)) {
        std::cout << (command == "serve" ? kServeUsage : kDemoUsage);
        return 0;
    }
    std::vector<std::string> rest;
    auto config = load_config(args, &rest);
    if (!config) return cli_usage_error(command, config.error().message);
    if (!rest.empty())
        return cli_usage_error(command, "unexpected argument '" + rest.front() + "'");
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

}  // namespace

int run_cli(const std::vector<std::string>& args) {
    if (args.empty()) {
        std::cout << kUsage;
        return 2;
    }
    const std::string& command = args[0];
    std::vector<std::string> rest(args.begin() + 1, args.end());
    if (command == "help" || command == "--help" || command == "-h") {
        // `restock help COMMAND` is `restock COMMAND --help`.
        if (rest.empty()) {
            std::cout << kUsage;
            return 0;
        }
        return run_cli({rest[0], "--help"});
    }
    if (command == "version" || command == "--version") {
        if (asks_for_help(rest, [](std::string_view) { return false; })) {
            std::cout << kVersionUsage;
            return 0;
        }
        if (!rest.empty())
            return cli_usage_error("version", "unexpected argument '" + rest[0] + "'");
        std::cout << "restock " << RESTOCK_VERSION << "\n";
        return 0;
    }
    if (command == "keys") return run_keys_cli(rest);
    if (command == "queues") return run_queues_cli(rest);
    if (command == "orders") return run_orders_cli(rest);
    if (command == "factory-sim") return run_factory_sim(rest);
    if (command == "simulate") return run_simulate_cli(rest);
    if (command == "serve" || command == "demo") return run_serve_or_demo(command, rest);
    return cli_usage_error("", "unknown command '" + command + "'");
}

}  // namespace restock
