// The files `restock simulate` replays (docs/simulate.md): a demand trace and the products it
// is about. Pure parsing of text already read; errors name the file and the line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/product.h"
#include "core/result.h"

namespace restock::sim {

// One row of the products file: `sku,mode,reorder_point,reorder_qty,fill_rate` and the optional
// `order_up_to,min_order_qty,pack_size,initial_on_hand`, in any column order.
struct SimProduct {
    std::string sku;
    bool auto_mode = false;  // mode "auto": fill_rate is the target
    int64_t reorder_point = 0;
    int64_t reorder_qty = 0;
    std::optional<double> fill_rate;
    std::optional<int64_t> order_up_to;
    int64_t min_order_qty = 1;
    int64_t pack_size = 1;
    int64_t initial_on_hand = 0;  // reorder_point + reorder_qty unless given
    int line = 0;                 // where it was, for errors found later
};

// One checkout of the demand file: `qty` units of product `product` (an index into the
// products) on `day`. `line` is its line in the file.
struct DemandRow {
    int32_t day = 0;
    int32_t product = 0;
    int64_t qty = 0;
};

struct SimInput {
    std::vector<SimProduct> products;
    // Sorted by day; within a day in file order.
    std::vector<DemandRow> demand;
    int32_t last_day = -1;  // -1: no demand rows
};

// The command line: --demand FILE --products FILE [--lead-time-days L] [--lead-time-sd S]
// [--days N] [--warmup-days W] [--seed N] [--json]; each option also as --name=value.
struct SimulateOptions {
    std::string demand_file;
    std::string products_file;
    double lead_time_days = 7;
    double lead_time_sd = 0;
    std::optional<int64_t> days;  // unset: the last demand day + 1
    int64_t warmup_days = 0;
    uint64_t seed = 1;
    bool json = false;
};
// kInvalidArgument "usage" naming the option.
Result<SimulateOptions> parse_simulate_args(const std::vector<std::string>& args);

// Each parser returns kInvalidArgument "bad-file" with a message "FILE:LINE: what is wrong".
Result<std::vector<SimProduct>> parse_products(std::string_view text, std::string_view file);
// Every row's SKU must be one of `products`.
Result<SimInput> parse_demand(std::string_view text, std::string_view file,
                              std::vector<SimProduct> products);

}  // namespace restock::sim
