#include "core/line_refusals.h"

#include <algorithm>
#include <cmath>

#include "core/count_walk.h"

namespace restock {
namespace {

constexpr std::size_t kMaxSize = 1 << 16;
constexpr double kMaxTrials = 1000;
// P(K = k) for k = 0.. (P(K = 0) = 0), until the tail is negligible: K − 1 binomial when
// under-dispersed, Poisson, or negative binomial, with the mean and variance of K − 1.
std::vector<double> line_pmf(double line_mean, double line_variance) {
    const double mean = line_mean - 1;
    std::vector<double> pmf{0};
    if (line_mean <= 0 || mean <= 1e-9) return pmf;
    const double v = std::max(0.0, line_variance);
    // Binomial(n, p) with np = mean, np(1 − p) = v; past kMaxTrials it is Poisson enough
    // (and a near-constant huge line would need a huge table).
    const double trials = mean * mean / std::max(mean - v, 1e-12);
    if (v < mean * (1 - 1e-9) && trials <= kMaxTrials) {
        const auto n = std::max<int64_t>(1, std::llround(trials));
        const double p = std::min(1.0, mean / static_cast<double>(n));
        if (p >= 1 - 1e-12) {
            pmf.resize(static_cast<std::size_t>(n) + 2, 0);
            pmf[static_cast<std::size_t>(n) + 1] = 1;
            return pmf;
        }
        double q = std::exp(static_cast<double>(n) * std::log(1 - p));
        if (q <= 0) return {0};  // underflows: not tabulated
        for (int64_t x = 0; x <= n; ++x) {
            pmf.push_back(q);
            q *= static_cast<double>(n - x) / static_cast<double>(x + 1) * p / (1 - p);
        }
        return pmf;
    }
    // Poisson or negative binomial: the same recursion as the lead-time demand's.
    CountWalk walk(mean, v);
    if (walk.pmf() <= 0) return {0};  // underflows: not tabulated
    double total = 0;
    while (pmf.size() < kMaxSize && (total < 1 - 1e-12 || static_cast<double>(walk.s()) <= mean)) {
        pmf.push_back(walk.pmf());
        total += walk.pmf();
        walk.step();
    }
    return pmf;
}

}  // namespace

LineRefusals::LineRefusals(double line_mean, double line_variance)
    : mean_(line_mean), variance_(line_variance) {
    const std::vector<double> pmf = line_pmf(line_mean, line_variance);
    if (pmf.size() < 2) return;  // single units, or not tabulated: no term
    double cdf = 0;              // P(K <= j)
    double below = 0;            // E[K·1{K <= j}]
    std::vector<double> a{0};    // a_0: not a level above any reorder point
    for (std::size_t j = 1; j < pmf.size(); ++j) {
        cdf += pmf[j];
        below += static_cast<double>(j) * pmf[j];
        if (cdf <= 0) {
            first_sold_ = static_cast<int64_t>(j) + 1;
            a.push_back(0);  // never used: per_cycle answers kStall below first_sold_
            continue;
        }
        const double above = std::max(0.0, line_mean - below);
        a.push_back(above / (cdf * line_mean));
    }
    suffix_.assign(a.size() + 1, 0);
    for (std::size_t j = a.size(); j-- > 0;) suffix_[j] = suffix_[j + 1] + a[j];
}

}  // namespace restock
