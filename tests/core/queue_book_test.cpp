// QueueBook: SQS semantics over in-memory state — delivery order, visibility, receive counts,
// stale receipts, backoff, dead-lettering, redrive, purge, peek, counts, and the batch undo log.
#include "core/queue_book.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace restock {
namespace {

constexpr int64_t kT0 = 1'000'000;  // an arbitrary "now"

QueuePolicy policy(std::string name, std::string dlq, int64_t max_receive_count = 4) {
    QueuePolicy p;
    p.name = std::move(name);
    p.dlq = std::move(dlq);
    p.max_receive_count = max_receive_count;
    p.visibility_timeout_ms = 30'000;
    p.backoff_base_ms = 200;
    p.backoff_max_ms = 60'000;
    return p;
}

std::vector<int64_t> ids_of(const std::vector<QueueMessage>& messages) {
    std::vector<int64_t> ids;
    for (const auto& m : messages) ids.push_back(m.id);
    return ids;
}

std::vector<std::string> bodies_of(const std::vector<QueueMessage>& messages) {
    std::vector<std::string> bodies;
    for (const auto& m : messages) bodies.push_back(m.body);
    return bodies;
}

void expect_same_message(const QueueMessage& a, const QueueMessage& b) {
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.queue, b.queue);
    EXPECT_EQ(a.body, b.body);
    EXPECT_EQ(a.receive_count, b.receive_count);
    EXPECT_EQ(a.visible_at_ms, b.visible_at_ms);
    EXPECT_EQ(a.in_flight, b.in_flight);
    EXPECT_EQ(a.last_error, b.last_error);
    EXPECT_EQ(a.source_queue, b.source_queue);
    EXPECT_EQ(a.created_at_ms, b.created_at_ms);
}

void expect_same_policy(const QueuePolicy& a, const QueuePolicy& b) {
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.dlq, b.dlq);
    EXPECT_EQ(a.max_receive_count, b.max_receive_count);
    EXPECT_EQ(a.visibility_timeout_ms, b.visibility_timeout_ms);
    EXPECT_EQ(a.backoff_base_ms, b.backoff_base_ms);
    EXPECT_EQ(a.backoff_max_ms, b.backoff_max_ms);
}

// A book with a work queue "work" whose DLQ is "work-dlq", settled (no pending changes).
class QueueBookTest : public ::testing::Test {
  protected:
    void SetUp() override {
        book_.ensure(policy("work", "work-dlq"));
        book_.ensure(policy("work-dlq", ""));
        book_.settle();
    }

    // Every message of every queue this test uses, by id.
    std::vector<QueueMessage> everything() const {
        std::vector<QueueMessage> all;
        for (const char* q : {"work", "work-dlq", "other"}) {
            for (auto& m : book_.peek(q, 1000)) all.push_back(m);
        }
        std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
        return all;
    }

    // Receives the next deliverable message of "work".
    QueueMessage receive_one(int64_t now_ms) {
        auto got = book_.receive("work", 1, now_ms);
        EXPECT_EQ(got.size(), 1u) << "nothing deliverable at " << now_ms;
        return got.empty() ? QueueMessage{} : got.front();
    }

    QueueBook book_;
};

// --- send and receive ---------------------------------------------------------------------------

TEST_F(QueueBookTest, DeliversInSendOrder) {
    for (const char* body : {"a", "b", "c"}) book_.send("work", body, kT0);
    const auto first = book_.receive("work", 2, kT0);
    EXPECT_EQ(bodies_of(first), (std::vector<std::string>{"a", "b"}));
    const auto second = book_.receive("work", 10, kT0);
    EXPECT_EQ(bodies_of(second), (std::vector<std::string>{"c"}));
    EXPECT_TRUE(book_.receive("work", 10, kT0).empty());
}

TEST_F(QueueBookTest, SendAssignsIncreasingIdsAndFields) {
    const QueueMessage a = book_.send("work", "a", kT0);
    const QueueMessage b = book_.send("work-dlq", "b", kT0 + 5);
    EXPECT_EQ(a.id, 1);
    EXPECT_EQ(b.id, 2);
    EXPECT_EQ(book_.last_message_id(), 2);
    EXPECT_EQ(a.queue, "work");
    EXPECT_EQ(a.receive_count, 0);
    EXPECT_FALSE(a.in_flight);
    EXPECT_EQ(a.visible_at_ms, kT0);
    EXPECT_EQ(a.created_at_ms, kT0);
    EXPECT_EQ(b.created_at_ms, kT0 + 5);
    ASSERT_NE(book_.get(1), nullptr);
    EXPECT_EQ(book_.get(1)->body, "a");
    EXPECT_EQ(book_.get(99), nullptr);
}

TEST_F(QueueBookTest, ReceiveFromUnknownOrEmptyQueueIsEmpty) {
    EXPECT_TRUE(book_.receive("nope", 10, kT0).empty());
    EXPECT_TRUE(book_.receive("work", 10, kT0).empty());
}

