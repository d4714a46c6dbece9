#include "adapters/curl/fake_smtp_server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <condition_variable>
#include <istream>
#include <mutex>
#include <optional>
#include <thread>

namespace restock::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class FakeSmtpServer::Impl {
  public:
    Impl() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        port_ = acceptor_.local_endpoint().port();
        thread_ = std::thread([this] { serve(); });
    }

    ~Impl() {
        stopping_ = true;
        // Wake the blocking accept with a connection of our own.
        boost::system::error_code ignored;
        tcp::socket waker(io_);
        waker.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ignored);
        thread_.join();
    }

    uint16_t port() const { return port_; }
    void refuse_recipients(bool refuse) { refuse_ = refuse; }

    std::vector<ReceivedMail> mails() const {
        std::lock_guard lock(mutex_);
        return mails_;
    }

    bool wait_for(std::size_t n, std::chrono::milliseconds timeout) const {
        std::unique_lock lock(mutex_);
        return arrived_.wait_for(lock, timeout, [&] { return mails_.size() >= n; });
    }

  private:
    void serve() {
        while (!stopping_) {
            tcp::socket socket(io_);
            boost::system::error_code ec;
            acceptor_.accept(socket, ec);
            if (ec || stopping_) return;
            converse(socket);
        }
    }

    static void reply(tcp::socket& socket, const std::string& line) {
        boost::system::error_code ignored;
        asio::write(socket, asio::buffer(line + "\r\n"), ignored);
    }

    void converse(tcp::socket& socket) {
        asio::streambuf buffer;
        boost::system::error_code ec;
        auto read_line = [&]() -> std::optional<std::string> {
            asio::read_until(socket, buffer, "\r\n", ec);
            if (ec) return std::nullopt;
            std::istream in(&buffer);
            std::string line;
            std::getline(in, line);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            return line;
        };
        ReceivedMail mail;
        reply(socket, "220 fake.test ESMTP");
        while (auto line = read_line()) {
            const std::string verb = line->substr(0, 4);
            if (verb == "EHLO" || verb == "HELO") {
                reply(socket, "250 fake.test");
            } else if (verb == "MAIL") {
                mail = {};
                mail.mail_from = line->substr(line->find(':') + 1);
                reply(socket, "250 OK");
            } else if (verb == "RCPT") {
                if (refuse_) {
                    reply(socket, "550 no such user");
                    continue;
                }
                mail.recipients.push_back(line->substr(line->find(':') + 1));
                reply(socket, "250 OK");
            } else if (verb == "DATA") {
                reply(socket, "354 go ahead");
                while (auto data = read_line()) {
                    if (*data == ".") break;
                    // Undo dot-stuffing (RFC 5321 4.5.2).
                    mail.data += (data->rfind("..", 0) == 0 ? data->substr(1) : *data) + "\r\n";
                }
                {
                    std::lock_guard lock(mutex_);
                    mails_.push_back(mail);
                }
                arrived_.notify_all();
                reply(socket, "250 queued");
            } else if (verb == "QUIT") {
                reply(socket, "221 bye");
                return;
            } else if (verb == "RSET" || verb == "NOOP") {
                reply(socket, "250 OK");
            } else {
                reply(socket, "502 not implemented");
            }
        }
    }

    asio::io_context io_;
    tcp::acceptor acceptor_;
    uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> refuse_{false};
    std::thread thread_;
    mutable std::mutex mutex_;
    mutable std::condition_variable arrived_;
    std::vector<ReceivedMail> mails_;
};

FakeSmtpServer::FakeSmtpServer() : impl_(std::make_unique<Impl>()) {}
FakeSmtpServer::~FakeSmtpServer() = default;

uint16_t FakeSmtpServer::port() const { return impl_->port(); }
std::string FakeSmtpServer::url() const { return "smtp://127.0.0.1:" + std::to_string(port()); }
void FakeSmtpServer::refuse_recipients(bool refuse) { impl_->refuse_recipients(refuse); }
std::vector<ReceivedMail> FakeSmtpServer::mails() const { return impl_->mails(); }
bool FakeSmtpServer::wait_for(std::size_t n, std::chrono::milliseconds timeout) const {
    return impl_->wait_for(n, timeout);
}

}  // namespace restock::testing
