#include "factory_sim/sim_settings.h"

#include <charconv>
#include <cmath>

#include "json/json.h"

namespace restock::factory_sim {
namespace {

using json::Value;

Result<double> rate(const Value& value, std::string_view name) {
    double rate = 0;
    if (value.kind() == Value::Kind::kInteger) {
        rate = static_cast<double>(value.as_integer());
    } else if (value.kind() == Value::Kind::kNumber) {
        rate = value.as_number();
    } else {
        return invalid_request(std::string(name) + " must be a number");
    }
    if (!(rate >= 0 && rate <= 1))
        return invalid_request(std::string(name) + " must be within [0, 1]");
    return rate;
}

Result<int64_t> millis(const Value& value, std::string_view name) {
    if (value.kind() != Value::Kind::kInteger || value.as_integer() < 0) {
        return invalid_request(std::string(name) + " must be an integer >= 0");
    }
    return value.as_integer();
}

}  // namespace

Result<SimSettings> apply_control(const SimSettings& current, std::string_view body) {
    auto parsed = json::parse(body);
    if (!parsed) return invalid_request("the body is not JSON: " + parsed.error().message);
    if (parsed->kind() != Value::Kind::kObject)
        return invalid_request("the body must be a JSON object");
    SimSettings next = current;
    for (const auto& [name, value] : parsed->as_object()) {
        if (name == "fail_rate" || name == "hang_rate") {
            auto r = rate(value, name);
            if (!r) return r.error();
            (name == "fail_rate" ? next.fail_rate : next.hang_rate) = r.value();
        } else if (name == "delay_ms" || name == "hang_ms") {
            auto ms = millis(value, name);
            if (!ms) return ms.error();
            (name == "delay_ms" ? next.delay_ms : next.hang_ms) = ms.value();
        } else if (name == "callbacks") {
            if (value.kind() != Value::Kind::kBool)
                return invalid_request("callbacks must be a boolean");
            next.callbacks = value.as_bool();
        } else {
            return invalid_request("unknown setting '" + name + "'");
        }
    }
    return next;
}

void append_number(std::string& out, double value) {
    if (!std::isfinite(value)) value = 0;  // JSON has no inf or nan; settings never hold them
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
}

std::string settings_json(const SimSettings& s) {
    std::string fail, hang;
    append_number(fail, s.fail_rate);
    append_number(hang, s.hang_rate);
    std::string out;
    json::Writer(out)
        .begin_object()
        .key("fail_rate")
        .raw(fail)
        .key("hang_rate")
        .raw(hang)
        .key("delay_ms")
        .value(s.delay_ms)
        .key("hang_ms")
        .value(s.hang_ms)
        .key("callbacks")
        .value(s.callbacks)
        .end_object();
    return out;
}

}  // namespace restock::factory_sim
