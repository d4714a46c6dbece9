// The simulated factory's lead times: whole days, at least 1, with a given mean and standard
// deviation, the same sequence for the same seed (docs/simulate.md, "Lead times").
//
// With sd 0 every order takes exactly the mean (which must then be whole). Otherwise, with
// Y = mean - 1 the days beyond the first and V = sd²:
//   - V > Y: 1 + a negative binomial of mean Y and variance V (a gamma-Poisson mixture);
//   - V <= Y: a mixture, with the weight that gives variance V, of the narrowest spread a whole
//     number of days can have (floor(Y) or floor(Y)+1 days beyond the first, in proportion to
//     the fraction of Y) and 1 + a negative binomial of mean Y and variance 2Y.
// Both have exactly that mean and sd, and a right tail (a late order is likelier than an early
// one), as lead times do. A mean of 1 allows no spread, and a fractional mean needs at least
// the spread of its two neighbouring whole numbers: such pairs are refused.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <random>

#include "core/result.h"

namespace restock::sim {

class LeadTimeSampler {
  public:
    // kInvalidArgument if no distribution of whole days >= 1 has this mean and sd.
    static Result<LeadTimeSampler> create(double mean_days, double sd_days, uint64_t seed);

    int64_t draw();  // whole days, >= 1

  private:
    LeadTimeSampler(double mean_days, double sd_days, uint64_t seed);
    int64_t negative_binomial();  // mean excess_, variance nb_variance_

    double excess_ = 0;         // Y: the mean days beyond the first
    int64_t whole_ = 0;         // floor(Y)
    double fraction_ = 0;       // Y - floor(Y)
    double narrow_weight_ = 0;  // weight of the two-point part (1: only it, 0: none)
    double nb_variance_ = 0;    // variance of the negative binomial part
    std::mt19937_64 random_;
};

}  // namespace restock::sim
