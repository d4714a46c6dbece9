// CurlHttpClient over loopback: exact requests, statuses as values, limits, timeouts, and
// error messages that never contain the query string.
#include "adapters/curl/curl_http_client.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <chrono>
#include <thread>

#include "adapters/curl/test_http_receiver.h"
#include "factory_sim/factory_sim.h"

namespace restock::curl {
namespace {

using restock::testing::ReceivedRequest;
using restock::testing::ReceiverReply;
using restock::testing::TestHttpReceiver;
using std::chrono::milliseconds;

// A loopback port nobody listens on (bound, then released).
uint16_t closed_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
}

HttpCall post(std::string url, std::string body) {
    HttpCall call;
    call.method = "POST";
    call.url = std::move(url);
    call.headers = {{"Content-Type", "application/json"}};
    call.body = std::move(body);
    call.timeout_ms = 2000;
    return call;
}

TEST(CurlHttpClientTest, PostSendsExactlyWhatItIsGiven) {
    TestHttpReceiver receiver;
    receiver.set_responder([](const ReceivedRequest&, std::size_t) {
        return ReceiverReply{201, R"({"ok":true})"};
    });
    CurlHttpClient client;
    HttpCall call = post(receiver.base_url() + "/v1/x?token=abc", R"({"a":1})");
    call.headers.emplace_back("X-Trace", "t-1");
    auto answer = client.send(call);
    ASSERT_TRUE(answer.ok()) << answer.error().message;
    EXPECT_EQ(answer->status, 201);
    EXPECT_EQ(answer->body, R"({"ok":true})");

    const auto requests = receiver.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].method, "POST");
    EXPECT_EQ(requests[0].target, "/v1/x?token=abc");
    EXPECT_EQ(requests[0].body, R"({"a":1})");
    EXPECT_EQ(requests[0].header("Content-Type"), "application/json");
    EXPECT_EQ(requests[0].header("X-Trace"), "t-1");
    EXPECT_EQ(requests[0].header("Expect"), "");
    EXPECT_EQ(requests[0].header("User-Agent"), "");
}

TEST(CurlHttpClientTest, UrlIsRequestedExactlyAsGiven) {
    TestHttpReceiver receiver;
    CurlHttpClient client;
    ASSERT_TRUE(client.send(post(receiver.base_url() + "/a/../b/./c?x=%2F&y=1", "{}")).ok());
    ASSERT_EQ(receiver.requests().size(), 1u);
    EXPECT_EQ(receiver.requests()[0].target, "/a/../b/./c?x=%2F&y=1");
}

TEST(CurlHttpClientTest, MethodsAndStatusesAreValues) {
    TestHttpReceiver receiver;
    receiver.set_responder([](const ReceivedRequest& request, std::size_t) {
        return ReceiverReply{request.method == "GET" ? 404 : 503, "{}"};
    });
    CurlHttpClient client;
    HttpCall get;
    get.method = "GET";
    get.url = receiver.base_url() + "/missing";
    auto answer = client.send(get);
    ASSERT_TRUE(answer.ok());
    EXPECT_EQ(answer->status, 404);

    HttpCall del;
    del.method = "DELETE";
    del.url = receiver.base_url() + "/thing";
    answer = client.send(del);
    ASSERT_TRUE(answer.ok());
    EXPECT_EQ(answer->status, 503);

    HttpCall put = post(receiver.base_url() + "/thing", "{}");
    put.method = "PUT";
    ASSERT_TRUE(client.send(put).ok());
    ASSERT_TRUE(receiver.wait_for(3, milliseconds(1000)));
    const auto requests = receiver.requests();
    EXPECT_EQ(requests[0].method, "GET");
    EXPECT_EQ(requests[1].method, "DELETE");
    EXPECT_EQ(requests[2].method, "PUT");
    EXPECT_EQ(requests[2].body, "{}");
}

TEST(CurlHttpClientTest, BodyWithoutContentTypeIsSentWithoutOne) {
    TestHttpReceiver receiver;
    CurlHttpClient client;
    HttpCall call = post(receiver.base_url() + "/raw", "x=1");
    call.headers.clear();
    ASSERT_TRUE(client.send(call).ok());
    ASSERT_EQ(receiver.requests().size(), 1u);
    EXPECT_EQ(receiver.requests()[0].header("Content-Type"), "");
    EXPECT_EQ(receiver.requests()[0].body, "x=1");
}

