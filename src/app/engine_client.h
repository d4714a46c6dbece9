// Synchronous use of the engine, for background workers and start-up code (never for I/O
// threads, which must not block).
#pragma once

#include "app/stock_engine.h"

namespace restock {

// Submits one command and waits for its durable outcome.
Outcome submit_and_wait(StockEngine& engine, Command command);

}  // namespace restock
