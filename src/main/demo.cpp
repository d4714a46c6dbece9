#include "main/demo.h"

#include <cstdio>

#include "adapters/postgres/pg_connection.h"
#include "app/api_keys.h"
#include "app/engine_client.h"
#include "main/demo_traffic.h"

namespace restock {
namespace {

NewProduct demo_product(std::string sku, std::string name, int64_t on_hand, int64_t reorder_point,
                        int64_t reorder_qty, std::string factory, std::optional<std::string> ad) {
    NewProduct p;
    p.sku = std::move(sku);
    p.name = std::move(name);
    p.on_hand = on_hand;
    p.settings.reorder_point = reorder_point;
    p.settings.reorder_qty = reorder_qty;
    p.settings.factory_id = std::move(factory);
    p.settings.ad_id = std::move(ad);
    return p;
}

}  // namespace

Result<std::unique_ptr<Demo>> Demo::start(Config config, DemoOptions options) {
    auto simulator =
        ChildProcess::start_self({"factory-sim", "--listen", "127.0.0.1:0", "--delay-ms",
                                  std::to_string(options.factory_delay_ms)});
    if (!simulator) return simulator.error();
    return std::unique_ptr<Demo>(
        new Demo(std::move(config), options, std::move(simulator.value())));
}

Demo::~Demo() {
    stopping_ = true;
    if (traffic_.joinable()) traffic_.join();
}

Status Demo::seed(CommandSink& engine, KeyStore& keys, const Clock& clock) {
    const std::string factory_url = "http://" + simulator_->address();
    for (const char* id : {"factory-1", "factory-2"}) {
        Factory factory;
        factory.id = id;
        factory.url = factory_url;
        factory.timeout_ms = 2000;
        Outcome put = submit_and_wait(engine, PutFactory{factory});
        if (const auto* error = std::get_if<Error>(&put)) return *error;
    }
    const NewProduct products[] = {
        demo_product("TSHIRT-BLK-M", "T-shirt, black, M", 120, 30, 100, "factory-1", "ad-tshirt"),
        demo_product("MUG-LOGO", "Mug with logo", 40, 10, 50, "factory-1", std::nullopt),
        demo_product("CAP-RED", "Cap, red", 25, 10, 40, "factory-2", "ad-cap"),
        demo_product("SOCKS-3PK", "Socks, 3-pack", 0, 20, 60, "factory-2", std::nullopt),
    };
    for (const auto& product : products) {
        Outcome outcome = submit_and_wait(engine, product);
        if (const auto* error = std::get_if<Error>(&outcome)) {
            if (error->slug != "product-exists") return *error;
        }
    }
    const std::string suffix = std::to_string(clock.now_ms());
    auto admin = create_api_key(keys, clock, Role::kAdmin, "demo-admin-" + suffix);
    if (!admin) return admin.error();
    auto storefront = create_api_key(keys, clock, Role::kStorefront, "demo-storefront-" + suffix);
    if (!storefront) return storefront.error();
    admin_key_ = admin->key;
    storefront_key_ = storefront->key;

    factory_url_ = factory_url;
    return ok_status();
}

void Demo::print_banner(uint16_t port) const {
    // With --listen HOST:0 the default public URL names the port actually bound.
    std::string url = config_.public_url;
    if (config_.port() == 0 && url == "http://" + config_.listen) {
        url = "http://" + config_.host() + ":" + std::to_string(static_cast<unsigned>(port));
    }
    const std::string data = config_.store_url.empty()
                                 ? config_.data_dir + "/restock.db"
                                 : "PostgreSQL " + pg::describe_target(config_.store_url);
    const char* admin = admin_key_.c_str();
    const char* storefront = storefront_key_.c_str();
    std::printf(
        "\nRestock demo: data in %s, serving %s, factory simulator at %s\n"
        "  admin key:      %s\n"
        "  storefront key: %s\n\n"
        "Dashboard: open %s/ and log in with the admin key above.\n\n"
        "Try:\n"
        "  curl -s -H 'Authorization: Bearer %s' %s/v1/products\n"
        "  curl -s -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' \\\n"
        "       -d '{\"order_id\":\"o-1\",\"lines\":[{\"sku\":\"MUG-LOGO\",\"qty\":2}]}' "
        "%s/v1/checkout\n"
        "  curl -s -H 'Authorization: Bearer %s' %s/v1/restock-orders\n"
        "  curl -s -H 'Authorization: Bearer %s' '%s/v1/events?after=0'\n\n",
        data.c_str(), url.c_str(), factory_url_.c_str(), admin, storefront, url.c_str(), storefront,
        url.c_str(), storefront, url.c_str(), admin, url.c_str(), admin, url.c_str());
    std::fflush(stdout);
}

void Demo::on_listening(uint16_t port) {
    print_banner(port);
    if (!options_.traffic) return;
    traffic_ = std::thread([this, port] { drive("http://127.0.0.1:" + std::to_string(port)); });
}

void Demo::drive(std::string base_url) {
    DemoTraffic traffic(std::move(base_url), storefront_key_, admin_key_,
                        {"TSHIRT-BLK-M", "MUG-LOGO", "CAP-RED", "SOCKS-3PK"});
    traffic.run(stopping_, options_.checkouts_per_second);
}

}  // namespace restock
