#include "main/demo_seed.h"

#include <cstdio>
#include <future>

#include "app/api_keys.h"

namespace restock {

Outcome submit_and_wait(StockEngine& engine, Command command) {
    std::promise<Outcome> promise;
    auto future = promise.get_future();
    Submission submission;
    submission.command = std::move(command);
    submission.done = [&promise](Outcome outcome) { promise.set_value(std::move(outcome)); };
    engine.submit(std::move(submission));
    return future.get();
}

namespace {

NewProduct demo_product(std::string sku, std::string name, int64_t on_hand, int64_t reorder_point,
                        int64_t reorder_qty, std::string factory) {
    NewProduct p;
    p.sku = std::move(sku);
    p.name = std::move(name);
    p.on_hand = on_hand;
    p.settings.reorder_point = reorder_point;
    p.settings.reorder_qty = reorder_qty;
    p.settings.factory_id = std::move(factory);
    return p;
}

}  // namespace

Status seed_demo(StockEngine& engine, KeyStore& keys, const Clock& clock, const Config& config) {
    const NewProduct products[] = {
        demo_product("TSHIRT-BLK-M", "T-shirt, black, M", 120, 30, 100, "factory-1"),
        demo_product("MUG-LOGO", "Mug with logo", 40, 10, 50, "factory-1"),
        demo_product("CAP-RED", "Cap, red", 8, 10, 40, "factory-2"),
        demo_product("SOCKS-3PK", "Socks, 3-pack", 0, 20, 60, "factory-2"),
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

    const std::string url = config.public_url;
    std::printf(
        "\nRestock demo: data in %s/restock.db, serving %s\n"
        "  admin key:      %s\n"
        "  storefront key: %s\n\n"
        "Try:\n"
        "  curl -s -H 'Authorization: Bearer %s' %s/v1/products\n"
        "  curl -s -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' \\\n"
        "       -d '{\"order_id\":\"o-1\",\"lines\":[{\"sku\":\"MUG-LOGO\",\"qty\":2}]}' "
        "%s/v1/checkout\n"
        "  curl -s -H 'Authorization: Bearer %s' %s/v1/stock/MUG-LOGO/movements\n\n",
        config.data_dir.c_str(), url.c_str(), admin->key.c_str(), storefront->key.c_str(),
        storefront->key.c_str(), url.c_str(), storefront->key.c_str(), url.c_str(),
        admin->key.c_str(), url.c_str());
    std::fflush(stdout);
    return ok_status();
}

}  // namespace restock
