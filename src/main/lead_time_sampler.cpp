#include "main/lead_time_sampler.h"

#include <cmath>

namespace restock::sim {
namespace {

constexpr double kMaxLeadTimeDays = 365;
constexpr double kTolerance = 1e-9;

Error infeasible(const std::string& message) {
    return make_error(ErrorCode::kInvalidArgument, "invalid-lead-time", message);
}

}  // namespace

Result<LeadTimeSampler> LeadTimeSampler::create(double mean_days, double sd_days, uint64_t seed) {
    if (!std::isfinite(mean_days) || mean_days < 1 || mean_days > kMaxLeadTimeDays)
        return infeasible("--lead-time-days must be from 1 to 365");
    if (!std::isfinite(sd_days) || sd_days < 0 || sd_days > kMaxLeadTimeDays)
        return infeasible("--lead-time-sd must be from 0 to 365");
    const double excess = mean_days - 1;
    const double fraction = excess - std::floor(excess);
    const double narrowest = fraction * (1 - fraction);  // variance of the two-point spread
    if (sd_days == 0 && fraction > kTolerance && fraction < 1 - kTolerance) {
        return infeasible(
            "with --lead-time-sd 0 every order takes exactly --lead-time-days, "
            "which must then be a whole number of days");
    }
    if (sd_days > 0 && excess < kTolerance) {
        return infeasible(
            "a mean lead time of 1 day allows no spread: orders take at least a "
            "day");
    }
    if (sd_days * sd_days < narrowest - kTolerance) {
        return infeasible("a mean lead time of " + std::to_string(mean_days) +
                          " days needs a standard deviation of at least " +
                          std::to_string(std::sqrt(narrowest)) + " (whole days)");
    }
    return LeadTimeSampler(mean_days, sd_days, seed);
}

LeadTimeSampler::LeadTimeSampler(double mean_days, double sd_days, uint64_t seed)
    : excess_(mean_days - 1), random_(seed) {
    whole_ = static_cast<int64_t>(std::floor(excess_ + kTolerance));
    fraction_ = std::max(0.0, excess_ - static_cast<double>(whole_));
    const double variance = sd_days * sd_days;
    const double narrowest = fraction_ * (1 - fraction_);
    if (variance <= narrowest + kTolerance) {
        narrow_weight_ = 1;
    } else if (variance > excess_) {
        narrow_weight_ = 0;
        nb_variance_ = variance;
    } else {
        // w * narrowest + (1 - w) * W = V, both parts with mean Y.
        nb_variance_ = 2 * excess_;
        narrow_weight_ = (nb_variance_ - variance) / (nb_variance_ - narrowest);
    }
}

int64_t LeadTimeSampler::negative_binomial() {
    // Gamma(shape r, scale s) then Poisson: mean r*s = Y, variance Y + r*s² = V.
    const double scale = (nb_variance_ - excess_) / excess_;
    const double shape = excess_ / scale;
    std::gamma_distribution<double> gamma(shape, scale);
    const double rate = gamma(random_);
    if (rate <= 0) return 0;
    std::poisson_distribution<int64_t> poisson(rate);
    return poisson(random_);
}

int64_t LeadTimeSampler::draw() {
    if (narrow_weight_ >= 1 && fraction_ == 0) return 1 + whole_;
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    if (narrow_weight_ >= 1 || unit(random_) < narrow_weight_) {
        return 1 + whole_ + (unit(random_) < fraction_ ? 1 : 0);
    }
    return 1 + negative_binomial();
}

}  // namespace restock::sim
