// Wrappers that put faults between the engine and a real or fake store, in the manner of
// LevelDB's EnvWrapper / FaultInjectionTestEnv:
//   StockStoreWrapper   forwards every call to a target store; override what you need.
//   FaultInjectingStore fails chosen commits, fails reads, or holds commits (or syncs) at a gate
//                       so a test can queue several submissions into one engine batch
//                       deterministically.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ports/stock_store.h"

namespace restock::testing {

class StockStoreWrapper : public StockStore {
  public:
    explicit StockStoreWrapper(StockStore& target) : target_(target) {}
    Result<EngineSnapshot> load() override { return target_.load(); }
    Status write(const WriteBatch& batch) override { return target_.write(batch); }
    Status sync() override { return target_.sync(); }
    Result<std::unique_ptr<StockReader>> open_reader() override { return target_.open_reader(); }
    bool shared() const override { return target_.shared(); }
    Result<std::string> callback_secret() override { return target_.callback_secret(); }
    Result<int64_t> expire_idempotency(int64_t before_ms) override {
        return target_.expire_idempotency(before_ms);
    }
    StockStore& target() { return target_; }

  private:
    StockStore& target_;
};

// What one commit() call was asked to write.
struct BatchShape {
    std::size_t products = 0;
    std::size_t movements = 0;
    std::size_t events = 0;
    std::size_t idempotency = 0;
    std::size_t receipts = 0;
    bool failed = false;
};

class FaultInjectingStore final : public StockStoreWrapper {
  public:
    explicit FaultInjectingStore(StockStore& target) : StockStoreWrapper(target) {}
    ~FaultInjectingStore() override {
        release_commits();
        release_syncs();
    }

    Result<EngineSnapshot> load() override;
    // Whether a commit fails is decided when it is called, before it waits at the gate.
    Status write(const WriteBatch& batch) override;
    Status sync() override;
    Result<std::unique_ptr<StockReader>> open_reader() override;

    // The next `count` commits fail with kUnavailable, writing nothing.
    void fail_next_commits(std::size_t count);
    // The next commit ends with kStoreLost, as a connection that dies during COMMIT: the batch
    // is written to the target (`applied`) or not, and the writer cannot know which.
    void lose_next_commit(bool applied);
    void fail_load(bool fail);
    // Readers opened through this wrapper (before or after) fail every call while set.
    void fail_reads(bool fail);
    bool reads_failing() const;

    // Commits wait at the gate until release_commits().
    void hold_commits() { set_held(commits_, true); }
    void release_commits() { set_held(commits_, false); }
    // Blocks until a commit is waiting at the gate.
    void wait_until_commit_held() { wait_until_held(commits_); }

    // Syncs wait at their own gate until release_syncs().
    void hold_syncs() { set_held(syncs_, true); }
    void release_syncs() { set_held(syncs_, false); }
    // Blocks until a sync is waiting at the gate.
    void wait_until_sync_held() { wait_until_held(syncs_); }

    std::vector<BatchShape> batches() const;

  private:
    struct Gate {
        bool held = false;
        std::size_t waiting = 0;
    };
    // Waits while `gate` is held. REQUIRES: `lock` holds mutex_.
    void pass(std::unique_lock<std::mutex>& lock, Gate& gate);
    void set_held(Gate& gate, bool held);
    void wait_until_held(Gate& gate);

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::size_t fail_commits_ = 0;
    std::optional<bool> lose_commit_;  // set: the next commit is lost, applied or not
    bool fail_load_ = false;
    bool fail_reads_ = false;
    Gate commits_;
    Gate syncs_;
    std::vector<BatchShape> batches_;
};

}  // namespace restock::testing
