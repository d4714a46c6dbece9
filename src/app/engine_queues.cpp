// Queue, topic and factory commands of the engine.
#include <algorithm>
#include <charconv>
#include <optional>

#include "app/engine_batch.h"
#include "app/event_json.h"
#include "app/stock_engine.h"
#include "core/ascii.h"
#include "support/crypto.h"

namespace restock {
namespace {

constexpr std::size_t kWebhookSecretBytes = 24;

Error queue_not_found(const std::string& name) {
    return make_error(ErrorCode::kNotFound, "queue-not-found", "no queue named '" + name + "'");
}

Status in_range(const char* name, const std::optional<int64_t>& value, int64_t low, int64_t high) {
    if (value && (*value < low || *value > high)) {
        return invalid_request(std::string(name) + " must be between " + std::to_string(low) +
                               " and " + std::to_string(high));
    }
    return ok_status();
}

// The number of an id like "ro_12": the digits after the first '_'; nullopt if there are none,
// anything else follows, or they do not fit in 64 bits.
std::optional<int64_t> number_of(const std::string& id) {
    const auto underscore = id.find('_');
    if (underscore == std::string::npos ||
        id.find_first_not_of("0123456789", underscore + 1) != std::string::npos) {
        return std::nullopt;
    }
    const char* first = id.data() + underscore + 1;
    const char* last = id.data() + id.size();
    int64_t number = 0;
    const auto [end, error] = std::from_chars(first, last, number);
    if (error != std::errc() || end != last || first == last) return std::nullopt;
    return number;
}

// Newest first: by number, ids without one last.
int64_t order_rank(const std::string& id) { return number_of(id).value_or(-1); }

// Redrive moves a DLQ's messages back: a queue that is none (or none at all) is refused.
std::optional<Error> not_a_dlq(const QueueBook& queues, const std::string& name) {
    const QueuePolicy* policy = queues.policy(name);
    if (policy == nullptr) return queue_not_found(name);
    if (policy->dlq.empty()) return std::nullopt;
    return make_error(ErrorCode::kConflict, "not-a-dlq",
                      "'" + name +
                          "' is not a dead-letter queue; redrive moves a DLQ's messages back to "
                          "their source queues");
}

}  // namespace

Status StockEngine::ack_message(int64_t id, int64_t receive_count) {
    return queues_.ack(id, receive_count);
}

Result<FailOutcome> StockEngine::fail_message(int64_t id, int64_t receive_count, std::string error,
                                              Batch& batch, const std::string& order_id) {
    const QueueMessage* message = queues_.get(id);
    std::string queue = message ? message->queue : "";
    std::string body = message ? message->body : "";
    std::uniform_real_distribution<double> jitter(0.0, 1.0);
    auto failed = queues_.fail(id, receive_count, error, batch.now_ms, jitter(random_));
    if (!failed) return failed;
    if (queue == kRestockOrdersQueue) {
        // The order that has not reached its factory shows why (GET /v1/restock-orders). When
        // delivery gives up, it failed, so a redrive places a new one. An order the factory
        // acknowledged stays as it is, and so does one that is no longer the delivery's
        // (cancelled meanwhile, and replaced by a new order).
        RestockOrder* order = nullptr;
        if (!order_id.empty()) {
            order = find_order(order_id);
        } else if (auto ref = parse_event_ref(body)) {
            if (const Product* product = find(ref->sku)) {
                auto open = open_order_by_product_.find(product->id);
                if (open != open_order_by_product_.end()) order = find_order(open->second.id);
            }
        }
        if (order != nullptr && awaits_factory(order->status)) {
            touch_order(*order, batch);
            order->last_error = std::move(error);
            order->updated_at_ms = batch.now_ms;
            if (failed->dead_lettered) close_order(*order, OrderStatus::kFailed, batch);
        }
    }
    return failed;
}

Outcome StockEngine::apply(const QueueReceive& request, Batch& batch) {
    if (queues_.policy(request.queue) == nullptr) return queue_not_found(request.queue);
    MessagesOutcome outcome{queues_.receive(request.queue, request.max, batch.now_ms), {}};
    if (outcome.messages.empty()) {
        if (auto next = queues_.next_visible_at(request.queue)) {
            outcome.next_visible_in_ms = std::max<int64_t>(0, *next - batch.now_ms);
        }
    }
    return outcome;
}

Outcome StockEngine::apply(const QueueAck& request, Batch&) {
    if (auto s = ack_message(request.id, request.receive_count); !s) return s.error();
    return Done{"acknowledged"};
}

Outcome StockEngine::apply(const QueueFail& request, Batch& batch) {
    auto failed = fail_message(request.id, request.receive_count, request.error, batch);
    if (!failed) return failed.error();
    return Done{failed->dead_lettered ? "dead-lettered to " + failed->queue : "will retry"};
}

Outcome StockEngine::apply(const QueueRedrive& request, Batch& batch) {
    if (auto refused = not_a_dlq(queues_, request.queue)) return *refused;
    auto moved = queues_.redrive(request.queue, batch.now_ms);
    if (!moved) return moved.error();
    return CountOutcome{"redriven", moved.value()};
}

Outcome StockEngine::apply(const QueueDeleteMessage& request, Batch&) {
    if (auto s = queues_.remove(request.queue, request.id); !s) return s.error();
    return CountOutcome{"deleted", 1};
}

Outcome StockEngine::apply(const QueueRedriveMessage& request, Batch& batch) {
    if (auto refused = not_a_dlq(queues_, request.queue)) return *refused;
    auto moved = queues_.redrive_one(request.queue, request.id, batch.now_ms);
    if (!moved) return moved.error();
    return CountOutcome{"redriven", 1};
}

Outcome StockEngine::apply(const QueuePurge& request, Batch&) {
    auto purged = queues_.purge(request.queue);
    if (!purged) return purged.error();
    return CountOutcome{"purged", purged.value()};
}

Outcome StockEngine::apply(const QueuePolicyPatch& request, Batch&) {
    const QueuePolicy* current = queues_.policy(request.queue);
    if (current == nullptr) return queue_not_found(request.queue);
    if (auto s = in_range("max_receive_count", request.max_receive_count, 1, 1000); !s)
        return s.error();
    if (auto s =
            in_range("visibility_timeout_s", request.visibility_timeout_ms, 1000, 12 * 3600 * 1000);
        !s) {
        return s.error();
    }
    if (auto s = in_range("backoff_base_ms", request.backoff_base_ms, 1, 3600 * 1000); !s)
        return s.error();
    if (auto s = in_range("backoff_max_ms", request.backoff_max_ms, 1, 24 * 3600 * 1000); !s)
        return s.error();
    QueuePolicy policy = *current;
    if (request.max_receive_count) policy.max_receive_count = *request.max_receive_count;
    if (request.visibility_timeout_ms)
        policy.visibility_timeout_ms = *request.visibility_timeout_ms;
    if (request.backoff_base_ms) policy.backoff_base_ms = *request.backoff_base_ms;
    if (request.backoff_max_ms) policy.backoff_max_ms = *request.backoff_max_ms;
    if (policy.backoff_max_ms < policy.backoff_base_ms) {
        return invalid_request("backoff_max_ms must be at least backoff_base_ms");
    }
    if (auto s = queues_.set_policy(policy); !s) return s.error();
    QueueInfo info{policy, queues_.counts(policy.name, clock_.now_ms())};
    return QueuesOutcome{{std::move(info)}, /*single=*/true};
}

std::vector<QueueInfo> StockEngine::queue_infos(int64_t now_ms) const {
    std::vector<QueueInfo> infos;
    for (const auto& policy : queues_.policies()) {
        infos.push_back(QueueInfo{policy, queues_.counts(policy.name, now_ms)});
    }
    return infos;
}

Outcome StockEngine::apply(const QueueList&, Batch& batch) {
    QueuesOutcome outcome;
    outcome.queues = queue_infos(batch.now_ms);
    return outcome;
}

Outcome StockEngine::apply(const QueuePeek& request, Batch&) {
    if (queues_.policy(request.queue) == nullptr) return queue_not_found(request.queue);
    return MessagesOutcome{queues_.peek(request.queue, request.limit), {}};
}

Outcome StockEngine::apply(const CreateSubscription& request, Batch& batch) {
    Subscription subscription = request.subscription;
    if (subscription.topic != kStockEventsTopic) {
        return make_error(ErrorCode::kNotFound, "topic-not-found",
                          "no topic named '" + subscription.topic + "'");
    }
    if (auto s = validate_subscription(subscription); !s) return s.error();
    if (subscription.protocol == Protocol::kQueue &&
        queues_.policy(subscription.endpoint) == nullptr) {
        return make_error(ErrorCode::kUnprocessable, "queue-not-found",
                          "no queue named '" + subscription.endpoint + "'");
    }
    subscription.id = "sub_" + std::to_string(++last_subscription_number_);
    subscription.created_at_ms = batch.now_ms;
    if (subscription.protocol == Protocol::kWebhook) {
        subscription.secret = "whsec_" + base64_encode(random_bytes(kWebhookSecretBytes));
    }
    batch.subscriptions.record(subscription.id, std::nullopt);
    auto [it, inserted] = subscriptions_.emplace(subscription.id, std::move(subscription));
    return SubscriptionsOutcome{{it->second}, /*created=*/true};
}

Outcome StockEngine::apply(const DeleteSubscription& request, Batch& batch) {
    auto it = subscriptions_.find(request.id);
    if (it == subscriptions_.end() || it->second.topic != request.topic) {
        return make_error(ErrorCode::kNotFound, "subscription-not-found",
                          "no subscription '" + request.id + "' on topic '" + request.topic + "'");
    }
    batch.subscriptions.record(it->first, it->second);
    subscriptions_.erase(it);
    return Done{"deleted"};
}

Outcome StockEngine::apply(const ListSubscriptions& request, Batch&) {
    if (request.topic != kStockEventsTopic) {
        return make_error(ErrorCode::kNotFound, "topic-not-found",
                          "no topic named '" + request.topic + "'");
    }
    SubscriptionsOutcome outcome;
    for (const auto& [id, subscription] : subscriptions_) {
        if (subscription.topic == request.topic) outcome.subscriptions.push_back(subscription);
    }
    std::sort(outcome.subscriptions.begin(), outcome.subscriptions.end(),
              [](const auto& a, const auto& b) { return order_rank(a.id) < order_rank(b.id); });
    return outcome;
}

Outcome StockEngine::apply(const PutFactory& request, Batch& batch) {
    Factory factory = request.factory;
    // Orders go to {url}/api/manufactures: a base URL given with a trailing slash means the same.
    factory.url = std::string(without_trailing_slashes(factory.url));
    if (auto s = validate_factory(factory); !s) return s.error();
    auto existing = factories_.find(factory.id);
    const bool created = existing == factories_.end();
    batch.factories.record(factory.id,
                           created ? std::nullopt : std::optional<Factory>(existing->second));
    factory.created_at_ms = created ? batch.now_ms : existing->second.created_at_ms;
    factories_.insert_or_assign(factory.id, factory);
    return FactoriesOutcome{{factory}, created, true};
}

Outcome StockEngine::apply(const DeleteFactory& request, Batch& batch) {
    auto it = factories_.find(request.id);
    if (it == factories_.end()) {
        return make_error(ErrorCode::kNotFound, "factory-not-found",
                          "no factory '" + request.id + "'");
    }
    // A product that names it (archived ones too: they may come back) would order from nowhere.
    for (const auto& [sku, product] : products_) {
        if (product.settings.factory_id == request.id) {
            return make_error(ErrorCode::kConflict, "factory-in-use",
                              "product '" + sku + "' orders from factory '" + request.id +
                                  "'; give it another factory_id first");
        }
    }
    for (const auto& [id, order] : orders_) {
        if (order.factory_id == request.id && is_open(order.status)) {
            return make_error(ErrorCode::kConflict, "factory-in-use",
                              "restock order '" + id + "' to factory '" + request.id +
                                  "' is still open; wait for it or cancel it first");
        }
    }
    batch.factories.record(request.id, it->second);
    factories_.erase(it);
    return Done{"deleted"};
}

Outcome StockEngine::apply(const GetFactories& request, Batch&) {
    FactoriesOutcome outcome;
    if (!request.id.empty()) {
        auto it = factories_.find(request.id);
        if (it == factories_.end()) {
            return make_error(ErrorCode::kNotFound, "factory-not-found",
                              "no factory '" + request.id + "'");
        }
        outcome.factories.push_back(it->second);
        outcome.single = true;
        return outcome;
    }
    for (const auto& [id, factory] : factories_) outcome.factories.push_back(factory);
    return outcome;
}

void StockEngine::add_to(OrdersOutcome& outcome, const RestockOrder& order) const {
    outcome.orders.push_back(order);
    outcome.due_at_ms.push_back(order_due_ms(order));
}

Outcome StockEngine::apply(const GetGauges&, Batch& batch) {
    GaugesOutcome outcome;
    outcome.now_ms = batch.now_ms;
    outcome.queues = queue_infos(batch.now_ms);
    for (const auto& [id, order] : orders_) {
        ++outcome.orders_by_status[static_cast<std::size_t>(order.status)];
        if (is_overdue(order, order_due_ms(order), batch.now_ms)) ++outcome.overdue_orders;
    }
    return outcome;
}

Outcome StockEngine::apply(const GetRestockOrders& request, Batch& batch) {
    OrdersOutcome outcome;
    outcome.now_ms = batch.now_ms;
    if (!request.id.empty()) {
        RestockOrder* order = find_order(request.id);
        if (order == nullptr) {
            return make_error(ErrorCode::kNotFound, "order-not-found",
                              "no restock order '" + request.id + "'");
        }
        add_to(outcome, *order);
        outcome.single = true;
        return outcome;
    }
    int64_t below = INT64_MAX;
    if (!request.after_id.empty()) {
        // Only an order id ("ro_" and its number) is a cursor; the HTTP layer passes it on as is.
        const auto cursor = number_of(request.after_id);
        if (request.after_id.rfind("ro_", 0) != 0 || !cursor) {
            return make_error(ErrorCode::kInvalidArgument, "invalid-query",
                              "'cursor' is not valid");
        }
        below = *cursor;
    }
    auto wanted = [&](const RestockOrder& order) {
        if (order_rank(order.id) >= below) return false;
        if (!request.statuses.empty() && std::find(request.statuses.begin(), request.statuses.end(),
                                                   order.status) == request.statuses.end()) {
            return false;
        }
        if (!request.sku.empty() && order.sku != request.sku) return false;
        if (request.created_before_ms && order.created_at_ms >= *request.created_before_ms) {
            return false;
        }
        return !request.overdue ||
               *request.overdue == is_overdue(order, order_due_ms(order), batch.now_ms);
    };
    std::vector<const RestockOrder*> found;
    for (const auto& [id, order] : orders_) {
        if (wanted(order)) found.push_back(&order);
    }
    std::sort(found.begin(), found.end(),
              [](const auto* a, const auto* b) { return order_rank(a->id) > order_rank(b->id); });
    for (std::size_t i = 0; i < found.size() && i < request.limit; ++i) add_to(outcome, *found[i]);
    if (found.size() > request.limit) outcome.next_cursor = outcome.orders.back().id;
    return outcome;
}

}  // namespace restock
