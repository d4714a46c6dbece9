#include "core/alarm.h"

#include <gtest/gtest.h>

namespace restock {
namespace {

Alarm dlq(std::string queue, int64_t messages) {
    return Alarm{AlarmKind::kDlqMessages, std::move(queue), "", messages, 0};
}

TEST(AlarmTest, ANewConditionIsRaisedOnceAndAnEndedOneClearedOnce) {
    std::map<std::string, Alarm> open;
    auto first = diff_alarms(open, {dlq("stock-empty-dlq", 1)});
    ASSERT_EQ(first.raised.size(), 1u);
    EXPECT_TRUE(first.cleared.empty());
    open[first.raised[0].id()] = first.raised[0];

    // Still true, with more messages: nothing new to say.
    auto again = diff_alarms(open, {dlq("stock-empty-dlq", 7)});
    EXPECT_TRUE(again.raised.empty());
    EXPECT_TRUE(again.cleared.empty());

    auto ended = diff_alarms(open, {});
    EXPECT_TRUE(ended.raised.empty());
    ASSERT_EQ(ended.cleared.size(), 1u);
    EXPECT_EQ(ended.cleared[0].id(), "dlq_messages:stock-empty-dlq");
}

TEST(AlarmTest, AlarmsOfDifferentSubjectsOrKindsAreApart) {
    std::map<std::string, Alarm> open;
    const Alarm a = dlq("stock-empty-dlq", 1);
    open[a.id()] = a;
    const Alarm stale{AlarmKind::kQueueStale, "stock-empty-dlq", "", 400, 0};
    auto changes = diff_alarms(open, {a, dlq("stock-ad-dlq", 2), stale});
    ASSERT_EQ(changes.raised.size(), 2u);
    EXPECT_EQ(changes.raised[0].id(), "dlq_messages:stock-ad-dlq");
    EXPECT_EQ(changes.raised[1].id(), "queue_stale:stock-empty-dlq");
}

TEST(AlarmTest, AnEventCarriesTheAlarmBothWays) {
    const Alarm overdue{AlarmKind::kOrderOverdue, "ro_12", "MUG-1", 3, 0};
    Event event = alarm_event(overdue, true);
    event.at_ms = 1234;
    EXPECT_EQ(event.type, EventType::kAlarmRaised);
    EXPECT_EQ(event.cause, "order_overdue:ro_12");
    EXPECT_EQ(event.order_id, "ro_12");
    auto back = alarm_of(event);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->kind, AlarmKind::kOrderOverdue);
    EXPECT_EQ(back->subject, "ro_12");
    EXPECT_EQ(back->sku, "MUG-1");
    EXPECT_EQ(back->value, 3);
    EXPECT_EQ(back->raised_at_ms, 1234);
    EXPECT_EQ(alarm_detail(*back), "restock order ro_12 for MUG-1 is past due");

    Event stock;
    stock.type = EventType::kStockLow;
    stock.cause = "order_overdue:ro_12";
    EXPECT_FALSE(alarm_of(stock).has_value());  // only alarm events are alarms
}

TEST(AlarmTest, FoldingTheLogLeavesTheOpenOnes) {
    std::vector<Event> log;
    log.push_back(alarm_event(dlq("a-dlq", 1), true));
    log.push_back(alarm_event(dlq("b-dlq", 1), true));
    log.push_back(alarm_event(dlq("a-dlq", 1), false));
    log.push_back(alarm_event(dlq("a-dlq", 4), true));
    log.push_back(alarm_event(dlq("b-dlq", 1), false));
    const auto open = fold_alarms(log);
    ASSERT_EQ(open.size(), 1u);
    EXPECT_EQ(open.begin()->first, "dlq_messages:a-dlq");
    EXPECT_EQ(open.begin()->second.value, 4);
}

TEST(AlarmTest, TheNewEventTypesHaveNames) {
    for (auto type :
         {EventType::kRestockOverdue, EventType::kAlarmRaised, EventType::kAlarmCleared}) {
        EXPECT_EQ(parse_event_type(to_string(type)), type);
    }
    EXPECT_EQ(to_string(EventType::kAlarmRaised), "alarm.raised");
}

}  // namespace
}  // namespace restock
