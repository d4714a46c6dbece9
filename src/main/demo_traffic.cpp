#include "main/demo_traffic.h"

#include <chrono>
#include <cstdio>
#include <optional>
#include <random>
#include <thread>

#include "adapters/curl/curl_http_client.h"
#include "json/json.h"
#include "main/demo_status.h"

namespace restock {
namespace {
constexpr auto kStatusEvery = std::chrono::seconds(5);
}

DemoTraffic::DemoTraffic(std::string base_url, std::string storefront_key, std::string admin_key,
                         std::vector<std::string> skus)
    : base_url_(std::move(base_url)),
      storefront_key_(std::move(storefront_key)),
      admin_key_(std::move(admin_key)),
      skus_(std::move(skus)) {}

void DemoTraffic::run(const std::atomic<bool>& stop, int per_second) {
    curl::CurlHttpClient http;
    std::mt19937 random(std::random_device{}());
    std::uniform_int_distribution<std::size_t> pick(0, skus_.size() - 1);
    std::uniform_int_distribution<int> quantity(1, 3);
    const auto pause = std::chrono::microseconds(1'000'000 / std::max(1, per_second));
    int64_t accepted = 0, refused = 0, order = 0;
    auto next_status = std::chrono::steady_clock::now() + kStatusEvery;
    const std::string prefix = "demo-" + std::to_string(std::random_device{}() % 100000) + "-";
    while (!stop) {
        HttpCall call;
        call.url = base_url_ + "/v1/checkout";
        call.headers = {{"Authorization", "Bearer " + storefront_key_},
                        {"Content-Type", "application/json"}};
        call.body = "{\"order_id\":\"" + prefix + std::to_string(++order) +
                    "\",\"lines\":[{\"sku\":\"" + skus_[pick(random)] +
                    "\",\"qty\":" + std::to_string(quantity(random)) + "}]}";
        call.timeout_ms = 5000;
        auto answer = http.send(call);
        if (answer && answer->status == 200) ++accepted;
        if (answer && answer->status == 409) ++refused;
        if (std::chrono::steady_clock::now() >= next_status) {
            print_status(accepted, refused);
            next_status += kStatusEvery;
        }
        std::this_thread::sleep_for(pause);
    }
}

void DemoTraffic::print_status(int64_t accepted, int64_t refused) {
    curl::CurlHttpClient http;
    // The answer to GET `path` with the admin key, parsed; nullopt if there is none.
    auto get = [&](const std::string& path) -> std::optional<json::Value> {
        HttpCall call;
        call.method = "GET";
        call.url = base_url_ + path;
        call.headers = {{"Authorization", "Bearer " + admin_key_}};
        call.timeout_ms = 5000;
        auto answer = http.send(call);
        if (!answer || answer->status != 200) return std::nullopt;
        auto parsed = json::parse(answer->body);
        if (!parsed) return std::nullopt;
        return std::move(parsed.value());
    };
    const auto products = get("/v1/products");
    const auto orders = get("/v1/restock-orders?limit=500");
    const auto queues = get("/v1/queues");
    DemoStatus status;
    status.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    status.accepted = accepted;
    status.refused = refused;
    status.products = products ? &*products : nullptr;
    status.orders = orders ? &*orders : nullptr;
    status.queues = queues ? &*queues : nullptr;
    if (!legend_printed_) {
        std::printf("%s", demo_status_legend(static_cast<int>(kStatusEvery.count())).c_str());
        legend_printed_ = true;
    }
    std::printf("%s\n", demo_status_line(status).c_str());
    std::fflush(stdout);
}

}  // namespace restock
