#include "factory_sim/sim_log.h"

#include <chrono>

#include "json/json.h"
#include "support/time_format.h"

namespace restock::factory_sim {
namespace {

int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

void SimLog::line(std::string_view object_json) {
    if (out_ == nullptr) return;
    std::lock_guard lock(mutex_);
    std::fwrite(object_json.data(), 1, object_json.size(), out_);
    std::fputc('\n', out_);
    std::fflush(out_);
}

void SimLog::event(std::string_view level, std::string_view message,
                   std::string_view extra_members) {
    if (out_ == nullptr) return;
    std::string out;
    json::Writer w(out);
    w.begin_object()
        .key("ts")
        .value(format_rfc3339(wall_ms()))
        .key("level")
        .value(level)
        .key("msg")
        .value(message);
    out += extra_members;
    w.end_object();
    line(out);
}

void SimLog::request(std::string_view method, std::string_view path, int status,
                     double duration_ms) {
    if (out_ == nullptr) return;
    char duration[32];
    std::snprintf(duration, sizeof duration, "%.3f", duration_ms);
    std::string extra = ",\"method\":";
    json::append_quoted(extra, json::is_valid_utf8(method) ? method : "<invalid>");
    extra += ",\"path\":";
    json::append_quoted(extra, json::is_valid_utf8(path) ? path : "<invalid>");
    extra += ",\"status\":" + std::to_string(status) + ",\"duration_ms\":" + duration;
    event("info", "request", extra);
}

}  // namespace restock::factory_sim
