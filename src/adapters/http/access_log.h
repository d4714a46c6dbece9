// AccessLog: one JSON line per request, buffered and flushed by a background thread so the
// I/O threads never wait on the terminal or disk. Never given secrets: the caller passes the
// path without its query and the key's name, not the key.
#pragma once

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace restock::http {

struct AccessRecord {
    std::string_view request_id;
    std::string_view method;
    std::string_view path;
    int status = 0;
    double duration_ms = 0;
    std::size_t bytes_in = 0;
    std::size_t bytes_out = 0;
    std::string_view principal;
    std::string_view remote;
};

class AccessLog {
  public:
    // `out` null disables logging. REQUIRES: out outlives this.
    explicit AccessLog(std::FILE* out);
    ~AccessLog();  // flushes what is buffered

    void write(const AccessRecord& record);
    // Free-form event lines in the same format ("level", "msg", plus raw members).
    void event(std::string_view level, std::string_view message);

  private:
    void append(std::string line);
    void run();

    std::FILE* out_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::string buffer_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace restock::http
