#include "core/subscription.h"

#include <algorithm>

#include "core/event.h"
#include "core/requests.h"

namespace restock {
namespace {

bool is_http_url(std::string_view url) {
    const bool scheme = url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
    if (!scheme || url.size() > 2048) return false;
    const auto host_start = url.find("//") + 2;
    if (host_start >= url.size() || url[host_start] == '/') return false;
    return std::none_of(url.begin(), url.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f;
    });
}

bool is_email(std::string_view address) {
    const auto at = address.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 >= address.size()) return false;
    if (address.find('@', at + 1) != std::string_view::npos) return false;
    return is_valid_token(address, 254) && address.find(' ') == std::string_view::npos &&
           address.find('<') == std::string_view::npos &&
           address.find('>') == std::string_view::npos;
}

bool is_known_event_type(std::string_view type) { return parse_event_type(type).has_value(); }

}  // namespace

std::string_view to_string(Protocol protocol) {
    switch (protocol) {
        case Protocol::kQueue:
            return "queue";
        case Protocol::kWebhook:
            return "webhook";
        case Protocol::kEmail:
            return "email";
    }
    return "queue";
}

std::optional<Protocol> parse_protocol(std::string_view text) {
    for (auto p : {Protocol::kQueue, Protocol::kWebhook, Protocol::kEmail}) {
        if (to_string(p) == text) return p;
    }
    return std::nullopt;
}

bool matches(const Subscription& subscription, std::string_view event_type) {
    if (subscription.event_types.empty()) return true;
    return std::find(subscription.event_types.begin(), subscription.event_types.end(),
                     event_type) != subscription.event_types.end();
}

Status validate_subscription(const Subscription& s) {
    switch (s.protocol) {
        case Protocol::kQueue:
            if (!is_valid_identifier(s.endpoint))
                return invalid_request("endpoint must be a queue name");
            break;
        case Protocol::kWebhook:
            if (!is_http_url(s.endpoint))
                return invalid_request("endpoint must be an http:// or https:// URL");
            break;
        case Protocol::kEmail:
            if (!is_email(s.endpoint)) return invalid_request("endpoint must be an email address");
            break;
    }
    if (s.event_types.size() > 16) return invalid_request("filter.type lists at most 16 types");
    for (const auto& type : s.event_types) {
        if (!is_known_event_type(type))
            return invalid_request("filter.type: unknown event type '" + type + "'");
    }
    return ok_status();
}

Status validate_factory(const Factory& f) {
    if (!is_valid_token(f.id, 64))
        return invalid_request("id must be 1 to 64 printable ASCII characters");
    if (!is_http_url(f.url)) return invalid_request("url must be an http:// or https:// URL");
    if (f.url.find_first_of("?#") != std::string::npos)
        return invalid_request("url must not have a query or fragment");
    if (f.format != "legacy") return invalid_request("format must be \"legacy\"");
    if (f.timeout_ms < 100 || f.timeout_ms > 120'000)
        return invalid_request("timeout_ms must be between 100 and 120000");
    if (f.lead_time_days && (*f.lead_time_days < 1 || *f.lead_time_days > kMaxLeadTimeDays)) {
        return invalid_request("lead_time_days must be between 1 and " +
                               std::to_string(kMaxLeadTimeDays) + ", or null");
    }
    return ok_status();
}

}  // namespace restock
