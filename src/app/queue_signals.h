// QueueSignals: lets function runners sleep until a queue they consume may have work, instead
// of polling the store. The engine notifies after a commit that made messages deliverable.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>

namespace restock {

class QueueSignals {
  public:
    void notify(const std::string& queue) {
        {
            std::lock_guard lock(mutex_);
            ++generation_[queue];
        }
        changed_.notify_all();
    }

    // Every queue: notifications may have been missed (another node's, while disconnected).
    void notify_all() {
        {
            std::lock_guard lock(mutex_);
            for (auto& [queue, generation] : generation_) ++generation;
        }
        changed_.notify_all();
    }

    uint64_t generation(const std::string& queue) {
        std::lock_guard lock(mutex_);
        return generation_[queue];
    }

    // Waits until the queue's generation moves past `seen` or the timeout passes.
    void wait(const std::string& queue, uint64_t seen, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, timeout, [&] { return generation_[queue] != seen || closed_; });
    }

    void close() {
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        changed_.notify_all();
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::map<std::string, uint64_t> generation_;
    bool closed_ = false;
};

}  // namespace restock
