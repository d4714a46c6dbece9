// DemoTraffic: a storefront that keeps buying, over real HTTP, and prints what it sees.
#pragma once

#include <atomic>
#include <string>
#include <vector>

namespace restock {

class DemoTraffic {
  public:
    DemoTraffic(std::string base_url, std::string storefront_key, std::string admin_key,
                std::vector<std::string> skus);
    // Checkouts at about `per_second` until `stop`; a status line every 5 s (main/demo_status.h),
    // the first one after a legend.
    void run(const std::atomic<bool>& stop, int per_second);

  private:
    void print_status(int64_t accepted, int64_t refused);

    const std::string base_url_;
    const std::string storefront_key_;
    const std::string admin_key_;
    const std::vector<std::string> skus_;
    bool legend_printed_ = false;
};

}  // namespace restock
