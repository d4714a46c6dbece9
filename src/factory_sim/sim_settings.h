// The simulator's run-time behaviour, changeable through /control. Pure code, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace restock::factory_sim {

struct SimSettings {
    double fail_rate = 0;    // probability that an order is answered 500
    double hang_rate = 0;    // probability that an order is held hang_ms, then answered 504
    int64_t delay_ms = 200;  // from acceptance to the callback
    int64_t hang_ms = 30000;
    bool callbacks = true;  // whether accepted orders are called back
};

// Applies a POST /control body: a JSON object with any of "fail_rate", "hang_rate" (numbers in
// [0, 1]), "delay_ms", "hang_ms" (integers >= 0), "callbacks" (boolean). All or nothing.
// Errors: kInvalidArgument "invalid-request" for bad JSON, unknown members or bad values.
Result<SimSettings> apply_control(const SimSettings& current, std::string_view body);

// {"fail_rate":..,"hang_rate":..,"delay_ms":..,"hang_ms":..,"callbacks":..}
std::string settings_json(const SimSettings& settings);

// Appends a finite double as the shortest JSON number that reads back as the same value.
void append_number(std::string& out, double value);

}  // namespace restock::factory_sim
