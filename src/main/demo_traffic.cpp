#include "main/demo_traffic.h"

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "adapters/curl/curl_http_client.h"
#include "json/json.h"

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
    HttpCall call;
    call.method = "GET";
    call.url = base_url_ + "/v1/products";
    call.headers = {{"Authorization", "Bearer " + admin_key_}};
    auto products = http.send(call);
    call.url = base_url_ + "/v1/restock-orders?limit=500";
    auto orders = http.send(call);
    std::string line = "demo: checkouts ok " + std::to_string(accepted) + ", refused " +
                       std::to_string(refused) + " |";
    if (products && products->status == 200) {
        if (auto parsed = json::parse(products->body)) {
            for (const auto& p : parsed->find("items")->as_array()) {
                line += " " + p.find("sku")->as_string() + "=" +
                        std::to_string(p.find("available")->as_integer()) + "(+" +
                        std::to_string(p.find("on_order")->as_integer()) + ")";
            }
        }
    }
    if (orders && orders->status == 200) {
        if (auto parsed = json::parse(orders->body)) {
            int64_t open = 0, received = 0;
            for (const auto& o : parsed->find("items")->as_array()) {
                const std::string status = o.find("status")->as_string();
                if (status == "received") {
                    ++received;
                } else if (status != "failed" && status != "cancelled") {
                    ++open;
                }
            }
            line += " | restock orders open " + std::to_string(open) + ", received " +
                    std::to_string(received);
        }
    }
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
}

}  // namespace restock
