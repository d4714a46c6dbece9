#include "support/parallel_for.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace restock {

void parallel_for(std::size_t n, unsigned threads, std::size_t block,
                  const std::function<void(std::size_t begin, std::size_t end)>& body) {
    block = std::max<std::size_t>(block, 1);
    const std::size_t blocks = (n + block - 1) / block;
    if (n == 0) return;
    // The caller's thread and as many more as there are blocks for.
    const auto helpers =
        static_cast<unsigned>(std::min<std::size_t>(std::max(threads, 1u), blocks) - 1);
    if (helpers == 0) {
        for (std::size_t b = 0; b < blocks; ++b) body(b * block, std::min(n, (b + 1) * block));
        return;
    }
    std::atomic<std::size_t> next{0};
    const auto work = [&] {
        for (std::size_t b = next.fetch_add(1); b < blocks; b = next.fetch_add(1)) {
            body(b * block, std::min(n, (b + 1) * block));
        }
    };
    std::vector<std::thread> started;
    started.reserve(helpers);
    for (unsigned i = 0; i < helpers; ++i) started.emplace_back(work);
    work();
    for (std::thread& thread : started) thread.join();
}

}  // namespace restock
