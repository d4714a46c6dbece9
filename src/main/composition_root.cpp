#include "main/composition_root.h"

#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <thread>

#include "adapters/cluster/cluster_commands.h"
#include "adapters/cluster/http_forwarder.h"
#include "adapters/cluster/writer_link.h"
#include "adapters/curl/curl_http_client.h"
#include "adapters/curl/curl_mailer.h"
#include "adapters/http/access_log.h"
#include "adapters/http/event_streams.h"
#include "adapters/http/handlers.h"
#include "adapters/http/server.h"
#include "adapters/postgres/pg_listener.h"
#include "app/authenticator.h"
#include "app/functions/ad_control.h"
#include "app/functions/function_runner.h"
#include "app/functions/notifier.h"
#include "app/functions/order_dispatch.h"
#include "app/functions/stock_increase.h"
#include "app/leadership.h"
#include "app/reader_pool.h"
#include "json/json.h"
#include "main/store_factory.h"
#include "support/crypto.h"
#include "support/system_clock.h"

namespace restock {
namespace {

constexpr auto kExpiryInterval = std::chrono::minutes(10);
constexpr int64_t kFunctionTimeoutMs = 10'000;
constexpr int64_t kMailTimeoutMs = 10'000;
// How long a node of a shared store waits at start for a writer before its start-up hooks
// (the demo's seed) give up.
constexpr auto kWriterWait = std::chrono::seconds(15);

// Blocks SIGINT/SIGTERM in every thread and waits for them on one, so no other thread is
// interrupted and shutdown is an ordinary function call.
class SignalWaiter {
  public:
    SignalWaiter() {
        sigemptyset(&set_);
        sigaddset(&set_, SIGINT);
        sigaddset(&set_, SIGTERM);
        block_termination_signals();
    }
    int wait() {
        int signal = 0;
        sigwait(&set_, &signal);
        return signal;
    }

  private:
    sigset_t set_;
};

// Deletes expired idempotency records now and then, off the request path.
class IdempotencyExpiry {
  public:
    IdempotencyExpiry(StockStore& store, const Clock& clock, int64_t retention_ms)
        : thread_([this, &store, &clock, retention_ms] {
              std::unique_lock lock(mutex_);
              while (!stopping_) {
                  lock.unlock();
                  (void)store.expire_idempotency(clock.now_ms() - retention_ms);
                  lock.lock();
                  wake_.wait_for(lock, kExpiryInterval, [this] { return stopping_; });
              }
          }) {}
    ~IdempotencyExpiry() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_one();
        thread_.join();
    }

  private:
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

// How this node reaches the single writer. Embedded store: its own engine, for the life of the
// process. Shared store: Leadership runs an engine while this node holds the writer lease, and
// the rest goes to the node that does (HTTP requests forwarded, commands sent).
class Writer {
  public:
    // The embedded case: start the engine now.
    static Result<std::unique_ptr<Writer>> sole(StockStore& store, const Clock& clock,
                                                EngineOptions options) {
        auto started = StockEngine::start(store, clock, std::move(options));
        if (!started) return started.error();
        std::unique_ptr<Writer> writer(new Writer());
        writer->engine_ = std::move(started.value());
        writer->sole_ = std::make_unique<SoleWriter>(writer->engine_);
        return writer;
    }

    // The shared case; start() once the server listens.
    static std::unique_ptr<Writer> shared(pg::PgStore& store, const Clock& clock,
                                          EngineOptions options, const Config& config,
                                          std::string cluster_token, LogSink log) {
        std::unique_ptr<Writer> writer(new Writer());
        LeadershipOptions leadership;
        leadership.node_id = node_id();
        leadership.lease_ttl_ms = config.lease_ttl_ms;
        leadership.renew_every_ms = std::max<int64_t>(100, config.lease_ttl_ms / 4);
        leadership.poll_every_ms = std::max<int64_t>(50, config.lease_ttl_ms / 10);
        writer->leadership_ = std::make_unique<Leadership>(store, store, clock, std::move(options),
                                                           leadership, std::move(log));
        writer->link_ = std::make_unique<cluster::WriterLink>(
            *writer->leadership_,
            cluster::WriterLinkOptions{leadership.node_id, config.forward_timeout_ms});
        writer->forwarder_ =
            std::make_unique<cluster::HttpForwarder>(*writer->link_, config.forward_concurrency);
        writer->commands_ = std::make_unique<cluster::ClusterCommands>(
            *writer->leadership_, *writer->link_, std::move(cluster_token));
        return writer;
    }

