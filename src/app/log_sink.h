// Where app code writes operational log lines (the composition root points it at the JSON log).
// Never pass secrets: no keys, tokens or full callback URLs.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace restock {

using LogSink = std::function<void(std::string_view level, const std::string& message)>;

}  // namespace restock
