#pragma once

#include "ports/clock.h"

namespace restock {

class SystemClock final : public Clock {
  public:
    int64_t now_ms() const override;
};

}  // namespace restock
