#include "adapters/http/server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "adapters/http/event_loop.h"
#include "adapters/http/problem.h"
#include "core/requests.h"
#include "support/crypto.h"
#include "support/thread_name.h"

namespace restock::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

using Clock = std::chrono::steady_clock;

class Session;

// One I/O thread's share of the server: its event loop and the connections it runs. A session
// keeps one deadline (header, body or write) and the loop's tick closes those past it, instead
// of each read and write arming and cancelling a timer of its own.
struct Lane {
    std::unique_ptr<EventLoop> loop;
    std::unordered_map<Session*, std::shared_ptr<Session>> sessions;  // this thread only
    void forget(Session* session);
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

std::string errno_text(int error) { return std::strerror(error); }

std::string address_text(const sockaddr_storage& address) {
    char text[INET6_ADDRSTRLEN] = "";
    if (address.ss_family == AF_INET) {
        ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(address).sin_addr, text,
                    sizeof text);
    } else if (address.ss_family == AF_INET6) {
        ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(address).sin6_addr, text,
                    sizeof text);
    }
    return text;
}

// The listening socket, on the first lane: accepts every pending connection at each event and
// deals them out to the lanes in turn.
class Listener final : public EventLoop::Handler {
  public:
    Listener(int fd, HttpServer::Impl& server, EventLoop& loop)
        : fd_(fd), server_(server), loop_(loop) {}
    ~Listener() { close(); }
    bool watch() { return loop_.add(fd_, this, EPOLLIN); }
    void unwatch() { loop_.remove(fd_); }
    // Stops listening: new connections are refused from here (on the first lane's thread).
    void close() {
        if (fd_ < 0) return;
        unwatch();
        ::close(fd_);
        fd_ = -1;
    }
    void on_event(uint32_t events) override;
    // Out of descriptors, the listener rests until the next tick rather than spin on an error
    // that the pending connection raises again at once.
    void resume_if_resting();

  private:
    int fd_;
    HttpServer::Impl& server_;
    EventLoop& loop_;
    bool resting_ = false;
};

}  // namespace

class HttpServer::Impl {
  public:
    Impl(const ServerOptions& options, Api& api, AccessLog& log)
        : options_(options), api_(api), log_(log) {}

    ~Impl() {
        for (auto& lane : lanes_) {
            if (lane->loop) lane->loop->stop();
        }
        join();
        lanes_.clear();  // sessions still held by posted work end while the server is whole
        listener_.reset();
    }

    Status listen() {
        // Deadlines are enforced to within a quarter of the shortest timeout (at most 1 s late).
        const auto shortest = std::chrono::milliseconds(
            std::max(1, std::min(options_.header_timeout_ms, options_.body_timeout_ms)));
        const auto tick = std::clamp<std::chrono::milliseconds>(
            shortest / 4, std::chrono::milliseconds(5), std::chrono::seconds(1));
        // One loop per thread, each running the connections it was handed: a connection's
        // handlers never run concurrently.
        for (int i = 0; i < std::max(1, options_.io_threads); ++i) {
            auto loop = EventLoop::create(tick);
            if (!loop) return loop.error();
            lanes_.push_back(std::make_unique<Lane>());
            lanes_.back()->loop = std::move(loop.value());
        }
        auto fd = open_listening_socket();
        if (!fd) return fd.error();
        listener_ = std::make_unique<Listener>(fd.value(), *this, *lanes_.front()->loop);
        if (!listener_->watch()) {
            return make_error(ErrorCode::kUnavailable, "listen-failed",
                              "cannot watch the listening socket: " + errno_text(errno));
        }
        for (auto& lane : lanes_) {
            threads_.push_back(start_named_thread("restock-io", [this, &lane] {
                lane->loop->run([this, &lane] { sweep(*lane); });
                lane->sessions.clear();  // closes what is still open
            }));
        }
        return ok_status();
    }

