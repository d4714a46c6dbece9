#include "adapters/sqlite/data_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace restock::sqlite {
namespace {

constexpr const char* kLockFile = "/restock.lock";
constexpr std::size_t kMaxHolderText = 512;

Error lock_error(std::string message) {
    return make_error(ErrorCode::kUnavailable, "data-dir-locked", std::move(message));
}

// What the holder wrote: "pid 1234 (restock serve)". Best effort: it may be mid-write.
std::string read_holder(int fd) {
    char buffer[kMaxHolderText];
    const ssize_t n = ::pread(fd, buffer, sizeof buffer, 0);
    std::string text = n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
    for (char& c : text) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    return text.empty() ? "another process" : text;
}

}  // namespace

Result<std::unique_ptr<DataDirLock>> DataDirLock::acquire(const std::string& dir,
                                                          std::string_view what) {
    const std::string path = dir + kLockFile;
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        return lock_error("cannot open " + path + ": " + std::strerror(errno));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        std::string message;
        if (error == EWOULDBLOCK) {
            message = "the data dir " + dir + " is in use by " + read_holder(fd) +
                      "; stop that process first, or give this one another --data-dir";
        } else {
            message = "cannot lock " + path + ": " + std::strerror(error);
        }
        ::close(fd);
        return lock_error(std::move(message));
    }
    const std::string holder =
        "pid " + std::to_string(::getpid()) + " (" + std::string(what) + ")\n";
    if (::ftruncate(fd, 0) != 0 ||
        ::pwrite(fd, holder.data(), holder.size(), 0) != static_cast<ssize_t>(holder.size())) {
        const int error = errno;
        ::close(fd);
        return lock_error("cannot write " + path + ": " + std::strerror(error));
    }
    return std::unique_ptr<DataDirLock>(new DataDirLock(fd));
}

DataDirLock::~DataDirLock() {
    // Emptied first, so a later reader never names a process that is gone. Closing releases
    // the flock.
    if (::ftruncate(fd_, 0) != 0) {
        // Nothing to do: the lock goes with the descriptor all the same.
    }
    ::close(fd_);
}

}  // namespace restock::sqlite
