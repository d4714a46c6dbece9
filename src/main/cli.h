// The command line: `restock serve|demo|keys|queues|orders|factory-sim|version|help`, each
// with --help.
#pragma once

#include <string>
#include <vector>

namespace restock {

int run_cli(const std::vector<std::string>& args);

}  // namespace restock