    void stop() {
        {
            std::lock_guard lock(stop_mutex_);
            if (stopped_) return;
            stopped_ = true;
        }
        lanes_.front()->loop->post([this] { listener_->close(); });
        for (auto& lane : lanes_) lane->loop->stop();
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

    // Hands a new connection to the next lane (called on the first lane's thread).
    void adopt(int fd, std::string remote);

    uint16_t port() const { return port_; }
    const ServerOptions& options() const { return options_; }
    Api& api() { return api_; }
    AccessLog& log() { return log_; }
    RequestIds& request_ids() { return request_ids_; }
    std::atomic<std::size_t>& connections() { return connections_; }

  private:
    Result<int> open_listening_socket();
    void sweep(Lane& lane);

    ServerOptions options_;
    Api& api_;
    AccessLog& log_;
    std::vector<std::unique_ptr<Lane>> lanes_;
    std::unique_ptr<Listener> listener_;
    std::size_t next_lane_ = 0;  // round robin for new connections (first lane's thread only)
    std::vector<std::thread> threads_;
    uint16_t port_ = 0;
    RequestIds request_ids_;
    std::atomic<std::size_t> connections_{0};
    std::mutex stop_mutex_;
    std::condition_variable stop_cv_;
    bool stopped_ = false;
};

namespace {

// What an event stream's source writes to: the session, through its I/O thread. A client that
// takes nothing while more than kMaxBacklog bytes wait is closed: a stream never buffers
// without bound for a reader that has gone away without closing.
class SessionSink final : public StreamSink {
  public:
    static constexpr std::size_t kMaxBacklog = 1024 * 1024;

    SessionSink(std::weak_ptr<Session> session, EventLoop& loop)
        : session_(std::move(session)), loop_(loop) {}

    bool push(std::string bytes) override;
    bool open() const override { return open_.load(std::memory_order_acquire); }

    void end() { open_.store(false, std::memory_order_release); }
    void close() override;
    void written(std::size_t bytes) { backlog_.fetch_sub(bytes); }

  private:
    const std::weak_ptr<Session> session_;
    EventLoop& loop_;
    std::atomic<bool> open_{true};
    std::atomic<std::size_t> backlog_{0};
};

// One connection.
//
// Reading: the socket is edge-triggered, so `readable_` says whether it may hold bytes: set by
// an event, cleared by a read that comes back short. A session does not try a receive right
// after a response (when it would find nothing), and never re-arms the socket.
//
// Who may touch it: the I/O thread reads and parses while the phase is kReading. A request
// handed to the API makes it kAnswering until its response is out. An answer that needs the
// engine is written by the engine's answering thread; an event meanwhile (a pipelining client)
// is parked (kParked), and the I/O thread reads on once the response is out, so responses
// keep their order.
class Session final : public EventLoop::Handler, public std::enable_shared_from_this<Session> {
  public:
    // Any thread (the accepting one): the connection counts against max_connections from here.
    Session(int fd, HttpServer::Impl& server, Lane& lane, std::string remote)
        : fd_(fd), server_(server), lane_(lane), remote_(std::move(remote)) {
        server_.connections().fetch_add(1);
    }
    ~Session() {
        ::close(fd_);
        server_.connections().fetch_sub(1);
    }

    // On the lane's thread.
    bool start() {
        if (!lane_.loop->add(fd_, this, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)) return false;
        next_request();
        return true;
    }

