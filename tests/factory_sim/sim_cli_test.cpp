// parse_factory_sim_args: the flags of `restock factory-sim`.
#include "factory_sim/sim_cli.h"

#include <gtest/gtest.h>

namespace restock::factory_sim {
namespace {

TEST(ParseFactorySimArgsTest, DefaultsWithoutFlags) {
    auto options = parse_factory_sim_args({});
    ASSERT_TRUE(options.ok());
    EXPECT_EQ(options->host, "127.0.0.1");
    EXPECT_EQ(options->port, 0);
    EXPECT_EQ(options->delay_ms, 200);
    EXPECT_EQ(options->fail_rate, 0.0);
    EXPECT_TRUE(options->callbacks);
}

TEST(ParseFactorySimArgsTest, AllFlags) {
    auto options = parse_factory_sim_args({"--listen", "0.0.0.0:9100", "--delay-ms", "50",
                                           "--fail-rate", "0.25", "--hang-rate=0.5", "--hang-ms",
                                           "1000", "--no-callbacks", "--seed", "42"});
    ASSERT_TRUE(options.ok()) << options.error().message;
    EXPECT_EQ(options->host, "0.0.0.0");
    EXPECT_EQ(options->port, 9100);
    EXPECT_EQ(options->delay_ms, 50);
    EXPECT_EQ(options->fail_rate, 0.25);
    EXPECT_EQ(options->hang_rate, 0.5);
    EXPECT_EQ(options->hang_ms, 1000);
    EXPECT_FALSE(options->callbacks);
    EXPECT_EQ(options->seed, 42u);
}

TEST(ParseFactorySimArgsTest, Ipv6Listen) {
    auto options = parse_factory_sim_args({"--listen", "[::1]:8081"});
    ASSERT_TRUE(options.ok());
    EXPECT_EQ(options->host, "::1");
    EXPECT_EQ(options->port, 8081);
}

TEST(ParseFactorySimArgsTest, RejectsBadFlags) {
    const std::vector<std::vector<std::string>> bad = {
        {"--listen", "nohost"},
        {"--listen", "h:70000"},
        {"--listen", ":80"},
        {"--delay-ms", "-1"},
        {"--delay-ms", "x"},
        {"--fail-rate", "1.5"},
        {"--fail-rate", "nan"},
        {"--hang-rate"},
        {"--seed", "-1"},
        {"--frobnicate", "1"},
        {"stray"},
    };
    for (const auto& args : bad) {
        auto options = parse_factory_sim_args(args);
        EXPECT_FALSE(options.ok()) << args[0];
    }
}

TEST(RunFactorySimTest, BadFlagsExitWithTwo) {
    EXPECT_EQ(restock::run_factory_sim({"factory-sim", "--fail-rate", "2"}), 2);
    EXPECT_EQ(restock::run_factory_sim({"--bogus"}), 2);
}

}  // namespace
}  // namespace restock::factory_sim
