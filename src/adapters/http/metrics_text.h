// The Prometheus text exposition (format 0.0.4) of what /metrics reports: names with units and
// _total on counters, HELP and TYPE before every family, labels quoted and escaped. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "app/commands.h"
#include "app/stock_engine.h"

namespace restock::http {

// Appends one metric family: its HELP and TYPE lines, then its samples.
class MetricsText {
  public:
    explicit MetricsText(std::string& out) : out_(out) {}
    // type: "counter", "gauge" or "histogram".
    MetricsText& family(std::string_view name, std::string_view type, std::string_view help);
    // labels: name, value, name, value... (values escaped as the format says).
    MetricsText& sample(std::string_view name, const std::vector<std::string_view>& labels,
                        double value);
    MetricsText& sample(std::string_view name, double value) { return sample(name, {}, value); }

  private:
    std::string& out_;
};

// The engine's counters and its commit latency histogram.
void write_engine_metrics(std::string& out, const StockEngine::Stats& stats);
// Queue depths, in-flight counts and oldest-message ages; restock orders by status and overdue.
void write_gauges(std::string& out, const GaugesOutcome& gauges);

}  // namespace restock::http
