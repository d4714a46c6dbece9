#include "adapters/http/event_streams.h"

#include <algorithm>
#include <chrono>

#include "app/event_json.h"
#include "json/json.h"
#include "support/thread_name.h"

namespace restock::http {
namespace {

int64_t steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// One event as an SSE frame: id is the seq (what Last-Event-ID brings back), event the type.
// The JSON has no newline, so one data line carries it.
void append_frame(std::string& out, const Event& event) {
    out += "id: ";
    out += std::to_string(event.seq);
    out += "\nevent: ";
    out += to_string(event.type);
    out += "\ndata: ";
    json::Writer w(out);
    write_event(w, event);
    out += "\n\n";
}

}  // namespace

class EventStreams::Stream final : public StreamSource {
  public:
    Stream(EventStreams& hub, std::string principal, EventQuery query)
        : hub_(hub), principal(std::move(principal)), query(std::move(query)) {}

    void attach(std::shared_ptr<StreamSink> attached) override {
        {
            std::lock_guard lock(hub_.mutex_);
            abandoned = attached == nullptr;
            sink = std::move(attached);
        }
        hub_.wake_.notify_one();  // the first events go out at once, not at the next poll
    }

    EventStreams& hub_;
    const std::string principal;
    EventQuery query;  // after_seq: the cursor (the last seq this stream has looked at)
    // Set by attach (under the hub's mutex); then the hub's thread only.
    std::shared_ptr<StreamSink> sink;
    bool attached_seen = false;
    bool abandoned = false;  // attached with no sink: ends at the next poll, counts for nothing
    int64_t opened_ms = 0;
    StreamCredential still_allowed;
    int64_t checked_ms = 0;
    int64_t last_write_ms = 0;
};

EventStreams::EventStreams(ReaderPool& readers, WritePath& writer, EventStreamOptions options)
    : readers_(readers), writer_(writer), options_(options) {
    thread_ = start_named_thread("restock-sse", [this] { run(); });
}

EventStreams::~EventStreams() { stop(); }

void EventStreams::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    std::lock_guard lock(mutex_);
    streams_.clear();
}

std::size_t EventStreams::open_streams() const {
    std::lock_guard lock(mutex_);
    return streams_.size();
}

Result<std::shared_ptr<StreamSource>> EventStreams::open(const std::string& principal,
                                                         EventQuery query,
                                                         StreamCredential still_allowed) {
    std::lock_guard lock(mutex_);
    if (stopping_) {
        return make_error(ErrorCode::kUnavailable, "unavailable", "the server is stopping");
    }
    // A stream whose connection has gone no longer counts, even before the thread drops it.
    const auto held = std::count_if(streams_.begin(), streams_.end(), [&](const auto& s) {
        return s->principal == principal && !s->abandoned && (!s->sink || s->sink->open());
    });
    if (static_cast<std::size_t>(held) >= options_.max_per_principal) {
        return make_error(ErrorCode::kConflict, "too-many-streams",
                          "this key has " + std::to_string(held) +
                              " event streams open, the most it may; close one first");
    }
    query.limit = options_.batch;
    auto stream = std::make_shared<Stream>(*this, principal, std::move(query));
    stream->opened_ms = steady_ms();
    stream->checked_ms = stream->opened_ms;
    stream->still_allowed = std::move(still_allowed);
    streams_.push_back(stream);
    return std::shared_ptr<StreamSource>(stream);
}

void EventStreams::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms));
        if (stopping_) break;
        // Streams whose connection closed go; the rest are followed outside the lock.
        const int64_t now = steady_ms();
        std::erase_if(streams_, [now](const auto& s) {
            if (s->abandoned) return true;
            return s->sink ? !s->sink->open() : now - s->opened_ms > kAttachMs;
        });
        std::vector<std::shared_ptr<Stream>> attached;
        for (const auto& s : streams_) {
            if (s->sink) attached.push_back(s);
        }
        if (attached.empty()) continue;
        lock.unlock();
        auto reader = readers_.acquire();
        if (reader) {
            const int64_t durable = writer_.durable_marks().event_seq;
            auto last = reader.value()->last_event_seq(durable);
            if (last) {
                for (const auto& stream : attached) {
                    follow(*stream, *reader.value(), last.value(), now);
                }
            }
        }
        // A store that cannot be read now is tried again at the next poll; the streams wait.
        lock.lock();
    }
}

void EventStreams::follow(Stream& stream, StockReader& reader, int64_t last_seq, int64_t now_ms) {
    if (!stream.attached_seen) {
        stream.attached_seen = true;
        stream.last_write_ms = now_ms;
    }
    // A stream lasts as long as what opened it: a revoked key, an ended session end it too.
    if (stream.still_allowed && now_ms - stream.checked_ms >= kRecheckMs) {
        stream.checked_ms = now_ms;
        if (!stream.still_allowed()) {
            stream.sink->close();
            return;
        }
    }
    std::string out;
    // Read on while the stream is behind: a burst is sent in pages of `batch` events.
    while (stream.query.after_seq < last_seq) {
        stream.query.up_to_seq = last_seq;
        auto events = reader.find_events(stream.query);
        if (!events) return;  // tried again at the next poll
        for (const Event& event : events.value()) append_frame(out, event);
        if (events->size() < stream.query.limit) {
            // A page that is not full has looked at everything up to last_seq (filtered
            // streams skip what they do not want).
            stream.query.after_seq = last_seq;
        } else {
            stream.query.after_seq = events->back().seq;
        }
        if (out.size() > 256 * 1024) break;  // the rest at the next poll
    }
    if (out.empty() && now_ms - stream.last_write_ms >= options_.keepalive_ms) out = ": ping\n\n";
    if (out.empty()) return;
    stream.last_write_ms = now_ms;
    stream.sink->push(std::move(out));
}

}  // namespace restock::http
