#include "main/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "adapters/postgres/pg_connection.h"
#include "core/ascii.h"

namespace restock {
namespace {

Error config_error(std::string message) {
    return make_error(ErrorCode::kInvalidArgument, "invalid-config", std::move(message));
}

std::string trim(std::string_view text) {
    std::size_t begin = 0, end = text.size();
    while (begin < end && (text[begin] == ' ' || text[begin] == '\t')) ++begin;
    while (end > begin && (text[end - 1] == ' ' || text[end - 1] == '\t' || text[end - 1] == '\r'))
        --end;
    return std::string(text.substr(begin, end - begin));
}

Result<int64_t> to_integer(const std::string& key, const std::string& text, int64_t low,
                           int64_t high) {
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < low || value > high) {
        return config_error(key + " must be an integer from " + std::to_string(low) + " to " +
                            std::to_string(high) + ", not '" + text + "'");
    }
    return value;
}

// Every setting, by its canonical name (snake_case). The config file, the RESTOCK_*
// environment and the flags all read this one list, so no setting is known to one of them and
// missing from another.
struct Setting {
    std::string key;
    std::function<Status(Config&, const std::string& value)> apply;
};

Setting text(std::string key, std::string Config::*field) {
    return {std::move(key), [field](Config& config, const std::string& value) {
                config.*field = value;
                return ok_status();
            }};
}

template <typename Integer>
Setting integer(std::string key, Integer Config::*field, int64_t low, int64_t high) {
    return {key, [key, field, low, high](Config& config, const std::string& value) -> Status {
                auto parsed = to_integer(key, value, low, high);
                if (!parsed) return parsed.error();
                config.*field = static_cast<Integer>(parsed.value());
                return ok_status();
            }};
}

// HOST:PORT, with a port from 0 (any free one) to 65535.
Setting address(std::string key, std::string Config::*field) {
    return {key, [key, field](Config& config, const std::string& value) -> Status {
                const auto colon = value.rfind(':');
                if (colon == std::string::npos || colon == 0)
                    return config_error(key + " must be HOST:PORT, not '" + value + "'");
                if (!to_integer(key, value.substr(colon + 1), 0, 65535))
                    return config_error(key + " port must be 0 to 65535 in '" + value + "'");
                config.*field = value;
                return ok_status();
            }};
}

Setting boolean(std::string key, bool Config::*field) {
    return {key, [key, field](Config& config, const std::string& value) -> Status {
                if (value != "true" && value != "false")
                    return config_error(key + " must be true or false, not '" + value + "'");
                config.*field = value == "true";
                return ok_status();
            }};
}

// A base URL that paths are appended to: given with a trailing slash, the same without it.
Setting base_url(std::string key, std::string Config::*field) {
    return {std::move(key), [field](Config& config, const std::string& value) {
                config.*field = std::string(without_trailing_slashes(value));
                return ok_status();
            }};
}

// A libpq URI. Its value is never echoed: it may hold a password.
Setting store_url(std::string key, std::string Config::*field) {
    return {key, [key, field](Config& config, const std::string& value) -> Status {
                if (!value.empty()) {
                    if (auto valid = pg::check_url(value); !valid) return valid.error();
                }
                config.*field = value;
                return ok_status();
            }};
}

const std::vector<Setting>& settings() {
    static const std::vector<Setting> all = {
        text("data_dir", &Config::data_dir),
        store_url("store_url", &Config::store_url),
        base_url("node_url", &Config::node_url),
        integer("forward_concurrency", &Config::forward_concurrency, 1, 1024),
        integer("forward_timeout_ms", &Config::forward_timeout_ms, 100, 600'000),
        integer("lease_ttl_ms", &Config::lease_ttl_ms, 500, 60'000),
        address("listen", &Config::listen),
        base_url("public_url", &Config::public_url),
        base_url("ads_url", &Config::ads_url),
        text("smtp_url", &Config::smtp_url),
        text("mail_from", &Config::mail_from),
        integer("function_concurrency", &Config::function_concurrency, 1, 64),
        integer("io_threads", &Config::io_threads, 1, 64),
        integer("body_limit_bytes", &Config::body_limit_bytes, 1024, 16 * 1024 * 1024),
        integer("header_timeout_ms", &Config::header_timeout_ms, 100, 3'600'000),
        integer("body_timeout_ms", &Config::body_timeout_ms, 100, 3'600'000),
        integer("max_batch", &Config::max_batch, 1, 100'000),
        integer("group_commit_wait_us", &Config::group_commit_wait_us, 0, 100'000),
        boolean("access_log", &Config::access_log),
        integer("idempotency_retention_hours", &Config::idempotency_retention_hours, 1, 24 * 365),
        integer("default_lead_time_days", &Config::default_lead_time_days, 1, 365),
        integer("session_ttl_minutes", &Config::session_ttl_minutes, 5, 30 * 24 * 60),
        integer("alarm_queue_age_s", &Config::alarm_queue_age_s, 10, 7 * 24 * 3600),
    };
    return all;
}

Status apply(Config& config, const std::string& key, const std::string& value) {
    for (const Setting& setting : settings()) {
        if (setting.key == key) return setting.apply(config, value);
    }
    return config_error("unknown setting '" + key + "'");
}

std::string flag_to_key(std::string flag) {
    for (auto& c : flag) {
        if (c == '-') c = '_';
    }
    return flag;
}

}  // namespace

int default_io_threads() {
    const int cores = static_cast<int>(std::thread::hardware_concurrency());
    return std::max(1, cores - 2);
}

std::string Config::host() const {
    const auto colon = listen.rfind(':');
    std::string host = listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    return host;
}

uint16_t Config::port() const {
    const auto colon = listen.rfind(':');
    return static_cast<uint16_t>(std::stoi(listen.substr(colon + 1)));
}

Result<std::map<std::string, std::string>> parse_toml(const std::string& text) {
    std::map<std::string, std::string> out;
    std::istringstream lines(text);
    std::string line;
    int number = 0;
    while (std::getline(lines, line)) {
        ++number;
        std::string content = trim(line);
        if (content.empty() || content[0] == '#') continue;
        const auto equals = content.find('=');
        if (equals == std::string::npos)
            return config_error("line " + std::to_string(number) + ": expected key = value");
        std::string key = trim(content.substr(0, equals));
        std::string value = trim(content.substr(equals + 1));
        if (!value.empty() && value.front() == '"') {
            const auto close = value.find('"', 1);
            if (close == std::string::npos)
                return config_error("line " + std::to_string(number) + ": unterminated string");
            const std::string after = trim(value.substr(close + 1));
            if (!after.empty() && after[0] != '#')
                return config_error("line " + std::to_string(number) + ": text after the value");
            value = value.substr(1, close - 1);
        } else {
            const auto hash = value.find('#');
            if (hash != std::string::npos) value = trim(value.substr(0, hash));
        }
        if (!out.emplace(key, value).second)
            return config_error("line " + std::to_string(number) + ": '" + key + "' set twice");
    }
    return out;
}

Result<Config> load_config(const std::vector<std::string>& args, std::vector<std::string>* rest) {
    // Flags first, so --config is known before the file is read.
    std::vector<std::pair<std::string, std::string>> flags;
    std::string config_file;
    if (const char* env = std::getenv("RESTOCK_CONFIG")) config_file = env;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg.rfind("--", 0) != 0) {
            if (rest) rest->push_back(arg);
            continue;
        }
        std::string name = arg.substr(2), value;
        if (const auto equals = name.find('='); equals != std::string::npos) {
            value = name.substr(equals + 1);
            name = name.substr(0, equals);
        } else if (name == "no-access-log") {
            value = "false";
            name = "access-log";
        } else {
            if (i + 1 >= args.size()) return config_error("--" + name + " needs a value");
            value = args[++i];
        }
        if (name == "config") {
            config_file = value;
        } else {
            flags.emplace_back(flag_to_key(name), value);
        }
    }

    Config config;
    if (!config_file.empty()) {
        std::ifstream in(config_file);
        if (!in) return config_error("cannot read config file " + config_file);
        std::stringstream text;
        text << in.rdbuf();
        auto file_settings = parse_toml(text.str());
        if (!file_settings) return file_settings.error();
        for (const auto& [key, value] : file_settings.value()) {
            if (auto s = apply(config, key, value); !s) {
                return config_error(config_file + ": " + s.error().message);
            }
        }
    }
    for (const Setting& setting : settings()) {
        std::string env_name = "RESTOCK_";
        for (const char c : setting.key) {
            env_name.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
        }
        if (const char* value = std::getenv(env_name.c_str())) {
            if (auto s = setting.apply(config, value); !s) {
                return config_error(env_name + ": " + s.error().message);
            }
        }
    }
    for (const auto& [key, value] : flags) {
        if (auto s = apply(config, key, value); !s) {
            return config_error("--" + key + ": " + s.error().message);
        }
    }
    if (config.public_url.empty()) config.public_url = "http://" + config.listen;
    return config;
}

}  // namespace restock
