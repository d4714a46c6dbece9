#include "support/system_clock.h"

#include <chrono>

namespace restock {

int64_t SystemClock::now_ms() const {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace restock
