#include "factory_sim/factory_sim.h"

#include "adapters/curl/curl_http_client.h"
#include "adapters/curl/url_redaction.h"
#include "factory_sim/callback_dispatcher.h"
#include "factory_sim/order_book.h"
#include "factory_sim/sim_handler.h"
#include "factory_sim/sim_log.h"
#include "factory_sim/sim_server.h"
#include "json/json.h"

namespace restock::factory_sim {
namespace {

Status validate(const FactorySimOptions& o) {
    auto invalid = [](std::string message) {
        return make_error(ErrorCode::kInvalidArgument, "invalid-option", std::move(message));
    };
    if (!(o.fail_rate >= 0 && o.fail_rate <= 1)) return invalid("fail_rate must be within [0, 1]");
    if (!(o.hang_rate >= 0 && o.hang_rate <= 1)) return invalid("hang_rate must be within [0, 1]");
    if (o.delay_ms < 0 || o.hang_ms < 0) return invalid("delay_ms and hang_ms must be >= 0");
    if (o.callback_timeout_ms < 1) return invalid("callback_timeout_ms must be >= 1");
    return ok_status();
}

SimSettings settings_of(const FactorySimOptions& o) {
    return SimSettings{o.fail_rate, o.hang_rate, o.delay_ms, o.hang_ms, o.callbacks};
}

// One log line per callback attempt: the target as host:port/path only.
void log_attempt(SimLog& log, const CallbackJob& job, const CallbackAttempt& result, int attempt) {
    std::string extra = ",\"seq\":" + std::to_string(job.seq) +
                        ",\"attempt\":" + std::to_string(attempt) + ",\"target\":";
    json::append_quoted(extra, curl::redact_url(job.url));
    extra += ",\"status\":" + (result.status ? std::to_string(*result.status) : "null");
    if (!result.error.empty()) {
        extra += ",\"error\":";
        json::append_quoted(extra, result.error);
    }
    log.event(result.delivered ? "info" : "warn", "callback", extra);
}

}  // namespace

// Everything the simulator owns, in dependency order: later members use earlier ones, and are
// destroyed first.
class FactorySim::Parts {
  public:
    explicit Parts(const FactorySimOptions& options)
        : options_(options),
          log_(options.log),
          dispatcher_(client_, CallbackPolicy{.timeout_ms = options.callback_timeout_ms},
                      [this](const CallbackJob& job, const CallbackAttempt& result, int attempt) {
                          book_.record_attempt(job.seq, result);
                          log_attempt(log_, job, result, attempt);
                      }),
          handler_(settings_of(options), options.seed, book_, dispatcher_, log_) {}

    Status listen() {
        SimServerOptions server_options;
        server_options.host = options_.host;
        server_options.port = options_.port;
        server_options.io_threads = options_.io_threads;
        auto server = SimServer::start(server_options, handler_, log_);
        if (!server) return server.error();
        server_ = std::move(server.value());
        return ok_status();
    }

    void stop() {
        server_->stop();
        dispatcher_.stop();
    }

    uint16_t port() const { return server_->port(); }
    const std::string& host() const { return options_.host; }
    SimLog& log() { return log_; }

  private:
    const FactorySimOptions options_;
    SimLog log_;
    curl::CurlHttpClient client_;
    OrderBook book_;
    CallbackDispatcher dispatcher_;
    SimHandler handler_;
    std::unique_ptr<SimServer> server_;
};

Result<std::unique_ptr<FactorySim>> FactorySim::start(const FactorySimOptions& options) {
    if (auto status = validate(options); !status) return status.error();
    auto parts = std::make_unique<Parts>(options);
    if (auto status = parts->listen(); !status) return status.error();
    std::unique_ptr<FactorySim> sim(new FactorySim(std::move(parts)));
    std::string line;
    json::Writer(line)
        .begin_object()
        .key("level")
        .value("info")
        .key("msg")
        .value("listening")
        .key("address")
        .value(sim->address())
        .end_object();
    sim->parts_->log().line(line);
    return sim;
}

FactorySim::FactorySim(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

FactorySim::~FactorySim() { stop(); }

uint16_t FactorySim::port() const { return parts_->port(); }

std::string FactorySim::address() const {
    const std::string& host = parts_->host();
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port());
}

void FactorySim::stop() { parts_->stop(); }

}  // namespace restock::factory_sim
