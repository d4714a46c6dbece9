// A test-only LD_PRELOAD shim: while the file named by RESTOCK_TEST_SYNC_GATE exists, every
// fsync() and fdatasync() of the process waits. Black-box tests use it to hold the server's group
// commit between its write and its sync, and check what clients can see meanwhile.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace {

void wait_at_gate() {
    const char* gate = std::getenv("RESTOCK_TEST_SYNC_GATE");
    if (gate == nullptr || *gate == '\0') return;
    const timespec pause{0, 1'000'000};  // 1 ms
    while (::access(gate, F_OK) == 0) ::nanosleep(&pause, nullptr);
}

using SyncFunction = int (*)(int);

SyncFunction next(const char* name) {
    auto* found = reinterpret_cast<SyncFunction>(dlsym(RTLD_NEXT, name));
    if (found == nullptr) {
        std::fprintf(stderr, "sync_gate: no %s after this library: %s\n", name, dlerror());
        std::abort();
    }
    return found;
}

}  // namespace

extern "C" int fdatasync(int fd) {
    static const SyncFunction real = next("fdatasync");
    wait_at_gate();
    return real(fd);
}

extern "C" int fsync(int fd) {
    static const SyncFunction real = next("fsync");
    wait_at_gate();
    return real(fd);
}
