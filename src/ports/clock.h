// Clock port: wall time in milliseconds since the Unix epoch. Tests inject a fake.
#pragma once

#include <cstdint>

namespace restock {

class Clock {
  public:
    virtual ~Clock() = default;
    // Thread-safe.
    virtual int64_t now_ms() const = 0;
};

}  // namespace restock
