// `restock demo`: the restock loop turning on one machine. It starts `restock factory-sim` as a
// separate process, seeds demo products and factories, prints fresh keys, and, once the server
// listens, runs a storefront traffic generator that drains stock so orders go out and stock
// comes back. A status line every few seconds shows it.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "app/command_sink.h"
#include "main/child_process.h"
#include "main/config.h"
#include "ports/clock.h"
#include "ports/stock_store.h"

namespace restock {

struct DemoOptions {
    int checkouts_per_second = 20;
    int64_t factory_delay_ms = 3000;
    bool traffic = true;
};

class Demo {
  public:
    // Starts the factory simulator.
    static Result<std::unique_ptr<Demo>> start(Config config, DemoOptions options);
    ~Demo();  // stops the traffic, then the simulator

    // Start-up hook: products, factories (pointing at the simulator) and keys.
    Status seed(CommandSink& engine, KeyStore& keys, const Clock& clock);
    // Once the server listens: print the keys and the URLs to try, then start the traffic.
    void on_listening(uint16_t port);

  private:
    Demo(Config config, DemoOptions options, std::unique_ptr<ChildProcess> simulator)
        : config_(std::move(config)), options_(options), simulator_(std::move(simulator)) {}
    void drive(std::string base_url);
    void print_banner(uint16_t port) const;

    const Config config_;
    const DemoOptions options_;
    std::unique_ptr<ChildProcess> simulator_;
    std::string storefront_key_;
    std::string admin_key_;
    std::string factory_url_;
    std::atomic<bool> stopping_{false};
    std::thread traffic_;
};

}  // namespace restock
