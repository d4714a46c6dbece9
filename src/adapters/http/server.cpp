#include "adapters/http/server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <optional>
#include <thread>
#include <vector>

#include "adapters/http/problem.h"
#include "core/requests.h"
#include "support/crypto.h"

namespace restock::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

using Clock = std::chrono::steady_clock;
// Each connection lives on one io_context: a concrete executor type spares the polymorphic
// any_io_executor copies perf showed on every handler.
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<tcp, Executor>;
using Stream = beast::basic_stream<tcp, Executor, beast::unlimited_rate_policy>;

// Request ids: a random per-process prefix and a counter: unique, cheap, unguessable enough
// for correlation (they are not secrets).
class RequestIds {
  public:
    RequestIds() : prefix_("req_" + random_token(6) + "_") {}
    std::string next() { return prefix_ + std::to_string(counter_.fetch_add(1) + 1); }

  private:
    const std::string prefix_;
    std::atomic<uint64_t> counter_{0};
};

}  // namespace

class HttpServer::Impl {
  public:
    Impl(const ServerOptions& options, Api& api, AccessLog& log)
        : options_(options), api_(api), log_(log) {
        // One io_context per thread, each running the connections it was handed: a
        // connection's handlers never run concurrently, so no strand is needed.
        const int threads = std::max(1, options_.io_threads);
        for (int i = 0; i < threads; ++i) {
            contexts_.push_back(std::make_unique<asio::io_context>(1));
            guards_.emplace_back(asio::make_work_guard(*contexts_.back()));
        }
        acceptor_.emplace(*contexts_.front());
    }

    Status listen() {
        beast::error_code ec;
        const auto address = asio::ip::make_address(options_.host, ec);
        if (ec) return bind_error("invalid listen address '" + options_.host + "'", ec);
        const tcp::endpoint endpoint(address, options_.port);
        acceptor_->open(endpoint.protocol(), ec);
        if (ec) return bind_error("cannot open socket", ec);
        acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
        acceptor_->bind(endpoint, ec);
        if (ec) {
            return bind_error(
                "cannot listen on " + options_.host + ":" + std::to_string(options_.port), ec);
        }
        acceptor_->listen(asio::socket_base::max_listen_connections, ec);
        if (ec) return bind_error("cannot listen", ec);
        port_ = acceptor_->local_endpoint().port();
        accept();
        for (auto& context : contexts_) {
            threads_.emplace_back([&context] { context->run(); });
        }
        return ok_status();
    }

    void stop() {
        {
            std::lock_guard lock(stop_mutex_);
            if (stopped_) return;
            stopped_ = true;
        }
        asio::post(*contexts_.front(), [this] {
            beast::error_code ignored;
            acceptor_->close(ignored);
        });
        guards_.clear();
        for (auto& context : contexts_) context->stop();
        stop_cv_.notify_all();
    }

    void wait() {
        std::unique_lock lock(stop_mutex_);
        stop_cv_.wait(lock, [this] { return stopped_; });
    }

    void join() {
        for (auto& t : threads_) {
            if (t.joinable()) t.join();
        }
    }

    uint16_t port() const { return port_; }

    const ServerOptions& options() const { return options_; }
    Api& api() { return api_; }
    AccessLog& log() { return log_; }
    RequestIds& request_ids() { return request_ids_; }
    std::atomic<std::size_t>& connections() { return connections_; }

  private:
    static Status bind_error(std::string what, const beast::error_code& ec) {
        return make_error(ErrorCode::kUnavailable, "listen-failed", what + ": " + ec.message());
    }

    void accept();

    ServerOptions options_;
    Api& api_;
    AccessLog& log_;
    std::vector<std::unique_ptr<asio::io_context>> contexts_;
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
    std::size_t next_context_ = 0;  // round robin for new connections (acceptor thread only)
    std::optional<tcp::acceptor> acceptor_;
    std::vector<std::thread> threads_;
    uint16_t port_ = 0;
    RequestIds request_ids_;
    std::atomic<std::size_t> connections_{0};
    std::mutex stop_mutex_;
    std::condition_variable stop_cv_;
    bool stopped_ = false;
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
  public:
    Session(Socket&& socket, HttpServer::Impl& server)
        : stream_(std::move(socket)), server_(server) {
        beast::error_code ec;
        const auto remote = stream_.socket().remote_endpoint(ec);
        if (!ec) remote_ = remote.address().to_string();
        stream_.socket().set_option(tcp::no_delay(true), ec);
        server_.connections().fetch_add(1);
    }
    ~Session() { server_.connections().fetch_sub(1); }

    void start() {
        asio::dispatch(stream_.get_executor(),
                       beast::bind_front_handler(&Session::read_header, shared_from_this()));
    }

  private:
    void read_header() {
        parser_.emplace();
        parser_->body_limit(server_.options().body_limit);
        parser_->header_limit(static_cast<uint32_t>(server_.options().header_limit));
        stream_.expires_after(std::chrono::milliseconds(server_.options().header_timeout_ms));
        bhttp::async_read_header(
            stream_, buffer_, *parser_,
            beast::bind_front_handler(&Session::on_header, shared_from_this()));
    }

