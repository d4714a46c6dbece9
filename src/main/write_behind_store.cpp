#include "main/write_behind_store.h"

#include <utility>

namespace restock::sim {
namespace {

// Forwards every read to `reader` once the store has written the batch in hand.
class WaitingReader final : public StockReader {
  public:
    WaitingReader(WriteBehindStore& store, std::unique_ptr<StockReader> reader)
        : store_(store), reader_(std::move(reader)) {}

    Result<std::optional<Product>> product(std::string_view sku) override {
        if (auto s = store_.wait(); !s) return s.error();
        return reader_->product(sku);
    }
    Result<std::vector<Product>> find_products(const ProductQuery& query) override {
        if (auto s = store_.wait(); !s) return s.error();
        return reader_->find_products(query);
    }
    Result<std::vector<Movement>> movements(const Product& product, int64_t before_id,
                                            std::size_t limit, int64_t up_to_id) override {
        if (auto s = store_.wait(); !s) return s.error();
        return reader_->movements(product, before_id, limit, up_to_id);
    }
    Result<std::optional<Movement>> movement(int64_t id) override {
        if (auto s = store_.wait(); !s) return s.error();
        return reader_->movement(id);
    }
    Result<std::vector<Event>> find_events(const EventQuery& query) override {
        if (auto s = store_.wait(); !s) return s.error();
        return reader_->find_events(query);
    }
    Result<int64_t> last_event_seq(int64_t up_to_seq) override {
        if (auto s = store_.wait(); !s) return s.error();
        return reader_->last_event_seq(up_to_seq);
    }
    Result<std::optional<IdempotencyRecord>> idempotency(std::string_view principal,
                                                         std::string_view key) override {
        if (auto s = store_.wait(); !s) return s.error();
        return reader_->idempotency(principal, key);
    }
    Result<std::optional<ReceiptRecord>> receipt(int64_t product_id,
                                                 std::string_view reference) override {
        if (auto s = store_.wait(); !s) return s.error();
        return reader_->receipt(product_id, reference);
    }
    Result<std::vector<std::string>> checkout_slices(int64_t key, int64_t runs) override {
        if (auto s = store_.wait(); !s) return s.error();
        return reader_->checkout_slices(key, runs);
    }
    Result<std::optional<Reservation>> reservation(std::string_view id) override {
        if (auto s = store_.wait(); !s) return s.error();
        return reader_->reservation(id);
    }
    Result<std::optional<ApiKeyRecord>> api_key(std::string_view hash) override {
        if (auto s = store_.wait(); !s) return s.error();
        return reader_->api_key(hash);
    }
    Result<std::optional<SessionRecord>> session(std::string_view hash) override {
        if (auto s = store_.wait(); !s) return s.error();
        return reader_->session(hash);
    }

  private:
    WriteBehindStore& store_;
    std::unique_ptr<StockReader> reader_;
};

}  // namespace

WriteBehindStore::WriteBehindStore(StockStore& store) : store_(store), thread_([this] { run(); }) {}

WriteBehindStore::~WriteBehindStore() {
    {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return !pending_; });
        stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
}

void WriteBehindStore::run() {
    std::unique_lock lock(mutex_);
    while (true) {
        changed_.wait(lock, [this] { return stopping_ || pending_; });
        if (!pending_) return;  // stopping, nothing left
        lock.unlock();
        const Status written = store_.write(*pending_);
        lock.lock();
        if (!written && !failed_) failed_ = written.error();
        pending_.reset();
        changed_.notify_all();
    }
}

Status WriteBehindStore::wait() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !pending_; });
    if (failed_) return *failed_;
    return ok_status();
}

Status WriteBehindStore::write(const WriteBatch& batch) {
    WriteBatch copy = batch;  // the caller's goes when this returns
    {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return !pending_; });
        if (failed_) return *failed_;
        pending_ = std::move(copy);
    }
    changed_.notify_all();
    return ok_status();
}

Result<EngineSnapshot> WriteBehindStore::load() {
    if (auto s = wait(); !s) return s.error();
    return store_.load();
}

Status WriteBehindStore::sync() {
    if (auto s = wait(); !s) return s;
    return store_.sync();
}

Result<std::unique_ptr<StockReader>> WriteBehindStore::open_reader() {
    // Not beside a write: the store's own open_reader may read what the write changes.
    if (auto s = wait(); !s) return s.error();
    auto reader = store_.open_reader();
    if (!reader) return reader.error();
    return std::unique_ptr<StockReader>(
        std::make_unique<WaitingReader>(*this, std::move(reader.value())));
}

Result<std::string> WriteBehindStore::callback_secret() {
    if (auto s = wait(); !s) return s.error();
    return store_.callback_secret();
}

Result<int64_t> WriteBehindStore::expire_idempotency(int64_t before_ms) {
    if (auto s = wait(); !s) return s.error();
    return store_.expire_idempotency(before_ms);
}

}  // namespace restock::sim
