#include "app/commit_gathering.h"

namespace restock {

std::size_t CommitGathering::wait_for(std::size_t pending) {
    if (skip_next_) {
        skip_next_ = false;  // the batch after this one may wait again
        return 0;
    }
    if (options_.window.count() <= 0 || last_batch_ < options_.min_batch) return 0;
    if (pending >= last_batch_) return 0;
    return last_batch_;
}

}  // namespace restock
