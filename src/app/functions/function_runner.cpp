#include "app/functions/function_runner.h"

#include <algorithm>
#include <chrono>

#include "app/engine_client.h"
#include "support/thread_name.h"

namespace restock {
namespace {
// An idle worker sleeps until its queue's next message is due (a retry after its backoff, or a
// message whose receiver did not settle it in time), or until the engine signals a new one; at
// most this long, as a safety net.
constexpr auto kMaxIdleWait = std::chrono::milliseconds(1000);

std::chrono::milliseconds idle_wait(const Invocation& invocation) {
    if (!invocation.next_visible_in_ms) return kMaxIdleWait;
    // +1: a message due in 0.4 ms is reported as due in 0 ms.
    return std::min(kMaxIdleWait, std::chrono::milliseconds(*invocation.next_visible_in_ms + 1));
}

void settle(CommandSink& engine, const FunctionSpec& spec, const LogSink& log,
            const QueueMessage& message, const HandlerResult& result) {
    Outcome outcome = Done{};
    switch (result.settle) {
        case HandlerResult::Settle::kSettled:
            return;
        case HandlerResult::Settle::kAck:
            outcome = submit_and_wait(engine, QueueAck{message.id, message.receive_count});
            break;
        case HandlerResult::Settle::kFail:
            outcome =
                submit_and_wait(engine, QueueFail{message.id, message.receive_count, result.error});
            if (const auto* done = std::get_if<Done>(&outcome)) {
                log("warn", spec.name + ": message " + std::to_string(message.id) + " failed (" +
                                result.error + "); " + done->note);
            }
            break;
    }
    if (const auto* error = std::get_if<Error>(&outcome)) {
        // The message stays in flight and is redelivered after its visibility timeout.
        log("warn", spec.name + ": cannot settle message " + std::to_string(message.id) + ": " +
                        error->message);
    }
}

}  // namespace

Invocation invoke_once(CommandSink& engine, const FunctionSpec& spec, const Handler& handler,
                       const LogSink& log) {
    Outcome received = submit_and_wait(engine, QueueReceive{spec.queue, 1});
    const auto* messages = std::get_if<MessagesOutcome>(&received);
    if (messages == nullptr || messages->messages.empty()) {
        if (const auto* error = std::get_if<Error>(&received)) {
            log("warn", spec.name + ": cannot receive from " + spec.queue + ": " + error->message);
        }
        return Invocation{false, messages ? messages->next_visible_in_ms : std::nullopt};
    }
    const QueueMessage& message = messages->messages.front();
    HandlerResult result;
    try {
        result = handler(message);
    } catch (const std::exception& e) {
        result = HandlerResult::fail(std::string("handler threw: ") + e.what());
    }
    settle(engine, spec, log, message, result);
    return Invocation{true, std::nullopt};
}

FunctionRunner::FunctionRunner(CommandSink& engine, QueueSignals& signals, FunctionSpec spec,
                               Handler handler, LogSink log)
    : engine_(engine),
      signals_(signals),
      spec_(std::move(spec)),
      handler_(std::move(handler)),
      log_(std::move(log)) {
    for (int i = 0; i < std::max(1, spec_.concurrency); ++i) {
        workers_.push_back(start_named_thread("restock-function", [this] { work(); }));
    }
}

FunctionRunner::~FunctionRunner() {
    stopping_ = true;
    signals_.notify(spec_.queue);
    for (auto& worker : workers_) worker.join();
}

void FunctionRunner::work() {
    while (!stopping_) {
        const uint64_t seen = signals_.generation(spec_.queue);
        const Invocation invocation = invoke_once(engine_, spec_, handler_, log_);
        if (!invocation.handled) signals_.wait(spec_.queue, seen, idle_wait(invocation));
    }
}

}  // namespace restock
