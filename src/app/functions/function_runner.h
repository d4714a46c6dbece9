// FunctionRunner: runs one function — a stateless handler with a queue trigger, bounded
// concurrency (worker threads) and a timeout — until stopped. Each worker receives one message
// at a time from the engine, calls the handler, and acknowledges or fails the message, so the
// queue's retry policy and dead-letter queue apply. Thread-safe to construct and destroy.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "app/command_sink.h"
#include "app/log_sink.h"
#include "app/queue_signals.h"
#include "app/stock_engine.h"

namespace restock {

struct FunctionSpec {
    std::string name;     // e.g. "order-dispatch"
    std::string queue;    // its trigger
    int concurrency = 2;  // each handler bounds its own outbound calls (see its config)
};

// What the handler did with the message.
struct HandlerResult {
    enum class Settle { kAck, kFail, kSettled };  // kSettled: the handler's command did it
    Settle settle = Settle::kAck;
    std::string error;  // for kFail: kept as the message's last error

    static HandlerResult ack() { return {Settle::kAck, ""}; }
    static HandlerResult fail(std::string error) { return {Settle::kFail, std::move(error)}; }
    static HandlerResult settled() { return {Settle::kSettled, ""}; }
};

using Handler = std::function<HandlerResult(const QueueMessage& message)>;

// What one invocation did.
struct Invocation {
    bool handled = false;  // a message was received, handled and settled
    // Nothing was deliverable: how long until the queue's next message may be.
    std::optional<int64_t> next_visible_in_ms;
};

// One invocation of a function: receives one message of its queue, calls the handler and
// acknowledges or fails the message as it says. FunctionRunner's workers call this in a loop;
// `restock simulate` calls it on its own thread until every queue is empty.
Invocation invoke_once(CommandSink& engine, const FunctionSpec& spec, const Handler& handler,
                       const LogSink& log);

class FunctionRunner {
  public:
    // REQUIRES: engine and signals outlive the runner.
    FunctionRunner(CommandSink& engine, QueueSignals& signals, FunctionSpec spec, Handler handler,
                   LogSink log);
    ~FunctionRunner();  // finishes the invocations in progress, then stops

    const FunctionSpec& spec() const { return spec_; }

  private:
    void work();

    CommandSink& engine_;
    QueueSignals& signals_;
    const FunctionSpec spec_;
    const Handler handler_;
    const LogSink log_;
    std::atomic<bool> stopping_{false};
    std::vector<std::thread> workers_;
};

}  // namespace restock