    void on_event(uint32_t events) override {
        if (closed_) return;
        if (lingering_) return discard();
        if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) peer_done_ = true;
        if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) readable_ = true;
        if (sink_) {
            // An event stream: the client only listens. What it sends is dropped; its end of
            // the connection ends the stream.
            if (readable_) drain_stream_input();
            if (!closed_ && (events & EPOLLOUT)) flush_stream();
            return;
        }
        if (writing_) {
            // Whoever started the write tried at once; an event that can take bytes goes on.
            if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) write_more();
            return;  // reading goes on once the response is out
        }
        if (!readable_) return;
        int phase = kAnswering;
        if (phase_.compare_exchange_strong(phase, kParked, std::memory_order_acq_rel)) return;
        if (phase == kReading) read_available();
    }

    // Called by the lane's tick: a connection past its deadline is closed.
    void expire_if_due(Clock::time_point now) {
        if (now.time_since_epoch().count() < deadline_.load(std::memory_order_acquire)) return;
        no_deadline();
        if (writing_) log_exchange();  // a client that did not take its answer in time
        close();
    }

  private:
    enum Phase : int { kReading, kAnswering, kParked };
    static constexpr std::size_t kMaxRead = 64 * 1024;
    // After the last answer of a connection the server closes: what the client still sends is
    // read and dropped, up to this much for at most this long, then the connection closes.
    static constexpr std::size_t kLingerBytes = 1024 * 1024;
    static constexpr int kLingerMs = 2'000;
    // Requests of one connection handled in a row before the others get a turn.
    static constexpr int kRequestsPerTurn = 16;

    void expire_after(int ms) {
        deadline_.store((Clock::now() + std::chrono::milliseconds(ms)).time_since_epoch().count(),
                        std::memory_order_release);
    }
    void no_deadline() {
        deadline_.store(Clock::time_point::max().time_since_epoch().count(),
                        std::memory_order_release);
    }

    void reset_parser() {
        parser_.emplace();
        parser_->body_limit(server_.options().body_limit);
        parser_->header_limit(static_cast<uint32_t>(server_.options().header_limit));
    }

    void next_request() {
        reset_parser();
        expire_after(server_.options().header_timeout_ms);
        read_available();
    }

    // Reads and handles requests until the socket is empty. A request answered on this thread
    // (a read, a refusal) ends in on_written() -> next_request(), which asks this loop for
    // another round instead of recursing: a client pipelining thousands of requests neither
    // grows the stack nor holds the thread for more than kRequestsPerTurn of them in a row.
    void read_available() {
        if (reading_) {
            read_again_ = true;
            return;
        }
        reading_ = true;
        int requests = 0;
        do {
            read_again_ = false;
            read_request();
        } while (read_again_ && !closed_ && ++requests < kRequestsPerTurn);
        reading_ = false;
        if (read_again_ && !closed_) {
            lane_.loop->post([self = shared_from_this()] { self->read_if_mine(); });
        }
    }

    // A turn that was posted: the connection may have moved on since.
    void read_if_mine() {
        if (!closed_ && phase_.load(std::memory_order_acquire) == kReading) read_available();
    }

    // Parses what is buffered and reads what the socket holds until the request is complete
    // (then handles it) or the socket is empty (the next event goes on).
    void read_request() {
        while (!closed_) {
            beast::error_code ec;
            if (!parse_buffered(ec)) return on_read_error(ec);
            if (parser_->is_done()) return on_request();
            if (!readable_) return;
            const std::size_t room = beast::read_size(buffer_, kMaxRead);
            const ssize_t n = ::recv(fd_, buffer_.prepare(room).data(), room, 0);
            if (n > 0) {
                buffer_.commit(static_cast<std::size_t>(n));
                // Short: the socket is empty now, unless the peer has closed (then the next
                // read finds the end of the stream, which brings no further event).
                if (static_cast<std::size_t>(n) < room) readable_ = peer_done_;
                continue;
            }
            if (n == 0) return on_end_of_stream();
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                readable_ = false;
                return;
            }
            return on_read_error(beast::error_code(errno, boost::system::system_category()));
        }
    }

    // Feeds buffered bytes to the parser. False on a parse error (in ec).
    bool parse_buffered(beast::error_code& ec) {
        const bool had_header = parser_->is_header_done();
        while (!parser_->is_done() && buffer_.size() > 0) {
            const std::size_t used = parser_->put(buffer_.data(), ec);
            buffer_.consume(used);
            if (ec == bhttp::error::need_more) {
                ec = {};
                break;
            }
            if (ec) return false;
            if (used == 0) break;
        }
        if (!had_header && parser_->is_header_done()) {
            started_ = Clock::now();
            if (!parser_->is_done()) expire_after(server_.options().body_timeout_ms);
        }
        return true;
    }

    void on_end_of_stream() {
        readable_ = false;
        if (!parser_->got_some()) return close();
        beast::error_code ec;
        parser_->put_eof(ec);
        on_read_error(ec ? ec : beast::error_code(bhttp::error::partial_message));
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
        if (ec.category() == boost::system::system_category()) return close();
        // Any other parse error: the bytes were not valid HTTP/1.1.
        return send_problem(400, "bad-request", "malformed HTTP request: " + ec.message());
    }

    void on_request() {
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
        request.forwarded = message.find("X-Restock-Forwarded") != message.end();
        request.cookie = std::string(message[bhttp::field::cookie]);
        request.origin = std::string(message[bhttp::field::origin]);
        request.sec_fetch_site = std::string(message["Sec-Fetch-Site"]);
        // A request another node forwarded names the host its client asked for (the CSRF
        // check compares a browser's Origin with it).
        const auto forwarded_host = message["X-Forwarded-Host"];
        request.host =
            std::string(request.forwarded && !forwarded_host.empty() ? forwarded_host
                                                                     : message[bhttp::field::host]);
        request.if_none_match = std::string(message[bhttp::field::if_none_match]);
        request.accept_encoding = std::string(message[bhttp::field::accept_encoding]);
        request.last_event_id = std::string(message["Last-Event-ID"]);
        const std::string_view client_id = message["X-Request-Id"];
        request.request_id =
            is_valid_identifier(client_id) ? std::string(client_id) : server_.request_ids().next();
        bytes_in_ = message.body().size();
        request.body = std::move(message.body());
        method_ = request.method;
        // HEAD is answered as the GET of the same target, without the body (RFC 9110 9.3.2).
        head_ = request.method == "HEAD";
        if (head_) request.method = "GET";
        path_ = request.path;
        request_id_ = request.request_id;

        no_deadline();  // the engine's time is not the client's
        // Bytes already here for the next request (a pipelining client) announce no event:
        // the answer hands back to this thread, which reads on.
        read_on_after_answer_ = buffer_.size() > 0 || readable_;
        answered_here_ = false;
        phase_.store(kAnswering, std::memory_order_release);
        server_.api().handle(std::move(request), [self = shared_from_this()](Exchange exchange) {
            if (self->lane_.loop->in_loop_thread()) {
                self->answered_here_ = true;
                return self->send(std::move(exchange));
            }
            self->answer(std::move(exchange));
        });
        if (!answered_here_) reset_parser();  // ready for the next request before the answer
    }

    void send_problem(int status, std::string_view slug, std::string detail) {
        keep_alive_ = false;  // the connection closes after it, body and all
        head_ = false;
        if (request_id_.empty()) request_id_ = server_.request_ids().next();
        Exchange exchange{problem_reply(status, slug, detail, path_, request_id_), "", ""};
        send(std::move(exchange));
    }

    // On the I/O thread: writes the response, the rest when the socket can take it.
    void send(Exchange exchange) {
        phase_.store(kAnswering, std::memory_order_release);
        compose(std::move(exchange));
        write_from(0);
    }

    // Writes out_ from byte `sent` on, under the write deadline.
    void write_from(std::size_t sent) {
        sent_ = sent;
        writing_ = true;
        expire_after(server_.options().body_timeout_ms);
        write_more();
    }

    void write_more() {
        while (sent_ < out_.size()) {
            const ssize_t n =
                ::send(fd_, out_.data() + sent_, out_.size() - sent_, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n >= 0) {
                sent_ += static_cast<std::size_t>(n);
                continue;
            }
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;  // EPOLLOUT goes on
            writing_ = false;
            log_exchange();
            return close();
        }
        writing_ = false;
        on_written();
    }

    // An answer from the engine, on its answering thread once the outcome is durable. Until
    // this hands the connection back (phase kReading) the I/O thread leaves the answer's state
    // alone, so this thread writes the answer itself: the client gets it without waiting behind
    // every other connection's work on the I/O thread. A response the socket takes whole is
    // done here; the rest (a partial write, an error, a closing connection) goes to the I/O
    // thread.
    void answer(Exchange exchange) {
        compose(std::move(exchange));
        const ssize_t n = ::send(fd_, out_.data(), out_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 || static_cast<std::size_t>(n) != out_.size() || !keep_alive_) {
            const std::size_t sent = n < 0 ? 0 : static_cast<std::size_t>(n);
            const int error = n < 0 ? errno : 0;
            lane_.loop->post(
                [self = shared_from_this(), sent, error] { self->finish_answer(sent, error); });
            return;
        }
        log_exchange();
        const bool read_on = read_on_after_answer_;
        expire_after(server_.options().header_timeout_ms);
        // The last touch of this request's state: from here the I/O thread owns the session.
        if (phase_.exchange(kReading, std::memory_order_acq_rel) == kParked || read_on) {
            lane_.loop->post([self = shared_from_this()] { self->read_if_mine(); });
        }
    }

    // On the I/O thread: what the answering thread left of a response.
    void finish_answer(std::size_t sent, int error) {
        if (closed_) return;
        if (error != 0 && error != EAGAIN && error != EWOULDBLOCK) {
            log_exchange();
            return close();
        }
        write_from(sent);
    }

    void compose(Exchange exchange) {
        const Reply& reply = exchange.reply;
        out_.clear();
        if (reply.stream) {
            if (!head_) return compose_stream(std::move(exchange));
            reply.stream->attach(nullptr);  // a HEAD gets the header only: no stream follows
        }
        out_ += "HTTP/1.1 ";
        out_ += std::to_string(reply.status);
        out_ += ' ';
        out_ += bhttp::obsolete_reason(static_cast<bhttp::status>(reply.status));
        out_ += "\r\nServer: restock\r\nX-Content-Type-Options: nosniff\r\nContent-Type: ";
        out_ += reply.content_type;
        out_ += "\r\nCache-Control: ";
        out_ += reply.cache_control;
        out_ += "\r\nX-Request-Id: ";
        out_ += reply.request_id.empty() ? request_id_ : reply.request_id;
        if (!reply.location.empty()) out_ += "\r\nLocation: " + reply.location;
        if (reply.replayed) out_ += "\r\nIdempotent-Replayed: true";
        if (reply.not_writer) out_ += "\r\nX-Restock-Not-Writer: 1";
        for (const auto& [name, value] : reply.headers) {
            out_ += "\r\n";
            out_ += name;
            out_ += ": ";
            out_ += value;
        }
        if (reply.status == 401) out_ += "\r\nWWW-Authenticate: Bearer";
        if (!exchange.allow.empty()) out_ += "\r\nAllow: " + exchange.allow;
        if (!keep_alive_) out_ += "\r\nConnection: close";
        // A 204 or 304 has no body, and says no length (RFC 9110 8.6).
        const bool bodiless = reply.status == 204 || reply.status == 304;
        if (!bodiless) {
            out_ += "\r\nContent-Length: ";
            out_ += std::to_string(reply.body.size());
        }
        out_ += "\r\n\r\n";
        if (!head_ && !bodiless) out_ += reply.body;
        bytes_out_ = head_ || bodiless ? 0 : reply.body.size();
        status_ = reply.status;
        principal_ = std::move(exchange.principal);
        server_.api().count(status_);
    }

    // The header of an event stream, and its first bytes. The body has no length: it runs until
    // the connection closes.
    void compose_stream(Exchange exchange) {
        const Reply& reply = exchange.reply;
        out_ +=
            "HTTP/1.1 200 OK\r\nServer: restock\r\nX-Content-Type-Options: nosniff\r\n"
            "Content-Type: text/event-stream\r\nCache-Control: no-store\r\n"
            "X-Accel-Buffering: no\r\nConnection: close\r\nX-Request-Id: ";
        out_ += reply.request_id.empty() ? request_id_ : reply.request_id;
        out_ += "\r\n\r\n";
        out_ += reply.body;
        keep_alive_ = false;
        stream_ = reply.stream;
        bytes_out_ = reply.body.size();
        status_ = 200;
        principal_ = std::move(exchange.principal);
        server_.api().count(status_);
    }

    // The stream's header is out: from here its source pushes the body (StreamSink below).
    void begin_stream();
    void flush_stream();
    void drain_stream_input();

  public:
    // From the stream's sink, on this session's I/O thread.
    void stream_write(const std::string& bytes);

  private:
    void log_exchange() {
        const double ms =
            std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
        server_.log().write(AccessRecord{request_id_, method_, path_, status_, ms, bytes_in_,
                                         bytes_out_, principal_, remote_});
        request_id_.clear();
    }

    // On the I/O thread, once its own write of a response is complete.
    void on_written() {
        log_exchange();
        if (stream_) return begin_stream();
        if (!keep_alive_) return linger();
        phase_.store(kReading, std::memory_order_release);
        next_request();
    }

    // The answer is out and the connection ends. A client may still be sending what the server
    // did not read (a body over the limit, refused by its Content-Length): closing with unread
    // bytes makes the kernel reset the connection, and a client that reads only after writing
    // (Python's http.client, requests) gets the reset instead of the answer. So the server
    // half-closes, drops what still comes (a bounded amount, for a bounded time: lingering
    // close, as web servers do), and closes at the client's end of stream.
    void linger() {
        lingering_ = true;
        ::shutdown(fd_, SHUT_WR);
        expire_after(kLingerMs);
        discard();
    }

    void discard() {
        char chunk[16 * 1024];
        while (lingered_ < kLingerBytes) {
            const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n > 0) {
                lingered_ += static_cast<std::size_t>(n);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // wait for more
            break;  // the end of the stream, or an error
        }
        close();
    }

    // Sends what is pending and ends the connection. The descriptor itself is closed with the
    // session, once the answering thread holds no reference either.
    void close() {
        if (closed_) return;
        closed_ = true;
        if (sink_) sink_->end();
        no_deadline();
        ::shutdown(fd_, SHUT_WR);
        lane_.loop->remove(fd_);
        lane_.forget(this);
    }

    const int fd_;
    HttpServer::Impl& server_;
    Lane& lane_;
    const std::string remote_;
    std::atomic<Clock::rep> deadline_{Clock::time_point::max().time_since_epoch().count()};
    std::atomic<int> phase_{kReading};
    // I/O thread only:
    bool readable_ = true;    // the socket may hold bytes (true at first: nothing read yet)
    bool peer_done_ = false;  // the peer closed or reset: reads go on to the end
    bool writing_ = false;    // a response is being written by the I/O thread
    bool closed_ = false;
    bool lingering_ = false;    // answered and half-closed: dropping what the client still sends
    std::size_t lingered_ = 0;  // bytes dropped so far
    bool answered_here_ = false;
    bool reading_ = false;     // read_available() is on the stack
    bool read_again_ = false;  // ... and is asked for another round
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    std::size_t sent_ = 0;
    // Set before a request goes to the API, read by whichever thread answers it:
    bool read_on_after_answer_ = false;
    bool keep_alive_ = true;
    Clock::time_point started_ = Clock::now();
    std::string out_;  // the response being written
    std::string method_, path_, request_id_, principal_;
    bool head_ = false;  // the request is a HEAD: its answer has no body
    std::size_t bytes_in_ = 0, bytes_out_ = 0;
    int status_ = 0;
    std::shared_ptr<StreamSource> stream_;  // the response is an event stream
    std::shared_ptr<SessionSink> sink_;     // ... and its body is being pushed
    bool stream_blocked_ = false;           // ... and the socket takes no more for now
};

