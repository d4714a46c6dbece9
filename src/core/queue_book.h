// QueueBook: durable-queue semantics (as SQS) over in-memory state: at-least-once delivery,
// visibility timeout, receive counts, dead-letter queues after max_receive_count, redrive,
// purge, per-message delay, exponential backoff with jitter. Pure: time and randomness come in
// as arguments; the engine persists what changed (take_changes) and undoes a failed batch
// (rollback).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/result.h"

namespace restock {

struct QueuePolicy {
    std::string name;
    std::string dlq;  // empty: this queue has none (it is itself a DLQ)
    int64_t max_receive_count = 4;
    int64_t visibility_timeout_ms = 30'000;
    int64_t backoff_base_ms = 200;
    int64_t backoff_max_ms = 60'000;
};

struct QueueMessage {
    int64_t id = 0;
    std::string queue;
    std::string body;
    int64_t receive_count = 0;
    int64_t visible_at_ms = 0;  // not deliverable before
    bool in_flight = false;     // received and not yet acknowledged or failed
    std::string last_error;
    std::string source_queue;  // set on messages in a DLQ: where redrive sends them
    int64_t created_at_ms = 0;
};

struct QueueCounts {
    int64_t visible = 0;
    int64_t in_flight = 0;
    int64_t delayed = 0;
    int64_t oldest_created_at_ms = 0;  // of the oldest message in the queue (0: it is empty)
};

// What a failed message became.
struct FailOutcome {
    bool dead_lettered = false;
    std::string queue;          // where it is now
    int64_t visible_at_ms = 0;  // when it is retried (if not dead-lettered)
};

struct QueueChanges {
    std::vector<QueueMessage> upserted;
    std::vector<int64_t> deleted;
    std::vector<QueuePolicy> policies;
};

class QueueBook {
  public:
    // Start-up: queues, then messages. With kRedeliver a message in flight when the process
    // stopped is made visible again (its receiver is gone); with kKeep (a store shared by
    // several nodes, whose receivers may live on) it stays in flight until its visibility
    // timeout, as it would have.
    enum class InFlight { kRedeliver, kKeep };
    void load(std::vector<QueuePolicy> policies, std::vector<QueueMessage> messages,
              int64_t last_message_id, InFlight in_flight = InFlight::kRedeliver);

    // Creates the queue if missing (policy recorded as a change); keeps an existing one as is.
    void ensure(const QueuePolicy& policy);
    const QueuePolicy* policy(const std::string& name) const;
    std::vector<QueuePolicy> policies() const;
    Status set_policy(const QueuePolicy& policy);

    // REQUIRES: the queue exists.
    const QueueMessage& send(const std::string& queue, std::string body, int64_t now_ms,
                             int64_t delay_ms = 0);
    // Up to `max` deliverable messages, oldest first; each becomes in flight until
    // now + visibility timeout and its receive_count grows by one.
    std::vector<QueueMessage> receive(const std::string& queue, std::size_t max, int64_t now_ms);
    // Deletes a delivered message. The receive_count must match (a stale receipt after the
    // message was redelivered is refused). kNotFound if gone.
    Status ack(int64_t id, int64_t receive_count);
    // Returns a delivered message: retried after backoff, or moved to the DLQ with the error
    // once it has been received max_receive_count times. `jitter` in [0, 1).
    Result<FailOutcome> fail(int64_t id, int64_t receive_count, std::string error, int64_t now_ms,
                             double jitter);
    // Moves every message of a DLQ back to its source queue, fresh. Returns how many.
    Result<int64_t> redrive(const std::string& dlq, int64_t now_ms);
    // One message of `queue`, by id: deleted, or (from a DLQ) moved back to its source queue
    // fresh, as redrive() moves them all; the moved message (its new id) is returned.
    // Errors: kNotFound "queue-not-found"; kNotFound "message-not-found" when `queue` holds no
    // message `id` (a message of another queue included); kConflict "message-in-flight" while
    // it is received and not settled (its receiver may still ack or fail it, and must not find
    // it gone or moved); for redrive_one, kConflict "no-source-queue" for a message that has
    // none (it is in a source queue) or whose source queue no longer exists.
    Status remove(const std::string& queue, int64_t id);
    Result<QueueMessage> redrive_one(const std::string& dlq, int64_t id, int64_t now_ms);
    Result<int64_t> purge(const std::string& queue);
    std::vector<QueueMessage> peek(const std::string& queue, std::size_t limit) const;
    const QueueMessage* get(int64_t id) const;
    QueueCounts counts(const std::string& queue, int64_t now_ms) const;
    // The earliest time any message of the queue becomes deliverable, if any is waiting.
    std::optional<int64_t> next_visible_at(const std::string& queue) const;

    // Batch bookkeeping. changes(): what changed since the last settle; after the store has
    // them, settle() forgets the undo log; if the store refused them, rollback() undoes them.
    QueueChanges changes() const;
    void settle();
    void rollback();
    int64_t last_message_id() const { return last_id_; }

  private:
    QueueMessage* find(int64_t id);
    // The message `id` of `queue`, if it may be taken out of it (see remove()).
    Result<QueueMessage*> settled_message(const std::string& queue, int64_t id);
    // Moves `message` back to its source queue under a new id, fresh. REQUIRES: the source
    // queue exists.
    const QueueMessage& move_to_source(int64_t id, int64_t now_ms);
    void touch(int64_t id);
    void touch_policy(const std::string& name);
    void erase(int64_t id);
    void insert(QueueMessage message);

    std::map<std::string, QueuePolicy> policies_;
    std::unordered_map<int64_t, QueueMessage> messages_;
    std::map<std::string, std::set<int64_t>> by_queue_;  // ids in send order
    int64_t last_id_ = 0;

    // Undo log of the current batch.
    std::unordered_map<int64_t, std::optional<QueueMessage>> before_;
    std::map<std::string, std::optional<QueuePolicy>> policies_before_;
    int64_t last_id_before_ = -1;
};

// Exponential backoff with jitter: base * 2^(attempt-1), capped, times a factor in [0.5, 1).
int64_t backoff_ms(const QueuePolicy& policy, int64_t attempt, double jitter);

// How long a message that fails every time waits in all before it is dead-lettered: the sum of
// its backoffs, with every jitter factor at `jitter` (0: the shortest, 1: the longest).
int64_t retry_window_ms(const QueuePolicy& policy, double jitter);

// The retry policies the queues start with. A partner (a factory, the Ads API) may be down for
// a while: retried for at least 15 minutes (19 to 38), at most 5 minutes apart. Webhooks and
// email follow the schedule of the established webhook services: at once, then after seconds,
// minutes, hours, for about a day (16 to 31 h) before the message is dead-lettered.
QueuePolicy partner_policy(std::string name, std::string dlq);
QueuePolicy webhook_policy(std::string name, std::string dlq);
// The policy of versions before these (4 receives, 200 ms doubling to 60 s: given up within a
// second): a queue still on it is moved to the new default at start.
bool is_first_default_policy(const QueuePolicy& policy);

}  // namespace restock
