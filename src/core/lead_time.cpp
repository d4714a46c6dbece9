#include "core/lead_time.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace restock {
namespace {

constexpr int kEmIterations = 50;
constexpr double kEmTolerance = 1e-9;
// The smallest standard deviation the censored fit works with (days): a sample of identical
// lead times still leaves the inverse Mills ratio defined.
constexpr double kMinSd = 0.05;

// E[X | X > c] and E[X² | X > c] for X ~ N(mu, sd²).
void truncated_moments(double mu, double sd, double c, double& first, double& second) {
    const double a = (c - mu) / sd;
    const double tail = 1 - normal_cdf(a);
    // Far in the tail the ratio tends to a (Mills' ratio); avoid 0/0.
    const double mills = tail > 1e-300 ? normal_pdf(a) / tail : a;
    first = mu + sd * mills;
    second = mu * mu + sd * sd + sd * mills * (c + mu);
}

}  // namespace

std::string_view to_string(LeadTimeSource source) {
    switch (source) {
        case LeadTimeSource::kPrior:
            return "prior";
        case LeadTimeSource::kFactory:
            return "factory";
        case LeadTimeSource::kProduct:
            return "product";
    }
    return "prior";
}

void observe_lead_time(LeadTimeStats& s, double days, double discount) {
    s.weight = discount * s.weight + 1;
    s.sum = discount * s.sum + days;
    s.sum_sq = discount * s.sum_sq + days * days;
    ++s.receipts;
}

LeadTimeEstimate estimate_lead_time(const LeadTimeStats& s, const LeadTimePrior& prior,
                                    std::span<const double> open_ages, LeadTimeSource source,
                                    double discount) {
    const double prior_weight =
        kLeadTimePriorWeight * std::pow(discount, static_cast<double>(s.receipts));
    const double w = prior_weight + s.weight;
    const double s1 = prior_weight * prior.mean + s.sum;
    const double s2 = prior_weight * (prior.mean * prior.mean + prior.variance) + s.sum_sq;
    double mu = s1 / w;
    double var = std::max(0.0, s2 / w - mu * mu);

    LeadTimeEstimate e;
    e.receipts = s.receipts;
    e.source = s.receipts > 0 ? source : LeadTimeSource::kPrior;
    // The open orders past the expected time of what is known: censored at their ages.
    const double expected = mu;
    double m = 0;
    for (double age : open_ages) {
        if (age > expected) m += 1;
    }
    e.censored = static_cast<int64_t>(m);
    for (int i = 0; i < kEmIterations && m > 0; ++i) {
        const double sd = std::max(std::sqrt(var), kMinSd);
        double e1 = 0;
        double e2 = 0;
        for (double age : open_ages) {
            if (age <= expected) continue;
            double first = 0;
            double second = 0;
            truncated_moments(mu, sd, age, first, second);
            e1 += first;
            e2 += second;
        }
        const double next_mu = (s1 + e1) / (w + m);
        const double next_var = std::max(0.0, (s2 + e2) / (w + m) - next_mu * next_mu);
        const bool converged =
            std::abs(next_mu - mu) < kEmTolerance && std::abs(next_var - var) < kEmTolerance;
        mu = next_mu;
        var = next_var;
        if (converged) break;
    }
    e.mean = mu;
    e.sd = std::sqrt(var);
    return e;
}

double lognormal_quantile(double mean, double sd, double q) {
    if (mean <= 0) return 0;
    if (sd <= 0) return mean;
    const double s2 = std::log1p((sd * sd) / (mean * mean));
    const double mu = std::log(mean) - s2 / 2;
    return std::exp(mu + normal_quantile(q) * std::sqrt(s2));
}

double normal_pdf(double x) { return std::exp(-x * x / 2) / std::sqrt(2 * std::numbers::pi); }

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

double normal_quantile(double p) {
    if (p <= 0) return -INFINITY;
    if (p >= 1) return INFINITY;
    // Acklam's rational approximation, then one Halley step on erfc for full precision.
    static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                   -2.759285104469687e+02, 1.383577518672690e+02,
                                   -3.066479806614716e+01, 2.506628277459239e+00};
    static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                   -1.556989798598866e+02, 6.680131188771972e+01,
                                   -1.328068155288572e+01};
    static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                   -2.400758277161838e+00, -2.549732539343734e+00,
                                   4.374664141464968e+00,  2.938163982698783e+00};
    static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                   2.445134137142996e+00, 3.754408661907416e+00};
    constexpr double low = 0.02425;
    double x = 0;
    if (p < low) {
        const double q = std::sqrt(-2 * std::log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p <= 1 - low) {
        const double q = p - 0.5;
        const double r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    } else {
        const double q = std::sqrt(-2 * std::log(1 - p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    const double e = normal_cdf(x) - p;
    const double u = e * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
    return x - u / (1 + x * u / 2);
}

}  // namespace restock
