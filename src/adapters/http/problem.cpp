#include "adapters/http/problem.h"

#include <array>
#include <utility>

#include "json/json.h"

namespace restock::http {

int status_for(ErrorCode code) {
    switch (code) {
        case ErrorCode::kInvalidArgument:
            return 400;
        case ErrorCode::kNotFound:
            return 404;
        case ErrorCode::kAlreadyExists:
            return 409;
        case ErrorCode::kConflict:
            return 409;
        case ErrorCode::kUnprocessable:
            return 422;
        case ErrorCode::kUnavailable:
        case ErrorCode::kStoreLost:
            return 503;
        case ErrorCode::kInternal:
            return 500;
    }
    return 500;
}

std::string_view title_for(std::string_view slug) {
    static constexpr std::pair<std::string_view, std::string_view> kTitles[] = {
        {"invalid-json", "Malformed JSON"},
        {"invalid-request", "Invalid request"},
        {"invalid-query", "Invalid query parameter"},
        {"unauthorized", "Missing or invalid API key"},
        {"forbidden", "Not allowed"},
        {"cross-site-request", "Cross-site request refused"},
        {"too-many-streams", "Too many event streams"},
        {"not-found", "No such resource"},
        {"product-not-found", "Unknown product"},
        {"order-not-found", "Unknown restock order"},
        {"factory-not-found", "Unknown factory"},
        {"factory-in-use", "Factory in use"},
        {"queue-not-found", "Unknown queue"},
        {"topic-not-found", "Unknown topic"},
        {"subscription-not-found", "Unknown subscription"},
        {"message-not-found", "Unknown queue message"},
        {"message-in-flight", "Queue message in flight"},
        {"no-source-queue", "No source queue"},
        {"order-closed", "Restock order already closed"},
        {"not-a-dlq", "Not a dead-letter queue"},
        {"sku-mismatch", "SKU does not match the order"},
        {"stale-receipt", "Receipt no longer valid"},
        {"method-not-allowed", "Method not allowed"},
        {"payload-too-large", "Request body too large"},
        {"headers-too-large", "Request headers too large"},
        {"unsupported-media-type", "Unsupported media type"},
        {"insufficient-stock", "Insufficient stock"},
        {"negative-stock", "Stock cannot go negative"},
        {"stock-limit", "Stock limit exceeded"},
        {"product-exists", "Product already exists"},
        {"duplicate-reference", "Reference already used"},
        {"unknown-sku", "Unknown SKU"},
        {"idempotency-key-reuse", "Idempotency-Key reused with another request"},
        {"invalid-idempotency-key", "Invalid Idempotency-Key"},
        {"unavailable", "Service temporarily unavailable"},
        {"outcome-unknown", "Outcome unknown"},
        {"not-ready", "Not ready"},
        {"cursor-ahead", "Cursor ahead of the log"},
        {"reservation-not-found", "Unknown reservation"},
        {"reservation-exists", "Reservation already exists"},
        {"reservation-closed", "Reservation no longer held"},
        {"unknown-reservation", "Unknown reservation"},
        {"reservation-mismatch", "Lines differ from the reservation's"},
        {"checkout-not-found", "Unknown order"},
        {"release-exceeds-order", "Release exceeds what the order took"},
        {"sku-not-in-order", "SKU not in the order"},
        {"product-archived", "Product archived"},
        {"unknown-factory", "Unknown factory"},
        {"bad-request", "Malformed HTTP request"},
        {"internal", "Internal error"},
    };
    for (const auto& [known, title] : kTitles) {
        if (known == slug) return title;
    }
    return "Error";
}

std::string problem_type(std::string_view slug) {
    return "https://restock.dev/problems/" + std::string(slug);
}

std::string problem_body(int status, std::string_view slug, std::string_view detail,
                         std::string_view instance, std::string_view request_id,
                         std::string_view extra_members) {
    std::string body;
    body.reserve(256 + detail.size() + extra_members.size());
    json::Writer w(body);
    w.begin_object()
        .key("type")
        .value(problem_type(slug))
        .key("title")
        .value(title_for(slug))
        .key("status")
        .value(status)
        .key("detail")
        .value(detail)
        .key("instance")
        .value(instance)
        .key("request_id")
        .value(request_id);
    body += extra_members;
    w.end_object();
    return body;
}

}  // namespace restock::http
