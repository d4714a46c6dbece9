#include "main/simulate_input.h"

#include <gtest/gtest.h>

namespace restock::sim {
namespace {

constexpr const char* kProducts =
    "sku,mode,reorder_point,reorder_qty,fill_rate\n"
    "A,fixed,2,5,\n"
    "B,auto,3,4,0.95\n";

std::vector<SimProduct> products() {
    auto parsed = parse_products(kProducts, "p.csv");
    EXPECT_TRUE(parsed) << parsed.error().message;
    return parsed.value();
}

std::string message_of(const Result<SimInput>& r) { return r ? "" : r.error().message; }

TEST(SimulateProducts, ParsesRequiredColumnsAndDefaults) {
    auto parsed = products();
    ASSERT_EQ(parsed.size(), 2u);
    EXPECT_EQ(parsed[0].sku, "A");
    EXPECT_FALSE(parsed[0].auto_mode);
    EXPECT_EQ(parsed[0].reorder_point, 2);
    EXPECT_EQ(parsed[0].reorder_qty, 5);
    EXPECT_FALSE(parsed[0].fill_rate);
    EXPECT_EQ(parsed[0].initial_on_hand, 7);  // reorder_point + reorder_qty
    EXPECT_EQ(parsed[0].min_order_qty, 1);
    EXPECT_EQ(parsed[0].pack_size, 1);
    EXPECT_EQ(parsed[0].line, 2);
    EXPECT_TRUE(parsed[1].auto_mode);
    EXPECT_DOUBLE_EQ(*parsed[1].fill_rate, 0.95);
}

TEST(SimulateProducts, OptionalColumnsInAnyOrderAndCrlf) {
    auto parsed = parse_products(
        "pack_size,sku,reorder_qty,mode,fill_rate,reorder_point,initial_on_hand,order_up_to,"
        "min_order_qty\r\n6,X,10,fixed,,4,0,20,12\r\n",
        "p.csv");
    ASSERT_TRUE(parsed) << parsed.error().message;
    const SimProduct& x = parsed->front();
    EXPECT_EQ(x.pack_size, 6);
    EXPECT_EQ(x.reorder_point, 4);
    EXPECT_EQ(x.reorder_qty, 10);
    EXPECT_EQ(*x.order_up_to, 20);
    EXPECT_EQ(x.min_order_qty, 12);
    EXPECT_EQ(x.initial_on_hand, 0);
}

TEST(SimulateProducts, ErrorsNameFileAndLine) {
    struct Case {
        const char* text;
        const char* expected;
    } cases[] = {
        {"sku,mode,reorder_point,reorder_qty\nA,fixed,1,2\n",
         "p.csv:1: the header lacks column 'fill_rate'"},
        {"sku,mode,reorder_point,reorder_qty,fill_rate,colour\n",
         "p.csv:1: unknown column 'colour'"},
        {"sku,mode,reorder_point,reorder_qty,fill_rate\nA,fixed,1,2,\nB,lifo,1,2,\n",
         "p.csv:3: mode must be fixed or auto"},
        {"sku,mode,reorder_point,reorder_qty,fill_rate\nA,fixed,-1,2,\n",
         "p.csv:2: reorder_point must be a whole number"},
        {"sku,mode,reorder_point,reorder_qty,fill_rate\nA,fixed,1,0,\n",
         "p.csv:2: reorder_qty must be a whole number from 1"},
        {"sku,mode,reorder_point,reorder_qty,fill_rate\nA,auto,1,2,\n",
         "p.csv:2: mode auto needs a fill_rate"},
        {"sku,mode,reorder_point,reorder_qty,fill_rate\nA,auto,1,2,1.5\n",
         "p.csv:2: fill_rate must be a number from 0.5 to 0.999"},
        {"sku,mode,reorder_point,reorder_qty,fill_rate\nA,fixed,1,2,\n\nA,fixed,1,2,\n",
         "p.csv:4: sku 'A' again (first on line 2)"},
        {"sku,mode,reorder_point,reorder_qty,fill_rate\nA,fixed,1,2\n", "p.csv:2: 4 fields"},
        {"sku,mode,reorder_point,reorder_qty,fill_rate\n", "p.csv:2: no products"},
        {"", "p.csv:1: no header"},
        {"sku,mode,reorder_point,reorder_qty,fill_rate\nA,fixed,1,2,0.9\n",
         "p.csv:2: fill_rate is given only with mode auto"},
    };
    for (const auto& c : cases) {
        auto parsed = parse_products(c.text, "p.csv");
        ASSERT_FALSE(parsed) << c.text;
        EXPECT_EQ(parsed.error().message.rfind(c.expected, 0), 0u)
            << parsed.error().message << " | expected: " << c.expected;
    }
}

TEST(SimulateDemand, SortsByDayKeepingFileOrderWithinADay) {
    auto input = parse_demand("day,sku,qty\n1,B,3\n0,A,1\n1,A,2\n0,B,4\n", "d.csv", products());
    ASSERT_TRUE(input) << message_of(input);
    ASSERT_EQ(input->demand.size(), 4u);
    EXPECT_EQ(input->last_day, 1);
    const std::pair<int, int64_t> expected[] = {{0, 1}, {0, 4}, {1, 3}, {1, 2}};
    for (std::size_t i = 0; i < 4; ++i) {
        EXPECT_EQ(input->demand[i].day, expected[i].first);
        EXPECT_EQ(input->demand[i].qty, expected[i].second);
    }
    EXPECT_EQ(input->demand[2].product, 1);  // B
    EXPECT_EQ(input->demand[3].product, 0);  // A
}

TEST(SimulateDemand, ErrorsNameFileAndLine) {
    struct Case {
        const char* text;
        const char* expected;
    } cases[] = {
        {"sku,day,qty\n", "d.csv:1: the header must be day,sku,qty"},
        {"day,sku,qty\n0,A,1\n0,C,1\n", "d.csv:3: sku 'C' is not in the products file"},
        {"day,sku,qty\n0,A,0\n", "d.csv:2: qty must be a whole number from 1"},
        {"day,sku,qty\n0,A,1.5\n", "d.csv:2: qty must be a whole number"},
        {"day,sku,qty\n-1,A,1\n", "d.csv:2: day must be a whole number from 0"},
        {"day,sku,qty\n0,A\n", "d.csv:2: 2 fields; expected day,sku,qty"},
        // One checkout line, as the API takes it: at most 1,000,000 units.
        {"day,sku,qty\n0,A,1000001\n", "d.csv:2: qty must be a whole number from 1 to 1000000,"},
        {"\n \nday,sku,qty\n0,C,1\n", "d.csv:4: sku 'C' is not in the products file"},
    };
    for (const auto& c : cases) {
        auto parsed = parse_demand(c.text, "d.csv", products());
        ASSERT_FALSE(parsed) << c.text;
        EXPECT_EQ(parsed.error().message.rfind(c.expected, 0), 0u)
            << parsed.error().message << " | expected: " << c.expected;
    }
}

TEST(SimulateDemand, AByteOrderMarkAndBlankLinesBeforeTheHeaderAreSkipped) {
    auto input =
        parse_demand("\xEF\xBB\xBF\r\nday,sku,qty\r\n0,A,1000000\r\n", "d.csv", products());
    ASSERT_TRUE(input) << message_of(input);
    ASSERT_EQ(input->demand.size(), 1u);
    EXPECT_EQ(input->demand[0].qty, 1'000'000);
    auto parsed = parse_products(std::string("\xEF\xBB\xBF") + kProducts, "p.csv");
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->size(), 2u);
}

TEST(SimulateProducts, AFillRateIsKeptToSixDecimalsAsTheApiKeepsIt) {
    auto parsed = parse_products(
        "sku,mode,reorder_point,reorder_qty,fill_rate\nA,auto,1,2,0.9500004\n", "p.csv");
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_DOUBLE_EQ(*parsed->front().fill_rate, 0.95);
}

TEST(SimulateDemand, HeaderOnlyHasNoDays) {
    auto input = parse_demand("day,sku,qty\n", "d.csv", products());
    ASSERT_TRUE(input);
    EXPECT_TRUE(input->demand.empty());
    EXPECT_EQ(input->last_day, -1);
}

TEST(SimulateArgs, DefaultsAndBothOptionForms) {
    auto parsed = parse_simulate_args({"--demand", "d.csv", "--products=p.csv"});
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->demand_file, "d.csv");
    EXPECT_EQ(parsed->products_file, "p.csv");
    EXPECT_DOUBLE_EQ(parsed->lead_time_days, 7);
    EXPECT_DOUBLE_EQ(parsed->lead_time_sd, 0);
    EXPECT_FALSE(parsed->days);
    EXPECT_EQ(parsed->warmup_days, 0);
    EXPECT_FALSE(parsed->json);

