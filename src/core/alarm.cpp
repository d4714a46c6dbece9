#include "core/alarm.h"

#include <set>

namespace restock {

std::string Alarm::id() const { return std::string(to_string(kind)) + ":" + subject; }

std::string_view to_string(AlarmKind kind) {
    switch (kind) {
        case AlarmKind::kDlqMessages:
            return "dlq_messages";
        case AlarmKind::kOrderOverdue:
            return "order_overdue";
        case AlarmKind::kQueueStale:
            return "queue_stale";
    }
    return "dlq_messages";
}

std::optional<AlarmKind> parse_alarm_kind(std::string_view text) {
    for (auto kind : {AlarmKind::kDlqMessages, AlarmKind::kOrderOverdue, AlarmKind::kQueueStale}) {
        if (to_string(kind) == text) return kind;
    }
    return std::nullopt;
}

std::string alarm_detail(const Alarm& alarm) {
    const std::string n = std::to_string(alarm.value);
    switch (alarm.kind) {
        case AlarmKind::kDlqMessages:
            return n + (alarm.value == 1 ? " message" : " messages") + " in " + alarm.subject;
        case AlarmKind::kOrderOverdue:
            return "restock order " + alarm.subject + " for " + alarm.sku + " is past due";
        case AlarmKind::kQueueStale:
            return "the oldest message in " + alarm.subject + " has waited " + n + " s";
    }
    return {};
}

Event alarm_event(const Alarm& alarm, bool raised) {
    Event event;
    event.type = raised ? EventType::kAlarmRaised : EventType::kAlarmCleared;
    event.sku = alarm.sku;
    event.cause = alarm.id();
    if (alarm.kind == AlarmKind::kOrderOverdue) event.order_id = alarm.subject;
    event.qty = alarm.value;
    return event;
}

std::optional<Alarm> alarm_of(const Event& event) {
    if (event.type != EventType::kAlarmRaised && event.type != EventType::kAlarmCleared) {
        return std::nullopt;
    }
    const auto colon = event.cause.find(':');
    if (colon == std::string::npos) return std::nullopt;
    auto kind = parse_alarm_kind(std::string_view(event.cause).substr(0, colon));
    if (!kind) return std::nullopt;
    Alarm alarm;
    alarm.kind = *kind;
    alarm.subject = event.cause.substr(colon + 1);
    alarm.sku = event.sku;
    alarm.value = event.qty;
    alarm.raised_at_ms = event.at_ms;
    return alarm;
}

AlarmChanges diff_alarms(const std::map<std::string, Alarm>& open,
                         const std::vector<Alarm>& current) {
    AlarmChanges changes;
    std::set<std::string> now;
    for (const Alarm& alarm : current) {
        std::string id = alarm.id();
        if (!open.contains(id)) changes.raised.push_back(alarm);
        now.insert(std::move(id));
    }
    for (const auto& [id, alarm] : open) {
        if (!now.contains(id)) changes.cleared.push_back(alarm);
    }
    return changes;
}

std::map<std::string, Alarm> fold_alarms(const std::vector<Event>& events) {
    std::map<std::string, Alarm> open;
    for (const Event& event : events) {
        auto alarm = alarm_of(event);
        if (!alarm) continue;
        if (event.type == EventType::kAlarmRaised) {
            open[alarm->id()] = *alarm;
        } else {
            open.erase(alarm->id());
        }
    }
    return open;
}

}  // namespace restock
