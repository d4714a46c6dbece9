#include "factory_sim/sim_cli.h"

#include <pthread.h>

#include <charconv>
#include <csignal>
#include <iostream>

namespace restock::factory_sim {

const char* const kFactorySimUsage = R"(usage: restock factory-sim [options]

Imitates the legacy factory API: POST /api/manufactures, callbacks to CallbackUrl,
GET /api/orders, GET|POST /control, POST /api/callbacks/replay, GET /healthz.

  --listen HOST:PORT   address to bind (127.0.0.1:0: any free port)
  --delay-ms N         milliseconds from acceptance to the callback (200)
  --fail-rate F        probability of answering 500 (0)
  --hang-rate F        probability of holding the request --hang-ms, then 504 (0)
  --hang-ms N          how long a hung request is held (30000)
  --no-callbacks       accept orders but never call back
  --seed N             random seed for fail/hang decisions (0: random)
)";

namespace {

Error bad_flag(const std::string& flag, std::string what) {
    return make_error(ErrorCode::kInvalidArgument, "invalid-flag", flag + " " + std::move(what));
}

template <typename T>
bool parse_number(const std::string& text, T& out) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

Status parse_listen(const std::string& text, FactorySimOptions& options) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) return bad_flag("--listen", "must be HOST:PORT");
    std::string host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    uint16_t port = 0;
    if (host.empty() || !parse_number(text.substr(colon + 1), port)) {
        return bad_flag("--listen", "must be HOST:PORT with a port in 0..65535");
    }
    options.host = host;
    options.port = port;
    return ok_status();
}

Status parse_rate(const std::string& flag, const std::string& text, double& out) {
    if (!parse_number(text, out) || !(out >= 0 && out <= 1)) {
        return bad_flag(flag, "must be a number within [0, 1]");
    }
    return ok_status();
}

Status parse_millis(const std::string& flag, const std::string& text, int64_t& out) {
    if (!parse_number(text, out) || out < 0) return bad_flag(flag, "must be an integer >= 0");
    return ok_status();
}

Status apply_flag(const std::string& flag, const std::string& value, FactorySimOptions& o) {
    if (flag == "--listen") return parse_listen(value, o);
    if (flag == "--delay-ms") return parse_millis(flag, value, o.delay_ms);
    if (flag == "--hang-ms") return parse_millis(flag, value, o.hang_ms);
    if (flag == "--fail-rate") return parse_rate(flag, value, o.fail_rate);
    if (flag == "--hang-rate") return parse_rate(flag, value, o.hang_rate);
    if (flag == "--seed") {
        if (!parse_number(value, o.seed)) return bad_flag(flag, "must be an unsigned integer");
        return ok_status();
    }
    return bad_flag(flag, "is not an option");
}

}  // namespace

Result<FactorySimOptions> parse_factory_sim_args(const std::vector<std::string>& args) {
    FactorySimOptions options;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string flag = args[i];
        if (flag == "--no-callbacks") {
            options.callbacks = false;
            continue;
        }
        if (flag.rfind("--", 0) != 0) {
            return make_error(ErrorCode::kInvalidArgument, "invalid-flag",
                              "unexpected argument '" + flag + "'");
        }
        std::string value;
        if (const auto eq = flag.find('='); eq != std::string::npos) {
            value = flag.substr(eq + 1);
            flag.resize(eq);
        } else if (i + 1 < args.size()) {
            value = args[++i];
        } else {
            return bad_flag(flag, "needs a value");
        }
        if (auto status = apply_flag(flag, value, options); !status) return status.error();
    }
    return options;
}

}  // namespace restock::factory_sim

namespace restock {

int run_factory_sim(const std::vector<std::string>& args) {
    using namespace factory_sim;
    std::vector<std::string> flags = args;
    if (!flags.empty() && flags.front() == "factory-sim") flags.erase(flags.begin());
    for (const auto& flag : flags) {
        if (flag == "--help" || flag == "-h") {
            std::cout << kFactorySimUsage;
            return 0;
        }
    }
    auto options = parse_factory_sim_args(flags);
    if (!options) {
        std::cerr << "restock factory-sim: " << options.error().message << "\n\n"
                  << kFactorySimUsage;
        return 2;
    }
    // Block the signals before any thread starts, so every thread inherits the mask and this
    // one receives them in sigwait. A shell's background job starts with SIGINT ignored, which
    // would discard it before sigwait could see it: take the default disposition back.
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    auto sim = FactorySim::start(options.value());
    if (!sim) {
        std::cerr << "restock factory-sim: " << sim.error().message << "\n";
        return 1;
    }
    int received = 0;
    sigwait(&signals, &received);
    sim.value()->stop();
    return 0;
}

}  // namespace restock