void SessionSink::close() {
    end();
    loop_.post([session = session_] {
        if (auto self = session.lock()) self->stream_write({});  // sees the end, closes
    });
}

bool SessionSink::push(std::string bytes) {
    if (!open_.load(std::memory_order_acquire)) return false;
    // The backlog counts what is posted and what the socket has not taken yet.
    if (backlog_.fetch_add(bytes.size()) + bytes.size() > kMaxBacklog) {
        close();
        return false;
    }
    loop_.post([session = session_, bytes = std::move(bytes)] {
        if (auto self = session.lock()) self->stream_write(bytes);
    });
    return true;
}

void Session::begin_stream() {
    no_deadline();
    writing_ = false;
    sink_ = std::make_shared<SessionSink>(weak_from_this(), *lane_.loop);
    out_.clear();
    sent_ = 0;
    auto stream = std::move(stream_);
    stream->attach(sink_);
    if (readable_) drain_stream_input();
}

void Session::stream_write(const std::string& bytes) {
    if (closed_) return;
    if (!sink_->open()) return close();
    out_.erase(0, sent_);
    sent_ = 0;
    out_ += bytes;
    bytes_out_ += bytes.size();
    flush_stream();
}

void Session::flush_stream() {
    while (sent_ < out_.size()) {
        const ssize_t n =
            ::send(fd_, out_.data() + sent_, out_.size() - sent_, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n >= 0) {
            sent_ += static_cast<std::size_t>(n);
            sink_->written(static_cast<std::size_t>(n));
            continue;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            // The client must take it within the write timeout, as any response: counted from
            // when it stopped taking bytes, not from the latest event queued behind them.
            if (!stream_blocked_) expire_after(server_.options().body_timeout_ms);
            stream_blocked_ = true;
            return;  // EPOLLOUT goes on
        }
        return close();
    }
    out_.clear();
    sent_ = 0;
    stream_blocked_ = false;
    no_deadline();
}

