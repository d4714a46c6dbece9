// DataDirLock: one process owns a SQLite data dir. The engine keeps the store's state in memory
// and writes it back, so a second server on the same file would serve a stale copy and write
// its stale figures over the first's (a lost update). The owner holds an exclusive flock(2) on
// DIR/restock.lock, which the kernel releases when the process ends however it ends (kill -9
// included), and writes who it is into the file, so a refused process can name the holder.
// Commands that only add or read keys do not take it: SQLite's own locking serialises those
// small transactions with the server's.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace restock::sqlite {

class DataDirLock {
  public:
    // Takes the lock on `dir` (which must exist) for `what` (e.g. "restock serve"). If another
    // process holds it: kUnavailable, with one line naming that process.
    static Result<std::unique_ptr<DataDirLock>> acquire(const std::string& dir,
                                                        std::string_view what);
    ~DataDirLock();  // releases the lock
    DataDirLock(const DataDirLock&) = delete;
    DataDirLock& operator=(const DataDirLock&) = delete;

  private:
    explicit DataDirLock(int fd) : fd_(fd) {}
    int fd_;
};

}  // namespace restock::sqlite
