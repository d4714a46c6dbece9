#include "adapters/postgres/pg_listener.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "support/thread_name.h"

namespace restock::pg {
namespace {
constexpr int kRetryMs = 500;
}  // namespace

PgListener::PgListener(ConnectOptions options, std::vector<std::string> channels, Callback callback)
    : options_(std::move(options)), channels_(std::move(channels)), callback_(std::move(callback)) {
    if (::pipe2(wake_, O_CLOEXEC) != 0) wake_[0] = wake_[1] = -1;
    thread_ = start_named_thread("restock-listen", [this] { run(); });
}

PgListener::~PgListener() {
    stopping_ = true;
    if (wake_[1] >= 0) (void)::write(wake_[1], "x", 1);
    thread_.join();
    for (int fd : wake_) {
        if (fd >= 0) ::close(fd);
    }
}

void PgListener::run() {
    while (!stopping_) {
        auto db = Connection::open(options_);
        if (db) {
            bool listening = true;
            for (const auto& channel : channels_) {
                listening = listening && db.value()->exec("LISTEN " + channel).ok();
            }
            if (listening) {
                callback_("", "");  // whatever was sent while we were not listening
                serve(*db.value());
            }
        }
        if (stopping_) return;
        pollfd wait{wake_[0], POLLIN, 0};
        (void)::poll(&wait, wake_[0] >= 0 ? 1 : 0, kRetryMs);
    }
}

void PgListener::serve(Connection& db) {
    PGconn* conn = db.handle();
    while (!stopping_) {
        pollfd fds[2] = {{PQsocket(conn), POLLIN, 0}, {wake_[0], POLLIN, 0}};
        const int ready = ::poll(fds, wake_[0] >= 0 ? 2 : 1, 1000);
        if (ready < 0 && errno != EINTR) return;
        if (PQconsumeInput(conn) != 1) return;  // the connection is gone
        while (PGnotify* notify = PQnotifies(conn)) {
            callback_(notify->relname, notify->extra != nullptr ? notify->extra : "");
            PQfreemem(notify);
        }
        if (PQstatus(conn) != CONNECTION_OK) return;
    }
}

}  // namespace restock::pg
