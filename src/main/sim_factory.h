// The simulated world of `restock simulate`: a clock that moves a day at a time, and a factory
// behind the HttpClient port that accepts every legacy order and ships it whole after a lead
// time drawn from LeadTimeSampler. The order-dispatch function calls it exactly as it calls a
// real factory over HTTP. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "main/lead_time_sampler.h"
#include "ports/clock.h"
#include "ports/http_client.h"

namespace restock::sim {

// 2025-01-01T00:00:00Z: day 0 of every simulation.
inline constexpr int64_t kEpochMs = 1'735'689'600'000;
inline constexpr int64_t kDayMs = 86'400'000;

class SimClock final : public Clock {
  public:
    int64_t now_ms() const override { return now_ms_.load(std::memory_order_relaxed); }
    void set_day(int64_t day) { now_ms_.store(kEpochMs + day * kDayMs, std::memory_order_relaxed); }
    int64_t day() const { return (now_ms() - kEpochMs) / kDayMs; }

  private:
    std::atomic<int64_t> now_ms_{kEpochMs};
};

// An order the factory accepted, on its way.
struct Shipment {
    std::string callback_url;  // as the order gave it, token and all
    std::string sku;
    int64_t qty = 0;
    int64_t ordered_day = 0;
};

class SimFactory final : public HttpClient {
  public:
    SimFactory(const SimClock& clock, LeadTimeSampler lead_times)
        : clock_(clock), lead_times_(std::move(lead_times)) {}

    // POST .../api/manufactures: 200 and the order scheduled, or 400 for a body the legacy
    // factory would refuse.
    Result<HttpAnswer> send(const HttpCall& call) override;

    // The shipments due on `day`, in the order they were accepted; they are forgotten.
    std::vector<Shipment> take_due(int64_t day);
    // The SKUs of the orders accepted since the last call, in order; they are forgotten.
    std::vector<std::string> take_accepted();
    // Orders accepted so far, and still on their way.
    int64_t accepted() const;
    std::size_t in_transit() const;

  private:
    const SimClock& clock_;
    mutable std::mutex mutex_;
    LeadTimeSampler lead_times_;
    std::map<int64_t, std::vector<Shipment>> due_;  // by arrival day
    std::vector<std::string> accepted_skus_;
    int64_t accepted_ = 0;
    std::size_t in_transit_ = 0;
};

}  // namespace restock::sim
