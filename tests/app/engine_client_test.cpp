// submit_and_wait: the outcome comes back whether the sink answers before submit() returns (a
// stepped engine) or later, from another thread (the engine thread after its sync).
#include "app/engine_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

namespace restock::testing {
namespace {

// Answers every command at once.
class AnsweringSink final : public CommandSink {
  public:
    void submit(Submission submission) override {
        submission.done(make_error(ErrorCode::kNotFound, "answered-at-once", "now"));
    }
};

// Answers each command from a thread of its own, after a pause.
class LateSink final : public CommandSink {
  public:
    ~LateSink() override {
        for (auto& thread : threads_) thread.join();
    }
    void submit(Submission submission) override {
        threads_.emplace_back([submission = std::move(submission)]() mutable {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            submission.done(make_error(ErrorCode::kNotFound, "answered-later", "later"));
        });
    }

  private:
    std::vector<std::thread> threads_;
};

std::string slug_of(const Outcome& outcome) {
    const auto* error = std::get_if<Error>(&outcome);
    return error == nullptr ? "" : error->slug;
}

TEST(SubmitAndWait, ReturnsAnOutcomeGivenBeforeSubmitReturns) {
    AnsweringSink sink;
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(slug_of(submit_and_wait(sink, QueueReceive{"q", 1})), "answered-at-once");
    }
}

TEST(SubmitAndWait, WaitsForAnOutcomeGivenLaterOnAnotherThread) {
    LateSink sink;
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(slug_of(submit_and_wait(sink, QueueReceive{"q", 1})), "answered-later");
    EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(20));
}

}  // namespace
}  // namespace restock::testing
