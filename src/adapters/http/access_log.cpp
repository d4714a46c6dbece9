#include "adapters/http/access_log.h"

#include <chrono>

#include "json/json.h"
#include "support/system_clock.h"
#include "support/thread_name.h"
#include "support/time_format.h"

namespace restock::http {
namespace {
constexpr std::size_t kFlushBytes = 64 * 1024;
constexpr auto kFlushInterval = std::chrono::milliseconds(200);
}  // namespace

AccessLog::AccessLog(std::FILE* out) : out_(out) {
    if (out_ != nullptr) thread_ = start_named_thread("restock-log", [this] { run(); });
}

AccessLog::~AccessLog() {
    if (out_ == nullptr) return;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void AccessLog::write(const AccessRecord& r) {
    if (out_ == nullptr) return;
    std::string line;
    line.reserve(256);
    json::Writer w(line);
    char duration[32];
    std::snprintf(duration, sizeof duration, "%.3f", r.duration_ms);
    w.begin_object()
        .key("ts")
        .value(format_rfc3339(SystemClock().now_ms()))
        .key("level")
        .value("info")
        .key("msg")
        .value("request")
        .key("request_id")
        .value(r.request_id)
        .key("method")
        .value(r.method)
        .key("path")
        .value(r.path)
        .key("status")
        .value(r.status)
        .key("duration_ms")
        .raw(duration)
        .key("bytes_in")
        .value(static_cast<int64_t>(r.bytes_in))
        .key("bytes_out")
        .value(static_cast<int64_t>(r.bytes_out))
        .key("principal")
        .value(r.principal)
        .key("remote")
        .value(r.remote)
        .end_object();
    line.push_back('\n');
    append(std::move(line));
}

void AccessLog::event(std::string_view level, std::string_view message) {
    if (out_ == nullptr) return;
    std::string line;
    json::Writer w(line);
    w.begin_object()
        .key("ts")
        .value(format_rfc3339(SystemClock().now_ms()))
        .key("level")
        .value(level)
        .key("msg")
        .value(message)
        .end_object();
    line.push_back('\n');
    append(std::move(line));
}

void AccessLog::append(std::string line) {
    bool flush_now = false;
    {
        std::lock_guard lock(mutex_);
        buffer_ += line;
        flush_now = buffer_.size() >= kFlushBytes;
    }
    if (flush_now) wake_.notify_one();
}

void AccessLog::run() {
    std::string chunk;
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait_for(lock, kFlushInterval,
                       [this] { return stopping_ || buffer_.size() >= kFlushBytes; });
        chunk.swap(buffer_);
        const bool stop = stopping_;
        lock.unlock();
        if (!chunk.empty()) {
            std::fwrite(chunk.data(), 1, chunk.size(), out_);
            std::fflush(out_);
            chunk.clear();
        }
        lock.lock();
        if (stop && buffer_.empty()) return;
    }
}

}  // namespace restock::http
