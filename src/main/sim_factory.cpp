#include "main/sim_factory.h"

#include "factory_sim/legacy_order.h"

namespace restock::sim {

Result<HttpAnswer> SimFactory::send(const HttpCall& call) {
    auto order = factory_sim::parse_manufacture_request(call.body);
    if (!order) return HttpAnswer{400, order.error().message};
    std::lock_guard lock(mutex_);
    const int64_t today = clock_.day();
    const int64_t arrives = today + lead_times_.draw();
    accepted_skus_.push_back(order->product_id);
    due_[arrives].push_back(
        Shipment{std::move(order->callback_url), std::move(order->product_id), order->qty, today});
    ++accepted_;
    ++in_transit_;
    return HttpAnswer{200, "{}"};
}

std::vector<Shipment> SimFactory::take_due(int64_t day) {
    std::lock_guard lock(mutex_);
    auto it = due_.find(day);
    if (it == due_.end()) return {};
    std::vector<Shipment> due = std::move(it->second);
    due_.erase(it);
    in_transit_ -= due.size();
    return due;
}

std::vector<std::string> SimFactory::take_accepted() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> skus;
    skus.swap(accepted_skus_);
    return skus;
}

int64_t SimFactory::accepted() const {
    std::lock_guard lock(mutex_);
    return accepted_;
}

std::size_t SimFactory::in_transit() const {
    std::lock_guard lock(mutex_);
    return in_transit_;
}

}  // namespace restock::sim
