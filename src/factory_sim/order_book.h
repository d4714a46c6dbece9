// OrderBook: the orders the simulated factory accepted and what became of their callbacks.
// Keeps the newest kMaxOrders orders (older ones are forgotten). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "factory_sim/legacy_order.h"

namespace restock::factory_sim {

enum class CallbackState { kNone, kPending, kDelivered, kFailed };
std::string_view callback_state_name(CallbackState state);

// The result of one callback attempt.
struct CallbackAttempt {
    std::optional<int> status;  // the HTTP status, or nothing on a transport error
    std::string error;          // transport error (no query string), or ""
    bool delivered = false;     // a 2xx
    bool final = false;         // no further attempt will follow
};

struct FactoryOrder {
    uint64_t seq = 0;
    int64_t received_at_ms = 0;  // wall clock
    ManufactureRequest request;
    CallbackState callback_state = CallbackState::kNone;
    std::optional<int> callback_status;
    std::string callback_error;
    int callback_attempts = 0;
};

class OrderBook {
  public:
    static constexpr std::size_t kMaxOrders = 100'000;

    // Records an order and returns its sequence number (1, 2, ...).
    uint64_t add(ManufactureRequest request, int64_t received_at_ms, CallbackState state);
    std::optional<FactoryOrder> find(uint64_t seq) const;
    // Marks a (re)scheduled callback as pending. False if the order is unknown.
    bool mark_pending(uint64_t seq);
    void record_attempt(uint64_t seq, const CallbackAttempt& attempt);

    // {"orders":[...]} with orders whose seq > after, oldest first, at most `limit` of them.
    // Callback URLs appear only as "callback_url_host_path" (host:port/path, no query).
    std::string to_json(uint64_t after, std::size_t limit) const;

  private:
    FactoryOrder* locate(uint64_t seq);  // REQUIRES: mutex_ held

    mutable std::mutex mutex_;
    std::deque<FactoryOrder> orders_;  // consecutive seqs, orders_.front().seq == first_seq_
    uint64_t first_seq_ = 1;
    uint64_t next_seq_ = 1;
};

}  // namespace restock::factory_sim
