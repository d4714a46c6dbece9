// LatencyHistogram: durations counted in fixed buckets, as a Prometheus histogram exposes them.
// observe() from one thread at a time; snapshot() from any (relaxed atomics: a snapshot taken
// during an observation may count it in the bucket and not yet in the sum, which a scrape
// tolerates). No I/O.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace restock {

class LatencyHistogram {
  public:
    // Upper bounds in seconds; one more bucket, +Inf, holds the rest. From a fast local fsync
    // (~0.5 ms) to a stalled disk or a PostgreSQL failover (seconds).
    static constexpr std::array<double, 14> kBoundsSeconds = {
        0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};

    struct Snapshot {
        std::array<uint64_t, kBoundsSeconds.size() + 1> counts{};  // per bucket, not cumulative
        uint64_t count = 0;
        double sum_seconds = 0;
    };

    void observe(std::chrono::nanoseconds duration) {
        const double seconds = std::chrono::duration<double>(duration).count();
        std::size_t bucket = 0;
        while (bucket < kBoundsSeconds.size() && seconds > kBoundsSeconds[bucket]) ++bucket;
        counts_[bucket].fetch_add(1, std::memory_order_relaxed);
        sum_ns_.fetch_add(static_cast<uint64_t>(duration.count() > 0 ? duration.count() : 0),
                          std::memory_order_relaxed);
    }

    Snapshot snapshot() const {
        Snapshot s;
        for (std::size_t i = 0; i < counts_.size(); ++i) {
            s.counts[i] = counts_[i].load(std::memory_order_relaxed);
            s.count += s.counts[i];
        }
        s.sum_seconds = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
        return s;
    }

  private:
    std::array<std::atomic<uint64_t>, kBoundsSeconds.size() + 1> counts_{};
    std::atomic<uint64_t> sum_ns_{0};
};

}  // namespace restock
