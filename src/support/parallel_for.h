#pragma once

#include <cstddef>
#include <functional>

namespace restock {

// Runs `body(begin, end)` over [0, n) in blocks of at most `block` indices, on up to `threads`
// threads (the caller's among them; the others are started for this call and joined before it
// returns). A thread that finishes a block takes the next one not taken, so a thread that the
// system holds back takes fewer. With one thread, or no more than one block, every block runs
// on the caller's thread, in order.
// REQUIRES: body does not throw, and its calls for different blocks may run at once.
void parallel_for(std::size_t n, unsigned threads, std::size_t block,
                  const std::function<void(std::size_t begin, std::size_t end)>& body);

}  // namespace restock