    void on_header(beast::error_code ec, std::size_t) {
        started_ = Clock::now();
        if (ec) return on_read_error(ec);
        stream_.expires_after(std::chrono::milliseconds(server_.options().body_timeout_ms));
        bhttp::async_read(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Session::on_body, shared_from_this()));
    }

    void on_read_error(beast::error_code ec) {
        if (ec == bhttp::error::body_limit) {
            return send_problem(
                413, "payload-too-large",
                "the body exceeds " + std::to_string(server_.options().body_limit) + " bytes");
        }
        if (ec == bhttp::error::header_limit) {
            return send_problem(
                431, "headers-too-large",
                "the headers exceed " + std::to_string(server_.options().header_limit) + " bytes");
        }
        if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
            ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
            ec == asio::error::eof) {
            return close();
        }
        // Any other parse error: the bytes were not valid HTTP/1.1.
        return send_problem(400, "bad-request", "malformed HTTP request: " + ec.message());
    }

    void on_body(beast::error_code ec, std::size_t) {
        if (ec) return on_read_error(ec);
        auto message = parser_->release();
        keep_alive_ = message.keep_alive();

        HttpRequest request;
        request.method = std::string(message.method_string());
        const std::string_view target = message.target();
        const auto question = target.find('?');
        request.path = std::string(target.substr(0, question));
        if (question != std::string_view::npos)
            request.query = std::string(target.substr(question + 1));
        request.authorization = std::string(message[bhttp::field::authorization]);
        if (auto it = message.find("Idempotency-Key"); it != message.end()) {
            request.idempotency_key = std::string(it->value());
        }
        request.content_type = std::string(message[bhttp::field::content_type]);
        const std::string_view client_id = message["X-Request-Id"];
        request.request_id =
            is_valid_identifier(client_id) ? std::string(client_id) : server_.request_ids().next();
        bytes_in_ = message.body().size();
        request.body = std::move(message.body());
        method_ = request.method;
        path_ = request.path;
        request_id_ = request.request_id;

        auto self = shared_from_this();
        auto executor = stream_.get_executor();
        server_.api().handle(
            std::move(request),
            [self, executor](Exchange exchange) {
                asio::dispatch(executor, [self, exchange = std::move(exchange)]() mutable {
                    self->send(std::move(exchange));
                });
            },
            [executor](std::function<void()> task) { asio::post(executor, std::move(task)); });
    }

    void send_problem(int status, std::string_view slug, std::string detail) {
        keep_alive_ = false;
        if (request_id_.empty()) request_id_ = server_.request_ids().next();
        Exchange exchange{problem_reply(status, slug, detail, path_, request_id_), "", ""};
        send(std::move(exchange));
    }

    // Writes the response bytes directly: our responses are a status line, a handful of
    // headers whose values we produced (never raw client input), and a sized body, so
    // Beast's general response serializer is more than this needs (and showed in profiles).
    void send(Exchange exchange) {
        const Reply& reply = exchange.reply;
        out_.clear();
        out_ += "HTTP/1.1 ";
        out_ += std::to_string(reply.status);
        out_ += ' ';
        out_ += bhttp::obsolete_reason(static_cast<bhttp::status>(reply.status));
        out_ += "\r\nServer: restock\r\nContent-Type: ";
        out_ += reply.content_type;
        out_ += "\r\nCache-Control: no-store\r\nX-Request-Id: ";
        out_ += request_id_;
        if (!reply.location.empty()) out_ += "\r\nLocation: " + reply.location;
        if (reply.replayed) out_ += "\r\nIdempotent-Replayed: true";
        if (reply.status == 401) out_ += "\r\nWWW-Authenticate: Bearer";
        if (!exchange.allow.empty()) out_ += "\r\nAllow: " + exchange.allow;
        if (!keep_alive_) out_ += "\r\nConnection: close";
        out_ += "\r\nContent-Length: ";
        out_ += std::to_string(reply.body.size());
        out_ += "\r\n\r\n";
        out_ += reply.body;
        bytes_out_ = reply.body.size();
        status_ = reply.status;
        principal_ = std::move(exchange.principal);
        server_.api().count(status_);
        stream_.expires_after(std::chrono::milliseconds(server_.options().body_timeout_ms));
        asio::async_write(stream_, asio::buffer(out_),
                          beast::bind_front_handler(&Session::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t) {
        const double ms =
            std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
        server_.log().write(AccessRecord{request_id_, method_, path_, status_, ms, bytes_in_,
                                         bytes_out_, principal_, remote_});
        request_id_.clear();
        if (ec || !keep_alive_) return close();
        read_header();
    }

    void close() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }

    Stream stream_;
    HttpServer::Impl& server_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    std::string out_;  // the response being written
    bool keep_alive_ = true;
    Clock::time_point started_ = Clock::now();
    std::string remote_, method_, path_, request_id_, principal_;
    std::size_t bytes_in_ = 0, bytes_out_ = 0;
    int status_ = 0;
};

}  // namespace

void HttpServer::Impl::accept() {
    asio::io_context& target = *contexts_[next_context_++ % contexts_.size()];
    acceptor_->async_accept(target.get_executor(), [this](beast::error_code ec, Socket socket) {
        if (ec) {
            if (ec == asio::error::operation_aborted) return;
            log_.event("warn", "accept failed: " + ec.message());
        } else if (connections_.load() >= options_.max_connections) {
            beast::error_code ignored;
            socket.close(ignored);  // over the cap: refuse rather than degrade everyone
        } else {
            std::make_shared<Session>(std::move(socket), *this)->start();
        }
        accept();
    });
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(const ServerOptions& options, Api& api,
                                                      AccessLog& log) {
    auto impl = std::make_unique<Impl>(options, api, log);
    if (auto s = impl->listen(); !s) return s.error();
    return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
    impl_->stop();
    impl_->join();
}

uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::wait() { impl_->wait(); }
void HttpServer::stop() { impl_->stop(); }

}  // namespace restock::http
