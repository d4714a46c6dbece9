#include "adapters/curl/test_http_receiver.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <thread>

namespace restock::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::string ReceivedRequest::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (beast::iequals(key, name)) return value;
    }
    return "";
}

class TestHttpReceiver::Impl {
  public:
    Impl() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        accept();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~Impl() {
        io_.stop();
        thread_.join();
    }

    uint16_t port() const { return acceptor_.local_endpoint().port(); }

    void set_responder(Responder responder) {
        std::lock_guard lock(mutex_);
        responder_ = std::move(responder);
    }

    ReceiverReply record(ReceivedRequest request) {
        std::unique_lock lock(mutex_);
        const std::size_t index = requests_.size();
        requests_.push_back(request);
        Responder responder = responder_;
        lock.unlock();
        arrived_.notify_all();
        return responder ? responder(request, index) : ReceiverReply{};
    }

    std::vector<ReceivedRequest> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }

    bool wait_for(std::size_t n, std::chrono::milliseconds timeout) const {
        std::unique_lock lock(mutex_);
        return arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
    }

  private:
    void accept();

    asio::io_context io_;
    tcp::acceptor acceptor_;
    std::thread thread_;
    mutable std::mutex mutex_;
    mutable std::condition_variable arrived_;
    std::vector<ReceivedRequest> requests_;
    Responder responder_;
};

namespace {

class Connection : public std::enable_shared_from_this<Connection> {
  public:
    Connection(tcp::socket socket, TestHttpReceiver::Impl& owner)
        : stream_(std::move(socket)), owner_(owner) {}

    void read() {
        request_ = {};
        bhttp::async_read(stream_, buffer_, request_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec) self->on_request();
                          });
    }

  private:
    void on_request() {
        ReceivedRequest received;
        received.method = std::string(request_.method_string());
        received.target = std::string(request_.target());
        for (const auto& field : request_) {
            received.headers.emplace_back(std::string(field.name_string()),
                                          std::string(field.value()));
        }
        received.body = request_.body();
        const ReceiverReply reply = owner_.record(std::move(received));
        response_ = {};
        response_.version(11);
        response_.result(static_cast<unsigned>(reply.status));
        response_.set(bhttp::field::content_type, "application/json");
        response_.keep_alive(request_.keep_alive());
        response_.body() = reply.body;
        response_.prepare_payload();
        bhttp::async_write(stream_, response_,
                           [self = shared_from_this()](beast::error_code ec, std::size_t) {
                               if (!ec && self->request_.keep_alive()) self->read();
                           });
    }

    beast::tcp_stream stream_;
    TestHttpReceiver::Impl& owner_;
    beast::flat_buffer buffer_;
    bhttp::request<bhttp::string_body> request_;
    bhttp::response<bhttp::string_body> response_;
};

}  // namespace

void TestHttpReceiver::Impl::accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
        if (ec) return;
        std::make_shared<Connection>(std::move(socket), *this)->read();
        accept();
    });
}

TestHttpReceiver::TestHttpReceiver() : impl_(std::make_unique<Impl>()) {}
TestHttpReceiver::~TestHttpReceiver() = default;

uint16_t TestHttpReceiver::port() const { return impl_->port(); }
std::string TestHttpReceiver::base_url() const {
    return "http://127.0.0.1:" + std::to_string(port());
}
void TestHttpReceiver::set_responder(Responder responder) {
    impl_->set_responder(std::move(responder));
}
std::vector<ReceivedRequest> TestHttpReceiver::requests() const { return impl_->requests(); }
bool TestHttpReceiver::wait_for(std::size_t n, std::chrono::milliseconds timeout) const {
    return impl_->wait_for(n, timeout);
}

}  // namespace restock::testing
