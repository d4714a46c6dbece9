// apply_control and settings_json: the /control endpoint's format.
#include "factory_sim/sim_settings.h"

#include <gtest/gtest.h>

namespace restock::factory_sim {
namespace {

TEST(ApplyControlTest, ChangesOnlyWhatIsGiven) {
    SimSettings current;
    auto next = apply_control(current, R"({"fail_rate":1,"delay_ms":5})");
    ASSERT_TRUE(next.ok()) << next.error().message;
    EXPECT_EQ(next->fail_rate, 1.0);
    EXPECT_EQ(next->delay_ms, 5);
    EXPECT_EQ(next->hang_rate, 0.0);
    EXPECT_TRUE(next->callbacks);

    next = apply_control(next.value(), R"({"hang_rate":0.25,"hang_ms":0,"callbacks":false})");
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(next->hang_rate, 0.25);
    EXPECT_EQ(next->hang_ms, 0);
    EXPECT_FALSE(next->callbacks);
    EXPECT_EQ(next->fail_rate, 1.0);
}

TEST(ApplyControlTest, RejectsBadInputAllOrNothing) {
    for (const char* body :
         {"", "[]", R"({"fail_rate":1.5})", R"({"fail_rate":-0.1})", R"({"fail_rate":"1"})",
          R"({"delay_ms":-1})", R"({"delay_ms":1.5})", R"({"callbacks":1})", R"({"unknown":1})",
          R"({"delay_ms":10,"fail_rate":2})"}) {
        auto next = apply_control(SimSettings{}, body);
        EXPECT_FALSE(next.ok()) << body;
        if (!next.ok()) {
            EXPECT_EQ(next.error().code, ErrorCode::kInvalidArgument);
        }
    }
}

TEST(SettingsJsonTest, ShortestNumbers) {
    SimSettings settings{0.1, 0, 200, 30000, true};
    EXPECT_EQ(settings_json(settings),
              R"({"fail_rate":0.1,"hang_rate":0,"delay_ms":200,"hang_ms":30000,"callbacks":true})");
}

}  // namespace
}  // namespace restock::factory_sim
