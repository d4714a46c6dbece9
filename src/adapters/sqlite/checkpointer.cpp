#include "adapters/sqlite/checkpointer.h"

#include "support/thread_name.h"

namespace restock::sqlite {
Result<std::unique_ptr<Checkpointer>> Checkpointer::start(const std::string& path,
                                                          CheckpointPolicy policy) {
    auto db = Connection::open(path, /*create=*/false);
    if (!db) return db.error();
    return std::unique_ptr<Checkpointer>(new Checkpointer(std::move(db.value()), policy));
}

Checkpointer::Checkpointer(std::unique_ptr<Connection> db, CheckpointPolicy policy)
    : db_(std::move(db)), policy_(policy) {
    thread_ = start_named_thread("restock-ckpt", [this] { run(); });
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
        wake = ++commits_since_ >= policy_.commits;
    }
    if (wake) wake_.notify_one();
}

void Checkpointer::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, policy_.interval,
                       [this] { return stopping_ || commits_since_ >= policy_.commits; });
        if (stopping_) break;
        if (commits_since_ == 0) continue;
        commits_since_ = 0;
        lock.unlock();
        // PASSIVE: never waits for readers or the writer; whatever is not copied now is next time.
        int log_frames = 0;
        sqlite3_wal_checkpoint_v2(db_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames,
                                  nullptr);
        // RESTART holds off the writer only to copy what PASSIVE left (little), so that the
        // next commit starts the WAL over instead of extending it.
        if (log_frames >= policy_.restart_frames) {
            sqlite3_wal_checkpoint_v2(db_->handle(), nullptr, SQLITE_CHECKPOINT_RESTART, nullptr,
                                      nullptr);
        }
        lock.lock();
    }
}

}  // namespace restock::sqlite
