// EventStreams: GET /v1/events/stream, the event log as Server-Sent Events. One thread follows
// the log for every open stream: each poll it asks the store for the last durable seq once, and
// reads on only for the streams behind it, so an idle store costs one small query per poll.
// A stream gets exactly the events GET /v1/events would list after its cursor (durable ones
// only, in seq order, filtered alike), so resuming after the last `id:` seen misses nothing and
// repeats nothing. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "adapters/http/stream_port.h"
#include "app/reader_pool.h"
#include "app/write_path.h"

namespace restock::http {

// Whether what opened a stream (a key, a session) still may read it; checked every kRecheckMs.
using StreamCredential = std::function<bool()>;

struct EventStreamOptions {
    int poll_ms = 200;          // how soon a durable event reaches the streams
    int keepalive_ms = 15'000;  // a comment line after this long without an event
    std::size_t max_per_principal = 8;
    std::size_t batch = 500;  // events read per stream per poll, at most
};

class EventStreams {
  public:
    EventStreams(ReaderPool& readers, WritePath& writer, EventStreamOptions options = {});
    ~EventStreams();  // stop()s

    // A stream for `principal` from after `query.after_seq`, filtered as `query` says; the
    // error is too-many-streams (a 429) when the principal already has the maximum open. A
    // stream not attached within kAttachMs (its response never went out) is dropped.
    Result<std::shared_ptr<StreamSource>> open(const std::string& principal, EventQuery query,
                                               StreamCredential still_allowed = {});

    // Ends every stream's following; no sink is touched after it returns. Idempotent.
    void stop();

    std::size_t open_streams() const;

    static constexpr int64_t kAttachMs = 10'000;
    static constexpr int64_t kRecheckMs = 2'000;

  private:
    class Stream;
    void run();
    void follow(Stream& stream, StockReader& reader, int64_t last_seq, int64_t now_ms);

    ReaderPool& readers_;
    WritePath& writer_;
    const EventStreamOptions options_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::vector<std::shared_ptr<Stream>> streams_;  // guarded by mutex_
    std::thread thread_;
};

}  // namespace restock::http
