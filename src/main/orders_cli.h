// `restock orders list|show|cancel`: the restock-order admin routes from the command line, over
// HTTP to the running server with an admin key (like `restock queues`).
#pragma once

#include <string>
#include <vector>

namespace restock {

// args: everything after "orders". Returns the exit code.
int run_orders_cli(const std::vector<std::string>& args);

}  // namespace restock
