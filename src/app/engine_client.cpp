#include "app/engine_client.h"

#include <future>

namespace restock {

Outcome submit_and_wait(CommandSink& sink, Command command) {
    std::promise<Outcome> promise;
    auto future = promise.get_future();
    Submission submission;
    submission.command = std::move(command);
    submission.done = [&promise](Outcome outcome) { promise.set_value(std::move(outcome)); };
    sink.submit(std::move(submission));
    return future.get();
}

}  // namespace restock
