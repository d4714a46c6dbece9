// Synchronous use of the engine, for background workers and start-up code (never for I/O
// threads, which must not block).
#pragma once

#include "app/command_sink.h"

namespace restock {

// Submits one command and waits for its durable outcome.
Outcome submit_and_wait(CommandSink& sink, Command command);

}  // namespace restock
