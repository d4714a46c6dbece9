// The factory simulator in-process on port 0, driven with the curl client, calling back a
// local receiver: the behaviours the connector tests and benchmarks rely on.
#include "factory_sim/factory_sim.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <thread>

#include "adapters/curl/curl_http_client.h"
#include "adapters/curl/test_http_receiver.h"
#include "json/json.h"

namespace restock::factory_sim {
namespace {

using restock::testing::ReceivedRequest;
using restock::testing::ReceiverReply;
using restock::testing::TestHttpReceiver;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr const char* kCallbackBody =
    R"({"MessageAttributeProductId":"SKU-1","MessageAttributeProductCnt":12})";

std::string order_body(const std::string& callback_url, std::string_view sku = "SKU-1",
                       int qty = 12) {
    std::string out;
    json::Writer(out)
        .begin_object()
        .key("MessageGroupId")
        .value("stock-arrival-group")
        .key("MessageAttributeProductId")
        .value(sku)
        .key("MessageAttributeProductCnt")
        .value(qty)
        .key("MessageAttributeFactoryId")
        .value("f1")
        .key("MessageAttributeRequester")
        .value("restock")
        .key("CallbackUrl")
        .value(callback_url)
        .end_object();
    return out;
}

class FactorySimTest : public ::testing::Test {
  protected:
    void start(FactorySimOptions options) {
        if (options.log == stdout) options.log = nullptr;
        auto sim = FactorySim::start(options);
        ASSERT_TRUE(sim.ok()) << sim.error().message;
        sim_ = std::move(sim.value());
    }
    void start_default(int64_t delay_ms = 20) {
        FactorySimOptions options;
        options.delay_ms = delay_ms;
        start(options);
    }

    std::string url(std::string_view path) const {
        return "http://127.0.0.1:" + std::to_string(sim_->port()) + std::string(path);
    }
    std::string callback_url(std::string_view order = "7") const {
        return receiver_.base_url() + "/v1/factory/callbacks/" + std::string(order) +
               "?token=s3cret-t0ken";
    }

    HttpAnswer call(std::string method, std::string_view path, std::string body = "") {
        HttpCall c;
        c.method = std::move(method);
        c.url = url(path);
        c.body = std::move(body);
        if (!c.body.empty()) c.headers = {{"Content-Type", "application/json"}};
        c.timeout_ms = 5000;
        auto answer = client_.send(c);
        EXPECT_TRUE(answer.ok()) << answer.error().message;
        return answer.ok() ? answer.value() : HttpAnswer{};
    }
    HttpAnswer post(std::string_view path, std::string body) {
        return call("POST", path, std::move(body));
    }
    HttpAnswer get(std::string_view path) { return call("GET", path); }

    json::Value orders() {
        auto parsed = json::parse(get("/api/orders").body);
        EXPECT_TRUE(parsed.ok());
        return parsed.ok() ? parsed->find("orders") ? *parsed->find("orders") : json::Value()
                           : json::Value();
    }
    // Polls /api/orders until `done` holds for order `seq` (1-based).
    json::Value wait_for_order(std::size_t seq, const std::function<bool(const json::Value&)>& done,
                               milliseconds timeout = milliseconds(5000)) {
        const auto deadline = Clock::now() + timeout;
        while (true) {
            json::Value list = orders();
            if (list.kind() == json::Value::Kind::kArray && list.as_array().size() >= seq &&
                done(list.as_array()[seq - 1])) {
                return list.as_array()[seq - 1];
            }
            if (Clock::now() > deadline) {
                ADD_FAILURE() << "order " << seq << " never reached the expected state";
                return json::Value();
            }
            std::this_thread::sleep_for(milliseconds(20));
        }
    }
    static std::string state(const json::Value& order) {
        const json::Value* s =
            order.kind() == json::Value::Kind::kObject ? order.find("callback_state") : nullptr;
        return s != nullptr ? s->as_string() : "";
    }

