// The one place that builds the object graph: store, engine, readers, auth, API, server.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "app/command_sink.h"
#include "main/config.h"
#include "ports/stock_store.h"

namespace restock {

struct ServerHooks {
    // What this process is, as named to a second process refused the same data dir.
    std::string command = "restock serve";
    // After the engine is ready, before the server accepts traffic.
    std::function<Status(CommandSink& engine, KeyStore& keys)> on_start;
    // Once the server listens, with its port.
    std::function<void(uint16_t port)> on_listening;
};

// Serves until SIGINT/SIGTERM. Returns the process exit code.
int run_server(const Config& config, const ServerHooks& hooks = {});

// Blocks SIGINT and SIGTERM in the calling thread, and so in every thread it starts from now on:
// run_server() then takes them with sigwait. Call it before starting any thread (the demo's
// child process handling): a thread that did not block them would take the signal's default
// action and end the process on the spot.
void block_termination_signals();

}  // namespace restock
