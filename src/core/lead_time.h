// Lead times (order placed to order received, in days) of a factory or of one product, learned
// from receipts; open orders past their expected time are right-censored observations (the
// lead time is at least their age), estimated with the EM algorithm for a censored normal
// sample. Until receipts exist the prior (the factory's lead_time_days) is the estimate. Plain
// data and pure functions; no I/O. Formulas and sources: docs/replenishment.md.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace restock {

// At each new receipt the earlier ones (and the prior) keep this share of their weight, so the
// estimate follows a factory that changes (about the last ten orders count).
inline constexpr double kLeadTimeDiscount = 0.9;
// The prior counts as this many observations before the first receipt.
inline constexpr double kLeadTimePriorWeight = 1.0;
// A prior's standard deviation, as a share of its mean, when nothing else is known.
inline constexpr double kLeadTimePriorCv = 0.25;
// The due time of an order, once receipts exist: this quantile of the lead time.
inline constexpr double kDueQuantile = 0.95;

// Exponentially weighted sums of completed lead times (days).
struct LeadTimeStats {
    int64_t receipts = 0;
    double weight = 0;
    double sum = 0;
    double sum_sq = 0;

    bool operator==(const LeadTimeStats&) const = default;
};

void observe_lead_time(LeadTimeStats& stats, double days, double discount = kLeadTimeDiscount);

struct LeadTimePrior {
    double mean = 0;
    double variance = 0;
};

// Where an estimate comes from: only the prior (no receipts), or receipts too.
enum class LeadTimeSource { kPrior, kFactory, kProduct };
std::string_view to_string(LeadTimeSource source);

struct LeadTimeEstimate {
    double mean = 0;  // days
    double sd = 0;    // days
    int64_t receipts = 0;
    int64_t censored = 0;  // open orders counted as censored observations
    LeadTimeSource source = LeadTimeSource::kPrior;
};

// Combines the prior (weight kLeadTimePriorWeight × discount^receipts), the receipts and the
// open orders' ages: an open order older than the mean of the rest is a censored observation
// ("at least this long"), given its conditional expectations under a normal fit, iterated to
// the fixed point (EM). `source` is what the caller names the receipts (kFactory, kProduct).
LeadTimeEstimate estimate_lead_time(const LeadTimeStats& stats, const LeadTimePrior& prior,
                                    std::span<const double> open_ages_days, LeadTimeSource source,
                                    double discount = kLeadTimeDiscount);

// The q-quantile of a lognormal with this mean and standard deviation (lead times are
// positive and skewed right). sd 0: the mean.
double lognormal_quantile(double mean, double sd, double q);

// Standard normal density, distribution function and its inverse (|error| < 1e-9).
double normal_pdf(double x);
double normal_cdf(double x);
double normal_quantile(double p);

}  // namespace restock
