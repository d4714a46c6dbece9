#include "factory_sim/sim_server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

namespace restock::factory_sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

class SimServer::Impl {
  public:
    Impl(const SimServerOptions& options, SimHandler& handler, SimLog& log)
        : options_(options), handler_(handler), log_(log), acceptor_(io_) {}

    Status listen() {
        beast::error_code ec;
        const auto address = asio::ip::make_address(options_.host, ec);
        if (ec) return bind_error("invalid listen address '" + options_.host + "'", ec);
        const tcp::endpoint endpoint(address, options_.port);
        acceptor_.open(endpoint.protocol(), ec);
        if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec) acceptor_.bind(endpoint, ec);
        if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
        if (ec) {
            return bind_error(
                "cannot listen on " + options_.host + ":" + std::to_string(options_.port), ec);
        }
        port_ = acceptor_.local_endpoint().port();
        accept();
        for (int i = 0; i < std::max(1, options_.io_threads); ++i) {
            threads_.emplace_back([this] { io_.run(); });
        }
        return ok_status();
    }

    void stop() {
        if (stopped_.exchange(true)) return;
        io_.stop();  // abandons pending operations; their sessions die with the io_context
    }

    void join() {
        for (auto& thread : threads_) {
            if (thread.joinable()) thread.join();
        }
    }

    uint16_t port() const { return port_; }
    const SimServerOptions& options() const { return options_; }
    SimHandler& handler() { return handler_; }
    SimLog& log() { return log_; }
    std::atomic<std::size_t>& connections() { return connections_; }

  private:
    static Status bind_error(std::string what, const beast::error_code& ec) {
        return make_error(ErrorCode::kUnavailable, "listen-failed", what + ": " + ec.message());
    }

    void accept();

    SimServerOptions options_;
    SimHandler& handler_;
    SimLog& log_;
    // Declared before io_: sessions still queued in io_ are destroyed with it and count down.
    std::atomic<std::size_t> connections_{0};
    std::atomic<bool> stopped_{false};
    asio::io_context io_;
    tcp::acceptor acceptor_;
    std::vector<std::thread> threads_;
    uint16_t port_ = 0;
};

namespace {

using Clock = std::chrono::steady_clock;

class Session : public std::enable_shared_from_this<Session> {
  public:
    Session(tcp::socket&& socket, SimServer::Impl& server)
        : stream_(std::move(socket)), hold_(stream_.get_executor()), server_(server) {
        beast::error_code ignored;
        stream_.socket().set_option(tcp::no_delay(true), ignored);
        server_.connections().fetch_add(1);
    }
    ~Session() { server_.connections().fetch_sub(1); }

    void start() {
        asio::dispatch(stream_.get_executor(),
                       beast::bind_front_handler(&Session::read, shared_from_this()));
    }

  private:
    void read() {
        parser_.emplace();
        parser_->body_limit(server_.options().body_limit);
        parser_->header_limit(static_cast<uint32_t>(server_.options().header_limit));
        stream_.expires_after(std::chrono::milliseconds(server_.options().read_timeout_ms));
        bhttp::async_read(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Session::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        started_ = Clock::now();
        if (ec == bhttp::error::body_limit) return answer_error(413, "payload-too-large");
        if (ec == bhttp::error::header_limit) return answer_error(431, "headers-too-large");
        if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
            ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
            ec == asio::error::eof) {
            return close();
        }
        if (ec) return answer_error(400, "bad-request");

        const auto& message = parser_->get();
        keep_alive_ = message.keep_alive();
        method_ = std::string(message.method_string());
        const std::string_view target = message.target();
        const auto question = target.find('?');
        path_ = std::string(target.substr(0, question));
        const std::string_view query =
            question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
        SimReply reply =
            server_.handler().handle(SimRequest{method_, path_, query, message.body()});
        if (reply.hold_ms <= 0) return write(std::move(reply));
        hold_.expires_after(std::chrono::milliseconds(reply.hold_ms));
        hold_.async_wait([self = shared_from_this(),
                          reply = std::move(reply)](beast::error_code wait_ec) mutable {
            if (wait_ec) return self->close();
            self->write(std::move(reply));
        });
    }

    void answer_error(int status, std::string_view slug) {
        keep_alive_ = false;
        method_ = "-";
        if (parser_->is_header_done()) {  // e.g. the body was too large: name the request
            const std::string_view target = parser_->get().target();
            method_ = std::string(parser_->get().method_string());
            path_ = std::string(target.substr(0, target.find('?')));
        }
        write(SimReply{status, R"({"error":")" + std::string(slug) + R"("})"});
    }

    void write(SimReply reply) {
        status_ = reply.status;
        response_.emplace();
        response_->version(11);
        response_->result(static_cast<unsigned>(reply.status));
        response_->set(bhttp::field::server, "restock-factory-sim");
        response_->set(bhttp::field::content_type, "application/json");
        response_->keep_alive(keep_alive_);
        if (method_ != "HEAD") response_->body() = std::move(reply.body);
        response_->prepare_payload();
        // Logged before writing, so the line exists by the time the client has the answer.
        const double ms =
            std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
        server_.log().request(method_, path_, status_, ms);
        stream_.expires_after(std::chrono::milliseconds(server_.options().read_timeout_ms));
        bhttp::async_write(stream_, *response_,
                           beast::bind_front_handler(&Session::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t) {
        method_.clear();
        path_.clear();
        if (ec || !keep_alive_) return close();
        read();
    }

    void close() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }

    beast::tcp_stream stream_;
    asio::steady_timer hold_;
    SimServer::Impl& server_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    std::optional<bhttp::response<bhttp::string_body>> response_;
    bool keep_alive_ = true;
    Clock::time_point started_ = Clock::now();
    std::string method_, path_;
    int status_ = 0;
};

}  // namespace

void SimServer::Impl::accept() {
    acceptor_.async_accept(
        asio::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
            if (ec == asio::error::operation_aborted) return;
            if (ec) {
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

Result<std::unique_ptr<SimServer>> SimServer::start(const SimServerOptions& options,
                                                    SimHandler& handler, SimLog& log) {
    auto impl = std::make_unique<Impl>(options, handler, log);
    if (auto status = impl->listen(); !status) return status.error();
    return std::unique_ptr<SimServer>(new SimServer(std::move(impl)));
}

SimServer::SimServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SimServer::~SimServer() {
    impl_->stop();
    impl_->join();
}

uint16_t SimServer::port() const { return impl_->port(); }
void SimServer::stop() { impl_->stop(); }

}  // namespace restock::factory_sim
