// Daily demand of one product, learned one closed day at a time by exponential smoothing: the
// level and error variance of simple exponential smoothing (SES), and beside it Croston's
// components (sizes and intervals of the days with demand) for the Syntetos-Boylan
// approximation (SBA). The demand's own pattern picks the method (Syntetos, Boylan & Croston
// 2005: ADI 1.32, CV² 0.49). Plain data and pure functions; no I/O. Formulas and sources:
// docs/replenishment.md.
#pragma once

#include <cstdint>
#include <string_view>

namespace restock {

// The four demand patterns of Syntetos, Boylan & Croston (2005), by the average interval
// between demands (ADI, days) and the squared coefficient of variation of their sizes (CV²).
enum class DemandClass { kSmooth, kErratic, kIntermittent, kLumpy };
// SES: demand on (almost) every day. SBA: Croston's size / interval, times (1 - alpha/2).
enum class ForecastMethod { kSes, kSba };

inline constexpr double kAdiCutoff = 1.32;
inline constexpr double kCv2Cutoff = 0.49;
// Smoothing constants: alpha for the level, the sizes and the intervals; beta for the squared
// one-step errors (the variance). Until 1/n falls below them each is a running mean, so the
// first days are not dominated by the first observation.
inline constexpr double kDemandAlpha = 0.1;
inline constexpr double kDemandBeta = 0.1;

// The learned state. Units are units of demand (sold + lost) per day.
struct DemandModel {
    int64_t days = 0;           // days learned (censored ones excluded)
    int64_t demand_days = 0;    // of which with demand > 0
    int64_t censored_days = 0;  // skipped: ended out of stock with no demand seen
    double level = 0;           // SES level: the forecast of tomorrow's demand
    double ses_mse = 0;         // smoothed squared one-step error of SES
    double size = 0;            // Croston: smoothed size of the days with demand
    double size_var = 0;        // smoothed variance of those sizes (for CV²)
    double interval = 0;        // Croston: smoothed days between days with demand
    double sba_mse = 0;         // smoothed squared one-step error of SBA
    int64_t since_demand = 0;   // days learned since the last day with demand
    // The units of one checkout line (sold or refused): how many lines were seen, and the
    // smoothed first three moments of their quantity. A restock is triggered by the line that
    // takes the stock to or below the reorder point, which it may cross by several units (the
    // undershoot), and a refused line loses all its units: both depend on these sizes.
    int64_t lines = 0;
    double line_m1 = 0;  // E[qty]
    double line_m2 = 0;  // E[qty²]
    double line_m3 = 0;  // E[qty³]
    // Checkout lines refused while nothing was available: the storefront lets customers try
    // to buy the product when it is out of stock, so its stocked-out days are seen.
    int64_t empty_refusals = 0;

    bool operator==(const DemandModel&) const = default;
};

// One closed day: units sold, and units refused for lack of stock (lost sales: demand that
// was there). `stocked_out`: the day ended with nothing available. A stocked-out day with no
// demand seen says nothing about demand if the storefront may hide the product when out of
// stock: until a checkout has been refused with nothing available (empty_refusals), such a
// day is counted as censored and learns nothing; after, it is a day without demand.
void observe_day(DemandModel& model, int64_t sold, int64_t lost, bool stocked_out,
                 double alpha = kDemandAlpha, double beta = kDemandBeta);

// The smoothing constant of the line moments (lines come more often than days).
inline constexpr double kLineAlpha = 0.02;

// One checkout line of `qty` units of the product, sold or refused.
void observe_line(DemandModel& model, int64_t qty, double alpha = kLineAlpha);
// A checkout line refused while the product had nothing available.
void observe_refusal_when_empty(DemandModel& model);

// How far below a level the stock is when a checkout line first takes it there: for integer
// line sizes K arriving as a renewal process, U = K − J with J the stock above the level
// before that line, E[U] = (E[K²] − E[K]) / (2E[K]) and E[U²] = (2E[K³] − 3E[K²] + E[K]) /
// (6E[K]) (Tijms 2003, 1.1; exact for constant K, where U is uniform on 0..K−1). 0 for single
// units, or when no line has been seen.
struct Undershoot {
    double mean = 0;
    double variance = 0;
};
Undershoot undershoot_of(const DemandModel& model);

struct DemandEstimate {
    double mean = 0;      // units per day, by the chosen method
    double variance = 0;  // of a day's demand around it (smoothed squared one-step error)
    double adi = 0;       // average days between demands (0: no demand yet)
    double cv2 = 0;       // squared coefficient of variation of the sizes
    DemandClass pattern = DemandClass::kSmooth;
    ForecastMethod method = ForecastMethod::kSes;
    double alpha = kDemandAlpha;
    Undershoot undershoot;
    // The size of one checkout line: mean and variance (0, 0: no line seen).
    double line_mean = 0;
    double line_variance = 0;
};

DemandEstimate estimate_demand(const DemandModel& model, double alpha = kDemandAlpha);
// ADI < 1.32 and CV² < 0.49: smooth; ADI < 1.32: erratic; CV² < 0.49: intermittent; else lumpy.
DemandClass classify_demand(double adi, double cv2);
// SES for smooth and erratic demand (a demand almost every day; Croston's interval is then 1
// and SBA's factor only biases the level down), SBA for intermittent and lumpy.
ForecastMethod method_for(DemandClass pattern);

std::string_view to_string(DemandClass pattern);
std::string_view to_string(ForecastMethod method);

}  // namespace restock
