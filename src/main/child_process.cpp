#include "main/child_process.h"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string_view>
#include <thread>

extern char** environ;

namespace restock {
namespace {

constexpr int kStartTimeoutMs = 10'000;
constexpr const char* kParentVariable = "RESTOCK_PARENT_PID";

Error spawn_error(std::string message) {
    return make_error(ErrorCode::kUnavailable, "spawn-failed", std::move(message));
}

}  // namespace

Result<std::unique_ptr<ChildProcess>> ChildProcess::start_self(
    const std::vector<std::string>& args) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return spawn_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    std::vector<std::string> argv_storage = {"restock"};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& arg : argv_storage) argv.push_back(arg.data());
    argv.push_back(nullptr);
    // The child must not inherit the server's blocked SIGINT/SIGTERM mask.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t empty;
    sigemptyset(&empty);
    posix_spawnattr_setsigmask(&attributes, &empty);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
    // The child's environment: ours, and who its parent is (exit_with_parent_if_asked).
    std::vector<std::string> env_storage;
    for (char** e = environ; *e != nullptr; ++e) {
        if (std::string_view(*e).rfind(std::string(kParentVariable) + "=", 0) != 0) {
            env_storage.emplace_back(*e);
        }
    }
    env_storage.push_back(std::string(kParentVariable) + "=" + std::to_string(::getpid()));
    std::vector<char*> envp;
    for (auto& entry : env_storage) envp.push_back(entry.data());
    envp.push_back(nullptr);
    pid_t pid = 0;
    const int rc =
        posix_spawn(&pid, "/proc/self/exe", &actions, &attributes, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    close(pipe_fds[1]);
    if (rc != 0) {
        close(pipe_fds[0]);
        return spawn_error("cannot start " + args.front());
    }
    // Read lines until the listening line names the address.
    std::string buffer;
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(kStartTimeoutMs);
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd fd{pipe_fds[0], POLLIN, 0};
        if (poll(&fd, 1, 100) <= 0) continue;
        char chunk[512];
        const ssize_t n = read(pipe_fds[0], chunk, sizeof chunk);
        if (n <= 0) break;
        buffer.append(chunk, static_cast<std::size_t>(n));
        const auto marker = buffer.find("\"address\":\"");
        if (marker == std::string::npos) continue;
        const auto start = marker + 11;
        const auto end = buffer.find('"', start);
        if (end == std::string::npos) continue;
        return std::unique_ptr<ChildProcess>(
            new ChildProcess(pid, pipe_fds[0], buffer.substr(start, end - start)));
    }
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    close(pipe_fds[0]);
    return spawn_error(args.front() + " did not report its address");
}

void exit_with_parent_if_asked() {
    const char* parent = std::getenv(kParentVariable);
    if (parent == nullptr) return;
    // SIGTERM when the thread that started us ends: the parent's main thread, which lives as
    // long as the parent does.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (std::to_string(::getppid()) != parent) std::_Exit(0);  // it died before we asked
}

ChildProcess::ChildProcess(pid_t pid, int out_fd, std::string address)
    : pid_(pid), out_fd_(out_fd), address_(std::move(address)) {
    drainer_ = std::thread([fd = out_fd_] {
        char chunk[4096];
        while (read(fd, chunk, sizeof chunk) > 0) {
        }
    });
}

ChildProcess::~ChildProcess() {
    kill(pid_, SIGTERM);
    for (int i = 0; i < 30; ++i) {
        if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
            drainer_.join();  // the pipe is at EOF once the child is gone
            close(out_fd_);
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    drainer_.join();
    close(out_fd_);
}

}  // namespace restock
