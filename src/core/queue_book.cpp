#include "core/queue_book.h"

#include <algorithm>
#include <cmath>

namespace restock {
namespace {

Error queue_not_found(const std::string& name) {
    return make_error(ErrorCode::kNotFound, "queue-not-found", "no queue named '" + name + "'");
}

Error stale_receipt(int64_t id) {
    return make_error(ErrorCode::kConflict, "stale-receipt",
                      "message " + std::to_string(id) + " was redelivered since this receipt");
}

}  // namespace

int64_t backoff_ms(const QueuePolicy& policy, int64_t attempt, double jitter) {
    const int64_t exponent = std::clamp<int64_t>(attempt - 1, 0, 30);
    const double raw = static_cast<double>(policy.backoff_base_ms) * std::pow(2.0, exponent);
    const double capped = std::min(raw, static_cast<double>(policy.backoff_max_ms));
    return static_cast<int64_t>(capped * (0.5 + 0.5 * std::clamp(jitter, 0.0, 1.0)));
}

int64_t retry_window_ms(const QueuePolicy& policy, double jitter) {
    int64_t total = 0;
    // A message is received max_receive_count times; the failures between them back off.
    for (int64_t attempt = 1; attempt < policy.max_receive_count; ++attempt) {
        total += backoff_ms(policy, attempt, jitter);
    }
    return total;
}

QueuePolicy partner_policy(std::string name, std::string dlq) {
    return QueuePolicy{std::move(name), std::move(dlq), 16, 30'000, 1'000, 5 * 60'000};
}

QueuePolicy webhook_policy(std::string name, std::string dlq) {
    return QueuePolicy{std::move(name), std::move(dlq), 16, 30'000, 5'000, 10 * 3'600'000};
}

bool is_first_default_policy(const QueuePolicy& policy) {
    return policy.max_receive_count == 4 && policy.visibility_timeout_ms == 30'000 &&
           policy.backoff_base_ms == 200 && policy.backoff_max_ms == 60'000;
}

void QueueBook::load(std::vector<QueuePolicy> policies, std::vector<QueueMessage> messages,
                     int64_t last_message_id, InFlight in_flight) {
    for (auto& p : policies) policies_[p.name] = std::move(p);
    last_id_ = last_message_id;
    for (auto& m : messages) {
        last_id_ = std::max(last_id_, m.id);
        // Its receiver died with the previous process. Not written back: if we stop again
        // before it is received, the next load recovers it the same way.
        if (m.in_flight && in_flight == InFlight::kRedeliver) {
            m.in_flight = false;
            m.visible_at_ms = 0;
        }
        insert(std::move(m));
    }
}

void QueueBook::insert(QueueMessage message) {
    by_queue_[message.queue].insert(message.id);
    const int64_t id = message.id;
    messages_.insert_or_assign(id, std::move(message));
}

void QueueBook::ensure(const QueuePolicy& policy) {
    if (policies_.count(policy.name) != 0) return;
    touch_policy(policy.name);
    policies_[policy.name] = policy;
}

const QueuePolicy* QueueBook::policy(const std::string& name) const {
    auto it = policies_.find(name);
    return it == policies_.end() ? nullptr : &it->second;
}

std::vector<QueuePolicy> QueueBook::policies() const {
    std::vector<QueuePolicy> out;
    for (const auto& [name, p] : policies_) out.push_back(p);
    return out;
}

Status QueueBook::set_policy(const QueuePolicy& policy) {
    if (policies_.count(policy.name) == 0) return queue_not_found(policy.name);
    touch_policy(policy.name);
    policies_[policy.name] = policy;
    return ok_status();
}

const QueueMessage& QueueBook::send(const std::string& queue, std::string body, int64_t now_ms,
                                    int64_t delay_ms) {
    if (last_id_before_ < 0) last_id_before_ = last_id_;
    QueueMessage message;
    message.id = ++last_id_;
    message.queue = queue;
    message.body = std::move(body);
    message.visible_at_ms = now_ms + std::max<int64_t>(0, delay_ms);
    message.created_at_ms = now_ms;
    before_.emplace(message.id, std::nullopt);
    const int64_t id = message.id;
    insert(std::move(message));
    return messages_.at(id);
}

std::vector<QueueMessage> QueueBook::receive(const std::string& queue, std::size_t max,
                                             int64_t now_ms) {
    std::vector<QueueMessage> out;
    const QueuePolicy* p = policy(queue);
    auto ids = by_queue_.find(queue);
    if (p == nullptr || ids == by_queue_.end()) return out;
    for (int64_t id : ids->second) {
        if (out.size() >= max) break;
        QueueMessage& m = messages_.at(id);
        // An in-flight message whose visibility timeout passed was never settled by its
        // receiver: it is delivered again (at-least-once).
        if (m.visible_at_ms > now_ms) continue;
        touch(id);
        m.in_flight = true;
        m.receive_count += 1;
        m.visible_at_ms = now_ms + p->visibility_timeout_ms;
        out.push_back(m);
    }
    return out;
}

Status QueueBook::ack(int64_t id, int64_t receive_count) {
    QueueMessage* m = find(id);
    if (m == nullptr) {
        return make_error(ErrorCode::kNotFound, "message-not-found",
                          "message " + std::to_string(id) + " is gone");
    }
    if (m->receive_count != receive_count) return stale_receipt(id);
    touch(id);
    erase(id);
    return ok_status();
}

Result<FailOutcome> QueueBook::fail(int64_t id, int64_t receive_count, std::string error,
                                    int64_t now_ms, double jitter) {
    QueueMessage* m = find(id);
    if (m == nullptr) {
        return make_error(ErrorCode::kNotFound, "message-not-found",
                          "message " + std::to_string(id) + " is gone");
    }
    if (m->receive_count != receive_count) return stale_receipt(id);
    const QueuePolicy* p = policy(m->queue);
    if (p == nullptr) return queue_not_found(m->queue);
    touch(id);
    m->in_flight = false;
    m->last_error = std::move(error);
    if (!p->dlq.empty() && m->receive_count >= p->max_receive_count && policy(p->dlq) != nullptr) {
        QueueMessage moved = *m;
        erase(id);
        if (last_id_before_ < 0) last_id_before_ = last_id_;
        moved.id = ++last_id_;
        moved.source_queue = moved.queue;
        moved.queue = p->dlq;
        moved.visible_at_ms = now_ms;
        before_.emplace(moved.id, std::nullopt);
        FailOutcome outcome{true, moved.queue, now_ms};
        insert(std::move(moved));
        return outcome;
    }
    m->visible_at_ms = now_ms + backoff_ms(*p, m->receive_count, jitter);
    return FailOutcome{false, m->queue, m->visible_at_ms};
}

Result<int64_t> QueueBook::redrive(const std::string& dlq, int64_t now_ms) {
    if (policy(dlq) == nullptr) return queue_not_found(dlq);
    auto ids = by_queue_.find(dlq);
    if (ids == by_queue_.end()) return int64_t{0};
    const std::vector<int64_t> moving(ids->second.begin(), ids->second.end());
    int64_t moved_count = 0;
    for (int64_t id : moving) {
        const QueueMessage& message = messages_.at(id);
        if (message.source_queue.empty() || policy(message.source_queue) == nullptr) continue;
        move_to_source(id, now_ms);
        ++moved_count;
    }
    return moved_count;
}

const QueueMessage& QueueBook::move_to_source(int64_t id, int64_t now_ms) {
    QueueMessage message = messages_.at(id);
    touch(id);
    erase(id);
    if (last_id_before_ < 0) last_id_before_ = last_id_;
    message.id = ++last_id_;
    message.queue = message.source_queue;
    message.source_queue.clear();
    message.receive_count = 0;
    message.in_flight = false;
    message.visible_at_ms = now_ms;
    before_.emplace(message.id, std::nullopt);
    const int64_t moved = message.id;
    insert(std::move(message));
    return messages_.at(moved);
}

Result<QueueMessage*> QueueBook::settled_message(const std::string& queue, int64_t id) {
    if (policy(queue) == nullptr) return queue_not_found(queue);
    QueueMessage* m = find(id);
    if (m == nullptr || m->queue != queue) {
        return make_error(ErrorCode::kNotFound, "message-not-found",
                          "queue '" + queue + "' has no message " + std::to_string(id));
    }
    if (m->in_flight) {
        return make_error(ErrorCode::kConflict, "message-in-flight",
                          "message " + std::to_string(id) +
                              " is in flight: a receiver holds it until it settles it, or until "
                              "its visibility timeout passes and it is delivered again; nothing "
                              "was changed, try again once it is settled");
    }
    return m;
}

Status QueueBook::remove(const std::string& queue, int64_t id) {
    auto message = settled_message(queue, id);
    if (!message) return message.error();
    touch(id);
    erase(id);
    return ok_status();
}

Result<QueueMessage> QueueBook::redrive_one(const std::string& dlq, int64_t id, int64_t now_ms) {
    auto message = settled_message(dlq, id);
    if (!message) return message.error();
    const std::string& source = message.value()->source_queue;
    if (source.empty() || policy(source) == nullptr) {
        return make_error(
            ErrorCode::kConflict, "no-source-queue",
            "message " + std::to_string(id) +
                (source.empty() ? " has no source queue to go back to"
                                : " came from queue '" + source + "', which no longer exists"));
    }
    return move_to_source(id, now_ms);
}

Result<int64_t> QueueBook::purge(const std::string& queue) {
    if (policy(queue) == nullptr) return queue_not_found(queue);
    auto ids = by_queue_.find(queue);
    if (ids == by_queue_.end()) return int64_t{0};
    const std::vector<int64_t> purging(ids->second.begin(), ids->second.end());
    for (int64_t id : purging) {
        touch(id);
        erase(id);
    }
    return static_cast<int64_t>(purging.size());
}

std::vector<QueueMessage> QueueBook::peek(const std::string& queue, std::size_t limit) const {
    std::vector<QueueMessage> out;
    auto ids = by_queue_.find(queue);
    if (ids == by_queue_.end()) return out;
    for (int64_t id : ids->second) {
        if (out.size() >= limit) break;
        out.push_back(messages_.at(id));
    }
    return out;
}

const QueueMessage* QueueBook::get(int64_t id) const {
    auto it = messages_.find(id);
    return it == messages_.end() ? nullptr : &it->second;
}

QueueCounts QueueBook::counts(const std::string& queue, int64_t now_ms) const {
    QueueCounts counts;
    auto ids = by_queue_.find(queue);
    if (ids == by_queue_.end()) return counts;
    for (int64_t id : ids->second) {
        const QueueMessage& m = messages_.at(id);
        if (counts.oldest_created_at_ms == 0 || m.created_at_ms < counts.oldest_created_at_ms) {
            counts.oldest_created_at_ms = m.created_at_ms;
        }
        if (m.in_flight && m.visible_at_ms > now_ms) {
            ++counts.in_flight;
        } else if (m.visible_at_ms > now_ms) {
            ++counts.delayed;
        } else {
            ++counts.visible;
        }
    }
    return counts;
}

std::optional<int64_t> QueueBook::next_visible_at(const std::string& queue) const {
    std::optional<int64_t> earliest;
    auto ids = by_queue_.find(queue);
    if (ids == by_queue_.end()) return earliest;
    for (int64_t id : ids->second) {
        const QueueMessage& m = messages_.at(id);
        if (!earliest || m.visible_at_ms < *earliest) earliest = m.visible_at_ms;
    }
    return earliest;
}

QueueChanges QueueBook::changes() const {
    QueueChanges changes;
    for (const auto& [id, before] : before_) {
        auto it = messages_.find(id);
        if (it == messages_.end()) {
            if (before) changes.deleted.push_back(id);  // existed before, gone now
        } else {
            changes.upserted.push_back(it->second);
        }
    }
    for (const auto& [name, before] : policies_before_) {
        auto it = policies_.find(name);
        if (it != policies_.end()) changes.policies.push_back(it->second);
    }
    return changes;
}

void QueueBook::settle() {
    before_.clear();
    policies_before_.clear();
    last_id_before_ = -1;
}

void QueueBook::rollback() {
    for (auto& [id, before] : before_) {
        if (messages_.count(id) != 0) erase(id);
        if (before) insert(*before);
    }
    for (auto& [name, before] : policies_before_) {
        if (before) {
            policies_[name] = *before;
        } else {
            policies_.erase(name);
        }
    }
    if (last_id_before_ >= 0) last_id_ = last_id_before_;
    before_.clear();
    policies_before_.clear();
    last_id_before_ = -1;
}

QueueMessage* QueueBook::find(int64_t id) {
    auto it = messages_.find(id);
    return it == messages_.end() ? nullptr : &it->second;
}

void QueueBook::touch(int64_t id) {
    if (before_.count(id) != 0) return;
    QueueMessage* m = find(id);
    before_.emplace(id, m ? std::optional<QueueMessage>(*m) : std::nullopt);
}

void QueueBook::touch_policy(const std::string& name) {
    if (policies_before_.count(name) != 0) return;
    auto it = policies_.find(name);
    policies_before_.emplace(
        name, it == policies_.end() ? std::nullopt : std::optional<QueuePolicy>(it->second));
}

void QueueBook::erase(int64_t id) {
    auto it = messages_.find(id);
    if (it == messages_.end()) return;
    auto queue = by_queue_.find(it->second.queue);
    if (queue != by_queue_.end()) queue->second.erase(id);
    messages_.erase(it);
}

}  // namespace restock
