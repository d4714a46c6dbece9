// Config: every setting of `restock serve`, validated once at start-up.
// Precedence: defaults < config file (restock.toml) < RESTOCK_* environment < flags.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"

namespace restock {

int default_io_threads();

struct Config {
    std::string data_dir = "./data";
    // A PostgreSQL connection URI (postgresql://user:password@host:5432/db): the store, shared
    // by every node given the same one. Empty: SQLite under data_dir, owned by this process.
    std::string store_url;
    // Where the other nodes of one database reach this one (they forward writes to it while it
    // is the writer). Default: http://<listen>, with the port actually bound. This and the other
    // URLs below are bases that paths are appended to: kept without trailing slashes.
    std::string node_url;
    int forward_concurrency = 32;         // requests in flight to the writer at once (shared store)
    int64_t forward_timeout_ms = 10'000;  // a forwarded request's budget, failover waits included
    int64_t lease_ttl_ms = 2'000;         // the writer lease: a dead writer is replaced after this
    std::string listen = "127.0.0.1:8080";
    std::string public_url;  // default: http://<listen>
    std::string ads_url;     // the Ads API; empty: ads are not managed
    std::string smtp_url;    // e.g. smtp://127.0.0.1:25; empty: email subscriptions fail clearly
    std::string mail_from = "restock@localhost";
    int function_concurrency = 2;  // worker threads per function
    // One I/O thread handles about 65k checkouts/s; on 2 cores a second one only competes with
    // the engine's threads. Default: cores - 2, at least 1.
    int io_threads = default_io_threads();
    int64_t body_limit_bytes = 64 * 1024;
    // A connection that has not sent a whole header this long after it was opened or after its
    // last answer (the keep-alive idle wait included) is closed; so is one whose body, or whose
    // taking of an answer, lasts longer than body_timeout_ms.
    int64_t header_timeout_ms = 30'000;
    int64_t body_timeout_ms = 10'000;
    int64_t max_batch = 4096;
    // Under load a ready group commit may wait this long for the clients it just answered to
    // send their next requests, so they share one sync (app/commit_gathering.h). 0: never.
    int64_t group_commit_wait_us = 1000;
    bool access_log = true;
    int64_t idempotency_retention_hours = 24;
    // The lead time of a factory registered without lead_time_days: an acknowledged restock
    // order not received this many days after it was placed is overdue.
    int64_t default_lead_time_days = 14;
    // How long a dashboard login lasts (absolute, from the login; logout ends it sooner).
    int64_t session_ttl_minutes = 12 * 60;
    // A queue whose oldest waiting message is older than this raises a queue_stale alarm.
    int64_t alarm_queue_age_s = 300;

    std::string host() const;
    uint16_t port() const;
};

// Parses flags (--name value or --name=value), the environment and the config file named by
// --config / RESTOCK_CONFIG. Unknown keys and bad values are errors. `rest` receives arguments
// that are not flags.
Result<Config> load_config(const std::vector<std::string>& args, std::vector<std::string>* rest);

// Parses the `key = value` subset of TOML used by restock.toml.
Result<std::map<std::string, std::string>> parse_toml(const std::string& text);

}  // namespace restock
