// PgListener: LISTEN on a dedicated connection, on its own thread, calling back for every
// notification. Notifications are not durable: one sent while this node was disconnected is
// lost, so after every (re)connection the callback is also called with an empty channel,
// meaning "look again at everything you listen for".
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "adapters/postgres/pg_connection.h"

namespace restock::pg {

class PgListener {
  public:
    using Callback = std::function<void(const std::string& channel, const std::string& payload)>;

    // Starts listening; connection failures are retried in the background (every 0.5 s).
    PgListener(ConnectOptions options, std::vector<std::string> channels, Callback callback);
    ~PgListener();  // stops the thread
    PgListener(const PgListener&) = delete;
    PgListener& operator=(const PgListener&) = delete;

  private:
    void run();
    // Listens until the connection fails or stop is asked.
    void serve(Connection& db);

    const ConnectOptions options_;
    const std::vector<std::string> channels_;
    const Callback callback_;
    std::atomic<bool> stopping_{false};
    int wake_[2] = {-1, -1};  // a pipe: the destructor writes to end poll() at once
    std::thread thread_;
};

}  // namespace restock::pg
