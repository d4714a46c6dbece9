// The one place that builds the object graph: store, engine, readers, auth, API, server.
#pragma once

#include <functional>
#include <memory>

#include "app/stock_engine.h"
#include "main/config.h"
#include "ports/stock_store.h"

namespace restock {

// Runs at start-up, after the engine is ready and before the server accepts traffic.
using StartupHook = std::function<Status(StockEngine& engine, KeyStore& keys)>;

// Serves until SIGINT/SIGTERM. Returns the process exit code.
int run_server(const Config& config, const StartupHook& on_start = {});

}  // namespace restock
