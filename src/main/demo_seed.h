// The demo's start-up: a few products, and fresh keys printed for curl.
#pragma once

#include "app/stock_engine.h"
#include "main/config.h"
#include "ports/clock.h"
#include "ports/stock_store.h"

namespace restock {

// Creates the demo products that do not exist yet, and a new admin and storefront key.
// Prints the keys and a few curl lines to stdout.
Status seed_demo(StockEngine& engine, KeyStore& keys, const Clock& clock, const Config& config);

// Submits one command and waits for its durable outcome.
Outcome submit_and_wait(StockEngine& engine, Command command);

}  // namespace restock