void Session::drain_stream_input() {
    char scratch[4096];
    while (!closed_) {
        const ssize_t n = ::recv(fd_, scratch, sizeof scratch, 0);
        if (n > 0) continue;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            readable_ = false;
            return;
        }
        return close();  // the end of the stream, or an error
    }
}

void Lane::forget(Session* session) {
    auto it = sessions.find(session);
    if (it == sessions.end()) return;
    loop->release_later(std::move(it->second));  // it may be running one of its own events
    sessions.erase(it);
}

void Listener::on_event(uint32_t) {
    while (true) {
        sockaddr_storage address{};
        socklen_t length = sizeof address;
        const int fd = ::accept4(fd_, reinterpret_cast<sockaddr*>(&address), &length,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            const int error = errno;
            if (error == EAGAIN || error == EWOULDBLOCK) return;
            if (error == EINTR || error == ECONNABORTED || error == EPROTO) continue;
            server_.log().event("warn", "accept failed: " + errno_text(error));
            if (error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM) {
                resting_ = true;
                unwatch();
            }
            return;
        }
        if (server_.connections().load() >= server_.options().max_connections) {
            ::close(fd);  // over the cap: refuse rather than degrade everyone
            continue;
        }
        server_.adopt(fd, address_text(address));
    }
}

void Listener::resume_if_resting() {
    if (!resting_ || fd_ < 0) return;
    resting_ = false;
    if (!watch()) server_.log().event("warn", "cannot watch the listening socket again");
}

}  // namespace