TEST_F(QueueBookTest, QueuesAreSeparate) {
    book_.send("work", "w", kT0);
    book_.send("work-dlq", "d", kT0);
    EXPECT_EQ(bodies_of(book_.receive("work-dlq", 10, kT0)), (std::vector<std::string>{"d"}));
    EXPECT_EQ(bodies_of(book_.receive("work", 10, kT0)), (std::vector<std::string>{"w"}));
}

TEST_F(QueueBookTest, ReceiveIncrementsReceiveCountAndSetsInFlight) {
    const int64_t id = book_.send("work", "a", kT0).id;
    const QueueMessage got = receive_one(kT0 + 10);
    EXPECT_EQ(got.id, id);
    EXPECT_EQ(got.receive_count, 1);
    EXPECT_TRUE(got.in_flight);
    EXPECT_EQ(got.visible_at_ms, kT0 + 10 + 30'000);
    // The book's copy says the same.
    EXPECT_EQ(book_.get(id)->receive_count, 1);
    EXPECT_TRUE(book_.get(id)->in_flight);
}

TEST_F(QueueBookTest, InFlightMessageIsInvisibleWithinTheVisibilityTimeout) {
    book_.send("work", "a", kT0);
    receive_one(kT0);
    EXPECT_TRUE(book_.receive("work", 10, kT0 + 1).empty());
    EXPECT_TRUE(book_.receive("work", 10, kT0 + 29'999).empty());
    EXPECT_EQ(book_.counts("work", kT0 + 1).in_flight, 1);
}

// docs/api.md: "a received message is invisible for the visibility timeout"; the header says
// "each becomes in flight until now + visibility timeout". Regression: receive() skips every
// message with in_flight set, whatever its visible_at_ms, so a message whose receiver never settled
// it (a crashed/hung handler, or a settle command that failed with 503) is never redelivered until
// the process restarts.
TEST_F(QueueBookTest, InFlightMessageIsVisibleAgainAfterTheVisibilityTimeout) {
    const int64_t id = book_.send("work", "a", kT0).id;
    receive_one(kT0);
    const auto again = book_.receive("work", 10, kT0 + 30'000);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].id, id);
    EXPECT_EQ(again[0].receive_count, 2);
    // The first receipt is stale now.
    EXPECT_EQ(book_.ack(id, 1).error().slug, "stale-receipt");
    EXPECT_TRUE(book_.ack(id, 2).ok());
}

TEST_F(QueueBookTest, PerMessageDelay) {
    book_.send("work", "later", kT0, /*delay_ms=*/500);
    book_.send("work", "now", kT0);
    book_.send("work", "negative-delay-is-none", kT0, -50);
    EXPECT_EQ(bodies_of(book_.receive("work", 10, kT0)),
              (std::vector<std::string>{"now", "negative-delay-is-none"}));
    EXPECT_TRUE(book_.receive("work", 10, kT0 + 499).empty());
    EXPECT_EQ(bodies_of(book_.receive("work", 10, kT0 + 500)), (std::vector<std::string>{"later"}));
}

TEST_F(QueueBookTest, NextVisibleAtIgnoresInFlightMessages) {
    EXPECT_FALSE(book_.next_visible_at("work"));
    book_.send("work", "a", kT0, 700);
    book_.send("work", "b", kT0, 300);
    EXPECT_EQ(book_.next_visible_at("work"), kT0 + 300);
    receive_one(kT0 + 300);  // b goes in flight
    EXPECT_EQ(book_.next_visible_at("work"), kT0 + 700);
}

// --- ack --------------------------------------------------------------------------------------

TEST_F(QueueBookTest, AckDeletesTheMessage) {
    const int64_t id = book_.send("work", "a", kT0).id;
    const QueueMessage got = receive_one(kT0);
    ASSERT_TRUE(book_.ack(id, got.receive_count).ok());
    EXPECT_EQ(book_.get(id), nullptr);
    EXPECT_TRUE(book_.peek("work", 10).empty());
    const auto again = book_.ack(id, got.receive_count);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(again.error().slug, "message-not-found");
}

TEST_F(QueueBookTest, AckWithAStaleReceiveCountIsRefused) {
    const int64_t id = book_.send("work", "a", kT0).id;
    receive_one(kT0);
    ASSERT_TRUE(book_.fail(id, 1, "boom", kT0, 0.0).ok());
    const int64_t later = kT0 + 60'000;
    const QueueMessage second = receive_one(later);
    EXPECT_EQ(second.receive_count, 2);

    const auto stale = book_.ack(id, 1);
    ASSERT_FALSE(stale.ok());
    EXPECT_EQ(stale.error().code, ErrorCode::kConflict);
    EXPECT_EQ(stale.error().slug, "stale-receipt");
    EXPECT_NE(book_.get(id), nullptr);  // still there
    const auto stale_fail = book_.fail(id, 1, "late", later, 0.0);
    ASSERT_FALSE(stale_fail.ok());
    EXPECT_EQ(stale_fail.error().slug, "stale-receipt");
    EXPECT_TRUE(book_.ack(id, 2).ok());
}

TEST_F(QueueBookTest, FailOfAnUnknownMessageIsNotFound) {
    const auto failed = book_.fail(42, 1, "x", kT0, 0.5);
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().code, ErrorCode::kNotFound);
}

// --- fail, backoff, dead-lettering ------------------------------------------------------------

TEST(BackoffTest, ExponentialTimesJitterWithinHalfToOne) {
    QueuePolicy p = policy("q", "");
    p.backoff_base_ms = 200;
    p.backoff_max_ms = 60'000;
    for (int64_t attempt = 1; attempt <= 12; ++attempt) {
        const double full =
            std::min(200.0 * static_cast<double>(int64_t{1} << (attempt - 1)), 60'000.0);
        for (double jitter : {0.0, 0.25, 0.5, 0.999999}) {
            const int64_t delay = backoff_ms(p, attempt, jitter);
            EXPECT_GE(delay, static_cast<int64_t>(full * 0.5)) << attempt << " " << jitter;
            EXPECT_LT(delay, static_cast<int64_t>(full)) << attempt << " " << jitter;
        }
    }
    EXPECT_EQ(backoff_ms(p, 1, 0.0), 100);
    EXPECT_EQ(backoff_ms(p, 3, 0.0), 400);
    EXPECT_EQ(backoff_ms(p, 3, 0.5), 600);
    EXPECT_EQ(backoff_ms(p, 20, 0.0), 30'000);  // capped at max, then jittered
}

TEST(BackoffTest, OutOfRangeInputsAreClamped) {
    QueuePolicy p = policy("q", "");
    EXPECT_EQ(backoff_ms(p, 0, 0.0), 100);  // attempt < 1 counts as the first
    EXPECT_EQ(backoff_ms(p, -5, 0.0), 100);
    EXPECT_EQ(backoff_ms(p, 1, -1.0), 100);            // jitter below 0 counts as 0
    EXPECT_EQ(backoff_ms(p, 1, 7.0), 200);             // above 1 counts as 1
    EXPECT_EQ(backoff_ms(p, 1'000'000, 0.0), 30'000);  // no overflow
}

TEST_F(QueueBookTest, FailRetriesAfterBackoff) {
    const int64_t id = book_.send("work", "a", kT0).id;
    for (int64_t n = 1; n <= 3; ++n) {
        const int64_t now = kT0 + n * 100'000;
        const QueueMessage got = receive_one(now);
        ASSERT_EQ(got.receive_count, n);
        const double jitter = 0.3;
        auto failed = book_.fail(id, n, "error " + std::to_string(n), now, jitter);
        ASSERT_TRUE(failed.ok()) << failed.error().message;
        EXPECT_FALSE(failed->dead_lettered);
        EXPECT_EQ(failed->queue, "work");
        const int64_t delay = failed->visible_at_ms - now;
        const int64_t full = 200 * (int64_t{1} << (n - 1));
        EXPECT_GE(delay, full / 2);
        EXPECT_LT(delay, full);
        EXPECT_EQ(delay, backoff_ms(*book_.policy("work"), n, jitter));

        const QueueMessage* stored = book_.get(id);
        EXPECT_FALSE(stored->in_flight);
        EXPECT_EQ(stored->last_error, "error " + std::to_string(n));
        EXPECT_EQ(book_.counts("work", now).delayed, 1);
        EXPECT_TRUE(book_.receive("work", 1, failed->visible_at_ms - 1).empty());
    }
}

TEST_F(QueueBookTest, BackoffIsCappedAtTheMaximum) {
    QueuePolicy p = *book_.policy("work");
    p.max_receive_count = 100;
    p.backoff_base_ms = 1'000;
    p.backoff_max_ms = 5'000;
    ASSERT_TRUE(book_.set_policy(p).ok());
    const int64_t id = book_.send("work", "a", kT0).id;
    int64_t now = kT0;
    for (int64_t n = 1; n <= 8; ++n) {
        receive_one(now);
        auto failed = book_.fail(id, n, "x", now, 0.999);
        ASSERT_TRUE(failed.ok());
        EXPECT_LT(failed->visible_at_ms - now, 5'000);
        if (n >= 4) {
            EXPECT_GE(failed->visible_at_ms - now, 4'990);  // 5000 * 0.9995
        }
        now = failed->visible_at_ms;
    }
}

TEST_F(QueueBookTest, AfterMaxReceiveCountFailMovesToTheDlq) {
    const QueueMessage sent = book_.send("work", "payload", kT0);
    int64_t now = kT0;
    for (int64_t n = 1; n < 4; ++n) {
        receive_one(now);
        auto failed = book_.fail(sent.id, n, "try " + std::to_string(n), now, 0.0);
        ASSERT_TRUE(failed.ok());
        ASSERT_FALSE(failed->dead_lettered) << n;
        now = failed->visible_at_ms;
    }
    receive_one(now);
    auto failed = book_.fail(sent.id, 4, "final error", now, 0.0);
    ASSERT_TRUE(failed.ok());
    EXPECT_TRUE(failed->dead_lettered);
    EXPECT_EQ(failed->queue, "work-dlq");
    EXPECT_EQ(failed->visible_at_ms, now);

    EXPECT_EQ(book_.get(sent.id), nullptr);
    EXPECT_TRUE(book_.peek("work", 10).empty());
    const auto dead = book_.peek("work-dlq", 10);
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_GT(dead[0].id, sent.id);  // a new id
    EXPECT_EQ(dead[0].id, book_.last_message_id());
    EXPECT_EQ(dead[0].queue, "work-dlq");
    EXPECT_EQ(dead[0].source_queue, "work");
    EXPECT_EQ(dead[0].body, "payload");
    EXPECT_EQ(dead[0].last_error, "final error");
    EXPECT_EQ(dead[0].receive_count, 4);
    EXPECT_FALSE(dead[0].in_flight);
    EXPECT_EQ(dead[0].created_at_ms, kT0);
    EXPECT_EQ(book_.counts("work-dlq", now).visible, 1);
}

TEST_F(QueueBookTest, MaxReceiveCountOfOneDeadLettersOnTheFirstFailure) {
    QueuePolicy p = *book_.policy("work");
    p.max_receive_count = 1;
    ASSERT_TRUE(book_.set_policy(p).ok());
    const int64_t id = book_.send("work", "a", kT0).id;
    receive_one(kT0);
    auto failed = book_.fail(id, 1, "x", kT0, 0.0);
    ASSERT_TRUE(failed.ok());
    EXPECT_TRUE(failed->dead_lettered);
}

TEST_F(QueueBookTest, AQueueWithoutADlqRetriesForever) {
    book_.ensure(policy("other", "", /*max_receive_count=*/2));
    const int64_t id = book_.send("other", "a", kT0).id;
    int64_t now = kT0;
    for (int64_t n = 1; n <= 6; ++n) {
        ASSERT_EQ(book_.receive("other", 1, now).size(), 1u);
        auto failed = book_.fail(id, n, "x", now, 0.0);
        ASSERT_TRUE(failed.ok());
        EXPECT_FALSE(failed->dead_lettered);
        now = failed->visible_at_ms;
    }
}

TEST_F(QueueBookTest, AMissingDlqMeansRetryInsteadOfLosingTheMessage) {
    book_.ensure(policy("other", "not-created", /*max_receive_count=*/1));
    const int64_t id = book_.send("other", "a", kT0).id;
    ASSERT_EQ(book_.receive("other", 1, kT0).size(), 1u);
    auto failed = book_.fail(id, 1, "x", kT0, 0.0);
    ASSERT_TRUE(failed.ok());
    EXPECT_FALSE(failed->dead_lettered);
    EXPECT_NE(book_.get(id), nullptr);
}

// --- redrive, purge, peek, counts -------------------------------------------------------------

// Sends `body` to "work" and fails it until it is in the DLQ; returns its DLQ copy.
// REQUIRES: nothing else deliverable in "work".
QueueMessage dead_letter(QueueBook& book, const std::string& body, int64_t now) {
    const int64_t id = book.send("work", body, now).id;
    const int64_t max = book.policy("work")->max_receive_count;
    for (int64_t n = 1; n <= max; ++n) {
        const auto got = book.receive("work", 1, now);
        EXPECT_EQ(ids_of(got), (std::vector<int64_t>{id}));
        auto failed = book.fail(id, n, "err-" + body, now, 0.0);
        EXPECT_TRUE(failed.ok());
        if (failed.ok()) now = failed->visible_at_ms;
    }
    for (const auto& m : book.peek("work-dlq", 100)) {
        if (m.body == body) return m;
    }
    ADD_FAILURE() << body << " was not dead-lettered";
    return {};
}

TEST_F(QueueBookTest, RedriveMovesDlqMessagesBackFresh) {
    const QueueMessage a = dead_letter(book_, "a", kT0);
    const QueueMessage b = dead_letter(book_, "b", kT0);
    const int64_t now = kT0 + 10'000'000;
    auto moved = book_.redrive("work-dlq", now);
    ASSERT_TRUE(moved.ok());
    EXPECT_EQ(moved.value(), 2);
    EXPECT_TRUE(book_.peek("work-dlq", 10).empty());
    EXPECT_EQ(book_.get(a.id), nullptr);
    EXPECT_EQ(book_.get(b.id), nullptr);

    const auto back = book_.peek("work", 10);
    ASSERT_EQ(back.size(), 2u);
    EXPECT_EQ(bodies_of(back), (std::vector<std::string>{"a", "b"}));  // order kept
    for (const auto& m : back) {
        EXPECT_GT(m.id, b.id);  // new ids
        EXPECT_EQ(m.queue, "work");
        EXPECT_EQ(m.receive_count, 0);
        EXPECT_TRUE(m.source_queue.empty());
        EXPECT_FALSE(m.in_flight);
        EXPECT_EQ(m.visible_at_ms, now);
    }
    // Fresh: it gets the full max_receive_count again.
    auto got = book_.receive("work", 1, now);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].receive_count, 1);
    auto failed = book_.fail(got[0].id, 1, "x", now, 0.0);
    ASSERT_TRUE(failed.ok());
    EXPECT_FALSE(failed->dead_lettered);
}

TEST_F(QueueBookTest, RedriveOfAnEmptyOrUnknownQueue) {
    auto empty = book_.redrive("work-dlq", kT0);
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(empty.value(), 0);
    auto unknown = book_.redrive("nope", kT0);
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(unknown.error().slug, "queue-not-found");
}

TEST_F(QueueBookTest, RedriveOfASourceQueueMovesNothing) {
    // Messages in a source queue have no source_queue: QueueBook leaves them (the engine
    // answers not-a-dlq before asking; see engine_loop_test).
    book_.send("work", "a", kT0);
    auto moved = book_.redrive("work", kT0);
    ASSERT_TRUE(moved.ok());
    EXPECT_EQ(moved.value(), 0);
    EXPECT_EQ(book_.peek("work", 10).size(), 1u);
}

TEST_F(QueueBookTest, PurgeRemovesEverythingIncludingInFlight) {
    book_.send("work", "a", kT0);
    book_.send("work", "b", kT0);
    book_.send("work", "c", kT0, 1'000);
    book_.send("work-dlq", "keep", kT0);
    receive_one(kT0);
    auto purged = book_.purge("work");
    ASSERT_TRUE(purged.ok());
    EXPECT_EQ(purged.value(), 3);
    EXPECT_TRUE(book_.peek("work", 10).empty());
    EXPECT_EQ(book_.peek("work-dlq", 10).size(), 1u);
    EXPECT_EQ(book_.purge("work").value(), 0);
    EXPECT_EQ(book_.purge("nope").error().slug, "queue-not-found");
}

// --- one message: remove, redrive_one ---------------------------------------------------------

TEST_F(QueueBookTest, RemoveDeletesExactlyThatMessage) {
    const int64_t a = book_.send("work", "a", kT0).id;
    const int64_t b = book_.send("work", "b", kT0).id;
    book_.settle();
    ASSERT_TRUE(book_.remove("work", a).ok());
    EXPECT_EQ(book_.get(a), nullptr);
    EXPECT_EQ(ids_of(book_.peek("work", 10)), (std::vector<int64_t>{b}));
    // Recorded as a deletion for the store.
    EXPECT_EQ(book_.changes().deleted, (std::vector<int64_t>{a}));
    EXPECT_TRUE(book_.changes().upserted.empty());
    // Gone: a second remove is not found.
    const Status again = book_.remove("work", a);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().slug, "message-not-found");
}

TEST_F(QueueBookTest, RemoveRefusesAnUnknownIdAnotherQueuesMessageAndAnUnknownQueue) {
    const int64_t in_dlq = book_.send("work-dlq", "d", kT0).id;
    book_.settle();
    for (const auto& [queue, id] : {std::pair<std::string, int64_t>{"work", in_dlq},
                                    std::pair<std::string, int64_t>{"work", 999}}) {
        const Status refused = book_.remove(queue, id);
        ASSERT_FALSE(refused.ok()) << queue << " " << id;
        EXPECT_EQ(refused.error().code, ErrorCode::kNotFound);
        EXPECT_EQ(refused.error().slug, "message-not-found");
    }
    EXPECT_EQ(book_.remove("nope", in_dlq).error().slug, "queue-not-found");
    EXPECT_NE(book_.get(in_dlq), nullptr);
    EXPECT_TRUE(book_.changes().deleted.empty());
}

TEST_F(QueueBookTest, AMessageInFlightIsNeitherRemovedNorRedriven) {
    const int64_t id = book_.send("work", "a", kT0).id;
    ASSERT_EQ(receive_one(kT0).id, id);
    book_.settle();
    const Status refused = book_.remove("work", id);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
    EXPECT_EQ(refused.error().slug, "message-in-flight");
    EXPECT_TRUE(book_.changes().deleted.empty());
    // Its receiver still settles it as usual.
    ASSERT_TRUE(book_.ack(id, 1).ok());

    // A DLQ message in flight (something received from the DLQ itself) stays too.
    const QueueMessage dead = dead_letter(book_, "d", kT0);
    ASSERT_EQ(book_.receive("work-dlq", 1, dead.visible_at_ms).size(), 1u);
    book_.settle();
    auto moved = book_.redrive_one("work-dlq", dead.id, dead.visible_at_ms);
    ASSERT_FALSE(moved.ok());
    EXPECT_EQ(moved.error().slug, "message-in-flight");
    EXPECT_EQ(book_.get(dead.id)->queue, "work-dlq");
    EXPECT_TRUE(book_.changes().upserted.empty());
}

TEST_F(QueueBookTest, RedriveOneMovesOnlyThatMessageBackFresh) {
    const QueueMessage a = dead_letter(book_, "a", kT0);
    const QueueMessage b = dead_letter(book_, "b", kT0);
    book_.settle();
    const int64_t now = kT0 + 10'000'000;
    auto moved = book_.redrive_one("work-dlq", b.id, now);
    ASSERT_TRUE(moved.ok()) << moved.error().message;
    EXPECT_GT(moved->id, b.id);  // a new id, as redrive() gives
    EXPECT_EQ(moved->queue, "work");
    EXPECT_EQ(moved->body, "b");
    EXPECT_EQ(moved->receive_count, 0);
    EXPECT_TRUE(moved->source_queue.empty());
    EXPECT_FALSE(moved->in_flight);
    EXPECT_EQ(moved->visible_at_ms, now);
    EXPECT_EQ(book_.get(b.id), nullptr);
    EXPECT_EQ(ids_of(book_.peek("work-dlq", 10)), (std::vector<int64_t>{a.id}));
    EXPECT_EQ(ids_of(book_.peek("work", 10)), (std::vector<int64_t>{moved->id}));
    const QueueChanges changes = book_.changes();
    EXPECT_EQ(changes.deleted, (std::vector<int64_t>{b.id}));
    ASSERT_EQ(changes.upserted.size(), 1u);
    EXPECT_EQ(changes.upserted[0].id, moved->id);
    // Fresh: the full max_receive_count again.
    const auto got = book_.receive("work", 1, now);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].receive_count, 1);
    EXPECT_FALSE(book_.fail(got[0].id, 1, "x", now, 0.0)->dead_lettered);
}

TEST_F(QueueBookTest, RedriveOneRefusesWhatItCannotMove) {
    const QueueMessage dead = dead_letter(book_, "d", kT0);
    const int64_t in_work = book_.send("work", "w", kT0).id;
    const int64_t orphan = book_.send("work-dlq", "no source", kT0).id;  // no source_queue
    book_.settle();
    EXPECT_EQ(book_.redrive_one("work-dlq", 999, kT0).error().slug, "message-not-found");
    EXPECT_EQ(book_.redrive_one("work-dlq", in_work, kT0).error().slug, "message-not-found");
    EXPECT_EQ(book_.redrive_one("nope", dead.id, kT0).error().slug, "queue-not-found");
    auto no_source = book_.redrive_one("work-dlq", orphan, kT0);
    ASSERT_FALSE(no_source.ok());
    EXPECT_EQ(no_source.error().code, ErrorCode::kConflict);
    EXPECT_EQ(no_source.error().slug, "no-source-queue");
    EXPECT_TRUE(book_.changes().upserted.empty());
    EXPECT_TRUE(book_.changes().deleted.empty());
}

TEST_F(QueueBookTest, RollbackUndoesRemoveAndRedriveOne) {
    const QueueMessage dead = dead_letter(book_, "d", kT0);
    const int64_t w = book_.send("work", "w", kT0).id;
    book_.settle();
    const std::vector<QueueMessage> before = everything();
    const int64_t last_id = book_.last_message_id();
    ASSERT_TRUE(book_.remove("work", w).ok());
    ASSERT_TRUE(book_.redrive_one("work-dlq", dead.id, kT0).ok());
    book_.rollback();
    const std::vector<QueueMessage> after = everything();
    ASSERT_EQ(after.size(), before.size());
    for (std::size_t i = 0; i < before.size(); ++i) expect_same_message(after[i], before[i]);
    EXPECT_EQ(book_.last_message_id(), last_id);
}

TEST_F(QueueBookTest, PeekDoesNotConsume) {
    for (const char* body : {"a", "b", "c"}) book_.send("work", body, kT0);
    EXPECT_EQ(bodies_of(book_.peek("work", 2)), (std::vector<std::string>{"a", "b"}));
    const auto all = book_.peek("work", 10);
    ASSERT_EQ(all.size(), 3u);
    for (const auto& m : all) {
        EXPECT_EQ(m.receive_count, 0);
        EXPECT_FALSE(m.in_flight);
    }
    EXPECT_EQ(book_.receive("work", 10, kT0).size(), 3u);
    EXPECT_TRUE(book_.peek("nope", 10).empty());
    // In-flight messages are shown too.
    EXPECT_EQ(book_.peek("work", 10).size(), 3u);
    EXPECT_TRUE(book_.peek("work", 10)[0].in_flight);
}

TEST_F(QueueBookTest, CountsVisibleInFlightAndDelayed) {
    EXPECT_EQ(book_.counts("nope", kT0).visible, 0);
    book_.send("work", "will-fail", kT0);
    book_.send("work", "in-flight", kT0);
    book_.send("work", "delayed", kT0, 1'000);
    book_.send("work", "in-flight-too", kT0);
    const auto got = book_.receive("work", 2, kT0);
    ASSERT_EQ(bodies_of(got), (std::vector<std::string>{"will-fail", "in-flight"}));
    ASSERT_TRUE(book_.fail(got[0].id, 1, "x", kT0, 0.0).ok());  // backs off 100 ms
    EXPECT_EQ(bodies_of(book_.receive("work", 1, kT0)),
              (std::vector<std::string>{"in-flight-too"}));

    QueueCounts c = book_.counts("work", kT0);
    EXPECT_EQ(c.visible, 0);
    EXPECT_EQ(c.in_flight, 2);
    EXPECT_EQ(c.delayed, 2);  // the backing-off one and the delayed one
    c = book_.counts("work", kT0 + 1'000);
    EXPECT_EQ(c.visible, 2);
    EXPECT_EQ(c.in_flight, 2);
    EXPECT_EQ(c.delayed, 0);
}

// --- policies -----------------------------------------------------------------------------------

TEST_F(QueueBookTest, EnsureKeepsAnExistingPolicy) {
    QueuePolicy changed = policy("work", "work-dlq", 9);
    book_.ensure(changed);
    EXPECT_EQ(book_.policy("work")->max_receive_count, 4);
    EXPECT_TRUE(book_.changes().policies.empty());
    ASSERT_TRUE(book_.set_policy(changed).ok());
    EXPECT_EQ(book_.policy("work")->max_receive_count, 9);
    ASSERT_EQ(book_.changes().policies.size(), 1u);
    EXPECT_EQ(book_.changes().policies[0].max_receive_count, 9);
    EXPECT_EQ(book_.set_policy(policy("nope", "")).error().slug, "queue-not-found");
    EXPECT_EQ(book_.policy("nope"), nullptr);
    EXPECT_EQ(book_.policies().size(), 2u);
}

// --- the batch undo log ---------------------------------------------------------------------

TEST_F(QueueBookTest, ChangesListWhatChangedSinceSettle) {
    const int64_t keep = book_.send("work", "keep", kT0).id;
    const int64_t gone = book_.send("work", "gone", kT0).id;
    book_.settle();
    EXPECT_TRUE(book_.changes().upserted.empty());

    const int64_t fresh = book_.send("work", "fresh", kT0).id;
    const int64_t transient = book_.send("work", "transient", kT0).id;
    auto got = book_.receive("work", 10, kT0);  // all four
    ASSERT_EQ(got.size(), 4u);
    ASSERT_TRUE(book_.ack(gone, 1).ok());
    ASSERT_TRUE(book_.ack(transient, 1).ok());  // sent and acked in one batch: nothing to write

    QueueChanges c = book_.changes();
    std::vector<int64_t> upserted = ids_of(c.upserted);
    std::sort(upserted.begin(), upserted.end());
    EXPECT_EQ(upserted, (std::vector<int64_t>{keep, fresh}));
    EXPECT_EQ(c.deleted, (std::vector<int64_t>{gone}));
    for (const auto& m : c.upserted) EXPECT_TRUE(m.in_flight);
    book_.settle();
    c = book_.changes();
    EXPECT_TRUE(c.upserted.empty());
    EXPECT_TRUE(c.deleted.empty());
    EXPECT_TRUE(c.policies.empty());
}

TEST_F(QueueBookTest, RollbackRestoresExactlyThePreviousState) {
    // A settled state with a bit of everything.
    dead_letter(book_, "d", kT0);
    book_.send("work", "a", kT0);
    book_.send("work", "b", kT0, 5'000);
    const int64_t c = book_.send("work", "c", kT0).id;
    ASSERT_EQ(book_.receive("work", 1, kT0).size(), 1u);  // "a" in flight
    book_.settle();
    const std::vector<QueueMessage> before = everything();
    const std::vector<QueuePolicy> policies_before = book_.policies();
    const int64_t last_id_before = book_.last_message_id();
    const auto counts_before = book_.counts("work", kT0);

    // A batch that touches all of it.
    book_.send("work", "new", kT0);
    auto received = book_.receive("work", 10, kT0 + 10'000);
    ASSERT_FALSE(received.empty());
    ASSERT_TRUE(book_.ack(c, book_.get(c)->receive_count).ok());
    for (const auto& m : received) {
        if (m.id != c && book_.get(m.id)) {
            ASSERT_TRUE(book_.fail(m.id, m.receive_count, "batch", kT0 + 10'000, 0.0).ok());
        }
    }
    ASSERT_TRUE(book_.redrive("work-dlq", kT0).ok());
    QueuePolicy changed = *book_.policy("work");
    changed.max_receive_count = 77;
    ASSERT_TRUE(book_.set_policy(changed).ok());
    book_.ensure(policy("other", ""));
    book_.send("other", "x", kT0);
    ASSERT_TRUE(book_.purge("work").ok());
    ASSERT_NE(book_.last_message_id(), last_id_before);

    book_.rollback();

    const std::vector<QueueMessage> after = everything();
    ASSERT_EQ(after.size(), before.size());
    for (std::size_t i = 0; i < before.size(); ++i) expect_same_message(after[i], before[i]);
    const std::vector<QueuePolicy> policies_after = book_.policies();
    ASSERT_EQ(policies_after.size(), policies_before.size());
    for (std::size_t i = 0; i < policies_before.size(); ++i) {
        expect_same_policy(policies_after[i], policies_before[i]);
    }
    EXPECT_EQ(book_.policy("other"), nullptr);
    EXPECT_EQ(book_.last_message_id(), last_id_before);
    const auto counts_after = book_.counts("work", kT0);
    EXPECT_EQ(counts_after.visible, counts_before.visible);
    EXPECT_EQ(counts_after.in_flight, counts_before.in_flight);
    EXPECT_EQ(counts_after.delayed, counts_before.delayed);
    EXPECT_TRUE(book_.changes().upserted.empty());
    EXPECT_TRUE(book_.changes().deleted.empty());
    EXPECT_TRUE(book_.changes().policies.empty());

    // Delivery order survives the rollback, and ids continue where they were.
    EXPECT_EQ(book_.send("work", "next", kT0).id, last_id_before + 1);
    const auto order = bodies_of(book_.peek("work", 10));
    EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c", "next"}));
}

TEST_F(QueueBookTest, RollbackOfANewQueueForgetsIt) {
    book_.ensure(policy("other", ""));
    EXPECT_EQ(book_.changes().policies.size(), 1u);
    book_.rollback();
    EXPECT_EQ(book_.policy("other"), nullptr);
    EXPECT_EQ(book_.policies().size(), 2u);
}

TEST_F(QueueBookTest, RollbackAfterSettleChangesNothing) {
    book_.send("work", "a", kT0);
    book_.settle();
    book_.rollback();
    EXPECT_EQ(book_.peek("work", 10).size(), 1u);
    EXPECT_EQ(book_.last_message_id(), 1);
}

// --- load ------------------------------------------------------------------------------------

TEST(QueueBookLoadTest, InFlightMessagesBecomeVisibleAndIdsContinue) {
    QueueMessage in_flight;
    in_flight.id = 7;
    in_flight.queue = "work";
    in_flight.body = "was being handled";
    in_flight.receive_count = 2;
    in_flight.in_flight = true;
    in_flight.visible_at_ms = kT0 + 30'000;
    QueueMessage delayed;
    delayed.id = 9;
    delayed.queue = "work";
    delayed.body = "backing off";
    delayed.receive_count = 1;
    delayed.visible_at_ms = kT0 + 5'000;

    QueueBook book;
    book.load({policy("work", "work-dlq"), policy("work-dlq", "")}, {in_flight, delayed},
              /*last_message_id=*/20);
    EXPECT_EQ(book.last_message_id(), 20);         // the store's high-water mark wins over max(id)
    EXPECT_TRUE(book.changes().upserted.empty());  // loading is not a change
    EXPECT_TRUE(book.changes().policies.empty());

    const auto got = book.receive("work", 10, kT0);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].id, 7);
    EXPECT_EQ(got[0].receive_count, 3);  // the interrupted delivery counts
    EXPECT_EQ(book.send("work", "next", kT0).id, 21);

    QueueBook low_mark;
    low_mark.load({policy("work", "")}, {in_flight, delayed}, /*last_message_id=*/0);
    EXPECT_EQ(low_mark.last_message_id(), 9);
}

}  // namespace
}  // namespace restock

namespace restock {
namespace {

TEST(RetryWindowTest, SumsTheBackoffsBetweenTheReceives) {
    // The first versions' default: 4 receives, 200 ms doubling. Dead-lettered 0.7 to 1.4 s
    // after the first failure (issue 16, item 3).
    QueuePolicy first{"q", "dlq", 4, 30'000, 200, 60'000};
    EXPECT_TRUE(is_first_default_policy(first));
    EXPECT_EQ(retry_window_ms(first, 0.0), 700);
    EXPECT_EQ(retry_window_ms(first, 1.0), 1'400);
    EXPECT_FALSE(is_first_default_policy(partner_policy("q", "dlq")));
    QueuePolicy once = first;
    once.max_receive_count = 1;
    EXPECT_EQ(retry_window_ms(once, 1.0), 0);  // dead-lettered at the first failure
}

}  // namespace
}  // namespace restock
