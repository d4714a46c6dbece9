// Replenishment mode auto: from the learned demand (core/demand_forecast.h) and lead time
// (core/lead_time.h), the reorder point that reaches a target fill rate with lost sales, and an
// order quantity that balances the number of orders against the stock held, rounded as every
// restock order is. Plus what the engine keeps per product between days, and its stored text.
// Plain data and pure functions; no I/O. Formulas and sources: docs/replenishment.md.
//
// The engine (app/engine_replenishment.cpp) calls these once per closed day; a simulator
// drives the same code by driving the engine's Clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/demand_forecast.h"
#include "core/lead_time.h"
#include "core/line_refusals.h"
#include "core/product.h"

namespace restock {

inline constexpr double kMinFillRate = 0.5;
inline constexpr double kMaxFillRate = 0.999;
// Auto mode follows learned figures only once this much is known; before, the settings given.
inline constexpr int64_t kMinLearningDays = 14;
inline constexpr int64_t kMinDemandDays = 2;
// Lead-time demand with a mean below this, or intermittent demand (SBA), is modelled as a
// count (Poisson, or negative binomial when over-dispersed); above it, as normal.
inline constexpr double kDiscreteBelow = 20;
// Except past this mean (the undershoot of large lines included), where a count is normal
// enough, and its pmf's first term would underflow (e^-745) and the walk would be long.
inline constexpr double kCountBelow = 500;

// What the engine learns and keeps per product (the table replenishment_state).
// The day being counted (the Clock's day, UTC) and its demand so far: what the daily step
// learns that day from. Stored too (its own record), so a restart within the day goes on
// counting.
struct DayInProgress {
    int64_t day = -1;  // -1: none stored
    int64_t sold = 0;  // units taken by checkouts
    int64_t lost = 0;  // units of checkouts refused for lack of stock

    bool operator==(const DayInProgress&) const = default;
};

struct ProductLearning {
    DemandModel demand;
    LeadTimeStats lead;  // this product's own receipts
    // The settings the operator gave (what mode fixed would use): auto mode starts from them
    // and shows them in GET /v1/products/{sku}/replenishment.
    int64_t fixed_reorder_point = 0;
    int64_t fixed_reorder_qty = 1;
    // The daily demand when reorder_qty was given (0: not known yet): the order quantity then
    // scales with the square root of demand from there (EOQ's law, docs/replenishment.md).
    double anchor_demand = 0;
    DayInProgress today;

    bool operator==(const ProductLearning&) const = default;
};

// Enough days and demands seen for auto mode to follow the learned figures.
bool learning_ready(const DemandModel& demand);

enum class LeadDemandDistribution { kNormal, kPoisson, kNegativeBinomial };
std::string_view to_string(LeadDemandDistribution distribution);

struct PolicyInput {
    DemandEstimate demand;
    LeadTimeEstimate lead;
    double fill_rate = 0.95;
    int64_t fixed_reorder_qty = 1;
    double anchor_demand = 0;
    // min_order_qty, pack_size and order_up_to bind (the rest is ignored).
    ReorderSettings settings;
    // The lines' table for demand.line_mean and line_variance, if the caller keeps one (it is
    // used only if it fits them exactly); else compute_policy builds its own.
    const LineRefusals* refusals = nullptr;
};

struct PolicyFigures {
    double lead_demand_mean = 0;  // units over a lead time
    double lead_demand_sd = 0;
    // How far below the reorder point the stock is when the order goes out (from the sizes
    // of checkout lines, core/demand_forecast.h): the order covers it and the lead time.
    double undershoot_mean = 0;
    double undershoot_sd = 0;
    LeadDemandDistribution distribution = LeadDemandDistribution::kNormal;
    double eoq = 0;              // the given reorder_qty scaled by sqrt(demand / anchor)
    double cover_lead_time = 0;  // the least quantity: one lead time's demand
    // max(eoq, cover_lead_time), rounded to MOQ and packs, raised if need be to the least
    // quantity above its own reorder point (q > s(q))
    int64_t reorder_qty = 1;
    int64_t order_qty = 1;      // what an order brings (order_up_to - reorder_point if set)
    int64_t reorder_point = 0;  // the smallest s whose expected fill rate reaches the target
    double safety_stock = 0;    // reorder_point - (lead_demand_mean + undershoot_mean)
    // Expected units lost per order cycle at reorder_point: those demanded beyond it, plus
    // those a refused line leaves on the shelf (lines are sold whole or refused whole).
    double expected_shortage = 0;
    double expected_fill_rate = 1;
};

// REQUIRES: kMinFillRate <= fill_rate <= kMaxFillRate.
PolicyFigures compute_policy(const PolicyInput& input);

// The normal loss function G(k) = φ(k) − k(1 − Φ(k)): E[(Z − k)+] for Z ~ N(0, 1).
double normal_loss(double k);
// E[(X − s)+] for X Poisson (variance <= mean) or negative binomial with this mean, variance.
double count_loss(double mean, double variance, int64_t s);

// Stored text of the learned state ("v2 ..." numbers; "v1" texts, written before the line
// moments and empty refusals, are read too; `today` is not in it); nullopt if it is not such
// a text.
std::string encode(const ProductLearning& learning);
std::optional<ProductLearning> decode_product_learning(std::string_view text);
// The day in progress, stored on its own ("v1 day sold lost"): a version without it still
// reads the learned state.
std::string encode(const DayInProgress& day);
std::optional<DayInProgress> decode_day_in_progress(std::string_view text);
std::string encode(const LeadTimeStats& stats);
std::optional<LeadTimeStats> decode_lead_time_stats(std::string_view text);

}  // namespace restock
