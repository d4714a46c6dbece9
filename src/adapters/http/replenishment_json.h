// GET /v1/products/{sku}/replenishment as JSON: every learned figure, the method and why, the
// number of observations, and what the settings given (mode fixed) would be. Pure.
#pragma once

#include <string>

#include "app/commands.h"
#include "json/json.h"

namespace restock::http {

void write_replenishment(json::Writer& w, const ReplenishmentOutcome& outcome);

// A JSON number with six significant digits; null if it is not finite.
std::string json_number(double value);

}  // namespace restock::http
