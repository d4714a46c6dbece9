#include "main/composition_root.h"

#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "adapters/curl/curl_http_client.h"
#include "adapters/curl/curl_mailer.h"
#include "adapters/http/access_log.h"
#include "adapters/http/handlers.h"
#include "adapters/http/server.h"
#include "adapters/sqlite/data_dir_lock.h"
#include "adapters/sqlite/sqlite_store.h"
#include "app/authenticator.h"
#include "app/functions/ad_control.h"
#include "app/functions/function_runner.h"
#include "app/functions/notifier.h"
#include "app/functions/order_dispatch.h"
#include "app/functions/stock_increase.h"
#include "app/reader_pool.h"
#include "support/system_clock.h"

namespace restock {
namespace {

constexpr auto kExpiryInterval = std::chrono::minutes(10);
constexpr int64_t kFunctionTimeoutMs = 10'000;
constexpr int64_t kMailTimeoutMs = 10'000;

// Blocks SIGINT/SIGTERM in every thread and waits for them on one, so no other thread is
// interrupted and shutdown is an ordinary function call.
class SignalWaiter {
  public:
    SignalWaiter() {
        sigemptyset(&set_);
        sigaddset(&set_, SIGINT);
        sigaddset(&set_, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set_, nullptr);
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

int fail(const std::string& what, const Error& error) {
    std::cerr << "restock: " << what << ": " << error.message << "\n";
    return 1;
}

}  // namespace

int run_server(const Config& config, const ServerHooks& hooks) {
    SignalWaiter signals;  // before any thread starts, so all inherit the mask

    std::error_code ec;
    std::filesystem::create_directories(config.data_dir, ec);
    if (ec) {
        std::cerr << "restock: cannot create data dir " << config.data_dir << ": " << ec.message()
                  << "\n";
        return 1;
    }
    // One process owns the data dir; a second refuses to start rather than serve a stale copy.
    auto owner = sqlite::DataDirLock::acquire(config.data_dir, hooks.command);
    if (!owner) return fail("cannot open the store", owner.error());
    auto store = sqlite::SqliteStore::open(config.data_dir + "/restock.db");
    if (!store) return fail("cannot open the store", store.error());

    auto callback_secret = store.value()->callback_secret();
    if (!callback_secret) return fail("cannot read the callback secret", callback_secret.error());

    SystemClock clock;
    QueueSignals queue_signals;
    EngineOptions engine_options;
    engine_options.max_batch = static_cast<std::size_t>(config.max_batch);
    engine_options.gather.window = std::chrono::microseconds(config.group_commit_wait_us);
    engine_options.signals = &queue_signals;
    auto started = StockEngine::start(*store.value(), clock, engine_options);
    if (!started) return fail("cannot start the stock engine", started.error());
    std::shared_ptr<StockEngine> engine = std::move(started.value());
    SoleWriter writer(engine);

    if (hooks.on_start) {
        if (auto s = hooks.on_start(*engine, *store.value()); !s) {
            return fail("start-up failed", s.error());
        }
    }

    ReaderPool readers(*store.value());
    Authenticator authenticator(readers, clock);
    http::Api api(writer, readers, authenticator, callback_secret.value());
    http::AccessLog log(config.access_log ? stdout : nullptr);
    http::AccessLog operations(stdout);  // the loop's own lines, even with the access log off
    const LogSink sink = [&operations](std::string_view level, const std::string& message) {
        operations.event(level, message);
    };

    IdempotencyExpiry expiry(*store.value(), clock,
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

    // The one line scripts and tests wait for; always printed, even with the access log off.
    std::printf(
        "{\"level\":\"info\",\"msg\":\"listening\",\"address\":\"%s:%u\",\"data_dir\":\"%s\"}\n",
        config.host().c_str(), static_cast<unsigned>(server.value()->port()),
        config.data_dir.c_str());
    std::fflush(stdout);

    // With --listen HOST:0 the default public URL names the port actually bound.
    std::string public_url = config.public_url;
    if (config.port() == 0 && public_url == "http://" + config.listen) {
        public_url = "http://" + config.host() + ":" + std::to_string(server.value()->port());
    }
    // The restock loop's functions, each on its queue.
    curl::CurlHttpClient outbound;
    std::unique_ptr<curl::CurlMailer> mailer;
    if (!config.smtp_url.empty()) {
        mailer = std::make_unique<curl::CurlMailer>(config.smtp_url, kMailTimeoutMs);
    }
    std::vector<std::unique_ptr<FunctionRunner>> functions;
    auto function = [&](const char* name, const char* queue, Handler handler) {
        functions.push_back(std::make_unique<FunctionRunner>(
            *engine, queue_signals, FunctionSpec{name, queue, config.function_concurrency},
            std::move(handler), sink));
    };
    function("order-dispatch", kRestockOrdersQueue,
             make_order_dispatch(
                 *engine, outbound,
                 OrderDispatchConfig{public_url, callback_secret.value(), "restock"}, sink));
    function("stock-increase", kStockReceiptsQueue, make_stock_increase(*engine));
    function("ad-control", kAdControlQueue,
             make_ad_control(readers, outbound, AdControlConfig{config.ads_url, kFunctionTimeoutMs},
                             sink));
    function("notifier", kNotificationsQueue,
             make_notifier(*engine, outbound, mailer.get(), clock,
                           NotifierConfig{config.mail_from, kFunctionTimeoutMs}, sink));
    if (hooks.on_listening) hooks.on_listening(server.value()->port());

    std::thread waiter([&] {
        signals.wait();
        server.value()->stop();
    });
    server.value()->wait();
    waiter.join();
    // Order matters: no request handler running (they call the engine), no new function
    // invocations, then drain the engine (every accepted command commits and is answered),
    // then tear down the server's remaining sockets.
    server.value()->join();
    queue_signals.close();
    functions.clear();
    engine.reset();
    server.value().reset();
    log.event("info", "stopped");
    return 0;
}

}  // namespace restock
