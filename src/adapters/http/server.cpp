#include "adapters/http/server.h"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <optional>
#include <thread>
#include <vector>

#include "adapters/http/problem.h"
#include "core/requests.h"
#include "support/crypto.h"
#include "support/thread_name.h"

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
using Timer = asio::basic_waitable_timer<Clock, asio::wait_traits<Clock>, Executor>;

class Session;

// One I/O thread's share of the server: its io_context, the connections it runs, and the
// sweep that enforces their deadlines. A session keeps one deadline (header, body or write)
// and the sweep closes those past it every `tick`, instead of each read and write arming and
// cancelling a timer of its own (three per request, which showed in profiles).
struct Lane {
    explicit Lane(Clock::duration tick) : tick(tick) {}
    asio::io_context context{1};
    Timer sweep_timer{context.get_executor()};
    Clock::duration tick;
    std::vector<std::weak_ptr<Session>> sessions;  // this thread only
};

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
        // Deadlines are enforced to within a quarter of the shortest timeout (at most 1 s late).
        const auto shortest = std::chrono::milliseconds(
            std::max(1, std::min(options_.header_timeout_ms, options_.body_timeout_ms)));
        const Clock::duration tick = std::clamp<Clock::duration>(
            shortest / 4, std::chrono::milliseconds(5), std::chrono::seconds(1));
        for (int i = 0; i < threads; ++i) {
            lanes_.push_back(std::make_unique<Lane>(tick));
            guards_.emplace_back(asio::make_work_guard(lanes_.back()->context));
        }
        acceptor_.emplace(lanes_.front()->context);
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
        for (auto& lane : lanes_) {
            sweep(*lane);
            threads_.push_back(start_named_thread("restock-io", [&lane] { lane->context.run(); }));
        }
        return ok_status();
    }

    void stop() {
        {
            std::lock_guard lock(stop_mutex_);
            if (stopped_) return;
            stopped_ = true;
        }
        asio::post(lanes_.front()->context, [this] {
            beast::error_code ignored;
            acceptor_->close(ignored);
        });
        guards_.clear();
        for (auto& lane : lanes_) lane->context.stop();
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
    static void sweep(Lane& lane);

    ServerOptions options_;
    Api& api_;
    AccessLog& log_;
    std::vector<std::unique_ptr<Lane>> lanes_;
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
    std::size_t next_lane_ = 0;  // round robin for new connections (acceptor thread only)
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
    Session(Socket&& socket, HttpServer::Impl& server, Lane& lane)
        : socket_(std::move(socket)), server_(server), lane_(lane) {
        beast::error_code ec;
        const auto remote = socket_.remote_endpoint(ec);
        if (!ec) remote_ = remote.address().to_string();
        socket_.set_option(tcp::no_delay(true), ec);
        server_.connections().fetch_add(1);
    }
    ~Session() { server_.connections().fetch_sub(1); }

    void start() {
        asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
            self->lane_.sessions.push_back(self);
            self->read_header();
        });
    }

    // Called by the lane's sweep: a connection past its deadline is closed, which fails its
    // pending read or write with operation_aborted.
    void expire_if_due(Clock::time_point now) {
        if (now < deadline_) return;
        deadline_ = Clock::time_point::max();
        beast::error_code ignored;
        socket_.close(ignored);
    }

  private:
    void expire_after(int ms) { deadline_ = Clock::now() + std::chrono::milliseconds(ms); }
    void no_deadline() { deadline_ = Clock::time_point::max(); }

    void read_header() {
        parser_.emplace();
        parser_->body_limit(server_.options().body_limit);
        parser_->header_limit(static_cast<uint32_t>(server_.options().header_limit));
        expire_after(server_.options().header_timeout_ms);
        bhttp::async_read_header(
            socket_, buffer_, *parser_,
            beast::bind_front_handler(&Session::on_header, shared_from_this()));
    }

    void on_header(beast::error_code ec, std::size_t) {
        started_ = Clock::now();
        if (ec) return on_read_error(ec);
        // A small body usually arrives with its header: parse what is buffered now rather than
        // queue another read behind every other connection's work.
        while (!parser_->is_done() && buffer_.size() > 0) {
            const std::size_t used = parser_->put(buffer_.data(), ec);
            buffer_.consume(used);
            if (ec == bhttp::error::need_more) {
                ec = {};
                break;
            }
            if (ec) return on_read_error(ec);
            if (used == 0) break;
        }
        if (parser_->is_done()) return on_body(ec, 0);
        expire_after(server_.options().body_timeout_ms);
        bhttp::async_read(socket_, buffer_, *parser_,
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
        if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted ||
            ec == asio::error::connection_reset || ec == asio::error::eof) {
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

        no_deadline();  // the engine's time is not the client's
        server_.api().handle(std::move(request), [self = shared_from_this()](Exchange exchange) {
            if (self->socket_.get_executor().running_in_this_thread()) {
                return self->send(std::move(exchange));
            }
            self->answer(std::move(exchange));
        });
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
        compose(std::move(exchange));
        write_from(0);
    }

    // Writes out_ from byte `sent` on, under the write deadline.
    void write_from(std::size_t sent) {
        expire_after(server_.options().body_timeout_ms);
        asio::async_write(socket_, asio::buffer(out_) + sent,
                          beast::bind_front_handler(&Session::on_write, shared_from_this()));
    }

    // An answer from the engine, on its answering thread once the outcome is durable. While a
    // request is in the engine its connection has no operation in flight and no deadline, so
    // this thread may write the answer itself: the client gets it without waiting behind every
    // other connection's work on the I/O thread, which then only logs and reads on. What the
    // socket does not take now is written asynchronously by the I/O thread.
    void answer(Exchange exchange) {
        compose(std::move(exchange));
        const ssize_t n =
            ::send(socket_.native_handle(), out_.data(), out_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        const int error = n < 0 ? errno : 0;
        asio::post(socket_.get_executor(),
                   [self = shared_from_this(), n, error] { self->after_answer(n, error); });
    }

    void after_answer(ssize_t n, int error) {
        if (n >= 0 && static_cast<std::size_t>(n) == out_.size()) return on_write({}, out_.size());
        if (n < 0 && error != EAGAIN && error != EWOULDBLOCK) {
            return on_write(beast::error_code(error, boost::system::system_category()), 0);
        }
        write_from(n < 0 ? 0 : static_cast<std::size_t>(n));
    }

    void compose(Exchange exchange) {
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
    }

    void on_write(beast::error_code ec, std::size_t) {
        no_deadline();
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
        socket_.shutdown(tcp::socket::shutdown_send, ignored);
    }

    Socket socket_;
    HttpServer::Impl& server_;
    Lane& lane_;
    Clock::time_point deadline_ = Clock::time_point::max();
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
    Lane& lane = *lanes_[next_lane_++ % lanes_.size()];
    acceptor_->async_accept(
        lane.context.get_executor(), [this, &lane](beast::error_code ec, Socket socket) {
            if (ec) {
                if (ec == asio::error::operation_aborted) return;
                log_.event("warn", "accept failed: " + ec.message());
            } else if (connections_.load() >= options_.max_connections) {
                beast::error_code ignored;
                socket.close(ignored);  // over the cap: refuse rather than degrade everyone
            } else {
                std::make_shared<Session>(std::move(socket), *this, lane)->start();
            }
            accept();
        });
}

void HttpServer::Impl::sweep(Lane& lane) {
    lane.sweep_timer.expires_after(lane.tick);
    lane.sweep_timer.async_wait([&lane](beast::error_code ec) {
        if (ec) return;
        const auto now = Clock::now();
        auto& sessions = lane.sessions;
        for (std::size_t i = 0; i < sessions.size();) {
            if (auto session = sessions[i].lock()) {
                session->expire_if_due(now);
                ++i;
            } else {
                sessions[i] = std::move(sessions.back());  // gone: forget it
                sessions.pop_back();
            }
        }
        sweep(lane);
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
