// The command line: `restock serve|demo|keys|version`.
#pragma once

#include <string>
#include <vector>

namespace restock {

int run_cli(const std::vector<std::string>& args);

}  // namespace restock
