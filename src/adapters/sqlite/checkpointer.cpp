#include "adapters/sqlite/checkpointer.h"

#include <chrono>

namespace restock::sqlite {
namespace {
constexpr auto kInterval = std::chrono::milliseconds(250);
constexpr uint64_t kCommitsPerCheckpoint = 256;
}  // namespace

Result<std::unique_ptr<Checkpointer>> Checkpointer::start(const std::string& path) {
    auto db = Connection::open(path, /*create=*/false);
    if (!db) return db.error();
    return std::unique_ptr<Checkpointer>(new Checkpointer(std::move(db.value())));
}

Checkpointer::Checkpointer(std::unique_ptr<Connection> db) : db_(std::move(db)) {
    thread_ = std::thread([this] { run(); });
}

Checkpointer::~Checkpointer() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
    // Leave a small WAL behind; harmless if a reader still holds it.
    sqlite3_wal_checkpoint_v2(db_->handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
}

void Checkpointer::notify_commit() {
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        wake = ++commits_since_ >= kCommitsPerCheckpoint;
    }
    if (wake) wake_.notify_one();
}

void Checkpointer::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, kInterval,
                       [this] { return stopping_ || commits_since_ >= kCommitsPerCheckpoint; });
        if (stopping_) break;
        if (commits_since_ == 0) continue;
        commits_since_ = 0;
        lock.unlock();
        // PASSIVE: never waits for readers or the writer; whatever is not copied now is next time.
        sqlite3_wal_checkpoint_v2(db_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                  nullptr);
        lock.lock();
    }
}

}  // namespace restock::sqlite
