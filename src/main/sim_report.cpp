#include "main/sim_report.h"

#include <algorithm>
#include <cstdio>

#include "json/json.h"

namespace restock::sim {
namespace {

// Shortest decimal form that reads back the same, as JSON wants it (no NaN or infinity here).
std::string number(double value) {
    char buf[32];
    for (int precision = 6; precision <= 17; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, value);
        double back = 0;
        if (std::sscanf(buf, "%lf", &back) == 1 && back == value) break;
    }
    return buf;
}

SkuFigures total_of(const SimReport& report, double& total_avg) {
    SkuFigures total;
    total_avg = 0;
    for (const auto& sku : report.skus) {
        total.demand += sku.demand;
        total.sold += sku.sold;
        total.lost += sku.lost;
        total.on_hand_days += sku.on_hand_days;
        total.orders += sku.orders;
        total.stockout_days += sku.stockout_days;
        total_avg += avg_on_hand(sku, report.counted_days);
    }
    return total;
}

void write_figures(json::Writer& w, const SkuFigures& f, double avg) {
    w.key("demand").value(f.demand).key("sold").value(f.sold).key("lost").value(f.lost);
    w.key("fill_rate").raw(number(fill_rate(f)));
    w.key("avg_on_hand").raw(number(avg));
    w.key("orders").value(f.orders).key("stockout_days").value(f.stockout_days);
}

}  // namespace

double fill_rate(const SkuFigures& figures) {
    if (figures.demand == 0) return 1.0;
    return static_cast<double>(figures.sold) / static_cast<double>(figures.demand);
}

double avg_on_hand(const SkuFigures& figures, int64_t counted_days) {
    if (counted_days <= 0) return 0;
    return static_cast<double>(figures.on_hand_days) / static_cast<double>(counted_days);
}

std::string report_json(const SimReport& report) {
    std::string out;
    out.reserve(report.skus.size() * 160 + 256);
    json::Writer w(out);
    w.begin_object().key("skus").begin_array();
    for (const auto& sku : report.skus) {
        w.begin_object().key("sku").value(sku.sku);
        write_figures(w, sku, avg_on_hand(sku, report.counted_days));
        w.end_object();
    }
    w.end_array();
    double total_avg = 0;
    const SkuFigures total = total_of(report, total_avg);
    w.key("total").begin_object();
    write_figures(w, total, total_avg);
    w.end_object().end_object();
    out += "\n";
    return out;
}

std::string report_table(const SimReport& report) {
    std::size_t width = 5;  // "total"
    for (const auto& sku : report.skus) width = std::max(width, sku.sku.size());
    std::string out;
    char line[512];
    auto row = [&](const std::string& name, const SkuFigures& f, double avg) {
        std::snprintf(line, sizeof line, "%-*s %10lld %10lld %10lld %9.4f %12.2f %7lld %9lld\n",
                      static_cast<int>(width), name.c_str(), static_cast<long long>(f.demand),
                      static_cast<long long>(f.sold), static_cast<long long>(f.lost), fill_rate(f),
                      avg, static_cast<long long>(f.orders),
                      static_cast<long long>(f.stockout_days));
        out += line;
    };
    std::snprintf(line, sizeof line, "%-*s %10s %10s %10s %9s %12s %7s %9s\n",
                  static_cast<int>(width), "sku", "demand", "sold", "lost", "fill_rate",
                  "avg_on_hand", "orders", "stockouts");
    out += line;
    for (const auto& sku : report.skus) row(sku.sku, sku, avg_on_hand(sku, report.counted_days));
    double total_avg = 0;
    const SkuFigures total = total_of(report, total_avg);
    row("total", total, total_avg);
    std::snprintf(line, sizeof line, "(%lld counted days; stockouts: days ending with on_hand 0)\n",
                  static_cast<long long>(report.counted_days));
    out += line;
    return out;
}

}  // namespace restock::sim
