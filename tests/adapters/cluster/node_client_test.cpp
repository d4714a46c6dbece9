// NodeClient against a scripted peer on loopback: what a failure means for the request (was it
// delivered?), a keep-alive connection reused, and the answer's headers.
#include "adapters/cluster/node_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace restock::cluster {
namespace {

// Accepts connections and hands each to `serve` (on its own thread).
class ScriptedPeer {
  public:
    explicit ScriptedPeer(std::function<void(int fd)> serve) : serve_(std::move(serve)) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::listen(fd_, 16);
        socklen_t length = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &length);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] {
            while (true) {
                const int client = ::accept(fd_, nullptr, nullptr);
                if (client < 0) return;
                accepted_.fetch_add(1);
                std::lock_guard lock(mutex_);
                clients_.push_back(client);
                servers_.emplace_back([this, client] { serve_(client); });
            }
        });
    }
    ~ScriptedPeer() {
        ::shutdown(fd_, SHUT_RDWR);
        thread_.join();
        ::close(fd_);
        std::lock_guard lock(mutex_);
        for (int client : clients_) ::shutdown(client, SHUT_RDWR);
        for (auto& server : servers_) server.join();
        for (int client : clients_) ::close(client);
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    int accepted() const { return accepted_.load(); }

  private:
    std::function<void(int)> serve_;
    int fd_ = -1;
    uint16_t port_ = 0;
    std::atomic<int> accepted_{0};
    std::mutex mutex_;
    std::vector<int> clients_;
    std::vector<std::thread> servers_;
    std::thread thread_;
};

// Reads one request (headers and a Content-Length body); false at end of stream.
bool read_request(int fd) {
    std::string data;
    char chunk[4096];
    while (true) {
        const auto end = data.find("\r\n\r\n");
        if (end != std::string::npos) {
            std::size_t length = 0;
            const auto at = data.find("Content-Length: ");
            if (at != std::string::npos) length = std::stoul(data.substr(at + 16));
            if (data.size() >= end + 4 + length) return true;
        }
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) return false;
        data.append(chunk, static_cast<std::size_t>(n));
    }
}

NodeRequest checkout() {
    return NodeRequest{"POST", "/v1/checkout", {{"Content-Type", "application/json"}}, "{}"};
}

TEST(NodeClientTest, NothingListeningMeansNothingWasDelivered) {
    std::string url;
    {
        ScriptedPeer gone([](int) {});
        url = gone.url();
    }
    NodeClient client;
    auto sent = client.send(url, checkout(), 2000);
    ASSERT_TRUE(std::holds_alternative<NodeFailure>(sent));
    EXPECT_FALSE(std::get<NodeFailure>(sent).delivered);
}

// Regression: a peer that died after reading the request (kill -9 of the writer) closes the
// connection without a byte of answer. Beast's parser takes that end of stream as a complete,
// empty 200, and the forwarding node told its client the checkout was taken.
TEST(NodeClientTest, APeerThatClosesWithoutAnsweringIsAFailureAfterDelivery) {
    ScriptedPeer dies([](int fd) { read_request(fd); });
    NodeClient client;
    auto sent = client.send(dies.url(), checkout(), 2000);
    ASSERT_TRUE(std::holds_alternative<NodeFailure>(sent))
        << "answered " << std::get<NodeResponse>(sent).status;
    EXPECT_TRUE(std::get<NodeFailure>(sent).delivered);
}

TEST(NodeClientTest, AnAnswerIsReadWholeAndTheConnectionReused) {
    ScriptedPeer peer([](int fd) {
        while (read_request(fd)) {
            const std::string body = "{\"ok\":true}";
            const std::string answer =
                "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                "Location: /v1/products/A\r\nIdempotent-Replayed: true\r\n"
                "X-Restock-Not-Writer: 1\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n\r\n" + body;
            ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
        }
    });
    NodeClient client;
    for (int i = 0; i < 3; ++i) {
        auto sent = client.send(peer.url(), checkout(), 2000);
        ASSERT_TRUE(std::holds_alternative<NodeResponse>(sent));
        const NodeResponse& r = std::get<NodeResponse>(sent);
        EXPECT_EQ(r.status, 201);
        EXPECT_EQ(r.content_type, "application/json");
        EXPECT_EQ(r.location, "/v1/products/A");
        EXPECT_TRUE(r.replayed);
        EXPECT_TRUE(r.not_writer);
        EXPECT_EQ(r.body, "{\"ok\":true}");
    }
    EXPECT_EQ(peer.accepted(), 1);  // one keep-alive connection for all three
}

TEST(NodeClientTest, APeerThatNeverAnswersTimesOutAfterDelivery) {
    ScriptedPeer silent([](int fd) {
        read_request(fd);
        std::this_thread::sleep_for(std::chrono::milliseconds(800));
    });
    NodeClient client;
    const auto began = std::chrono::steady_clock::now();
    auto sent = client.send(silent.url(), checkout(), 300);
    const auto took = std::chrono::steady_clock::now() - began;
    ASSERT_TRUE(std::holds_alternative<NodeFailure>(sent));
    EXPECT_TRUE(std::get<NodeFailure>(sent).delivered);
    EXPECT_LT(took, std::chrono::milliseconds(700));
}

}  // namespace
}  // namespace restock::cluster
