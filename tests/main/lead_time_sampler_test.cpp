#include "main/lead_time_sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace restock::sim {
namespace {

constexpr int kDraws = 400'000;

struct Moments {
    double mean = 0;
    double sd = 0;
    int64_t min = 0;
};

Moments moments(double mean, double sd, uint64_t seed = 7) {
    auto sampler = LeadTimeSampler::create(mean, sd, seed);
    EXPECT_TRUE(sampler) << sampler.error().message;
    double sum = 0, squares = 0;
    int64_t least = 1'000'000;
    for (int i = 0; i < kDraws; ++i) {
        const auto days = static_cast<double>(sampler->draw());
        sum += days;
        squares += days * days;
        least = std::min<int64_t>(least, static_cast<int64_t>(days));
    }
    const double m = sum / kDraws;
    return Moments{m, std::sqrt(squares / kDraws - m * m), least};
}

TEST(LeadTimeSampler, NoSpreadIsExactlyTheMean) {
    auto sampler = LeadTimeSampler::create(7, 0, 1);
    ASSERT_TRUE(sampler);
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(sampler->draw(), 7);
    auto one = LeadTimeSampler::create(1, 0, 1);
    ASSERT_TRUE(one);
    EXPECT_EQ(one->draw(), 1);
}

TEST(LeadTimeSampler, MeanAndSdAsAskedWholeDaysAtLeastOne) {
    // Under- and over-dispersed, whole and fractional means.
    const std::pair<double, double> cases[] = {{7, 2},     {7, 4}, {10, 1},
                                               {7.5, 1.5}, {2, 3}, {3.3, 0.6}};
    for (const auto& [mean, sd] : cases) {
        const Moments m = moments(mean, sd);
        EXPECT_NEAR(m.mean, mean, 0.02 + 0.01 * sd) << mean << " " << sd;
        EXPECT_NEAR(m.sd, sd, 0.02 + 0.015 * sd) << mean << " " << sd;
        EXPECT_GE(m.min, 1) << mean << " " << sd;
    }
}

TEST(LeadTimeSampler, SameSeedSameSequenceOtherSeedAnother) {
    auto a = LeadTimeSampler::create(7, 3, 99);
    auto b = LeadTimeSampler::create(7, 3, 99);
    auto c = LeadTimeSampler::create(7, 3, 100);
    std::vector<int64_t> da, db, dc;
    for (int i = 0; i < 200; ++i) {
        da.push_back(a->draw());
        db.push_back(b->draw());
        dc.push_back(c->draw());
    }
    EXPECT_EQ(da, db);
    EXPECT_NE(da, dc);
}

TEST(LeadTimeSampler, RefusesWhatNoWholeDayDistributionHas) {
    EXPECT_FALSE(LeadTimeSampler::create(7.5, 0, 1));    // sd 0 needs a whole mean
    EXPECT_FALSE(LeadTimeSampler::create(7.5, 0.3, 1));  // two neighbours need sd >= 0.5
    EXPECT_TRUE(LeadTimeSampler::create(7.5, 0.5, 1));
    EXPECT_FALSE(LeadTimeSampler::create(1, 0.5, 1));  // mean 1: no spread possible
    EXPECT_FALSE(LeadTimeSampler::create(0.5, 0, 1));
    EXPECT_FALSE(LeadTimeSampler::create(400, 0, 1));
    EXPECT_FALSE(LeadTimeSampler::create(7, -1, 1));
}

}  // namespace
}  // namespace restock::sim
