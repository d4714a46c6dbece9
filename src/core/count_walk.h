// The walk over a count: Poisson, or negative binomial with a variance above its mean, one
// value at a time by the pmf's recursion. Used by the reorder point's search
// (core/replenishment_policy.cpp) and the checkout lines' sizes (core/line_refusals.cpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace restock {

// The walk over a count X (Poisson, or negative binomial with P(X = x) = C(x + r − 1, x)
// p^r (1 − p)^x, mean r(1 − p)/p): at each s, E[(X − s)+] and P(X > s), by the pmf's recursion
// and ESC(s + 1) = ESC(s) − P(X > s).
class CountWalk {
  public:
    CountWalk(double mean, double variance)
        : poisson_(variance <= mean * (1 + 1e-9)),
          p_(poisson_ ? 1 : mean / variance),
          r_(poisson_ ? 0 : mean * mean / (variance - mean)),
          mean_(mean),
          pmf_(poisson_ ? std::exp(-mean) : std::exp(r_ * std::log(p_))),
          esc_(mean) {}
    int64_t s() const { return s_; }
    double pmf() const { return pmf_; }  // P(X = s)
    double shortage() const { return std::max(0.0, esc_); }
    double tail() const { return std::max(0.0, 1 - cdf_ - pmf_); }  // P(X > s)
    void step() {
        cdf_ += pmf_;
        esc_ -= std::max(0.0, 1 - cdf_);
        const double x = static_cast<double>(s_);
        pmf_ *= poisson_ ? mean_ / (x + 1) : (x + r_) / (x + 1) * (1 - p_);
        ++s_;
    }

  private:
    bool poisson_;
    double p_;
    double r_;
    double mean_;
    double pmf_;
    double cdf_ = 0;
    double esc_;
    int64_t s_ = 0;
};

}  // namespace restock
