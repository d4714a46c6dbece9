// The Prometheus exposition of /metrics: families with HELP and TYPE, escaped labels,
// cumulative histogram buckets, and the gauges of queues and restock orders.
#include "adapters/http/metrics_text.h"

#include <gtest/gtest.h>

namespace restock::http {
namespace {

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(MetricsTextTest, LabelsAreEscapedAndIntegersHaveNoFraction) {
    std::string out;
    MetricsText(out)
        .family("x_total", "counter", "Help.")
        .sample("x_total", {"a", "q\"uo\\te\nnl"}, 3)
        .sample("x_total", 0.25);
    EXPECT_EQ(out,
              "# HELP x_total Help.\n# TYPE x_total counter\n"
              "x_total{a=\"q\\\"uo\\\\te\\nnl\"} 3\nx_total 0.25\n");
}

TEST(MetricsTextTest, TheCommitHistogramIsCumulative) {
    LatencyHistogram h;
    h.observe(std::chrono::microseconds(100));  // <= 0.00025
    h.observe(std::chrono::microseconds(700));  // <= 0.001
    h.observe(std::chrono::milliseconds(700));  // <= 1
    h.observe(std::chrono::seconds(30));        // +Inf only
    StockEngine::Stats stats;
    stats.commit_latency = h.snapshot();
    stats.checkouts_completed = 7;
    std::string out;
    write_engine_metrics(out, stats);
    EXPECT_TRUE(has_line(out, "# TYPE restock_commit_duration_seconds histogram"));
    EXPECT_TRUE(has_line(out, "restock_commit_duration_seconds_bucket{le=\"0.00025\"} 1"));
    EXPECT_TRUE(has_line(out, "restock_commit_duration_seconds_bucket{le=\"0.0005\"} 1"));
    EXPECT_TRUE(has_line(out, "restock_commit_duration_seconds_bucket{le=\"0.001\"} 2"));
    EXPECT_TRUE(has_line(out, "restock_commit_duration_seconds_bucket{le=\"1\"} 3"));
    EXPECT_TRUE(has_line(out, "restock_commit_duration_seconds_bucket{le=\"10\"} 3"));
    EXPECT_TRUE(has_line(out, "restock_commit_duration_seconds_bucket{le=\"+Inf\"} 4"));
    EXPECT_TRUE(has_line(out, "restock_commit_duration_seconds_count 4"));
    EXPECT_TRUE(has_line(out, "restock_commit_duration_seconds_sum 30.7008"));
    EXPECT_TRUE(has_line(out, "restock_checkouts_total{result=\"completed\"} 7"));
}

TEST(MetricsTextTest, GaugesOfQueuesAndOrders) {
    GaugesOutcome g;
    g.now_ms = 100'000;
    QueueInfo orders{QueuePolicy{"restock-orders", "stock-empty-dlq"},
                     QueueCounts{2, 1, 3, 40'000}};
    QueueInfo dlq{QueuePolicy{"stock-empty-dlq", ""}, QueueCounts{}};
    g.queues = {orders, dlq};
    g.orders_by_status[static_cast<std::size_t>(OrderStatus::kAcknowledged)] = 4;
    g.orders_by_status[static_cast<std::size_t>(OrderStatus::kFailed)] = 1;
    g.orders_by_status[static_cast<std::size_t>(OrderStatus::kPending)] = 2;
    g.overdue_orders = 3;
    std::string out;
    write_gauges(out, g);
    EXPECT_TRUE(has_line(
        out,
        "restock_queue_messages{queue=\"restock-orders\",kind=\"queue\",state=\"visible\"} 2"));
    EXPECT_TRUE(has_line(
        out,
        "restock_queue_messages{queue=\"restock-orders\",kind=\"queue\",state=\"in_flight\"} 1"));
    EXPECT_TRUE(has_line(
        out, "restock_queue_messages{queue=\"stock-empty-dlq\",kind=\"dlq\",state=\"visible\"} 0"));
    EXPECT_TRUE(has_line(out,
                         "restock_queue_oldest_message_age_seconds{queue=\"restock-orders\","
                         "kind=\"queue\"} 60"));
    EXPECT_TRUE(has_line(out,
                         "restock_queue_oldest_message_age_seconds{queue=\"stock-empty-dlq\","
                         "kind=\"dlq\"} 0"));
    EXPECT_TRUE(has_line(out, "restock_restock_orders{status=\"acknowledged\"} 4"));
    EXPECT_TRUE(has_line(out, "restock_restock_orders{status=\"received\"} 0"));
    EXPECT_TRUE(has_line(out, "restock_restock_orders_open 6"));
    EXPECT_TRUE(has_line(out, "restock_restock_orders_overdue 3"));
}

}  // namespace
}  // namespace restock::http
