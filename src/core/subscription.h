// Topic subscriptions: who hears of which events.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace restock {

enum class Protocol { kQueue, kWebhook, kEmail };

struct Subscription {
    std::string id;  // "sub_<n>"
    std::string topic;
    Protocol protocol = Protocol::kQueue;
    std::string endpoint;                  // queue name, https URL, or email address
    std::vector<std::string> event_types;  // empty: every event
    std::string secret;                    // webhook signing secret ("whsec_..."); empty otherwise
    int64_t created_at_ms = 0;
};

std::string_view to_string(Protocol protocol);
std::optional<Protocol> parse_protocol(std::string_view text);

bool matches(const Subscription& subscription, std::string_view event_type);

// Checks endpoint syntax per protocol (queue names, http(s) URLs, addresses) and the filter.
Status validate_subscription(const Subscription& subscription);

// The only topic so far.
inline constexpr std::string_view kStockEventsTopic = "stock-events";

// Factories: where restock orders for a factory id go.
struct Factory {
    std::string id;
    std::string url;  // base URL; orders go to {url}/api/manufactures
    std::string format = "legacy";
    int64_t timeout_ms = 5000;
    int64_t created_at_ms = 0;
    // Days from an order to its arrival, as the factory promises (unset: the store's default,
    // EngineOptions::default_lead_time_days). An acknowledged order not received by then is
    // overdue.
    std::optional<int64_t> lead_time_days;
};

inline constexpr int64_t kMaxLeadTimeDays = 365;

Status validate_factory(const Factory& factory);

}  // namespace restock
