// Checkpointer: copies the WAL back into the database file on its own thread and connection,
// so the writer's COMMIT never pays for a checkpoint (SQLite's automatic checkpoint would run
// inside the commit that crosses the threshold, stalling every request in that batch).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "adapters/sqlite/sqlite_db.h"

namespace restock::sqlite {

class Checkpointer {
  public:
    // REQUIRES: the database exists and is in WAL mode.
    static Result<std::unique_ptr<Checkpointer>> start(const std::string& path);
    ~Checkpointer();  // a last full checkpoint, then stop

    // Hint that a commit happened; cheap, callable from any thread.
    void notify_commit();

  private:
    explicit Checkpointer(std::unique_ptr<Connection> db);
    void run();

    std::unique_ptr<Connection> db_;
    std::mutex mutex_;
    std::condition_variable wake_;
    uint64_t commits_since_ = 0;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace restock::sqlite
