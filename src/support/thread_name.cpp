#include "support/thread_name.h"

#include <pthread.h>

namespace restock {

std::thread start_named_thread(std::string name, std::function<void()> body) {
    constexpr std::size_t kLinuxLimit = 15;  // 16 bytes with the terminating NUL
    if (name.size() > kLinuxLimit) name.resize(kLinuxLimit);
    return std::thread([name = std::move(name), body = std::move(body)] {
        (void)pthread_setname_np(pthread_self(), name.c_str());
        body();
    });
}

}  // namespace restock
