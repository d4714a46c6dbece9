// What `restock simulate` reports per SKU and in total (docs/simulate.md, "Output"), and how it
// is printed. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace restock::sim {

// Counted days only (from --warmup-days on).
struct SkuFigures {
    std::string sku;
    int64_t demand = 0;        // units asked for
    int64_t sold = 0;          // units taken
    int64_t lost = 0;          // units of refused checkouts
    int64_t on_hand_days = 0;  // sum of on_hand at the end of each counted day
    int64_t orders = 0;        // restock orders placed
    int64_t stockout_days = 0;
};

struct SimReport {
    std::vector<SkuFigures> skus;
    int64_t counted_days = 0;
};

// sold / demand; 1 when there was no demand.
double fill_rate(const SkuFigures& figures);
double avg_on_hand(const SkuFigures& figures, int64_t counted_days);

// {"skus":[{"sku","demand","sold","lost","fill_rate","avg_on_hand","orders","stockout_days"}],
//  "total":{same, without sku}}; the total's avg_on_hand is the sum over SKUs.
std::string report_json(const SimReport& report);
// One line per SKU and a total, in aligned columns.
std::string report_table(const SimReport& report);

}  // namespace restock::sim
