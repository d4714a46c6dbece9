#include "core/replenishment_policy.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>
#include <vector>

#include "core/count_walk.h"
#include "core/limits.h"
#include "core/restock_order.h"

namespace restock {
namespace {

constexpr int kBisections = 48;
constexpr double kLowestK = -6;
constexpr double kHighestK = 8;

// Units lost in a cycle whose order is placed at s: the units demanded beyond s, plus, when
// the stock runs out, the units left on the shelf that the refused line did not take (a line
// is sold whole or refused whole), about the undershoot of level 0.
double cycle_loss(double shortage, double tail, double residual) {
    return shortage + tail * residual;
}

// A count's reorder point: the smallest s whose cycle loss (with `above(s)`, the lines
// refused before the order goes out) is at most `target`.
template <typename Above>
int64_t count_reorder_point(double mean, double variance, double residual, double target,
                            const Above& above) {
    CountWalk walk(mean, variance);
    const auto limit = static_cast<int64_t>(std::ceil(mean + 50 * std::sqrt(variance) + 100));
    while (walk.s() < limit &&
           cycle_loss(walk.shortage(), walk.tail(), residual) + above(walk.s()) > target) {
        walk.step();
    }
    return walk.s();
}

double count_cycle_loss(double mean, double variance, double residual, int64_t s) {
    CountWalk walk(mean, variance);
    while (walk.s() < s) walk.step();
    return cycle_loss(walk.shortage(), walk.tail(), residual);
}

// The same for a normal X = mean + sd·Z at s = mean + k·sd.
double normal_cycle_loss(double sd, double residual, double k) {
    return cycle_loss(sd * normal_loss(k), 1 - normal_cdf(k), residual);
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
    return count_cycle_loss(mean, variance, 0, s);
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
    // The order goes out when a line takes the stock to or below s, on average U below it:
    // what the order must cover is X = U + the lead time's demand.
    const Undershoot u = in.demand.undershoot;
    f.undershoot_mean = u.mean;
    f.undershoot_sd = std::sqrt(u.variance);
    const double mean_x = f.lead_demand_mean + u.mean;
    const double var_x = var_ltd + u.variance;
    const double sd_x = std::sqrt(var_x);

    const bool discrete =
        (in.demand.method == ForecastMethod::kSba || f.lead_demand_mean < kDiscreteBelow) &&
        mean_x < kCountBelow;
    f.distribution = !discrete                      ? LeadDemandDistribution::kNormal
                     : var_x <= mean_x * (1 + 1e-9) ? LeadDemandDistribution::kPoisson
                                                    : LeadDemandDistribution::kNegativeBinomial;

    const double fixed = static_cast<double>(std::max<int64_t>(in.fixed_reorder_qty, 1));
    f.eoq = in.anchor_demand > 0 && d > 0 ? fixed * std::sqrt(d / in.anchor_demand) : fixed;
    f.cover_lead_time = std::ceil(f.lead_demand_mean);
    const double wanted = std::min(std::max({f.eoq, f.cover_lead_time, 1.0}),
                                   static_cast<double>(limits::kMaxQuantity));
    const int64_t least_qty = round_order_qty(static_cast<int64_t>(std::ceil(wanted)), in.settings);
    f.reorder_qty = least_qty;

    const double beta = std::clamp(in.fill_rate, kMinFillRate, kMaxFillRate);
    const double count_variance = std::max(var_x, mean_x);
    // A refused line leaves on the shelf what it did not take: about the undershoot, again.
    const double residual = u.mean;
    std::optional<LineRefusals> own_refusals;
    const LineRefusals& refusals =
        in.refusals != nullptr && in.refusals->fits(in.demand.line_mean, in.demand.line_variance)
            ? *in.refusals
            : own_refusals.emplace(in.demand.line_mean, in.demand.line_variance);
    // The least reorder point for what an order brings (q): lost sales, so a cycle serves q and
    // loses its cycle loss, β = q / (q + loss), and the loss must come down to q (1 − β) / β.
    const auto reorder_point_for = [&](int64_t q) {
        const double target = static_cast<double>(q) * (1 - beta) / beta;
        const auto above = [&](int64_t level) { return refusals.per_cycle(level, q); };
        int64_t s = 0;
        if (discrete) {
            s = count_reorder_point(mean_x, count_variance, residual, target, above);
        } else if (sd_x <= 0) {
            s = static_cast<int64_t>(std::ceil(mean_x));
        } else {
            const auto loss = [&](double k) {
                return normal_cycle_loss(sd_x, residual, k) +
                       above(static_cast<int64_t>(std::ceil(mean_x + k * sd_x)));
            };
            double low = kLowestK;
            double high = kHighestK;
            if (loss(low) <= target) {
                high = low;
            } else {
                for (int i = 0; i < kBisections; ++i) {
                    const double mid = (low + high) / 2;
                    (loss(mid) > target ? low : high) = mid;
                }
            }
            s = static_cast<int64_t>(std::ceil(mean_x + high * sd_x));
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
    if (!in.settings.order_up_to && f.reorder_qty > least_qty && f.reorder_qty > f.reorder_point) {
        // That settles on a q above its s, but often well above the least such q (a larger q
        // has a lower s, and the rounds stop at the first q that clears its own). q > s(q)
        // holds from some q on (s falls as q grows), so the least is found by bisection: s rises
        // by less than q saves, and the stock held (about s + q/2) falls.
        int64_t low = least_qty;  // q > s(q) does not hold (or it would have been kept)
        int64_t high = f.reorder_qty;
        int64_t high_point = f.reorder_point;
        while (high - low > 1) {
            const int64_t mid = round_order_qty(low + (high - low) / 2, in.settings);
            if (mid <= low || mid >= high) break;  // packs: no whole quantity between
            const int64_t point = reorder_point_for(mid);
            if (mid > point) {
                high = mid;
                high_point = point;
            } else {
                low = mid;
            }
        }
        f.reorder_qty = high;
        f.order_qty = high;
        f.reorder_point = high_point;
    }
    const double q = static_cast<double>(f.order_qty);
    if (discrete) {
        f.expected_shortage = count_cycle_loss(mean_x, count_variance, residual, f.reorder_point);
    } else if (sd_x > 0) {
        f.expected_shortage = normal_cycle_loss(
            sd_x, residual, (static_cast<double>(f.reorder_point) - mean_x) / sd_x);
    } else {
        f.expected_shortage = 0;
    }
    f.expected_shortage += refusals.per_cycle(f.reorder_point, f.order_qty);
    f.expected_fill_rate = q / (q + f.expected_shortage);
    f.safety_stock = static_cast<double>(f.reorder_point) - mean_x;
    return f;
}

std::string encode(const ProductLearning& l) {
    std::string out = "v2";
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
    append(out, m.lines);
    for (double v : {m.line_m1, m.line_m2, m.line_m3}) append(out, v);
    append(out, m.empty_refusals);
    return out;
}

std::optional<ProductLearning> decode_product_learning(std::string_view text) {
    Numbers in(text);
    ProductLearning l;
    DemandModel& m = l.demand;
    // v1 has no line moments: they start again from nothing.
    const bool v2 = in.tag("v2");
    const bool ok = (v2 || in.tag("v1")) && in.next(m.days) && in.next(m.demand_days) &&
                    in.next(m.censored_days) && in.next(m.since_demand) && in.next(m.level) &&
                    in.next(m.ses_mse) && in.next(m.size) && in.next(m.size_var) &&
                    in.next(m.interval) && in.next(m.sba_mse) && in.next(l.lead.receipts) &&
                    in.next(l.lead.weight) && in.next(l.lead.sum) && in.next(l.lead.sum_sq) &&
                    in.next(l.fixed_reorder_point) && in.next(l.fixed_reorder_qty) &&
                    in.next(l.anchor_demand) &&
                    (!v2 || (in.next(m.lines) && in.next(m.line_m1) && in.next(m.line_m2) &&
                             in.next(m.line_m3) && in.next(m.empty_refusals))) &&
                    in.done();
    if (!ok) return std::nullopt;
    return l;
}

std::string encode(const DayInProgress& d) {
    std::string out = "v1";
    for (int64_t v : {d.day, d.sold, d.lost}) append(out, v);
    return out;
}

std::optional<DayInProgress> decode_day_in_progress(std::string_view text) {
    Numbers in(text);
    DayInProgress d;
    const bool ok =
        in.tag("v1") && in.next(d.day) && in.next(d.sold) && in.next(d.lost) && in.done();
    if (!ok) return std::nullopt;
    return d;
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
