#include "main/demo_status.h"

#include "support/time_format.h"

namespace restock {
namespace {

// The "items" of a list answer, or nullptr.
const std::vector<json::Value>* items(const json::Value* answer) {
    if (answer == nullptr || answer->kind() != json::Value::Kind::kObject) return nullptr;
    const json::Value* list = answer->find("items");
    if (list == nullptr || list->kind() != json::Value::Kind::kArray) return nullptr;
    return &list->as_array();
}

const json::Value* member(const json::Value& object, std::string_view name,
                          json::Value::Kind kind) {
    if (object.kind() != json::Value::Kind::kObject) return nullptr;
    const json::Value* value = object.find(name);
    return value != nullptr && value->kind() == kind ? value : nullptr;
}

std::string text(const json::Value& object, std::string_view name) {
    const json::Value* value = member(object, name, json::Value::Kind::kString);
    return value ? value->as_string() : "?";
}

std::string number(const json::Value& object, std::string_view name) {
    const json::Value* value = member(object, name, json::Value::Kind::kInteger);
    return value ? std::to_string(value->as_integer()) : "?";
}

bool is_open(const std::string& status) {
    return status == "pending" || status == "sent" || status == "acknowledged";
}

}  // namespace

std::string demo_status_legend(int every_seconds) {
    return "Status, every " + std::to_string(every_seconds) +
           " s:  TIME ok=N refused=N | SKU=AVAILABLE+ON_ORDER ... | orders open=N received=N | "
           "dlq NAME=DEPTH ...\n"
           "  TIME          when the line was taken (UTC)\n"
           "  ok, refused   the storefront traffic's checkouts so far: accepted, and refused for "
           "lack of stock\n"
           "  SKU=A+O       each product: A available now, O on order (what its open restock "
           "order still brings)\n"
           "  orders        restock orders open now (pending, sent, acknowledged) and received "
           "so far\n"
           "  dlq           each dead-letter queue: messages waiting in it (restock queues peek "
           "NAME)\n";
}

std::string demo_status_line(const DemoStatus& status) {
    std::string line = format_rfc3339(status.now_ms);
    if (line.size() > 20) line = line.substr(0, 19) + "Z";  // seconds are enough here
    line += " ok=" + std::to_string(status.accepted) +
            " refused=" + std::to_string(status.refused) + " |";
    if (const auto* products = items(status.products)) {
        for (const auto& p : *products) {
            line +=
                " " + text(p, "sku") + "=" + number(p, "available") + "+" + number(p, "on_order");
        }
        if (products->empty()) line += " (no products)";
    } else {
        line += " stock ?";
    }
    line += " | orders";
    if (const auto* orders = items(status.orders)) {
        int64_t open = 0, received = 0;
        for (const auto& o : *orders) {
            const std::string state = text(o, "status");
            open += is_open(state);
            received += state == "received";
        }
        line += " open=" + std::to_string(open) + " received=" + std::to_string(received);
    } else {
        line += " ?";
    }
    line += " | dlq";
    if (const auto* queues = items(status.queues)) {
        for (const auto& q : *queues) {
            // A DLQ is a queue without a DLQ of its own.
            const json::Value* dlq =
                q.kind() == json::Value::Kind::kObject ? q.find("dlq") : nullptr;
            if (dlq == nullptr || !dlq->is_null()) continue;
            int64_t depth = 0;
            for (const char* count : {"visible", "in_flight", "delayed"}) {
                if (const auto* n = member(q, count, json::Value::Kind::kInteger)) {
                    depth += n->as_integer();
                }
            }
            line += " " + text(q, "name") + "=" + std::to_string(depth);
        }
    } else {
        line += " ?";
    }
    return line;
}

}  // namespace restock
