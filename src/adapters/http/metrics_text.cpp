#include "adapters/http/metrics_text.h"

#include <cmath>
#include <cstdio>

namespace restock::http {
namespace {

// A sample value as the format writes it: integers without a fraction, +Inf for infinity.
std::string number(double value) {
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    if (std::isnan(value)) return "NaN";
    if (value == std::floor(value) && std::fabs(value) < 1e15) {
        return std::to_string(static_cast<int64_t>(value));
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.9g", value);
    return text;
}

void escape_label(std::string& out, std::string_view value) {
    for (char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
}

}  // namespace

MetricsText& MetricsText::family(std::string_view name, std::string_view type,
                                 std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
    return *this;
}

MetricsText& MetricsText::sample(std::string_view name, const std::vector<std::string_view>& labels,
                                 double value) {
    out_ += name;
    if (!labels.empty()) {
        out_ += '{';
        for (std::size_t i = 0; i + 1 < labels.size(); i += 2) {
            if (i > 0) out_ += ',';
            out_ += labels[i];
            out_ += "=\"";
            escape_label(out_, labels[i + 1]);
            out_ += '"';
        }
        out_ += '}';
    }
    out_ += ' ';
    out_ += number(value);
    out_ += '\n';
    return *this;
}

void write_engine_metrics(std::string& out, const StockEngine::Stats& stats) {
    MetricsText m(out);
    m.family("restock_engine_commands_total", "counter", "Commands the stock engine has executed.")
        .sample("restock_engine_commands_total", static_cast<double>(stats.commands));
    m.family("restock_engine_batches_total", "counter", "Group commits attempted.")
        .sample("restock_engine_batches_total", static_cast<double>(stats.batches));
    m.family("restock_engine_failed_batches_total", "counter", "Group commits the store refused.")
        .sample("restock_engine_failed_batches_total", static_cast<double>(stats.failed_batches));
    m.family("restock_checkouts_total", "counter",
             "Checkouts committed by result: completed, insufficient_stock (refused for lack of "
             "stock), rejected (an unknown or archived product, a closed hold...).")
        .sample("restock_checkouts_total", {"result", "completed"},
                static_cast<double>(stats.checkouts_completed))
        .sample("restock_checkouts_total", {"result", "insufficient_stock"},
                static_cast<double>(stats.checkouts_insufficient))
        .sample("restock_checkouts_total", {"result", "rejected"},
                static_cast<double>(stats.checkouts_rejected));
    m.family("restock_checkout_units_total", "counter", "Units taken by completed checkouts.")
        .sample("restock_checkout_units_total", static_cast<double>(stats.checkout_units));

    const auto& h = stats.commit_latency;
    constexpr std::string_view kLatency = "restock_commit_duration_seconds";
    m.family(kLatency, "histogram",
             "Group commit latency: from the start of a batch's write until it is durable.");
    uint64_t cumulative = 0;
    const std::string bucket = std::string(kLatency) + "_bucket";
    for (std::size_t i = 0; i < LatencyHistogram::kBoundsSeconds.size(); ++i) {
        cumulative += h.counts[i];
        const std::string le = number(LatencyHistogram::kBoundsSeconds[i]);
        m.sample(bucket, {"le", le}, static_cast<double>(cumulative));
    }
    m.sample(bucket, {"le", "+Inf"}, static_cast<double>(h.count));
    m.sample(std::string(kLatency) + "_sum", h.sum_seconds);
    m.sample(std::string(kLatency) + "_count", static_cast<double>(h.count));
}

void write_gauges(std::string& out, const GaugesOutcome& gauges) {
    MetricsText m(out);
    auto kind_of = [](const QueueInfo& q) { return q.policy.dlq.empty() ? "dlq" : "queue"; };
    m.family("restock_queue_messages", "gauge",
             "Messages per queue and DLQ: visible (deliverable), in_flight (received, not yet "
             "settled), delayed (waiting for a retry).");
    for (const auto& q : gauges.queues) {
        const std::string_view name = q.policy.name;
        m.sample("restock_queue_messages", {"queue", name, "kind", kind_of(q), "state", "visible"},
                 static_cast<double>(q.counts.visible));
        m.sample("restock_queue_messages",
                 {"queue", name, "kind", kind_of(q), "state", "in_flight"},
                 static_cast<double>(q.counts.in_flight));
        m.sample("restock_queue_messages", {"queue", name, "kind", kind_of(q), "state", "delayed"},
                 static_cast<double>(q.counts.delayed));
    }
    m.family("restock_queue_oldest_message_age_seconds", "gauge",
             "Age of the oldest message per queue and DLQ (0 when it is empty).");
    for (const auto& q : gauges.queues) {
        const double age =
            q.counts.oldest_created_at_ms == 0
                ? 0
                : static_cast<double>(gauges.now_ms - q.counts.oldest_created_at_ms) / 1000.0;
        m.sample("restock_queue_oldest_message_age_seconds",
                 {"queue", q.policy.name, "kind", kind_of(q)}, age < 0 ? 0 : age);
    }
    m.family("restock_restock_orders", "gauge", "Restock orders by status.");
    int64_t open = 0;
    for (std::size_t i = 0; i < gauges.orders_by_status.size(); ++i) {
        m.sample("restock_restock_orders", {"status", to_string(static_cast<OrderStatus>(i))},
                 static_cast<double>(gauges.orders_by_status[i]));
        if (is_open(static_cast<OrderStatus>(i))) open += gauges.orders_by_status[i];
    }
    m.family("restock_restock_orders_open", "gauge",
             "Open restock orders (pending, sent or acknowledged).")
        .sample("restock_restock_orders_open", static_cast<double>(open));
    m.family("restock_restock_orders_overdue", "gauge",
             "Acknowledged restock orders not received within their factory's lead time.")
        .sample("restock_restock_orders_overdue", static_cast<double>(gauges.overdue_orders));
}

}  // namespace restock::http