Result<int> HttpServer::Impl::open_listening_socket() {
    // A numeric IPv4 or IPv6 address (with a scope id, e.g. fe80::1%eth0); no name lookups.
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    addrinfo* found = nullptr;
    if (::getaddrinfo(options_.host.c_str(), std::to_string(options_.port).c_str(), &hints,
                      &found) != 0 ||
        found == nullptr) {
        return make_error(ErrorCode::kUnavailable, "listen-failed",
                          "invalid listen address '" + options_.host + "'");
    }
    sockaddr_storage address{};
    const auto length = static_cast<socklen_t>(found->ai_addrlen);
    std::memcpy(&address, found->ai_addr, found->ai_addrlen);
    ::freeaddrinfo(found);
    const auto failed = [](std::string what, int fd) -> Error {
        const int error = errno;
        if (fd >= 0) ::close(fd);
        return make_error(ErrorCode::kUnavailable, "listen-failed",
                          what + ": " + errno_text(error));
    };
    const int fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return failed("cannot open socket", fd);
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0) {
        return failed("cannot listen on " + options_.host + ":" + std::to_string(options_.port),
                      fd);
    }
    if (::listen(fd, SOMAXCONN) != 0) return failed("cannot listen", fd);
    sockaddr_storage bound{};
    socklen_t bound_length = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_length);
    port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(bound).sin6_port
                                              : reinterpret_cast<sockaddr_in&>(bound).sin_port);
    return fd;
}

void HttpServer::Impl::adopt(int fd, std::string remote) {
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    Lane& lane = *lanes_[next_lane_++ % lanes_.size()];
    // Built here: it counts against max_connections at once, and it owns the descriptor even if
    // the lane stops before it starts the session.
    auto session = std::make_shared<Session>(fd, *this, lane, std::move(remote));
    auto start = [this, &lane, session] {
        Session* raw = session.get();
        lane.sessions.emplace(raw, session);
        if (!raw->start()) {
            log_.event("warn", "cannot watch a new connection: " + errno_text(errno));
            lane.forget(raw);
        }
    };
    if (lane.loop->in_loop_thread()) {
        start();
    } else {
        lane.loop->post(std::move(start));
    }
}

void HttpServer::Impl::sweep(Lane& lane) {
    if (&lane == lanes_.front().get()) listener_->resume_if_resting();
    const auto now = Clock::now();
    std::vector<Session*> sessions;
    sessions.reserve(lane.sessions.size());
    for (auto& entry : lane.sessions) sessions.push_back(entry.first);
    for (Session* session : sessions) session->expire_if_due(now);
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
void HttpServer::join() { impl_->join(); }

}  // namespace restock::http
