// Checkpointer: copies the WAL back into the database file on its own thread and connection,
// so the writer's COMMIT never pays for a checkpoint (SQLite's automatic checkpoint would run
// inside the commit that crosses the threshold, stalling every request in that batch).
//
// Its checkpoints are PASSIVE: they never wait. But under a steady stream of commits a PASSIVE
// checkpoint never catches up with the last frame, so SQLite never starts the WAL over and it
// grows without end (seen: 25 MB/s under the HTTP benchmark), each fdatasync extending the file.
// So once the WAL holds `restart_frames`, a RESTART checkpoint briefly holds off the writer
// (a few ms) to finish the copy: the next commit starts the WAL over, overwriting the
// file from the start, and the WAL stays near that size.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "adapters/sqlite/sqlite_db.h"

namespace restock::sqlite {

struct CheckpointPolicy {
    std::chrono::milliseconds interval{250};  // a checkpoint at least this often...
    uint64_t commits = 256;                   // ...or after this many commits
    int restart_frames = 4096;                // ~16 MiB of 4 KiB pages
};

class Checkpointer {
  public:
    // REQUIRES: the database exists and is in WAL mode.
    static Result<std::unique_ptr<Checkpointer>> start(const std::string& path,
                                                       CheckpointPolicy policy = {});
    ~Checkpointer();  // a last full checkpoint, then stop

    // Hint that a commit happened; cheap, callable from any thread.
    void notify_commit();

  private:
    Checkpointer(std::unique_ptr<Connection> db, CheckpointPolicy policy);
    void run();

    std::unique_ptr<Connection> db_;
    const CheckpointPolicy policy_;
    std::mutex mutex_;
    std::condition_variable wake_;
    uint64_t commits_since_ = 0;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace restock::sqlite
