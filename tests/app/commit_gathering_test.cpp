// CommitGathering: when a ready group commit waits for more submissions, and for how many.
#include "app/commit_gathering.h"

#include <gtest/gtest.h>

namespace restock {
namespace {

using std::chrono::microseconds;

TEST(CommitGatheringTest, NeverWaitsBeforeTheFirstBatchOrAfterASmallOne) {
    CommitGathering gathering;
    EXPECT_EQ(gathering.wait_for(1), 0u);
    gathering.taken(7);  // below min_batch (8): light load
    EXPECT_EQ(gathering.wait_for(1), 0u);
}

TEST(CommitGatheringTest, AfterALargeBatchWaitsForAsManyAsItHad) {
    CommitGathering gathering(GatherOptions{microseconds(1000), 8});
    gathering.taken(64);
    EXPECT_EQ(gathering.wait_for(1), 64u);
    EXPECT_EQ(gathering.wait_for(63), 64u);
    EXPECT_EQ(gathering.wait_for(64), 0u);  // the convoy is here: write now
    EXPECT_EQ(gathering.wait_for(100), 0u);
    EXPECT_EQ(gathering.window(), microseconds(1000));
}

TEST(CommitGatheringTest, AfterAWaitRanOutTheNextBatchIsWrittenAtOnceAndThenItWaitsAgain) {
    CommitGathering gathering;
    gathering.taken(32);
    ASSERT_EQ(gathering.wait_for(1), 32u);
    gathering.waited(false);  // only 20 came in time
    gathering.taken(20);
    EXPECT_EQ(gathering.wait_for(1), 0u);  // arrivals do not follow the answers: no wait
    gathering.taken(20);
    EXPECT_EQ(gathering.wait_for(1), 20u);  // a convoy again
}

TEST(CommitGatheringTest, AZeroWindowNeverWaits) {
    CommitGathering gathering(GatherOptions{microseconds(0), 8});
    gathering.taken(500);
    EXPECT_EQ(gathering.wait_for(1), 0u);
}

}  // namespace
}  // namespace restock
