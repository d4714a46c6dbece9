// Checkout lines refused while the stock stands above the reorder point, from the lines'
// fitted sizes (core/demand_forecast.h: their mean and variance). A table built once for a
// mean and variance: the engine keeps one per product while its lines' moments stay the same
// (app/engine_replenishment.cpp), and compute_policy builds its own otherwise.
//
// Lines refused before the order goes out: while the stock stands at j above the reorder
// point, a line larger than j is refused whole, E[K·1{K > j}] / P(K <= j) units before one is
// sold, and the stock lands on each level about once in E[K] (renewal). Per cycle that is
// Σ_{j = s+1}^{s+Q} a_j with a_j = E[K·1{K > j}] / (P(K <= j)·E[K]). Line sizes K are fitted
// by their mean and variance: 1 + binomial when under-dispersed (Poisson past 1000 trials),
// 1 + Poisson, or 1 + negative binomial (geometric lines give a geometric); the table ends
// where the tail is negligible, at most 65,536 sizes, and lines too large to tabulate (the
// first probability underflows, from a mean of about 700 units) get no term. A level below
// the smallest line never sells and orders nothing: the product would stall there, so s must
// be at least that line less one (kStall). Suffix sums of a_j make each cycle's figure O(1).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace restock {

class LineRefusals {
  public:
    // A loss larger than any target: the stock would stand still above s.
    static constexpr double kStall = 1e18;

    LineRefusals(double line_mean, double line_variance);
    // Units refused per cycle with reorder point s and an order of q (inline: the reorder
    // point's search asks at every level it walks).
    double per_cycle(int64_t s, int64_t q) const {
        if (s + 1 < first_sold_) return kStall;
        return sum_from(s + 1) - sum_from(s + 1 + std::max<int64_t>(q, 0));
    }
    // Built for exactly these moments.
    bool fits(double line_mean, double line_variance) const {
        return line_mean == mean_ && line_variance == variance_;
    }

  private:
    double sum_from(int64_t j) const {
        if (suffix_.empty() || j >= static_cast<int64_t>(suffix_.size())) return 0;
        return suffix_[static_cast<std::size_t>(std::max<int64_t>(j, 0))];
    }
    double mean_;
    double variance_;
    std::vector<double> suffix_;
    int64_t first_sold_ = 0;  // the smallest level at which some line can be sold
};

}  // namespace restock
