#include "support/thread_name.h"

#include <pthread.h>

#include <string>

namespace restock {

void name_this_thread(std::string_view name) {
    constexpr std::size_t kLinuxLimit = 15;  // 16 bytes with the terminating NUL
    const std::string cut(name.substr(0, kLinuxLimit));
    (void)pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace restock
