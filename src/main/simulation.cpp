#include "main/simulation.h"

#include <algorithm>
#include <unordered_map>

#include "core/requests.h"
#include "factory_sim/legacy_order.h"

namespace restock::sim {
namespace {

constexpr const char* kFactoryUrl = "http://factory.simulated";

Error sim_error(const std::string& message) {
    return make_error(ErrorCode::kInternal, "simulation-failed", message);
}

// Submits to the stepped engine, which answers before submit() returns.
Outcome run(StockEngine& engine, Command command) {
    Outcome outcome = Done{};
    Submission submission;
    submission.command = std::move(command);
    submission.done = [&outcome](Outcome answer) { outcome = std::move(answer); };
    engine.submit(std::move(submission));
    return outcome;
}

std::string error_text(const Outcome& outcome) {
    if (const auto* error = std::get_if<Error>(&outcome)) return error->message;
    return "unexpected answer";
}

// The product's settings as the API would create them (POST /v1/products with its
// "replenishment": {"mode": "fixed"} or {"mode": "auto", "fill_rate": F}).
ReorderSettings settings_of(const SimProduct& product, const std::string& factory_id) {
    ReorderSettings settings;
    settings.reorder_point = product.reorder_point;
    settings.reorder_qty = product.reorder_qty;
    settings.order_up_to = product.order_up_to;
    settings.min_order_qty = product.min_order_qty;
    settings.pack_size = product.pack_size;
    settings.factory_id = factory_id;
    if (product.auto_mode) {
        settings.replenishment = ReplenishmentMode::kAuto;
        settings.fill_rate = product.fill_rate.value_or(0);
    } else {
        settings.replenishment = ReplenishmentMode::kFixed;
    }
    return settings;
}

class DayLoop {
  public:
    DayLoop(const SimInput& input, const SimSettings& settings, SimParts& parts)
        : input_(input), settings_(settings), parts_(parts) {
        report_.skus.resize(input.products.size());
        index_.reserve(input.products.size() * 2);
        for (std::size_t i = 0; i < input.products.size(); ++i) {
            report_.skus[i].sku = input.products[i].sku;
            index_.emplace(input.products[i].sku, i);
        }
    }

    Result<SimReport> run_all() {
        parts_.clock.set_day(0);
        if (auto s = set_up(); !s) return s.error();
        std::size_t row = 0;
        const auto& demand = input_.demand;
        for (int64_t day = 0; day < settings_.days; ++day) {
            if (parts_.interrupted && parts_.interrupted()) {
                return make_error(ErrorCode::kUnavailable, "interrupted",
                                  "interrupted on day " + std::to_string(day) + "; no report");
            }
            parts_.clock.set_day(day);
            const bool counted = day >= settings_.warmup_days;
            // First the orders due today arrive, and whatever they set off runs.
            for (const Shipment& shipment : parts_.factory.take_due(day)) {
                if (auto s = deliver(shipment); !s) return s.error();
            }
            drain();
            // Then the day's checkouts, in file order, each followed by what it set off.
            while (row < demand.size() && demand[row].day < day) ++row;  // before day 0: none
            for (; row < demand.size() && demand[row].day == day; ++row) {
                if (auto s = checkout(demand[row], row, counted); !s) return s.error();
                drain();
            }
            for (const std::string& sku : parts_.factory.take_accepted()) {
                if (!counted) continue;
                if (auto it = index_.find(sku); it != index_.end())
                    ++report_.skus[it->second].orders;
            }
            // The day's commands are written as one batch when the next day's first one comes
            // (a stepped engine's batch holds one instant of the clock), the last day's below.
        }
        if (auto s = step(settings_.days - 1); !s) return s.error();
        if (parts_.written) {
            if (auto s = parts_.written(); !s) {
                return sim_error("the store refused the days up to " +
                                 std::to_string(settings_.days - 1) + ": " + s.error().message);
            }
        }
        parts_.book.finish();
        for (std::size_t i = 0; i < report_.skus.size(); ++i) {
            report_.skus[i].on_hand_days = parts_.book.on_hand_days(i);
            report_.skus[i].stockout_days = parts_.book.stockout_days(i);
        }
        report_.counted_days = std::max<int64_t>(0, settings_.days - settings_.warmup_days);
        return std::move(report_);
    }

  private:
    // Writes what the engine applied up to the end of `day`.
    Status step(int64_t day) {
        if (auto s = parts_.engine.step(); !s) {
            return sim_error("the store refused the days up to " + std::to_string(day) + ": " +
                             s.error().message);
        }
        return ok_status();
    }

    Status set_up() {
        Factory factory;
        factory.id = parts_.factory_id;
        factory.url = kFactoryUrl;
        factory.lead_time_days = settings_.factory_lead_time_days;
        if (auto put = run(parts_.engine, PutFactory{factory}); std::holds_alternative<Error>(put))
            return sim_error("cannot register the simulated factory: " + error_text(put));
        // No Ads API is simulated: ad-control would only acknowledge its messages.
        const std::string topic(kStockEventsTopic);
        Outcome listed = run(parts_.engine, ListSubscriptions{topic});
        if (const auto* subscriptions = std::get_if<SubscriptionsOutcome>(&listed)) {
            for (const auto& subscription : subscriptions->subscriptions) {
                if (subscription.protocol == Protocol::kQueue &&
                    subscription.endpoint == kAdControlQueue) {
                    (void)run(parts_.engine, DeleteSubscription{topic, subscription.id});
                }
            }
        }
        for (std::size_t i = 0; i < input_.products.size(); ++i) {
            const SimProduct& product = input_.products[i];
            NewProduct request{product.sku, product.sku, product.initial_on_hand,
                               settings_of(product, parts_.factory_id)};
            const std::string where =
                settings_.products_file + ":" + std::to_string(product.line) + ": ";
            if (auto valid = validate(request); !valid) {
                return make_error(ErrorCode::kInvalidArgument, "bad-file",
                                  where + valid.error().message);
            }
            Outcome created = run(parts_.engine, std::move(request));
            const auto* outcome = std::get_if<ProductOutcome>(&created);
            if (outcome == nullptr) {
                return make_error(ErrorCode::kInvalidArgument, "bad-file",
                                  where + error_text(created));
            }
            parts_.book.bind(outcome->product.id, i);
        }
        drain();
        return ok_status();
    }