    TestHttpReceiver receiver_;
    curl::CurlHttpClient client_;
    std::unique_ptr<FactorySim> sim_;
};

TEST_F(FactorySimTest, HealthzAnswers) {
    start_default();
    EXPECT_EQ(get("/healthz").status, 200);
    EXPECT_EQ(get("/nope").status, 404);
    EXPECT_EQ(get("/api/manufactures").status, 405);
}

TEST_F(FactorySimTest, AcceptedOrderIsRecordedAndCalledBackWithExactJson) {
    start_default(50);
    const auto started = Clock::now();
    const HttpAnswer answer = post("/api/manufactures", order_body(callback_url()));
    EXPECT_EQ(answer.status, 202);
    EXPECT_EQ(answer.body, R"({"accepted":true,"factory_order":1})");

    ASSERT_TRUE(receiver_.wait_for(1, milliseconds(3000)));
    EXPECT_GE(Clock::now() - started, milliseconds(50));  // after delay_ms
    const ReceivedRequest callback = receiver_.requests().at(0);
    EXPECT_EQ(callback.method, "POST");
    EXPECT_EQ(callback.target, "/v1/factory/callbacks/7?token=s3cret-t0ken");  // exactly as given
    EXPECT_EQ(callback.body, kCallbackBody);
    EXPECT_EQ(callback.header("Content-Type"), "application/json");
    EXPECT_EQ(callback.header("Authorization"), "");
    EXPECT_EQ(callback.header("User-Agent"), "");

    const json::Value order =
        wait_for_order(1, [](const json::Value& o) { return state(o) == "delivered"; });
    ASSERT_EQ(order.kind(), json::Value::Kind::kObject);
    EXPECT_EQ(order.find("seq")->as_integer(), 1);
    EXPECT_EQ(order.find("product_id")->as_string(), "SKU-1");
    EXPECT_EQ(order.find("qty")->as_integer(), 12);
    EXPECT_EQ(order.find("factory_id")->as_string(), "f1");
    EXPECT_EQ(order.find("requester")->as_string(), "restock");
    EXPECT_GT(order.find("received_at_ms")->as_integer(), 1'600'000'000'000);
    EXPECT_EQ(order.find("callback_url_host_path")->as_string(),
              "127.0.0.1:" + std::to_string(receiver_.port()) + "/v1/factory/callbacks/7");
    EXPECT_EQ(order.find("callback_status")->as_integer(), 200);
    EXPECT_EQ(order.find("callback_attempts")->as_integer(), 1);
    EXPECT_EQ(get("/api/orders").body.find("s3cret"), std::string::npos);
}

TEST_F(FactorySimTest, InvalidOrdersAre400AndNotRecorded) {
    start_default();
    EXPECT_EQ(post("/api/manufactures", "{").status, 400);
    EXPECT_EQ(post("/api/manufactures", order_body(callback_url(), "SKU-1", 0)).status, 400);
    EXPECT_EQ(post("/api/manufactures", order_body("ftp://x/cb")).status, 400);
    const HttpAnswer answer = post("/api/manufactures", R"({"MessageGroupId":"g"})");
    EXPECT_EQ(answer.status, 400);
    EXPECT_NE(answer.body.find("\"error\""), std::string::npos);
    EXPECT_EQ(orders().as_array().size(), 0u);
}

TEST_F(FactorySimTest, FailRateOneGives500) {
    FactorySimOptions options;
    options.fail_rate = 1;
    start(options);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(post("/api/manufactures", order_body(callback_url())).status, 500);
    }
    EXPECT_EQ(orders().as_array().size(), 0u);
    std::this_thread::sleep_for(milliseconds(300));
    EXPECT_TRUE(receiver_.requests().empty());
}

TEST_F(FactorySimTest, ControlSwitchesFailureOnAndOff) {
    start_default();
    EXPECT_EQ(post("/api/manufactures", order_body(callback_url())).status, 202);
    HttpAnswer control = post("/control", R"({"fail_rate":1})");
    EXPECT_EQ(control.status, 200);
    EXPECT_EQ(control.body,
              R"({"fail_rate":1,"hang_rate":0,"delay_ms":20,"hang_ms":30000,"callbacks":true})");
    EXPECT_EQ(post("/api/manufactures", order_body(callback_url())).status, 500);
    EXPECT_EQ(get("/control").body, control.body);

    EXPECT_EQ(post("/control", R"({"fail_rate":0,"callbacks":false})").status, 200);
    const HttpAnswer answer = post("/api/manufactures", order_body(callback_url()));
    EXPECT_EQ(answer.status, 202);
    EXPECT_EQ(answer.body, R"({"accepted":true,"factory_order":2})");

    EXPECT_EQ(post("/control", R"({"fail_rate":3})").status, 400);
    EXPECT_EQ(post("/control", R"({"bogus":true})").status, 400);
    EXPECT_EQ(get("/control").body.find("\"fail_rate\":0,"), 1u);
}

TEST_F(FactorySimTest, NoCallbacksWhenTheyAreOff) {
    FactorySimOptions options;
    options.delay_ms = 0;
    options.callbacks = false;
    start(options);
    EXPECT_EQ(post("/api/manufactures", order_body(callback_url())).status, 202);
    std::this_thread::sleep_for(milliseconds(300));
    EXPECT_TRUE(receiver_.requests().empty());
    const json::Value order = orders().as_array().at(0);
    EXPECT_EQ(state(order), "none");
    EXPECT_TRUE(order.find("callback_status")->is_null());
    EXPECT_EQ(order.find("callback_attempts")->as_integer(), 0);
}

TEST_F(FactorySimTest, CallbackIsRetriedUntilTheReceiverWorks) {
    receiver_.set_responder([](const ReceivedRequest&, std::size_t index) {
        return ReceiverReply{index < 2 ? 503 : 200, ""};
    });
    start_default(0);
    EXPECT_EQ(post("/api/manufactures", order_body(callback_url())).status, 202);
    const json::Value order =
        wait_for_order(1, [](const json::Value& o) { return state(o) == "delivered"; });
    ASSERT_EQ(order.kind(), json::Value::Kind::kObject);
    EXPECT_EQ(order.find("callback_attempts")->as_integer(), 3);
    EXPECT_EQ(order.find("callback_status")->as_integer(), 200);
    const auto requests = receiver_.requests();
    ASSERT_EQ(requests.size(), 3u);
    for (const auto& request : requests) EXPECT_EQ(request.body, kCallbackBody);
}

TEST_F(FactorySimTest, CallbackGivesUpAfterFiveRetries) {
    receiver_.set_responder([](const ReceivedRequest&, std::size_t) {
        return ReceiverReply{500, ""};
    });
    start_default(0);
    EXPECT_EQ(post("/api/manufactures", order_body(callback_url())).status, 202);
    // Backoff 100 + 200 + 400 + 800 + 1600 ms.
    const json::Value order = wait_for_order(
        1, [](const json::Value& o) { return state(o) == "failed"; }, milliseconds(8000));
    ASSERT_EQ(order.kind(), json::Value::Kind::kObject);
    EXPECT_EQ(order.find("callback_attempts")->as_integer(), 6);
    EXPECT_EQ(order.find("callback_status")->as_integer(), 500);
    EXPECT_EQ(receiver_.requests().size(), 6u);
}

TEST_F(FactorySimTest, UnreachableCallbackRecordsTheErrorWithoutTheQuery) {
    start_default(0);
    // Port 9 (discard): nobody listens on loopback, so every attempt is refused.
    const std::string dead = "http://127.0.0.1:9/v1/factory/callbacks/1?token=s3cret-t0ken";
    EXPECT_EQ(post("/control", R"({"delay_ms":0})").status, 200);
    EXPECT_EQ(post("/api/manufactures", order_body(dead)).status, 202);
    const json::Value order = wait_for_order(
        1, [](const json::Value& o) { return o.find("callback_attempts")->as_integer() >= 1; });
    ASSERT_EQ(order.kind(), json::Value::Kind::kObject);
    EXPECT_TRUE(order.find("callback_status")->is_null());
    EXPECT_NE(order.find("callback_error")->as_string().find("127.0.0.1:9/v1/factory/callbacks/1"),
              std::string::npos);
    EXPECT_EQ(get("/api/orders").body.find("s3cret"), std::string::npos);
}

TEST_F(FactorySimTest, ReplaySendsTheCallbackOnceMore) {
    start_default(0);
    EXPECT_EQ(post("/api/manufactures", order_body(callback_url())).status, 202);
    ASSERT_TRUE(receiver_.wait_for(1, milliseconds(3000)));
    wait_for_order(1, [](const json::Value& o) { return state(o) == "delivered"; });

    const HttpAnswer replay = post("/api/callbacks/replay", R"({"seq":1})");
    EXPECT_EQ(replay.status, 202);
    EXPECT_EQ(replay.body, R"({"replayed":true,"factory_order":1})");
    ASSERT_TRUE(receiver_.wait_for(2, milliseconds(3000)));
    const auto requests = receiver_.requests();
    EXPECT_EQ(requests[1].target, requests[0].target);
    EXPECT_EQ(requests[1].body, kCallbackBody);
    const json::Value order = wait_for_order(
        1, [](const json::Value& o) { return o.find("callback_attempts")->as_integer() == 2; });
    EXPECT_EQ(state(order), "delivered");
    std::this_thread::sleep_for(milliseconds(200));
    EXPECT_EQ(receiver_.requests().size(), 2u);  // once more, not more

    EXPECT_EQ(post("/api/callbacks/replay", R"({"seq":99})").status, 404);
    EXPECT_EQ(post("/api/callbacks/replay", R"({"seq":"1"})").status, 400);
}

TEST_F(FactorySimTest, CallbacksGoOutInOrderOfDueTime) {
    start_default(400);
    EXPECT_EQ(post("/api/manufactures", order_body(callback_url("late"), "LATE", 1)).status, 202);
    EXPECT_EQ(post("/control", R"({"delay_ms":0})").status, 200);
    EXPECT_EQ(post("/api/manufactures", order_body(callback_url("early"), "EARLY", 1)).status, 202);
    ASSERT_TRUE(receiver_.wait_for(2, milliseconds(3000)));
    const auto requests = receiver_.requests();
    EXPECT_NE(requests[0].target.find("/early?"), std::string::npos);
    EXPECT_NE(requests[1].target.find("/late?"), std::string::npos);
}

TEST_F(FactorySimTest, BodiesOver64KiBAreRefused) {
    start_default();
    EXPECT_EQ(post("/api/manufactures", std::string(65 * 1024, ' ')).status, 413);
    EXPECT_EQ(get("/healthz").status, 200);  // and the server carries on
}

TEST_F(FactorySimTest, ConcurrentClientsAllGetDistinctOrders) {
    FactorySimOptions options;
    options.callbacks = false;
    start(options);
    constexpr int kThreads = 8;
    constexpr int kOrders = 25;
    std::atomic<int> accepted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < kOrders; ++i) {
                HttpCall c;
                c.url = url("/api/manufactures");
                c.headers = {{"Content-Type", "application/json"}};
                c.body = order_body(callback_url());
                auto answer = client_.send(c);
                if (answer.ok() && answer->status == 202) ++accepted;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(accepted.load(), kThreads * kOrders);
    const auto list = orders().as_array();
    ASSERT_EQ(list.size(), static_cast<std::size_t>(kThreads * kOrders));
    for (std::size_t i = 0; i < list.size(); ++i) {
        EXPECT_EQ(list[i].find("seq")->as_integer(), static_cast<int64_t>(i + 1));
    }
    auto page = json::parse(get("/api/orders?after=190&limit=5").body);
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->find("orders")->as_array().size(), 5u);
    EXPECT_EQ(page->find("orders")->as_array()[0].find("seq")->as_integer(), 191);
}