    WritePath& path() { return sole_ ? static_cast<WritePath&>(*sole_) : *leadership_; }
    CommandSink& sink() { return engine_ ? static_cast<CommandSink&>(*engine_) : *commands_; }
    http::Forwarder* forwarder() { return forwarder_.get(); }
    Leadership* leadership() { return leadership_.get(); }

    // Shared store: take part in choosing the writer, from now on reachable at `node_url`.
    void start(const std::string& node_url) {
        if (leadership_) leadership_->start(node_url);
    }

    // Requests and commands for another node stop waiting for a writer (shutdown).
    void stop_waiting() {
        if (link_) link_->stop();
    }

    // Drains the engine (the embedded one, or this node's term as the writer) and hands the
    // lease over. REQUIRES: nothing submits any more.
    void stop() {
        forwarder_.reset();
        commands_.reset();
        link_.reset();
        leadership_.reset();
        sole_.reset();
        engine_.reset();
    }

  private:
    Writer() = default;

    // Unique per process, and readable in the lease row.
    static std::string node_id() {
        char host[256] = {};
        ::gethostname(host, sizeof host - 1);
        return std::string(host) + "/" + std::to_string(::getpid()) + "/" + random_token(6);
    }

    std::shared_ptr<StockEngine> engine_;
    std::unique_ptr<SoleWriter> sole_;
    std::unique_ptr<Leadership> leadership_;
    std::unique_ptr<cluster::WriterLink> link_;
    std::unique_ptr<cluster::HttpForwarder> forwarder_;
    std::unique_ptr<cluster::ClusterCommands> commands_;
};

// GET /readyz: whether this node can serve, and its part in the cluster.
std::function<Result<std::string>()> readiness(OpenedStore& store, Writer& writer) {
    return [&store, &writer]() -> Result<std::string> {
        std::string body;
        json::Writer w(body);
        w.begin_object().key("status").value("ready");
        if (pg::PgStore* pg = store.postgres()) {
            if (auto reachable = pg->ping(); !reachable) return reachable.error();
            const bool writing = writer.path().local() != nullptr;
            w.key("store").value("postgresql").key("role").value(writing ? "writer" : "follower");
            const auto holder = writer.leadership()->writer();
            w.key("writer");
            holder && holder->live ? w.value(holder->node_url) : w.null();
        } else {
            w.key("store").value("sqlite").key("role").value("writer");
        }
        w.end_object();
        return body;
    };
}

std::function<std::string()> cluster_metrics(Writer& writer) {
    return [&writer] {
        Leadership* leadership = writer.leadership();
        if (leadership == nullptr) return std::string();
        const auto stats = leadership->stats();
        std::string text;
        text += "# HELP restock_node_writer 1 while this node holds the writer lease.\n";
        text += "# TYPE restock_node_writer gauge\n";
        text += "restock_node_writer " + std::to_string(stats.leading ? 1 : 0) + "\n";
        text +=
            "# HELP restock_writer_lease_generation The writer lease's generation as last "
            "seen.\n";
        text += "# TYPE restock_writer_lease_generation gauge\n";
        text += "restock_writer_lease_generation " + std::to_string(stats.generation) + "\n";
        text += "# HELP restock_writer_terms_total Times this node became the writer.\n";
        text += "# TYPE restock_writer_terms_total counter\n";
        text += "restock_writer_terms_total " + std::to_string(stats.terms) + "\n";
        text +=
            "# HELP restock_writer_store_lost_total Engines this node dropped because they "
            "lost the store.\n";
        text += "# TYPE restock_writer_store_lost_total counter\n";
        text += "restock_writer_store_lost_total " + std::to_string(stats.store_lost) + "\n";
        return text;
    };
}

}  // namespace

void block_termination_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

namespace {

int fail(const std::string& what, const Error& error) {
    std::cerr << "restock: " << what << ": " << error.message << "\n";
    return 1;
}

}  // namespace

int run_server(const Config& config, const ServerHooks& hooks) {
    SignalWaiter signals;  // before any thread starts, so all inherit the mask

    auto opened = open_store(config.data_dir, config.store_url, StoreUse::kServe, hooks.command);
    if (!opened) return fail("cannot open the store", opened.error());
    OpenedStore& store = opened.value();
    if (store.created_data_dir()) {
        // Documented (data_dir defaults to ./data), but never silent: a typo'd or forgotten
        // --data-dir starts an empty store, and this line says where.
        std::string line;
        json::Writer w(line);
        w.begin_object().key("level").value("info").key("msg").value("created data dir");
        w.key("data_dir").value(config.data_dir).end_object();
        std::printf("%s\n", line.c_str());
        std::fflush(stdout);
    }
    auto callback_secret = store.store().callback_secret();
    if (!callback_secret) return fail("cannot read the callback secret", callback_secret.error());

    http::AccessLog log(config.access_log ? stdout : nullptr);
    http::AccessLog operations(stdout);  // the loop's own lines, even with the access log off
    const LogSink sink = [&operations](std::string_view level, const std::string& message) {
        operations.event(level, message);
    };

    SystemClock clock;
    QueueSignals queue_signals;
    EngineOptions engine_options;
    engine_options.max_batch = static_cast<std::size_t>(config.max_batch);
    engine_options.gather.window = std::chrono::microseconds(config.group_commit_wait_us);
    engine_options.signals = &queue_signals;
    engine_options.default_lead_time_days = config.default_lead_time_days;
    engine_options.alarm_check_ms = 1000;
    engine_options.alarm_queue_age_ms = config.alarm_queue_age_s * 1000;
    std::unique_ptr<Writer> writer;
    std::string cluster_token;
    if (pg::PgStore* pg = store.postgres()) {
        cluster_token = cluster::cluster_token(callback_secret.value());
        writer = Writer::shared(*pg, clock, engine_options, config, cluster_token, sink);
    } else {
        auto sole = Writer::sole(store.store(), clock, engine_options);
        if (!sole) return fail("cannot start the stock engine", sole.error());
        writer = std::move(sole.value());
        // Embedded: the engine is ready; seed before the server accepts traffic.
        if (hooks.on_start) {
            if (auto s = hooks.on_start(writer->sink(), store.keys()); !s) {
                return fail("start-up failed", s.error());
            }
        }
    }

    ReaderPool readers(store.store());
    Authenticator authenticator(readers, clock);
    http::ApiOptions api_options;
    api_options.callback_secret = callback_secret.value();
    api_options.session_ttl_ms = config.session_ttl_minutes * 60'000;
    api_options.secure_cookies = config.public_url.rfind("https://", 0) == 0;
    api_options.cluster_token = cluster_token;
    api_options.forwarder = writer->forwarder();
    api_options.readiness = readiness(store, *writer);
    api_options.extra_metrics = cluster_metrics(*writer);
    http::EventStreams streams(readers, writer->path());
    api_options.streams = &streams;
    http::Api api(writer->path(), readers, authenticator, std::move(api_options));

    IdempotencyExpiry expiry(store.store(), clock,
                             config.idempotency_retention_hours * 3600 * 1000);

    http::ServerOptions server_options;
    server_options.host = config.host();
    server_options.port = config.port();
    server_options.io_threads = config.io_threads;
    server_options.body_limit = static_cast<std::size_t>(config.body_limit_bytes);
    server_options.header_timeout_ms = static_cast<int>(config.header_timeout_ms);
    server_options.body_timeout_ms = static_cast<int>(config.body_timeout_ms);
    auto server = http::HttpServer::start(server_options, api, log);
    if (!server) return fail("cannot start the HTTP server", server.error());
    const std::string bound = "http://" + config.host() + ":" +
                              std::to_string(static_cast<unsigned>(server.value()->port()));

    // With --listen HOST:0 the default public and node URLs name the port actually bound.
    std::string public_url = config.public_url;
    if (config.port() == 0 && public_url == "http://" + config.listen) public_url = bound;
    const std::string node_url = config.node_url.empty() ? bound : config.node_url;

    // A shared store: other nodes' commits wake this node's functions, and a change of writer
    // is seen at once rather than at the next poll.
    std::unique_ptr<pg::PgListener> listener;
    if (store.postgres() != nullptr) {
        Leadership* leadership = writer->leadership();
        listener = std::make_unique<pg::PgListener>(
            pg::ConnectOptions{config.store_url, "restock listener"},
            std::vector<std::string>{"restock_queues", "restock_writer"},
            [&queue_signals, leadership](const std::string& channel, const std::string& payload) {
                if (channel == "restock_queues") {
                    queue_signals.notify(payload);
                } else {
                    if (channel.empty()) queue_signals.notify_all();
                    leadership->poke();
                }
            });
        writer->start(node_url);
    }

    // The one line scripts and tests wait for; always printed, even with the access log off.
    {
        std::string line;
        json::Writer w(line);
        w.begin_object().key("level").value("info").key("msg").value("listening");
        w.key("address").value(config.host() + ":" + std::to_string(server.value()->port()));
        if (store.postgres() == nullptr) {
            w.key("data_dir").value(config.data_dir);
        } else {
            w.key("store").value(store.description()).key("node_url").value(node_url);
        }
        w.end_object();
        std::printf("%s\n", line.c_str());
        std::fflush(stdout);
    }

    if (store.postgres() != nullptr && hooks.on_start) {
        // Shared: seed through whichever node writes, once one does.
        if (!writer->leadership()->wait_for_writer(kWriterWait)) {
            return fail("start-up failed", make_error(ErrorCode::kUnavailable, "unavailable",
                                                      "no node took the writer lease within 15 s"));
        }
        if (auto s = hooks.on_start(writer->sink(), store.keys()); !s) {
            return fail("start-up failed", s.error());
        }
    }

    // The restock loop's functions, each on its queue, on every node.
    curl::CurlHttpClient outbound;
    std::unique_ptr<curl::CurlMailer> mailer;
    if (!config.smtp_url.empty()) {
        mailer = std::make_unique<curl::CurlMailer>(config.smtp_url, kMailTimeoutMs);
    }
    CommandSink& commands = writer->sink();
    std::vector<std::unique_ptr<FunctionRunner>> functions;
    auto function = [&](const char* name, const char* queue, Handler handler) {
        functions.push_back(std::make_unique<FunctionRunner>(
            commands, queue_signals, FunctionSpec{name, queue, config.function_concurrency},
            std::move(handler), sink));
    };
    function("order-dispatch", kRestockOrdersQueue,
             make_order_dispatch(
                 commands, outbound,
                 OrderDispatchConfig{public_url, callback_secret.value(), "restock"}, sink));
    function("stock-increase", kStockReceiptsQueue, make_stock_increase(commands));
    function("ad-control", kAdControlQueue,
             make_ad_control(readers, outbound, AdControlConfig{config.ads_url, kFunctionTimeoutMs},
                             sink));
    function("notifier", kNotificationsQueue,
             make_notifier(commands, outbound, mailer.get(), clock,
                           NotifierConfig{config.mail_from, kFunctionTimeoutMs}, sink));
    if (hooks.on_listening) hooks.on_listening(server.value()->port());

    std::thread waiter([&] {
        signals.wait();
        server.value()->stop();
    });
    server.value()->wait();
    waiter.join();
    // Order matters: no request handler running (they call the engine), no new function
    // invocations, then drain the engine (every accepted command commits and is answered) and
    // hand the writer lease over, then tear down the server's remaining sockets.
    server.value()->join();
    streams.stop();  // no stream writes to a connection from here
    queue_signals.close();
    writer->stop_waiting();
    functions.clear();
    writer->stop();
    listener.reset();
    server.value().reset();
    log.event("info", "stopped");
    return 0;
}

}  // namespace restock
