#include "adapters/http/replenishment_json.h"

#include <cmath>
#include <cstdio>

namespace restock::http {
namespace {

std::string method_why(const DemandEstimate& d, const DemandModel& m) {
    if (m.demand_days == 0) return "no demand seen yet";
    char text[256];
    std::snprintf(text, sizeof text,
                  "ADI %.3g days %s 1.32 and CV² %.3g %s 0.49: %s demand (Syntetos, Boylan & "
                  "Croston 2005), forecast by %s",
                  d.adi, d.adi < kAdiCutoff ? "<" : ">=", d.cv2,
                  d.cv2 < kCv2Cutoff ? "<" : ">=", std::string(to_string(d.pattern)).c_str(),
                  d.method == ForecastMethod::kSes
                      ? "simple exponential smoothing (a demand almost every day)"
                      : "the Syntetos-Boylan approximation of Croston's method");
    return text;
}

std::string distribution_why(const PolicyFigures& f, const DemandEstimate& d) {
    switch (f.distribution) {
        case LeadDemandDistribution::kNormal:
            if (d.method == ForecastMethod::kSba || f.lead_demand_mean < kDiscreteBelow) {
                return "normal: a large count (undershoot and lead-time demand mean >= 500)";
            }
            return "normal: a fast mover (lead-time demand mean >= 20)";
        case LeadDemandDistribution::kPoisson:
            return std::string(d.method == ForecastMethod::kSba ? "intermittent demand"
                                                                : "a slow mover") +
                   ", counted: Poisson (variance <= mean)";
        case LeadDemandDistribution::kNegativeBinomial:
            return std::string(d.method == ForecastMethod::kSba ? "intermittent demand"
                                                                : "a slow mover") +
                   ", counted: negative binomial (variance > mean)";
    }
    return "";
}

std::string why(const ReplenishmentOutcome& o) {
    const DemandModel& m = o.learning.demand;
    const std::string progress = std::to_string(m.days) + " of " +
                                 std::to_string(kMinLearningDays) + " days learned, " +
                                 std::to_string(m.demand_days) + " of " +
                                 std::to_string(kMinDemandDays) + " days with demand";
    switch (o.product.settings.replenishment) {
        case ReplenishmentMode::kAuto:
            return o.follows ? "mode auto: reorder_point and reorder_qty follow the learned figures"
                             : "mode auto, still learning (" + progress +
                                   "): the settings given apply until then";
        case ReplenishmentMode::kNone:
            return "mode none: never ordered; the learned figures are what mode auto would use";
        case ReplenishmentMode::kFixed:
            break;
    }
    return "mode fixed: the settings given apply; the learned figures are what mode auto would "
           "use at the fill rate shown";
}

void pair(json::Writer& w, const char* name, int64_t reorder_point, int64_t reorder_qty) {
    w.key(name)
        .begin_object()
        .key("reorder_point")
        .value(reorder_point)
        .key("reorder_qty")
        .value(reorder_qty)
        .end_object();
}

void lead(json::Writer& w, const LeadTimeEstimate& e) {
    w.key("mean_days")
        .raw(json_number(e.mean))
        .key("sd_days")
        .raw(json_number(e.sd))
        .key("source")
        .value(to_string(e.source))
        .key("receipts")
        .value(e.receipts)
        .key("censored")
        .value(e.censored);
}

}  // namespace

std::string json_number(double value) {
    if (!std::isfinite(value)) return "null";
    if (value == 0) return "0";
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", value);
    return text;
}

void write_replenishment(json::Writer& w, const ReplenishmentOutcome& o) {
    const Product& p = o.product;
    const DemandModel& m = o.learning.demand;
    const PolicyFigures& f = o.policy;
    w.begin_object()
        .key("sku")
        .value(p.sku)
        .key("mode")
        .value(to_string(p.settings.replenishment))
        .key("fill_rate")
        .raw(json_number(o.fill_rate))
        .key("follows_learning")
        .value(o.follows)
        .key("ready")
        .value(o.ready)
        .key("why")
        .value(why(o));
    pair(w, "effective", p.settings.reorder_point, p.settings.reorder_qty);
    const bool is_auto = p.settings.replenishment == ReplenishmentMode::kAuto;
    pair(w, "fixed", is_auto ? o.learning.fixed_reorder_point : p.settings.reorder_point,
         is_auto ? o.learning.fixed_reorder_qty : p.settings.reorder_qty);
    w.key("learned")
        .begin_object()
        .key("reorder_point")
        .value(f.reorder_point)
        .key("reorder_qty")
        .value(f.reorder_qty)
        .key("order_qty")
        .value(f.order_qty)
        .key("safety_stock")
        .raw(json_number(f.safety_stock))
        .key("expected_fill_rate")
        .raw(json_number(f.expected_fill_rate))
        .key("expected_shortage_per_order")
        .raw(json_number(f.expected_shortage))
        .key("eoq")
        .raw(json_number(f.eoq))
        .key("cover_lead_time")
        .raw(json_number(f.cover_lead_time))
        .key("anchor_demand_per_day")
        .raw(json_number(o.learning.anchor_demand))
        .end_object();
    w.key("demand")
        .begin_object()
        .key("days")
        .value(m.days)
        .key("demand_days")
        .value(m.demand_days)
        .key("censored_days")
        .value(m.censored_days)
        .key("mean_per_day")
        .raw(json_number(o.demand.mean))
        .key("sd_per_day")
        .raw(json_number(std::sqrt(std::max(0.0, o.demand.variance))))
        .key("method")
        .value(to_string(o.demand.method))
        .key("pattern")
        .value(to_string(o.demand.pattern))
        .key("why")
        .value(method_why(o.demand, m))
        .key("adi")
        .raw(json_number(o.demand.adi))
        .key("cv2")
        .raw(json_number(o.demand.cv2))
        .key("alpha")
        .raw(json_number(o.demand.alpha))
        .key("ses_level")
        .raw(json_number(m.level))
        .key("croston_size")
        .raw(json_number(m.size))
        .key("croston_interval")
        .raw(json_number(m.interval))
        .key("checkout_lines")
        .value(m.lines)
        .key("mean_line_qty")
        .raw(json_number(m.line_m1))
        .key("today")
        .begin_object()
        .key("sold")
        .value(o.sold_today)
        .key("lost")
        .value(o.lost_today)
        .end_object()
        .end_object();
    w.key("lead_time").begin_object();
    lead(w, o.lead);
    w.key("prior_days").raw(json_number(o.prior_lead_days)).key("due_days");
    if (o.due_days) {
        w.raw(json_number(*o.due_days));
    } else {
        w.null();
    }
    w.key("due_quantile").raw(json_number(kDueQuantile)).key("open_order_age_days");
    if (o.open_order_age_ms >= 0) {
        w.raw(json_number(static_cast<double>(o.open_order_age_ms) / 86'400'000.0));
    } else {
        w.null();
    }
    w.key("factory").begin_object().key("id").value(p.settings.factory_id);
    lead(w, o.factory_lead);
    w.end_object().end_object();
    w.key("lead_time_demand")
        .begin_object()
        .key("mean")
        .raw(json_number(f.lead_demand_mean))
        .key("sd")
        .raw(json_number(f.lead_demand_sd))
        .key("undershoot_mean")
        .raw(json_number(f.undershoot_mean))
        .key("undershoot_sd")
        .raw(json_number(f.undershoot_sd))
        .key("distribution")
        .value(to_string(f.distribution))
        .key("why")
        .value(distribution_why(f, o.demand))
        .end_object()
        .end_object();
}

}  // namespace restock::http
