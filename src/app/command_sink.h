// CommandSink: where commands go to be executed by the single writer. On an embedded store
// that is this process's StockEngine; on a store shared by several nodes it is whichever node
// holds the writer lease, reached from the others through a link that forwards each command.
#pragma once

#include "app/commands.h"

namespace restock {

class CommandSink {
  public:
    virtual ~CommandSink() = default;
    // Executes the command; `done` is called exactly once with its outcome, once durable (see
    // Submission). Thread-safe; never blocks on the command itself.
    virtual void submit(Submission submission) = 0;
};

}  // namespace restock
