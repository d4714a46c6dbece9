#include "core/replenishment_policy.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/limits.h"
#include "core/restock_order.h"

namespace restock {
namespace {

constexpr int kBisections = 48;
constexpr double kLowestK = -6;
constexpr double kHighestK = 8;

// A count's reorder point: the smallest s with E[(X − s)+] <= target, walking up from 0 with
// ESC(s + 1) = ESC(s) − P(X > s). The pmf by recursion (Poisson or negative binomial).
int64_t count_reorder_point(double mean, double variance, double target, double& shortage) {
    const bool poisson = variance <= mean * (1 + 1e-9);
    // Negative binomial with P(X = x) = C(x + r − 1, x) p^r (1 − p)^x, mean r(1 − p)/p.
    const double p = poisson ? 1 : mean / variance;
    const double r = poisson ? 0 : mean * mean / (variance - mean);
    double pmf = poisson ? std::exp(-mean) : std::exp(r * std::log(p));
    double cdf = 0;
    double esc = mean;
    const auto limit = static_cast<int64_t>(std::ceil(mean + 50 * std::sqrt(variance) + 100));
    int64_t s = 0;
    for (; s < limit && esc > target; ++s) {
        cdf += pmf;
        esc -= std::max(0.0, 1 - cdf);
        const double x = static_cast<double>(s);
        pmf *= poisson ? mean / (x + 1) : (x + r) / (x + 1) * (1 - p);
    }
    shortage = std::max(0.0, esc);
    return s;
}

void append(std::string& out, double value) {
    char buffer[32];
    const int n = std::snprintf(buffer, sizeof buffer, " %.17g", value);
    out.append(buffer, static_cast<std::size_t>(n));
}

void append(std::string& out, int64_t value) {
    out.push_back(' ');
    out += std::to_string(value);
}

// Reads whitespace-separated numbers after the version tag.
class Numbers {
  public:
    explicit Numbers(std::string_view text) : text_(text) {}
    bool tag(std::string_view expected) {
        skip();
        if (text_.substr(0, expected.size()) != expected) return false;
        text_.remove_prefix(expected.size());
        return true;
    }
    template <typename T>
    bool next(T& value) {
        skip();
        const auto [end, ec] = std::from_chars(text_.data(), text_.data() + text_.size(), value);
        if (ec != std::errc{}) return false;
        text_.remove_prefix(static_cast<std::size_t>(end - text_.data()));
        return true;
    }
    bool done() {
        skip();
        return text_.empty();
    }