    // Every function takes messages until no queue has one deliverable. Between two drains
    // the loop sends only checkouts and the factory's callbacks: they can make a message
    // deliverable only by putting one on a queue, and within a day the clock makes none
    // visible. So with no message put since the last drain ended, on its day, every queue is
    // still empty and the functions' receives (two per checkout) are skipped.
    void drain() {
        const int64_t day = parts_.clock.day();
        if (drained_day_ == day && drained_message_id_ == parts_.engine.last_message_id()) return;
        bool handled = true;
        while (handled) {
            handled = false;
            for (const SimFunction& function : parts_.functions) {
                while (invoke_once(parts_.engine, function.spec, function.handler, parts_.log)
                           .handled) {
                    handled = true;
                }
            }
        }
        drained_day_ = day;
        drained_message_id_ = parts_.engine.last_message_id();
    }

    // The factory POSTs to the order's CallbackUrl: the API's callback route takes it.
    Status deliver(const Shipment& shipment) {
        const std::string& url = shipment.callback_url;
        const auto scheme = url.find("://");
        const auto path_at = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
        if (path_at == std::string::npos) return sim_error("a callback URL without a path");
        const auto query_at = url.find('?', path_at);
        http::HttpRequest request;
        request.method = "POST";
        request.path = url.substr(path_at, query_at - path_at);
        if (query_at != std::string::npos) request.query = url.substr(query_at + 1);
        request.content_type = "application/json";
        request.body = factory_sim::callback_body(shipment.sku, shipment.qty);
        request.request_id = "simulated-factory";
        int status = 0;
        std::string body;
        parts_.api.handle(std::move(request), [&](http::Exchange exchange) {
            status = exchange.reply.status;
            body = std::move(exchange.reply.body);
        });
        if (status < 200 || status > 299) {
            return sim_error("the callback for " + shipment.sku + " was answered " +
                             std::to_string(status) + ": " + body);
        }
        return ok_status();
    }

    Status checkout(const DemandRow& row, std::size_t number, bool counted) {
        SkuFigures& figures = report_.skus[static_cast<std::size_t>(row.product)];
        CheckoutRequest request;
        request.order_id = "sim-" + std::to_string(number + 1);
        request.lines.push_back(CheckoutLine{figures.sku, row.qty});
        Outcome outcome = run(parts_.engine, std::move(request));
        if (std::holds_alternative<CheckoutOutcome>(outcome)) {
            if (counted) figures.sold += row.qty;
        } else if (std::holds_alternative<CheckoutRefused>(outcome)) {
            if (counted) figures.lost += row.qty;
        } else {
            return sim_error("the checkout of " + figures.sku + " on day " +
                             std::to_string(row.day) + " failed: " + error_text(outcome));
        }
        if (counted) figures.demand += row.qty;
        return ok_status();
    }

    const SimInput& input_;
    const SimSettings& settings_;
    SimParts& parts_;
    SimReport report_;
    std::unordered_map<std::string, std::size_t> index_;
    // When drain() last found every queue empty: the day, and the last message id then.
    int64_t drained_day_ = -1;
    int64_t drained_message_id_ = -1;
};

}  // namespace

OnHandBook::OnHandBook(std::size_t products, int64_t warmup_days, int64_t days)
    : warmup_days_(warmup_days), days_(days), runs_(products) {}

void OnHandBook::bind(int64_t product_id, std::size_t index) {
    if (product_id < 0) return;
    const auto id = static_cast<std::size_t>(product_id);
    if (id >= index_by_id_.size()) index_by_id_.resize(id + 1, -1);
    index_by_id_[id] = static_cast<int32_t>(index);
}

void OnHandBook::close(Run& run, int64_t until_day) const {
    const int64_t from = std::max(run.from_day, warmup_days_);
    const int64_t until = std::min(until_day, days_);
    if (until <= from) return;
    run.on_hand_days += (until - from) * run.on_hand;
    if (run.on_hand == 0) run.stockout_days += until - from;
}

void OnHandBook::written(const WriteBatch& batch) {
    for (const Movement& movement : batch.movements) {
        const int64_t id = movement.product_id;
        if (id < 0 || static_cast<std::size_t>(id) >= index_by_id_.size()) continue;
        const int32_t index = index_by_id_[static_cast<std::size_t>(id)];
        if (index < 0) continue;
        Run& run = runs_[static_cast<std::size_t>(index)];
        const int64_t day = (movement.at_ms - kEpochMs) / kDayMs;
        close(run, day);  // the days before this one ended with the stock held so far
        run.from_day = std::max(run.from_day, day);
        run.on_hand = movement.on_hand_after;
    }
}

void OnHandBook::finish() {
    for (Run& run : runs_) {
        close(run, days_);
        run.from_day = days_;
    }
}

Status ObservedStore::write(const WriteBatch& batch) {
    if (auto written = store_.write(batch); !written) return written;
    book_.written(batch);
    return ok_status();
}

Result<SimReport> run_simulation(const SimInput& input, const SimSettings& settings,
                                 SimParts& parts) {
    DayLoop loop(input, settings, parts);
    return loop.run_all();
}

}  // namespace restock::sim
