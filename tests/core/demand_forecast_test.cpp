#include "core/demand_forecast.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>
#include <vector>

namespace restock {
namespace {

DemandModel learn(const std::vector<int64_t>& days) {
    DemandModel m;
    for (int64_t x : days) observe_day(m, x, 0, false);
    return m;
}

TEST(DemandForecast, FirstDaysAreARunningMean) {
    // Until 1/n < alpha (0.1) every weight is 1/n: the level is the plain mean.
    const std::vector<int64_t> days = {4, 6, 8, 3, 9, 1, 0, 7, 5, 2};
    const DemandModel m = learn(days);
    const double mean = std::accumulate(days.begin(), days.end(), 0.0) / days.size();
    EXPECT_NEAR(m.level, mean, 1e-12);
    EXPECT_EQ(m.days, 10);
    EXPECT_EQ(m.demand_days, 9);
}

TEST(DemandForecast, ThenExponentialSmoothingWithAlpha) {
    std::vector<int64_t> days(10, 10);  // level 10 after ten days
    days.push_back(30);                 // day 11: 10 + 0.1 * (30 - 10) = 12
    days.push_back(0);                  // day 12: 12 + 0.1 * (0 - 12) = 10.8
    const DemandModel m = learn(days);
    EXPECT_NEAR(m.level, 10.8, 1e-12);
}

TEST(DemandForecast, VarianceIsTheMeanSquaredOneStepError) {
    // Day 2's forecast is 4, error 2; day 3's forecast is 5 (mean of 4, 6), error 3. With
    // running-mean weights the MSE is (4 + 9) / 2.
    const DemandModel m = learn({4, 6, 8});
    EXPECT_NEAR(m.ses_mse, 6.5, 1e-12);
    const DemandEstimate e = estimate_demand(m);
    EXPECT_EQ(e.method, ForecastMethod::kSes);
    EXPECT_NEAR(e.variance, 6.5, 1e-12);
}

TEST(DemandForecast, CrostonComponentsAndSba) {
    // Demands of 5 on day 3 and 3 on day 5: sizes 5, 3 (mean 4), intervals 3, 2 (mean 2.5).
    const DemandModel m = learn({0, 0, 5, 0, 3});
    EXPECT_NEAR(m.size, 4, 1e-12);
    EXPECT_NEAR(m.interval, 2.5, 1e-12);
    EXPECT_NEAR(m.size_var, 2, 1e-12);  // 0.5 * (3 - 5)^2
    const DemandEstimate e = estimate_demand(m);
    EXPECT_NEAR(e.adi, 2.5, 1e-12);
    EXPECT_NEAR(e.cv2, 2.0 / 16, 1e-12);
    EXPECT_EQ(e.pattern, DemandClass::kIntermittent);
    EXPECT_EQ(e.method, ForecastMethod::kSba);
    EXPECT_NEAR(e.mean, (1 - kDemandAlpha / 2) * 4 / 2.5, 1e-12);
}

TEST(DemandForecast, ClassesBySyntetosBoylanCutOffs) {
    EXPECT_EQ(classify_demand(1.0, 0.2), DemandClass::kSmooth);
    EXPECT_EQ(classify_demand(1.0, 0.6), DemandClass::kErratic);
    EXPECT_EQ(classify_demand(2.0, 0.2), DemandClass::kIntermittent);
    EXPECT_EQ(classify_demand(2.0, 0.6), DemandClass::kLumpy);
    EXPECT_EQ(classify_demand(1.32, 0.49), DemandClass::kLumpy);  // the cut-offs belong above
    EXPECT_EQ(method_for(DemandClass::kErratic), ForecastMethod::kSes);
    EXPECT_EQ(method_for(DemandClass::kLumpy), ForecastMethod::kSba);
}

TEST(DemandForecast, LostSalesAreDemand) {
    DemandModel with_lost;
    observe_day(with_lost, 2, 3, true);
    EXPECT_EQ(with_lost.days, 1);
    EXPECT_NEAR(with_lost.level, 5, 1e-12);
}

TEST(DemandForecast, AStockedOutDayWithoutDemandIsCensored) {
    DemandModel m = learn({6, 6});
    observe_day(m, 0, 0, /*stocked_out=*/true);
    EXPECT_EQ(m.days, 2);
    EXPECT_EQ(m.censored_days, 1);
    EXPECT_NEAR(m.level, 6, 1e-12);               // not pulled towards 0
    observe_day(m, 0, 0, /*stocked_out=*/false);  // in stock and nothing sold: a real zero
    EXPECT_EQ(m.days, 3);
    EXPECT_NEAR(m.level, 4, 1e-12);
    // Once a checkout has been refused with nothing available, the product is shown out of
    // stock: a stocked-out day without demand is a day without demand.
    observe_refusal_when_empty(m);
    observe_day(m, 0, 0, /*stocked_out=*/true);
    EXPECT_EQ(m.days, 4);
    EXPECT_EQ(m.censored_days, 1);
    EXPECT_NEAR(m.level, 3, 1e-12);
}

TEST(DemandForecast, RecoversAStationaryMeanAndVariance) {
    std::mt19937_64 random(7);
    std::poisson_distribution<int64_t> demand(10.0);
    DemandModel m;
    for (int i = 0; i < 3000; ++i) observe_day(m, demand(random), 0, false);
    const DemandEstimate e = estimate_demand(m);
    EXPECT_EQ(e.method, ForecastMethod::kSes);
    // SES's level has sd sqrt(alpha / (2 - alpha)) * sqrt(10) ~ 0.73; its one-step MSE is
    // about 10 * (1 + alpha / (2 - alpha)) = 10.5, smoothed with beta 0.1.
    EXPECT_NEAR(e.mean, 10, 2.5);
    EXPECT_NEAR(e.variance, 10.5, 4.5);
}

TEST(DemandForecast, FollowsAShift) {
    DemandModel m;
    for (int i = 0; i < 200; ++i) observe_day(m, 10, 0, false);
    for (int i = 0; i < 60; ++i) observe_day(m, 20, 0, false);
    // After 60 days at the new level, (1 - 0.1)^60 = 0.18% of the old one is left.
    EXPECT_NEAR(m.level, 20 - 10 * std::pow(0.9, 60), 1e-9);
}

TEST(DemandForecast, LineMomentsStartAsARunningMean) {
    DemandModel m;
    observe_line(m, 2);
    observe_line(m, 4);
    observe_line(m, 0);  // not a line
    EXPECT_EQ(m.lines, 2);
    EXPECT_DOUBLE_EQ(m.line_m1, 3);
    EXPECT_DOUBLE_EQ(m.line_m2, 10);
    EXPECT_DOUBLE_EQ(m.line_m3, 36);
    for (int i = 0; i < 1000; ++i) observe_line(m, 5);
    EXPECT_NEAR(m.line_m1, 5, 1e-6);  // then smoothed with kLineAlpha
}

TEST(DemandForecast, UndershootOfSingleUnitsIsNone) {
    DemandModel m;
    EXPECT_EQ(undershoot_of(m).mean, 0);
    for (int i = 0; i < 10; ++i) observe_line(m, 1);
    EXPECT_DOUBLE_EQ(undershoot_of(m).mean, 0);
    EXPECT_DOUBLE_EQ(undershoot_of(m).variance, 0);
}

// Lines of exactly K units cross a level by 0..K−1 units, uniformly.
TEST(DemandForecast, UndershootOfConstantLinesIsUniform) {
    DemandModel m;
    for (int i = 0; i < 10; ++i) observe_line(m, 5);
    const Undershoot u = undershoot_of(m);
    EXPECT_NEAR(u.mean, 2, 1e-9);
    EXPECT_NEAR(u.variance, 2, 1e-9);  // (K² − 1) / 12
}

// Against a renewal process simulated directly: geometric lines (mean 6) crossing a level.
TEST(DemandForecast, UndershootMatchesASimulatedCrossing) {
    std::mt19937_64 random(4);
    std::geometric_distribution<int64_t> extra(1.0 / 6);
    DemandModel m;
    double sum = 0;
    double sum_sq = 0;
    int crossings = 0;
    int64_t above = 1000;  // stock above the level
    for (int i = 0; i < 400'000; ++i) {
        const int64_t k = 1 + extra(random);
        observe_line(m, k, 0.0);  // a plain running mean
        if (k >= above) {
            const double u = static_cast<double>(k - above);
            sum += u;
            sum_sq += u * u;
            ++crossings;
            above = 500 + k % 97;  // start the next cycle well above
        } else {
            above -= k;
        }
    }
    const double mean = sum / crossings;
    const Undershoot u = undershoot_of(m);
    EXPECT_NEAR(u.mean, mean, 0.15);
    EXPECT_NEAR(u.variance, sum_sq / crossings - mean * mean, 1.5);
}

}  // namespace
}  // namespace restock