    parsed = parse_simulate_args({"--demand", "d", "--products", "p", "--lead-time-days=2.5",
                                  "--lead-time-sd", "1", "--days", "30", "--warmup-days", "5",
                                  "--seed", "42", "--json"});
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_DOUBLE_EQ(parsed->lead_time_days, 2.5);
    EXPECT_DOUBLE_EQ(parsed->lead_time_sd, 1);
    EXPECT_EQ(*parsed->days, 30);
    EXPECT_EQ(parsed->warmup_days, 5);
    EXPECT_EQ(parsed->seed, 42u);
    EXPECT_TRUE(parsed->json);
}

TEST(SimulateArgs, Refusals) {
    EXPECT_FALSE(parse_simulate_args({"--products", "p"}));
    EXPECT_FALSE(parse_simulate_args({"--demand", "d"}));
    EXPECT_FALSE(parse_simulate_args({"--demand", "d", "--products", "p", "--days", "0"}));
    EXPECT_FALSE(parse_simulate_args({"--demand", "d", "--products", "p", "--days", "x"}));
    EXPECT_FALSE(parse_simulate_args(
        {"--demand", "d", "--products", "p", "--days", "5", "--warmup-days", "5"}));
    EXPECT_FALSE(parse_simulate_args({"--demand", "d", "--products", "p", "--colour", "red"}));
    EXPECT_FALSE(parse_simulate_args({"--demand", "d", "--products", "p", "--seed"}));
    EXPECT_FALSE(parse_simulate_args({"--demand", "d", "--products", "p", "stray"}));
    // A missing value is not taken from the next option; an unknown option is named as such.
    auto missing = parse_simulate_args({"--products", "p", "--demand", "--json"});
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message, "--demand needs a value");
    // A value that merely starts with -- is a value.
    auto dashes = parse_simulate_args({"--demand", "--odd.csv", "--products", "p"});
    ASSERT_TRUE(dashes) << dashes.error().message;
    EXPECT_EQ(dashes->demand_file, "--odd.csv");
    auto unknown = parse_simulate_args({"--demand", "d", "--products", "p", "--verbose"});
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().message, "unknown option '--verbose'");
}

}  // namespace
}  // namespace restock::sim