  private:
    void skip() {
        while (!text_.empty() && text_.front() == ' ') text_.remove_prefix(1);
    }
    std::string_view text_;
};

}  // namespace

bool learning_ready(const DemandModel& demand) {
    return demand.days >= kMinLearningDays && demand.demand_days >= kMinDemandDays;
}

std::string_view to_string(LeadDemandDistribution distribution) {
    switch (distribution) {
        case LeadDemandDistribution::kNormal:
            return "normal";
        case LeadDemandDistribution::kPoisson:
            return "poisson";
        case LeadDemandDistribution::kNegativeBinomial:
            return "negative-binomial";
    }
    return "normal";
}

double normal_loss(double k) { return normal_pdf(k) - k * (1 - normal_cdf(k)); }

double count_loss(double mean, double variance, int64_t s) {
    // The same walk as count_reorder_point, exactly s steps.
    const bool poisson = variance <= mean * (1 + 1e-9);
    const double p = poisson ? 1 : mean / variance;
    const double r = poisson ? 0 : mean * mean / (variance - mean);
    double pmf = poisson ? std::exp(-mean) : std::exp(r * std::log(p));
    double cdf = 0;
    double esc = mean;
    for (int64_t x = 0; x < s; ++x) {
        cdf += pmf;
        esc -= std::max(0.0, 1 - cdf);
        const double xd = static_cast<double>(x);
        pmf *= poisson ? mean / (xd + 1) : (xd + r) / (xd + 1) * (1 - p);
    }
    return std::max(0.0, esc);
}

PolicyFigures compute_policy(const PolicyInput& in) {
    PolicyFigures f;
    const double d = std::max(0.0, in.demand.mean);
    const double var_d = std::max(0.0, in.demand.variance);
    const double lead = std::max(0.0, in.lead.mean);
    const double var_lead = in.lead.sd * in.lead.sd;
    f.lead_demand_mean = d * lead;
    // Silver-Pyke-Thomas: L·σ_d² + d²·σ_L², plus the error of the smoothed forecast itself
    // carried over the lead time, L²·α/(2 − α)·σ_d² (Prak, Teunter & Syntetos 2017).
    const double alpha = in.demand.alpha;
    const double var_ltd =
        lead * var_d + d * d * var_lead + lead * lead * alpha / (2 - alpha) * var_d;
    f.lead_demand_sd = std::sqrt(var_ltd);

    const bool discrete =
        in.demand.method == ForecastMethod::kSba || f.lead_demand_mean < kDiscreteBelow;
    f.distribution = !discrete ? LeadDemandDistribution::kNormal
                     : var_ltd <= f.lead_demand_mean * (1 + 1e-9)
                         ? LeadDemandDistribution::kPoisson
                         : LeadDemandDistribution::kNegativeBinomial;

    const double fixed = static_cast<double>(std::max<int64_t>(in.fixed_reorder_qty, 1));
    f.eoq = in.anchor_demand > 0 && d > 0 ? fixed * std::sqrt(d / in.anchor_demand) : fixed;
    f.cover_lead_time = std::ceil(f.lead_demand_mean);
    const double wanted = std::min(std::max({f.eoq, f.cover_lead_time, 1.0}),
                                   static_cast<double>(limits::kMaxQuantity));
    f.reorder_qty = round_order_qty(static_cast<int64_t>(std::ceil(wanted)), in.settings);

    const double beta = std::clamp(in.fill_rate, kMinFillRate, kMaxFillRate);
    const double count_variance = std::max(var_ltd, f.lead_demand_mean);
    // The least reorder point for what an order brings (q): lost sales, so a cycle serves q and
    // loses ESC, β = q / (q + ESC), and ESC must come down to q (1 − β) / β.
    const auto reorder_point_for = [&](int64_t q) {
        const double target = static_cast<double>(q) * (1 - beta) / beta;
        double shortage = 0;
        int64_t s = 0;
        if (discrete) {
            s = count_reorder_point(f.lead_demand_mean, count_variance, target, shortage);
        } else if (f.lead_demand_sd <= 0) {
            s = static_cast<int64_t>(std::ceil(f.lead_demand_mean));
        } else {
            const double sd = f.lead_demand_sd;
            double low = kLowestK;
            double high = kHighestK;
            if (sd * normal_loss(low) <= target) {
                high = low;
            } else {
                for (int i = 0; i < kBisections; ++i) {
                    const double mid = (low + high) / 2;
                    (sd * normal_loss(mid) > target ? low : high) = mid;
                }
            }
            s = static_cast<int64_t>(std::ceil(f.lead_demand_mean + high * sd));
        }
        s = std::clamp<int64_t>(s, 0, limits::kMaxQuantity - 1);
        if (in.settings.order_up_to) s = std::min(s, *in.settings.order_up_to - 1);
        return s;
    };
    // One open order per product: an order must lift the stock above the reorder point even
    // when it arrives to an empty shelf (q > s), or the next cycle starts below s, the fill-rate
    // model no longer holds and the product cannot keep up with demand. A larger q allows a
    // lower s, so this settles in a few rounds.
    f.order_qty = f.reorder_qty;
    for (int round = 0; round < 32; ++round) {
        f.reorder_point = reorder_point_for(f.order_qty);
        if (in.settings.order_up_to) {
            // What an order brings depends on the reorder point; order_up_to binds.
            f.order_qty = round_order_qty(
                std::max<int64_t>(*in.settings.order_up_to - f.reorder_point, 1), in.settings);
            f.reorder_point = reorder_point_for(f.order_qty);
            break;
        }
        if (f.reorder_qty > f.reorder_point || f.reorder_qty >= limits::kMaxQuantity) break;
        f.reorder_qty = round_order_qty(f.reorder_point + 1, in.settings);
        f.order_qty = f.reorder_qty;
    }
    const double q = static_cast<double>(f.order_qty);
    if (discrete) {
        f.expected_shortage = count_loss(f.lead_demand_mean, count_variance, f.reorder_point);
    } else if (f.lead_demand_sd > 0) {
        const double k =
            (static_cast<double>(f.reorder_point) - f.lead_demand_mean) / f.lead_demand_sd;
        f.expected_shortage = f.lead_demand_sd * normal_loss(k);
    } else {
        f.expected_shortage = 0;
    }
    f.expected_fill_rate = q / (q + f.expected_shortage);
    f.safety_stock = static_cast<double>(f.reorder_point) - f.lead_demand_mean;
    return f;
}

std::string encode(const ProductLearning& l) {
    std::string out = "v1";
    const DemandModel& m = l.demand;
    for (int64_t v : {m.days, m.demand_days, m.censored_days, m.since_demand}) append(out, v);
    for (double v : {m.level, m.ses_mse, m.size, m.size_var, m.interval, m.sba_mse}) {
        append(out, v);
    }
    append(out, l.lead.receipts);
    for (double v : {l.lead.weight, l.lead.sum, l.lead.sum_sq}) append(out, v);
    append(out, l.fixed_reorder_point);
    append(out, l.fixed_reorder_qty);
    append(out, l.anchor_demand);
    return out;
}

std::optional<ProductLearning> decode_product_learning(std::string_view text) {
    Numbers in(text);
    ProductLearning l;
    DemandModel& m = l.demand;
    const bool ok = in.tag("v1") && in.next(m.days) && in.next(m.demand_days) &&
                    in.next(m.censored_days) && in.next(m.since_demand) && in.next(m.level) &&
                    in.next(m.ses_mse) && in.next(m.size) && in.next(m.size_var) &&
                    in.next(m.interval) && in.next(m.sba_mse) && in.next(l.lead.receipts) &&
                    in.next(l.lead.weight) && in.next(l.lead.sum) && in.next(l.lead.sum_sq) &&
                    in.next(l.fixed_reorder_point) && in.next(l.fixed_reorder_qty) &&
                    in.next(l.anchor_demand) && in.done();
    if (!ok) return std::nullopt;
    return l;
}

std::string encode(const LeadTimeStats& s) {
    std::string out = "v1";
    append(out, s.receipts);
    for (double v : {s.weight, s.sum, s.sum_sq}) append(out, v);
    return out;
}

std::optional<LeadTimeStats> decode_lead_time_stats(std::string_view text) {
    Numbers in(text);
    LeadTimeStats s;
    const bool ok = in.tag("v1") && in.next(s.receipts) && in.next(s.weight) && in.next(s.sum) &&
                    in.next(s.sum_sq) && in.done();
    if (!ok) return std::nullopt;
    return s;
}

}  // namespace restock
