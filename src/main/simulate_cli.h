// `restock simulate`: replays a demand trace through the real engine (docs/simulate.md).
#pragma once

#include <string>
#include <vector>

namespace restock {

// Returns the exit code: 0, 1 (bad file, failed run), 2 (usage).
int run_simulate_cli(const std::vector<std::string>& args);

}  // namespace restock
