#include "app/reader_pool.h"

namespace restock {

ReaderPool::Lease::~Lease() {
    if (reader_) pool_->release(std::move(reader_));
}

Result<ReaderPool::Lease> ReaderPool::acquire() {
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            auto reader = std::move(idle_.back());
            idle_.pop_back();
            return Lease(*this, std::move(reader));
        }
    }
    auto reader = store_.open_reader();
    if (!reader) return reader.error();
    return Lease(*this, std::move(reader.value()));
}

void ReaderPool::release(std::unique_ptr<StockReader> reader) {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(reader));
}

}  // namespace restock
