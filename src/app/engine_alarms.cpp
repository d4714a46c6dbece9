// Alarms: each check (at most every alarm_check_ms, on the engine thread, after a batch's
// commands) lists what holds now from the engine's own state, and core/alarm.h decides what is
// new and what has ended. The events go out in the batch, so an alarm is raised exactly once
// however many nodes there are, and a restart reads the open ones back from the log.
#include "app/engine_batch.h"

namespace restock {

std::vector<Alarm> StockEngine::current_alarms(int64_t now_ms) const {
    std::vector<Alarm> current;
    for (const QueueInfo& queue : queue_infos(now_ms)) {
        const QueueCounts& c = queue.counts;
        const bool dlq = queue.policy.dlq.empty();
        if (dlq) {
            const int64_t held = c.visible + c.in_flight + c.delayed;
            if (held > 0)
                current.push_back(Alarm{AlarmKind::kDlqMessages, queue.policy.name, "", held, 0});
        } else if (c.visible > 0 && c.oldest_created_at_ms > 0 &&
                   now_ms - c.oldest_created_at_ms > options_.alarm_queue_age_ms) {
            current.push_back(Alarm{AlarmKind::kQueueStale, queue.policy.name, "",
                                    (now_ms - c.oldest_created_at_ms) / 1000, 0});
        }
    }
    for (const auto& [id, order] : orders_) {
        const int64_t due = order_due_ms(order);
        if (!is_overdue(order, due, now_ms)) continue;
        current.push_back(
            Alarm{AlarmKind::kOrderOverdue, order.id, order.sku, (now_ms - due) / 86'400'000, 0});
    }
    return current;
}

void StockEngine::check_alarms(Batch& batch) {
    next_alarm_check_ms_ = batch.now_ms + options_.alarm_check_ms;
    const AlarmChanges changes = diff_alarms(alarms_, current_alarms(batch.now_ms));
    if (changes.raised.empty() && changes.cleared.empty()) return;
    batch.alarms_before = alarms_;
    for (Alarm alarm : changes.raised) {
        alarm.raised_at_ms = batch.now_ms;
        if (alarm.kind == AlarmKind::kOrderOverdue) {
            // The order's own event, for consumers that follow restock.* only.
            const RestockOrder& order = *find_order(alarm.subject);
            if (const Product* product = find(order.sku)) {
                add_order_event(EventType::kRestockOverdue, *product, order, "past-due", batch);
            }
        }
        Event event = alarm_event(alarm, true);
        if (const Product* product = alarm.sku.empty() ? nullptr : find(alarm.sku)) {
            event.figures = figures_of(*product);
        }
        publish(std::move(event), batch);
        alarms_[alarm.id()] = std::move(alarm);
    }
    for (const Alarm& alarm : changes.cleared) {
        Event event = alarm_event(alarm, false);
        if (const Product* product = alarm.sku.empty() ? nullptr : find(alarm.sku)) {
            event.figures = figures_of(*product);
        }
        publish(std::move(event), batch);
        alarms_.erase(alarm.id());
    }
}

Outcome StockEngine::apply(const GetAlarms&, Batch&) {
    AlarmsOutcome outcome;
    for (const auto& [id, alarm] : alarms_) outcome.alarms.push_back(alarm);
    std::sort(outcome.alarms.begin(), outcome.alarms.end(),
              [](const Alarm& a, const Alarm& b) { return a.raised_at_ms < b.raised_at_ms; });
    return outcome;
}

}  // namespace restock
