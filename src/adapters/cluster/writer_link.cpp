#include "adapters/cluster/writer_link.h"

#include <thread>

namespace restock::cluster {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr auto kPause = std::chrono::milliseconds(50);  // between attempts at one writer

Error no_writer() {
    return make_error(ErrorCode::kUnavailable, "unavailable",
                      "no node takes writes right now (the writer is changing); nothing was "
                      "changed, retry");
}

}  // namespace

std::variant<NodeResponse, Error> WriterLink::send(const NodeRequest& request, bool repeatable) {
    const auto deadline = SteadyClock::now() + std::chrono::milliseconds(options_.timeout_ms);
    int64_t tried_generation = -1;
    while (true) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
        if (left.count() <= 0 || stopping_) return no_writer();
        const auto writer = leadership_.writer();
        // This node itself only if it has become the writer meanwhile: its own server then
        // executes the request.
        const bool self = writer && writer->node_id == options_.node_id;
        // A writer that died and was restarted at this node's address: wait for its lease to
        // expire rather than send the request to ourselves.
        const bool predecessor = writer && !self && writer->node_url == leadership_.node_url();
        if (!writer || !writer->live || (self && leadership_.local() == nullptr) || predecessor ||
            writer->generation == tried_generation) {
            // No writer elsewhere yet (or the one we tried failed): look again and wait.
            leadership_.poke();
            leadership_.wait_for_writer(std::min(left, kPause));
            std::this_thread::sleep_for(std::min(left, kPause));
            tried_generation = -1;
            continue;
        }
        auto sent = client_.send(writer->node_url, request, static_cast<int>(left.count()));
        if (auto* response = std::get_if<NodeResponse>(&sent)) {
            if (!response->not_writer) return std::move(*response);
            tried_generation = writer->generation;  // it let go meanwhile: find the next one
            continue;
        }
        const NodeFailure& failure = std::get<NodeFailure>(sent);
        if (failure.delivered && !repeatable) {
            return make_error(ErrorCode::kStoreLost, "outcome-unknown",
                              "the writer node went away while handling this request; it may "
                              "or may not have been executed (" +
                                  failure.error.message +
                                  "). Send writes with an Idempotency-Key to retry them safely");
        }
        tried_generation = writer->generation;
    }
}

}  // namespace restock::cluster