TEST(CurlHttpClientTest, ResponsesOverTheCapAreErrors) {
    TestHttpReceiver receiver;
    receiver.set_responder([](const ReceivedRequest& request, std::size_t) {
        const std::size_t size =
            request.target.rfind("/big", 0) == 0 ? 2 * 1024 * 1024 : 1024 * 1024;
        return ReceiverReply{200, std::string(size, 'x')};
    });
    CurlHttpClient client;
    HttpCall call;
    call.method = "GET";
    call.url = receiver.base_url() + "/exact";
    auto answer = client.send(call);
    ASSERT_TRUE(answer.ok()) << answer.error().message;
    EXPECT_EQ(answer->body.size(), 1024u * 1024u);

    call.url = receiver.base_url() + "/big?token=s3cret";
    answer = client.send(call);
    ASSERT_FALSE(answer.ok());
    EXPECT_EQ(answer.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(answer.error().slug, "http-failed");
    EXPECT_NE(answer.error().message.find("exceeds 1048576 bytes"), std::string::npos);
    EXPECT_EQ(answer.error().message.find("s3cret"), std::string::npos);
}

TEST(CurlHttpClientTest, RefusedConnectionNamesHostAndPathButNotQuery) {
    CurlHttpClient client;
    const uint16_t port = closed_port();
    auto answer = client.send(post(
        "http://127.0.0.1:" + std::to_string(port) + "/v1/factory/callbacks/42?token=s3cret-t0ken",
        "{}"));
    ASSERT_FALSE(answer.ok());
    const Error& error = answer.error();
    EXPECT_EQ(error.code, ErrorCode::kUnavailable);
    EXPECT_EQ(error.slug, "http-failed");
    EXPECT_NE(error.message.find("127.0.0.1:" + std::to_string(port) + "/v1/factory/callbacks/42"),
              std::string::npos)
        << error.message;
    EXPECT_EQ(error.message.find("s3cret"), std::string::npos) << error.message;
    EXPECT_EQ(error.message.find("token"), std::string::npos) << error.message;
    EXPECT_EQ(error.message.find('?'), std::string::npos) << error.message;
}

TEST(CurlHttpClientTest, TimesOutAgainstAHangingFactory) {
    factory_sim::FactorySimOptions options;
    options.hang_rate = 1;
    options.hang_ms = 5000;
    options.log = nullptr;
    auto sim = factory_sim::FactorySim::start(options);
    ASSERT_TRUE(sim.ok()) << sim.error().message;

    CurlHttpClient client;
    HttpCall call = post(
        "http://127.0.0.1:" + std::to_string(sim.value()->port()) + "/api/manufactures?key=s3cret",
        R"({"MessageGroupId":"g","MessageAttributeProductId":"SKU-1",)"
        R"("MessageAttributeProductCnt":5,"MessageAttributeFactoryId":"f1",)"
        R"("MessageAttributeRequester":"restock","CallbackUrl":"http://127.0.0.1:9/cb"})");
    call.timeout_ms = 300;
    const auto started = std::chrono::steady_clock::now();
    auto answer = client.send(call);
    const auto elapsed = std::chrono::steady_clock::now() - started;
    ASSERT_FALSE(answer.ok());
    EXPECT_EQ(answer.error().code, ErrorCode::kUnavailable);
    EXPECT_LT(elapsed, milliseconds(2000));
    EXPECT_GE(elapsed, milliseconds(250));
    EXPECT_NE(answer.error().message.find("/api/manufactures"), std::string::npos);
    EXPECT_EQ(answer.error().message.find("s3cret"), std::string::npos) << answer.error().message;

    const auto stop_started = std::chrono::steady_clock::now();
    sim.value()->stop();  // the held connection does not delay shutdown
    EXPECT_LT(std::chrono::steady_clock::now() - stop_started, milliseconds(2000));
}

TEST(CurlHttpClientTest, RejectsHeaderInjection) {
    CurlHttpClient client;
    HttpCall call = post("http://127.0.0.1:9/x", "{}");
    call.headers.emplace_back("X-Evil", "a\r\nHost: other");
    auto answer = client.send(call);
    ASSERT_FALSE(answer.ok());
    EXPECT_EQ(answer.error().code, ErrorCode::kInvalidArgument);
}

TEST(CurlHttpClientTest, RefusesOtherProtocols) {
    CurlHttpClient client;
    HttpCall call;
    call.method = "GET";
    call.url = "file:///etc/passwd";
    auto answer = client.send(call);
    ASSERT_FALSE(answer.ok());
    EXPECT_EQ(answer.error().code, ErrorCode::kUnavailable);
}

TEST(CurlHttpClientTest, ConcurrentCallsShareTheClient) {
    TestHttpReceiver receiver;
    receiver.set_responder([](const ReceivedRequest& request, std::size_t) {
        return ReceiverReply{200, request.body};
    });
    CurlHttpClient client;
    constexpr int kThreads = 8;
    constexpr int kCalls = 25;
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kCalls; ++i) {
                const std::string body = std::to_string(t * 1000 + i);
                auto answer = client.send(post(receiver.base_url() + "/echo", body));
                if (answer.ok() && answer->status == 200 && answer->body == body) ++good;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(good.load(), kThreads * kCalls);
}

}  // namespace
}  // namespace restock::curl
