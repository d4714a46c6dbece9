#include "app/engine_client.h"

#include <condition_variable>
#include <mutex>
#include <optional>

namespace restock {

Outcome submit_and_wait(CommandSink& sink, Command command) {
    // A mutex and a condition variable on this stack frame rather than a promise: no shared
    // state on the heap, and when `done` runs before submit() returns (a stepped engine) no
    // system call at all (a promise's set_value always made one: measured 1 futex call per
    // command in `restock simulate`). `done` notifies while it holds the lock, so this frame
    // cannot return, and the state go, before `done` has stopped touching it.
    std::mutex mutex;
    std::condition_variable answered;
    std::optional<Outcome> outcome;
    Submission submission;
    submission.command = std::move(command);
    submission.done = [&](Outcome answer) {
        std::lock_guard lock(mutex);
        outcome = std::move(answer);
        answered.notify_one();
    };
    sink.submit(std::move(submission));
    std::unique_lock lock(mutex);
    answered.wait(lock, [&] { return outcome.has_value(); });
    return std::move(*outcome);
}

}  // namespace restock
