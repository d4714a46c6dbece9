// CommitGathering: whether a ready group commit should wait for more submissions, and for how
// many. Pure logic: the engine does the waiting.
//
// Under load from clients that each wait for their answer (a storefront's workers, a load
// generator), the engine's batches become convoys: a sync ends, the batch's answers go out,
// and over the next moments those clients send their next requests. Writing as soon as the
// first one arrives makes a batch of one or two that costs a whole sync (on a VM an fdatasync
// also takes ~100 µs of CPU), while the rest of the convoy waits for that sync to end anyway.
// So after a large batch, a ready batch waits — at most `window` — until as many submissions
// are pending as the last batch had; then the convoy shares one sync.
//
// Waiting is for convoys only. After a small batch (light load) it never waits: a lone request
// is written at once. And when a wait runs out before its count arrives, arrivals do not follow
// the answers (or the clients have gone), so the next batch is written without waiting; that
// keeps traffic that arrives on its own from paying the window on every commit.
//
// PostgreSQL (commit_delay with commit_siblings) and MySQL (binlog_group_commit_sync_delay with
// binlog_group_commit_sync_no_delay_count) have the same knob with a fixed count; here the
// count follows the load.
#pragma once

#include <chrono>
#include <cstddef>

namespace restock {

struct GatherOptions {
    std::chrono::microseconds window{1000};  // the longest a ready batch waits; 0: never waits
    std::size_t min_batch = 8;               // only after a batch at least this large
};

class CommitGathering {
  public:
    explicit CommitGathering(GatherOptions options = {}) : options_(options) {}

    // The engine is ready to write `pending` submissions: how many to wait for, at most
    // window() long. Not more than `pending`: write now (always, once, after a wait that ran
    // out).
    std::size_t wait_for(std::size_t pending);
    std::chrono::microseconds window() const { return options_.window; }

    // The engine waited for wait_for()'s count; `arrived`: the count was reached in time.
    // (Not called when wait_for() said to write now.)
    void waited(bool arrived) { skip_next_ = !arrived; }
    // The engine took a batch of `size` submissions.
    void taken(std::size_t size) { last_batch_ = size; }

  private:
    const GatherOptions options_;
    std::size_t last_batch_ = 0;
    bool skip_next_ = false;
};

}  // namespace restock
