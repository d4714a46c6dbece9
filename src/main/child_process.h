// ChildProcess: runs this same binary with other arguments as a separate process (the demo's
// factory simulator), reads the address from its "listening" line, and stops it on destruction.
// The child also ends when this process does, however it ends (kill -9 included): it asks the
// kernel for SIGTERM at its parent's death (exit_with_parent_if_asked, from main()).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"

namespace restock {

class ChildProcess {
  public:
    // Starts `/proc/self/exe args...` and waits (up to 10 s) for its JSON "listening" line.
    static Result<std::unique_ptr<ChildProcess>> start_self(const std::vector<std::string>& args);
    ~ChildProcess();  // SIGTERM, then SIGKILL after 3 s

    const std::string& address() const { return address_; }  // "HOST:PORT"

  private:
    ChildProcess(pid_t pid, int out_fd, std::string address);
    pid_t pid_;
    int out_fd_;
    std::string address_;
    std::thread drainer_;  // keeps reading the child's log so its pipe never fills
};

// In a child started by start_self (RESTOCK_PARENT_PID in its environment): ends this process
// with SIGTERM when the parent dies, or at once if it has died already. Call first in main().
void exit_with_parent_if_asked();

}  // namespace restock
