#include "core/lead_time.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace restock {
namespace {

TEST(LeadTime, WithoutReceiptsThePriorIsTheEstimate) {
    const LeadTimeEstimate e = estimate_lead_time({}, {14, 9}, {}, LeadTimeSource::kFactory);
    EXPECT_NEAR(e.mean, 14, 1e-12);
    EXPECT_NEAR(e.sd, 3, 1e-12);
    EXPECT_EQ(e.source, LeadTimeSource::kPrior);
    EXPECT_EQ(e.receipts, 0);
}

TEST(LeadTime, ReceiptsOutweighThePriorAsTheyCome) {
    LeadTimeStats s;
    observe_lead_time(s, 10);
    // The prior weighs 1 * 0.9 after one receipt: (0.9 * 14 + 10) / 1.9.
    const LeadTimeEstimate one = estimate_lead_time(s, {14, 0}, {}, LeadTimeSource::kProduct);
    EXPECT_NEAR(one.mean, (0.9 * 14 + 10) / 1.9, 1e-12);
    EXPECT_EQ(one.source, LeadTimeSource::kProduct);
    // Variance of the weighted sample {14 (w 0.9), 10 (w 1)}.
    const double mean = one.mean;
    const double var = (0.9 * (14 - mean) * (14 - mean) + (10 - mean) * (10 - mean)) / 1.9;
    EXPECT_NEAR(one.sd, std::sqrt(var), 1e-9);
    for (int i = 0; i < 60; ++i) observe_lead_time(s, 10);
    const LeadTimeEstimate many = estimate_lead_time(s, {14, 0}, {}, LeadTimeSource::kProduct);
    EXPECT_NEAR(many.mean, 10, 0.01);
}

TEST(LeadTime, OpenOrdersPastTheirTimeAreCensoredNotIgnored) {
    // Lead times N(10, 2²), every one longer than 11 days still open at 11 days: the EM fit of
    // the censored sample recovers the distribution; dropping them biases the mean down.
    std::mt19937_64 random(11);
    std::normal_distribution<double> lead(10, 2);
    LeadTimeStats done;
    std::vector<double> open;
    for (int i = 0; i < 20000; ++i) {
        const double x = lead(random);
        if (x > 11) {
            open.push_back(11);
        } else {
            observe_lead_time(done, x, 1.0);
        }
    }
    const LeadTimeEstimate naive =
        estimate_lead_time(done, {10, 4}, {}, LeadTimeSource::kFactory, 1.0);
    EXPECT_LT(naive.mean, 9.3);
    const LeadTimeEstimate fit =
        estimate_lead_time(done, {10, 4}, open, LeadTimeSource::kFactory, 1.0);
    EXPECT_EQ(fit.censored, static_cast<int64_t>(open.size()));
    EXPECT_NEAR(fit.mean, 10, 0.1);
    EXPECT_NEAR(fit.sd, 2, 0.1);
}

TEST(LeadTime, YoungOpenOrdersSayNothing) {
    LeadTimeStats s;
    for (int i = 0; i < 5; ++i) observe_lead_time(s, 7);
    const std::vector<double> young = {1, 2, 3};
    const LeadTimeEstimate e = estimate_lead_time(s, {7, 0}, young, LeadTimeSource::kFactory);
    EXPECT_EQ(e.censored, 0);
    EXPECT_NEAR(e.mean, 7, 1e-12);
}

TEST(LeadTime, AnOverdueOrderWithoutReceiptsRaisesThePrior) {
    const std::vector<double> late = {30};
    const LeadTimeEstimate e = estimate_lead_time({}, {14, 12.25}, late, LeadTimeSource::kFactory);
    EXPECT_EQ(e.censored, 1);
    EXPECT_GT(e.mean, 14);
    EXPECT_EQ(e.source, LeadTimeSource::kPrior);
}

TEST(LeadTime, NormalQuantiles) {
    EXPECT_NEAR(normal_quantile(0.5), 0, 1e-12);
    EXPECT_NEAR(normal_quantile(0.95), 1.6448536269514722, 1e-9);
    EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-9);
    EXPECT_NEAR(normal_quantile(0.001), -3.090232306167813, 1e-9);
    for (double p : {0.01, 0.2, 0.7, 0.999}) EXPECT_NEAR(normal_cdf(normal_quantile(p)), p, 1e-12);
}

TEST(LeadTime, LognormalQuantileByMoments) {
    // ln X ~ N(ln 10, 0.5²): mean 10 e^{0.125}, variance (e^{0.25} - 1) 100 e^{0.25}.
    const double mean = 10 * std::exp(0.125);
    const double sd = std::sqrt((std::exp(0.25) - 1) * 100 * std::exp(0.25));
    EXPECT_NEAR(lognormal_quantile(mean, sd, 0.95), 10 * std::exp(0.5 * 1.6448536269514722), 1e-7);
    EXPECT_NEAR(lognormal_quantile(7, 0, 0.95), 7, 1e-12);
}

}  // namespace
}  // namespace restock
