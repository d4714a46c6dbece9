#include "adapters/cluster/node_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstring>

namespace restock::cluster {
namespace {

namespace bhttp = boost::beast::http;
using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kMaxResponseBody = 16 * 1024 * 1024;

Error link_error(std::string message) {
    return make_error(ErrorCode::kUnavailable, "unavailable", std::move(message));
}

int remaining_ms(SteadyClock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    return static_cast<int>(std::max<int64_t>(0, left.count()));
}

// Waits for `events` on fd until the deadline. False on timeout or error.
bool wait_for(int fd, short events, SteadyClock::time_point deadline) {
    while (true) {
        pollfd p{fd, events, 0};
        const int ready = ::poll(&p, 1, remaining_ms(deadline));
        if (ready > 0) return true;
        if (ready == 0) return false;
        if (errno != EINTR) return false;
    }
}

// "http://host:port" -> host, port.
bool split_url(const std::string& url, std::string& host, std::string& port) {
    constexpr std::string_view kScheme = "http://";
    if (url.rfind(kScheme, 0) != 0) return false;
    std::string rest = url.substr(kScheme.size());
    if (auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
    const auto colon = rest.rfind(':');
    if (colon == std::string::npos || colon == 0) return false;
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    return !port.empty();
}

std::variant<int, Error> connect_to(const std::string& base_url, SteadyClock::time_point deadline) {
    std::string host, port;
    if (!split_url(base_url, host, port)) return link_error("bad node URL '" + base_url + "'");
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
        return link_error("cannot resolve " + host + ": " + ::gai_strerror(rc));
    }
    std::string last = "no address";
    for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) continue;
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0 ||
            (errno == EINPROGRESS && wait_for(fd, POLLOUT, deadline))) {
            int error = 0;
            socklen_t length = sizeof error;
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
            if (error == 0) {
                ::freeaddrinfo(found);
                return fd;
            }
            last = std::strerror(error);
        } else {
            last = errno == EINPROGRESS ? "timed out" : std::strerror(errno);
        }
        ::close(fd);
    }
    ::freeaddrinfo(found);
    return link_error("cannot connect to the node at " + host + ":" + port + ": " + last);
}

std::string serialize(const NodeRequest& request, const std::string& base_url) {
    std::string out;
    out.reserve(256 + request.body.size());
    out += request.method;
    out += ' ';
    out += request.target;
    out += " HTTP/1.1\r\nHost: ";
    out += base_url.substr(base_url.find("://") + 3);
    out += "\r\n";
    for (const auto& [name, value] : request.headers) {
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    out += "Content-Length: ";
    out += std::to_string(request.body.size());
    out += "\r\n\r\n";
    out += request.body;
    return out;
}

}  // namespace

NodeClient::~NodeClient() {
    for (const auto& c : idle_) ::close(c.fd);
}

int NodeClient::take(const std::string& base_url) {
    std::lock_guard lock(mutex_);
    const auto now = SteadyClock::now();
    int found = -1;
    for (auto it = idle_.begin(); it != idle_.end();) {
        if (now - it->idle_since > kMaxIdle) {
            ::close(it->fd);
            it = idle_.erase(it);
        } else if (found < 0 && it->base_url == base_url) {
            found = it->fd;
            it = idle_.erase(it);
        } else {
            ++it;
        }
    }
    return found;
}

void NodeClient::give_back(const std::string& base_url, int fd) {
    std::lock_guard lock(mutex_);
    idle_.push_back(Connection{base_url, fd, SteadyClock::now()});
}

std::variant<NodeResponse, NodeFailure> NodeClient::send(const std::string& base_url,
                                                         const NodeRequest& request,
                                                         int timeout_ms) {
    const auto deadline = SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
    int fd = take(base_url);
    if (fd < 0) {
        auto connected = connect_to(base_url, deadline);
        if (auto* error = std::get_if<Error>(&connected)) return NodeFailure{*error, false};
        fd = std::get<int>(connected);
    }
    auto fail = [&fd](std::string message, bool delivered) {
        ::close(fd);
        return NodeFailure{link_error(std::move(message)), delivered};
    };

    const std::string out = serialize(request, base_url);
    std::size_t sent = 0;
    while (sent < out.size()) {
        const ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!wait_for(fd, POLLOUT, deadline)) {
                return fail("timed out sending to the node", sent > 0);
            }
        } else {
            return fail(std::string("cannot send to the node: ") + std::strerror(errno), sent > 0);
        }
    }

    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(kMaxResponseBody);
    std::string buffer;
    char chunk[16 * 1024];
    boost::beast::error_code ec;
    while (!parser.is_done()) {
        if (!buffer.empty()) {
            const std::size_t used =
                parser.put(boost::asio::buffer(buffer.data(), buffer.size()), ec);
            buffer.erase(0, used);
            if (ec == bhttp::error::need_more) {
                ec = {};
            } else if (ec) {
                return fail("malformed answer from the node: " + ec.message(), true);
            }
            if (parser.is_done()) break;
            if (used > 0 && !buffer.empty()) continue;
        }
        if (!wait_for(fd, POLLIN, deadline)) return fail("timed out waiting for the node", true);
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n > 0) {
            buffer.append(chunk, static_cast<std::size_t>(n));
        } else if (n == 0) {
            // Only a response whose end is marked by the close may end so. (Beast's parser
            // takes an end of stream before any byte as a complete, empty 200.)
            if (!parser.is_header_done()) {
                return fail("the node closed the connection before answering", true);
            }
            parser.put_eof(ec);
            if (ec || !parser.is_done()) return fail("the node closed the connection", true);
        } else if (errno != EINTR && errno != EAGAIN) {
            return fail(std::string("cannot read from the node: ") + std::strerror(errno), true);
        }
    }

    const auto& message = parser.get();
    NodeResponse response;
    response.status = static_cast<int>(message.result_int());
    response.content_type = std::string(message[bhttp::field::content_type]);
    response.location = std::string(message[bhttp::field::location]);
    response.set_cookie = std::string(message[bhttp::field::set_cookie]);
    response.replayed = message["Idempotent-Replayed"] == "true";
    response.not_writer = message["X-Restock-Not-Writer"] == "1";
    response.request_id = std::string(message["X-Request-Id"]);
    response.body = message.body();
    if (message.keep_alive() && buffer.empty()) {
        give_back(base_url, fd);
    } else {
        ::close(fd);
    }
    return response;
}

}  // namespace restock::cluster
