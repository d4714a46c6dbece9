// ReaderPool: hands each thread a StockReader of its own for the duration of a lease.
// Thread-safe. Readers are created on demand and kept for reuse.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "ports/stock_store.h"

namespace restock {

class ReaderPool {
  public:
    explicit ReaderPool(StockStore& store) : store_(store) {}

    class Lease {
      public:
        Lease(ReaderPool& pool, std::unique_ptr<StockReader> reader)
            : pool_(&pool), reader_(std::move(reader)) {}
        ~Lease();
        Lease(Lease&&) = default;
        StockReader* operator->() { return reader_.get(); }
        StockReader& operator*() { return *reader_; }

      private:
        ReaderPool* pool_;
        std::unique_ptr<StockReader> reader_;
    };

    Result<Lease> acquire();

  private:
    void release(std::unique_ptr<StockReader> reader);

    StockStore& store_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<StockReader>> idle_;
};

}  // namespace restock
