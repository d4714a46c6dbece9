#pragma once

#include <string_view>

namespace restock {

// Names the calling thread as `top -H`, perf and gdb show it. Linux keeps 15 bytes; a longer
// name is cut. Best effort: a failure changes nothing else.
void name_this_thread(std::string_view name);

}  // namespace restock
