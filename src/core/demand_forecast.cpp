#include "core/demand_forecast.h"

#include <algorithm>

namespace restock {
namespace {

// The smoothing weight of the n-th observation: a running mean until 1/n < the constant.
double weight(double constant, int64_t n) {
    return std::max(constant, 1.0 / static_cast<double>(std::max<int64_t>(n, 1)));
}

// SBA's forecast of a day's demand from Croston's components.
double sba_forecast(const DemandModel& m, double alpha) {
    if (m.demand_days == 0 || m.interval <= 0) return 0;
    return (1 - alpha / 2) * m.size / m.interval;
}

}  // namespace

void observe_day(DemandModel& m, int64_t sold, int64_t lost, bool stocked_out, double alpha,
                 double beta) {
    const double x = static_cast<double>(std::max<int64_t>(sold, 0) + std::max<int64_t>(lost, 0));
    if (x == 0 && stocked_out && m.empty_refusals == 0) {
        ++m.censored_days;
        return;
    }
    // One-step errors of both methods, with the forecasts made before this day.
    if (m.days > 0) {
        const double ses_error = x - m.level;
        m.ses_mse += weight(beta, m.days) * (ses_error * ses_error - m.ses_mse);
        if (m.demand_days > 0) {
            const double sba_error = x - sba_forecast(m, alpha);
            m.sba_mse += weight(beta, m.days) * (sba_error * sba_error - m.sba_mse);
        }
    }
    ++m.days;
    m.level += weight(alpha, m.days) * (x - m.level);
    ++m.since_demand;
    if (x > 0) {
        ++m.demand_days;
        const double a = weight(alpha, m.demand_days);
        const double interval = static_cast<double>(m.since_demand);
        if (m.demand_days == 1) {
            m.size = x;
            m.size_var = 0;
            m.interval = interval;
        } else {
            const double deviation = x - m.size;
            m.size_var += a * (deviation * deviation - m.size_var);
            m.size += a * deviation;
            m.interval += a * (interval - m.interval);
        }
        m.since_demand = 0;
    }
}

void observe_line(DemandModel& m, int64_t qty, double alpha) {
    if (qty <= 0) return;
    const double k = static_cast<double>(qty);
    ++m.lines;
    const double a = weight(alpha, m.lines);
    m.line_m1 += a * (k - m.line_m1);
    m.line_m2 += a * (k * k - m.line_m2);
    m.line_m3 += a * (k * k * k - m.line_m3);
}

void observe_refusal_when_empty(DemandModel& m) { ++m.empty_refusals; }

Undershoot undershoot_of(const DemandModel& m) {
    Undershoot u;
    if (m.lines == 0 || m.line_m1 <= 0) return u;
    u.mean = std::max(0.0, (m.line_m2 - m.line_m1) / (2 * m.line_m1));
    const double second = (2 * m.line_m3 - 3 * m.line_m2 + m.line_m1) / (6 * m.line_m1);
    u.variance = std::max(0.0, second - u.mean * u.mean);
    return u;
}

DemandClass classify_demand(double adi, double cv2) {
    const bool frequent = adi < kAdiCutoff;
    const bool steady = cv2 < kCv2Cutoff;
    if (frequent) return steady ? DemandClass::kSmooth : DemandClass::kErratic;
    return steady ? DemandClass::kIntermittent : DemandClass::kLumpy;
}

ForecastMethod method_for(DemandClass pattern) {
    return pattern == DemandClass::kSmooth || pattern == DemandClass::kErratic
               ? ForecastMethod::kSes
               : ForecastMethod::kSba;
}

DemandEstimate estimate_demand(const DemandModel& m, double alpha) {
    DemandEstimate e;
    e.alpha = alpha;
    e.undershoot = undershoot_of(m);
    if (m.lines > 0) {
        e.line_mean = m.line_m1;
        e.line_variance = std::max(0.0, m.line_m2 - m.line_m1 * m.line_m1);
    }
    if (m.demand_days == 0) {
        e.mean = 0;
        e.variance = m.ses_mse;
        return e;
    }
    e.adi = m.interval;
    e.cv2 = m.size > 0 ? m.size_var / (m.size * m.size) : 0;
    e.pattern = classify_demand(e.adi, e.cv2);
    e.method = method_for(e.pattern);
    if (e.method == ForecastMethod::kSes) {
        e.mean = m.level;
        e.variance = m.ses_mse;
    } else {
        e.mean = sba_forecast(m, alpha);
        e.variance = m.sba_mse;
    }
    return e;
}

std::string_view to_string(DemandClass pattern) {
    switch (pattern) {
        case DemandClass::kSmooth:
            return "smooth";
        case DemandClass::kErratic:
            return "erratic";
        case DemandClass::kIntermittent:
            return "intermittent";
        case DemandClass::kLumpy:
            return "lumpy";
    }
    return "smooth";
}

std::string_view to_string(ForecastMethod method) {
    return method == ForecastMethod::kSes ? "ses" : "sba";
}

}  // namespace restock