TEST_F(FactorySimTest, LogsOneJsonLinePerRequestWithoutSecrets) {
    std::FILE* log = std::tmpfile();
    ASSERT_NE(log, nullptr);
    FactorySimOptions options;
    options.delay_ms = 0;
    options.log = log;
    auto sim = FactorySim::start(options);
    ASSERT_TRUE(sim.ok());
    sim_ = std::move(sim.value());
    EXPECT_EQ(post("/api/manufactures", order_body(callback_url())).status, 202);
    EXPECT_EQ(get("/api/orders?after=0").status, 200);
    wait_for_order(1, [](const json::Value& o) { return state(o) == "delivered"; });
    sim_->stop();

    std::rewind(log);
    std::string text;
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, log)) > 0;)
        text.append(buffer, n);
    std::fclose(log);
    EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
    EXPECT_EQ(text.find("token"), std::string::npos) << text;
    EXPECT_EQ(text.rfind(R"({"level":"info","msg":"listening","address":"127.0.0.1:)", 0), 0u)
        << text;
    int requests = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto end = text.find('\n', start);
        ASSERT_NE(end, std::string::npos);
        const std::string line = text.substr(start, end - start);
        auto parsed = json::parse(line);
        ASSERT_TRUE(parsed.ok()) << line;
        if (parsed->find("msg")->as_string() == "request") ++requests;
        start = end + 1;
    }
    EXPECT_GE(requests, 3);  // the order, /api/orders, and the polls
    EXPECT_NE(text.find(R"("path":"/api/orders")"), std::string::npos);
}

}  // namespace
}  // namespace restock::factory_sim
