#include "app/fault_injecting_store.h"

namespace restock::testing {
namespace {

Error injected(std::string_view what) {
    return make_error(ErrorCode::kUnavailable, "store-error",
                      "injected fault: " + std::string(what));
}

// Forwards to the real reader unless its store says reads are failing.
class FaultyReader final : public StockReader {
  public:
    FaultyReader(const FaultInjectingStore& store, std::unique_ptr<StockReader> target)
        : store_(store), target_(std::move(target)) {}

    Result<std::optional<Product>> product(std::string_view sku) override {
        if (store_.reads_failing()) return injected("read");
        return target_->product(sku);
    }
    Result<std::vector<Product>> find_products(const ProductQuery& query) override {
        if (store_.reads_failing()) return injected("read");
        return target_->find_products(query);
    }
    Result<std::vector<Movement>> movements(const Product& product, int64_t before_id,
                                            std::size_t limit, int64_t up_to_id) override {
        if (store_.reads_failing()) return injected("read");
        return target_->movements(product, before_id, limit, up_to_id);
    }
    Result<std::optional<Movement>> movement(int64_t id) override {
        if (store_.reads_failing()) return injected("read");
        return target_->movement(id);
    }
    Result<std::vector<Event>> find_events(const EventQuery& query) override {
        if (store_.reads_failing()) return injected("read");
        return target_->find_events(query);
    }
    Result<int64_t> last_event_seq(int64_t up_to_seq) override {
        if (store_.reads_failing()) return injected("read");
        return target_->last_event_seq(up_to_seq);
    }
    Result<std::optional<IdempotencyRecord>> idempotency(std::string_view principal,
                                                         std::string_view key) override {
        if (store_.reads_failing()) return injected("read");
        return target_->idempotency(principal, key);
    }
    Result<std::optional<ReceiptRecord>> receipt(int64_t product_id,
                                                 std::string_view reference) override {
        if (store_.reads_failing()) return injected("read");
        return target_->receipt(product_id, reference);
    }
    Result<std::vector<std::string>> checkout_slices(int64_t key, int64_t runs) override {
        if (store_.reads_failing()) return injected("read");
        return target_->checkout_slices(key, runs);
    }
    Result<std::optional<Reservation>> reservation(std::string_view id) override {
        if (store_.reads_failing()) return injected("read");
        return target_->reservation(id);
    }
    Result<std::optional<ApiKeyRecord>> api_key(std::string_view hash) override {
        if (store_.reads_failing()) return injected("read");
        return target_->api_key(hash);
    }
    Result<std::optional<SessionRecord>> session(std::string_view hash) override {
        if (store_.reads_failing()) return injected("read");
        return target_->session(hash);
    }

  private:
    const FaultInjectingStore& store_;
    std::unique_ptr<StockReader> target_;
};

}  // namespace

Result<EngineSnapshot> FaultInjectingStore::load() {
    {
        std::lock_guard lock(mutex_);
        if (fail_load_) return injected("load");
    }
    return StockStoreWrapper::load();
}

Status FaultInjectingStore::write(const WriteBatch& batch) {
    BatchShape shape{batch.products.size(),    batch.movements.size(), batch.events.size(),
                     batch.idempotency.size(), batch.receipts.size(),  false};
    {
        std::unique_lock lock(mutex_);
        if (fail_commits_ > 0) {
            --fail_commits_;
            shape.failed = true;
        }
        pass(lock, commits_);
        batches_.push_back(shape);
    }
    if (shape.failed) return injected("commit");
    std::optional<bool> lost;
    {
        std::lock_guard lock(mutex_);
        lost.swap(lose_commit_);
    }
    if (lost) {
        if (*lost) (void)StockStoreWrapper::write(batch);
        return make_error(ErrorCode::kStoreLost, "outcome-unknown",
                          "injected fault: the connection died during COMMIT");
    }
    return StockStoreWrapper::write(batch);
}

void FaultInjectingStore::lose_next_commit(bool applied) {
    std::lock_guard lock(mutex_);
    lose_commit_ = applied;
}

Result<std::unique_ptr<StockReader>> FaultInjectingStore::open_reader() {
    auto reader = StockStoreWrapper::open_reader();
    if (!reader) return reader.error();
    return std::unique_ptr<StockReader>(
        std::make_unique<FaultyReader>(*this, std::move(reader.value())));
}

void FaultInjectingStore::fail_next_commits(std::size_t count) {
    std::lock_guard lock(mutex_);
    fail_commits_ = count;
}

void FaultInjectingStore::fail_load(bool fail) {
    std::lock_guard lock(mutex_);
    fail_load_ = fail;
}

void FaultInjectingStore::fail_reads(bool fail) {
    std::lock_guard lock(mutex_);
    fail_reads_ = fail;
}

bool FaultInjectingStore::reads_failing() const {
    std::lock_guard lock(mutex_);
    return fail_reads_;
}

Status FaultInjectingStore::sync() {
    {
        std::unique_lock lock(mutex_);
        pass(lock, syncs_);
    }
    return StockStoreWrapper::sync();
}

void FaultInjectingStore::pass(std::unique_lock<std::mutex>& lock, Gate& gate) {
    ++gate.waiting;
    changed_.notify_all();
    changed_.wait(lock, [&gate] { return !gate.held; });
    --gate.waiting;
}

void FaultInjectingStore::set_held(Gate& gate, bool held) {
    {
        std::lock_guard lock(mutex_);
        gate.held = held;
    }
    changed_.notify_all();
}

void FaultInjectingStore::wait_until_held(Gate& gate) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&gate] { return gate.waiting > 0 && gate.held; });
}

std::vector<BatchShape> FaultInjectingStore::batches() const {
    std::lock_guard lock(mutex_);
    return batches_;
}

}  // namespace restock::testing
