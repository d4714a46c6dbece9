// Command-line flags of `restock factory-sim`. Pure code, thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "factory_sim/factory_sim.h"

namespace restock::factory_sim {

extern const char* const kFactorySimUsage;

// Parses --listen HOST:PORT, --delay-ms N, --fail-rate F, --hang-rate F, --hang-ms N,
// --no-callbacks and --seed N (also as --flag=value) over the defaults of FactorySimOptions.
// Errors: kInvalidArgument "invalid-flag" naming the flag.
Result<FactorySimOptions> parse_factory_sim_args(const std::vector<std::string>& args);

}  // namespace restock::factory_sim
