#pragma once

#include <functional>
#include <string>
#include <thread>

namespace restock {

// Starts a thread that first names itself `name` (as `top -H`, perf and gdb show it; Linux
// keeps 15 bytes, a longer name is cut; naming is best effort), then runs `body`.
std::thread start_named_thread(std::string name, std::function<void()> body);

}  // namespace restock
