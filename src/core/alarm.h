// Alarms: conditions an operator must act on, raised once when they begin and cleared once when
// they end, as `alarm.raised` / `alarm.cleared` events on the stock-events topic. Pure: the
// engine says what holds now (current), this decides what to announce.
//   dlq_messages  a dead-letter queue holds messages (subject: the queue)
//   order_overdue an acknowledged restock order is past its due time (subject: the order)
//   queue_stale   a queue's oldest waiting message is older than the threshold (the queue)
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"

namespace restock {

enum class AlarmKind { kDlqMessages, kOrderOverdue, kQueueStale };

struct Alarm {
    AlarmKind kind = AlarmKind::kDlqMessages;
    std::string subject;  // the queue or the order
    std::string sku;      // order_overdue: the order's product
    int64_t value = 0;    // messages in the DLQ, days past due, the oldest message's age (s)
    int64_t raised_at_ms = 0;

    std::string id() const;  // "<kind>:<subject>": one open alarm per id
};

std::string_view to_string(AlarmKind kind);
std::optional<AlarmKind> parse_alarm_kind(std::string_view text);
// What an alarm says, for people: "3 messages in stock-empty-dlq".
std::string alarm_detail(const Alarm& alarm);

// An alarm event carries the alarm's id in `cause`, its sku and order in theirs, and its value
// in `qty`; these convert both ways.
Event alarm_event(const Alarm& alarm, bool raised);
std::optional<Alarm> alarm_of(const Event& event);

struct AlarmChanges {
    std::vector<Alarm> raised;   // newly true
    std::vector<Alarm> cleared;  // no longer true (as they were when raised)
};

// `open`: the alarms raised and not cleared, by id. `current`: every alarm that holds now.
// An alarm that stays true is not raised again, whatever its value does meanwhile.
AlarmChanges diff_alarms(const std::map<std::string, Alarm>& open,
                         const std::vector<Alarm>& current);

// The open alarms after a log of alarm events (in seq order): how a restart knows them.
std::map<std::string, Alarm> fold_alarms(const std::vector<Event>& events);

}  // namespace restock
