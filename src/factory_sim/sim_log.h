// SimLog: the factory simulator's JSON-lines log. One complete line per write, flushed at once so
// a test or script reading the pipe sees it immediately. Callers never pass secrets (paths are
// logged without their query; callback URLs only as host:port/path). Thread-safe.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace restock::factory_sim {

class SimLog {
  public:
    // `out` null disables logging. REQUIRES: out outlives this.
    explicit SimLog(std::FILE* out) : out_(out) {}

    // Writes `object_json` (one JSON object, no newline) as a line.
    void line(std::string_view object_json);
    // {"ts":..,"level":..,"msg":..} plus `extra_members`: pre-serialised `,"key":value` pairs.
    void event(std::string_view level, std::string_view message,
               std::string_view extra_members = {});
    void request(std::string_view method, std::string_view path, int status, double duration_ms);

  private:
    std::FILE* out_;
    std::mutex mutex_;
};

}  // namespace restock::factory_sim
