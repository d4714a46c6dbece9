// Replenishment inside the engine: today's demand counters (touched after a batch is written,
// never while a checkout is applied), the daily learning step, lead times from receipts, and
// the effective settings of products in mode auto. The figures themselves are pure core code
// (core/demand_forecast.h, core/lead_time.h, core/replenishment_policy.h).
//
// For a simulator: everything here reads time from the batch, i.e. from the engine's Clock.
// Day d of the Clock is [d, d + 1) × 86,400,000 ms since the epoch (UTC); the first command
// of a new day runs the step for the day(s) closed before it. The demand of a day is what
// checkouts took plus what checkouts refused for lack of stock asked for.
#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>

#include "app/engine_batch.h"
#include "app/stock_engine.h"
#include "support/parallel_for.h"

namespace restock {
namespace {

constexpr int64_t kDayMs = 86'400'000;
// Products per block of the daily step's parallel part.
constexpr std::size_t kLearningBlock = 256;
constexpr std::size_t kAhead = 4;  // products ahead whose lines are asked for
// LeadsNow::open_order_age of a product without one.
constexpr double kNoOpenOrder = std::numeric_limits<double>::quiet_NaN();
// A gap longer than this between two batches learns only this many empty days.
constexpr int64_t kMaxCatchUpDays = 366;
// The target the figures of a product not in mode auto are explained with.
constexpr double kExplainFillRate = 0.95;

int64_t day_of(int64_t ms) { return ms >= 0 ? ms / kDayMs : -((-ms + kDayMs - 1) / kDayMs); }

LeadTimePrior prior_of(double days) {
    const double sd = kLeadTimePriorCv * days;
    return LeadTimePrior{days, sd * sd};
}

}  // namespace

double StockEngine::OpenOrder::age_days(int64_t now_ms) const {
    return static_cast<double>(now_ms - created_at_ms) / kDayMs;
}

StockEngine::LearningSlot& StockEngine::slot_of(const Product& product) {
    const auto id = static_cast<std::size_t>(product.id);
    if (id >= learning_.size())
        learning_.resize(std::max<std::size_t>(id + 1, learning_.size() * 2));
    LearningSlot& slot = learning_[id];
    if (!slot.known) {
        slot.known = true;
        slot.learning.today.day = learning_day_;  // what count_demand counted is today's
        slot.learning.fixed_reorder_point = product.settings.reorder_point;
        slot.learning.fixed_reorder_qty = product.settings.reorder_qty;
    }
    return slot;
}

void StockEngine::prefetch_step(const Product& product) const {
    // The daily step is bound by memory (measured: the loads of each product's node, slot and
    // line table stall it); asking for the next product's lines while this one is worked on
    // hides most of that.
    const auto* node = reinterpret_cast<const char*>(&product);
    for (std::size_t at = 0; at < sizeof(Product); at += 64) __builtin_prefetch(node + at);
    const auto id = static_cast<std::size_t>(product.id);
    if (id < learning_.size()) {
        const auto* slot = reinterpret_cast<const char*>(&learning_[id]);
        for (std::size_t at = 0; at < sizeof(LearningSlot); at += 64) __builtin_prefetch(slot + at);
    }
    if (id < line_refusals_.size()) __builtin_prefetch(&line_refusals_[id]);
}

StockEngine::LearningSlot& StockEngine::touch_slot(const Product& product, Batch& batch) {
    const auto id = static_cast<std::size_t>(product.id);
    const bool existed = id < learning_.size();
    batch.slots.record(product.id, existed ? std::optional<LearningSlot>(learning_[id])
                                           : std::optional<LearningSlot>(LearningSlot{}));
    return slot_of(product);
}

LeadTimeStats& StockEngine::touch_factory_lead(const std::string& factory_id, Batch& batch) {
    auto it = factory_lead_.find(factory_id);
    batch.factory_leads.record(factory_id, it == factory_lead_.end()
                                               ? std::nullopt
                                               : std::optional<LeadTimeStats>(it->second));
    return factory_lead_[factory_id];
}

double StockEngine::prior_lead_days(const std::string& factory_id) const {
    auto factory = factories_.find(factory_id);
    return static_cast<double>(factory != factories_.end() && factory->second.lead_time_days
                                   ? *factory->second.lead_time_days
                                   : options_.default_lead_time_days);
}

LeadTimeEstimate StockEngine::factory_lead(const std::string& factory_id, bool censored,
                                           int64_t now_ms) const {
    std::vector<double> ages;
    if (censored) {
        for (const auto& [product_id, order] : open_order_by_product_) {
            if (order.factory_id == factory_id) ages.push_back(order.age_days(now_ms));
        }
    }
    return factory_lead(factory_id, ages);
}

LeadTimeEstimate StockEngine::factory_lead(const std::string& factory_id,
                                           std::span<const double> open_ages) const {
    auto stats = factory_lead_.find(factory_id);
    return estimate_lead_time(stats == factory_lead_.end() ? LeadTimeStats{} : stats->second,
                              prior_of(prior_lead_days(factory_id)), open_ages,
                              LeadTimeSource::kFactory);
}

StockEngine::LeadsNow StockEngine::leads_now(int64_t now_ms) const {
    LeadsNow now;
    now.open_order_age.assign(static_cast<std::size_t>(last_product_id_) + 1, kNoOpenOrder);
    // The open orders' ages in one pass, by product and by factory (each factory's in the
    // order factory_lead(id, true, now_ms) takes them, so the sums are the same to the bit).
    std::map<std::string, std::vector<double>, std::less<>> ages;
    for (const auto& [product_id, order] : open_order_by_product_) {
        const double age = order.age_days(now_ms);
        ages[order.factory_id].push_back(age);
        if (product_id >= 0 && static_cast<std::size_t>(product_id) < now.open_order_age.size())
            now.open_order_age[static_cast<std::size_t>(product_id)] = age;
    }
    for (const auto& [id, factory] : factories_) {
        const auto open = ages.find(id);
        FactoryLead lead;
        lead.receipts = factory_lead(id, {});
        lead.now = open == ages.end() ? lead.receipts : factory_lead(id, open->second);
        now.factories.emplace(id, lead);
    }
    return now;
}

StockEngine::FactoryLead StockEngine::factory_lead_both(const std::string& factory_id,
                                                        bool censored, int64_t now_ms) const {
    FactoryLead lead;
    lead.receipts = factory_lead(factory_id, false, now_ms);
    lead.now = censored ? factory_lead(factory_id, true, now_ms) : lead.receipts;
    return lead;
}

LeadTimeEstimate StockEngine::product_lead(const Product& product, const std::string& factory_id,
                                           bool censored, int64_t now_ms) const {
    double open_age = kNoOpenOrder;
    if (censored) {
        if (auto open = open_order_by_product_.find(product.id);
            open != open_order_by_product_.end()) {
            open_age = open->second.age_days(now_ms);
        }
    }
    return product_lead(product, factory_lead_both(factory_id, censored, now_ms), open_age);
}

LeadTimeEstimate StockEngine::product_lead(const Product& product, const FactoryLead& factory,
                                           double open_age) const {
    const auto id = static_cast<std::size_t>(product.id);
    const LeadTimeStats own = id < learning_.size() && learning_[id].known
                                  ? learning_[id].learning.lead
                                  : LeadTimeStats{};
    // Nothing of its own yet: the factory's, as the factory knows it now (this product's open
    // order among the factory's, counted once).
    if (own.receipts == 0) return factory.now;
    const std::span<const double> ages(&open_age, std::isnan(open_age) ? 0 : 1);
    const LeadTimeEstimate& prior = factory.receipts;
    return estimate_lead_time(own, LeadTimePrior{prior.mean, prior.sd * prior.sd}, ages,
                              LeadTimeSource::kProduct);
}

PolicyFigures StockEngine::policy_for(const Product& product, const ProductLearning& learning,
                                      double fill_rate, int64_t now_ms,
                                      const LeadsNow* leads) const {
    PolicyInput in;
    in.demand = estimate_demand(learning.demand);
    const std::string& factory_id = product.settings.factory_id;
    const FactoryLead* factory = nullptr;
    if (leads != nullptr) {
        if (auto known = leads->factories.find(factory_id); known != leads->factories.end())
            factory = &known->second;
    }
    in.lead = factory != nullptr
                  ? product_lead(product, *factory,
                                 leads->open_order_age.at(static_cast<std::size_t>(product.id)))
                  : product_lead(product, factory_id, /*censored=*/true, now_ms);
    in.fill_rate = fill_rate;
    in.fixed_reorder_qty = learning.fixed_reorder_qty;
    in.anchor_demand = learning.anchor_demand;
    in.settings = product.settings;
    const auto id = static_cast<std::size_t>(product.id);
    if (id >= line_refusals_.size()) line_refusals_.resize(id + 1);
    std::optional<LineRefusals>& lines = line_refusals_[id];
    if (!lines || !lines->fits(in.demand.line_mean, in.demand.line_variance)) {
        lines.emplace(in.demand.line_mean, in.demand.line_variance);
    }
    in.refusals = &*lines;
    return compute_policy(in);
}

void StockEngine::persist(const Product& product, Batch& batch) {
    if (options_.replenishment_persist_days <= 0) return;  // a simulation: never restarts
    const LearningSlot& slot = learning_.at(static_cast<std::size_t>(product.id));
    const std::string key = std::to_string(product.id);
    batch.writes.learned.push_back(
        LearnedRecord{kLearnedProduct, key, encode(slot.learning), batch.now_ms});
    batch.writes.learned.push_back(
        LearnedRecord{kLearnedProductDay, key, encode(slot.learning.today), batch.now_ms});
}

void StockEngine::persist_factory(const std::string& factory_id, Batch& batch) {
    if (options_.replenishment_persist_days <= 0) return;
    auto it = factory_lead_.find(factory_id);
    if (it == factory_lead_.end()) return;
    batch.writes.learned.push_back(
        LearnedRecord{kLearnedFactory, factory_id, encode(it->second), batch.now_ms});
}

void StockEngine::save_learning(Batch& batch) {
    if (options_.replenishment_persist_days <= 0) return;  // a simulation: never restarts
    // Every product: one not replenished (mode none, archived) still counts its checkout lines.
    for (const auto& [sku, product] : products_) {
        slot_of(product);  // one counted today and not learned yet starts its slot here
        persist(product, batch);
    }
    for (const auto& [id, stats] : factory_lead_) persist_factory(id, batch);
}

void StockEngine::settings_given(const Product& before, const ProductPatch* patch,
                                 ReorderSettings& settings, Batch& batch, LearningSlot& slot) {
    ProductLearning& l = slot.learning;
    const bool was_auto =
        patch != nullptr && before.settings.replenishment == ReplenishmentMode::kAuto;
    const bool is_auto = settings.replenishment == ReplenishmentMode::kAuto;
    const bool ready = learning_ready(l.demand);
    const double level = ready ? estimate_demand(l.demand).mean : 0;
    if (patch == nullptr || !was_auto) {
        // Created, or entering mode auto (or staying out of it): the settings given are these.
        l.fixed_reorder_point = settings.reorder_point;
        l.fixed_reorder_qty = settings.reorder_qty;
        if (is_auto) l.anchor_demand = level;
    } else {
        if (patch->reorder_point) l.fixed_reorder_point = *patch->reorder_point;
        if (patch->reorder_qty) {
            l.fixed_reorder_qty = *patch->reorder_qty;
            l.anchor_demand = level;
        }
        if (!is_auto) {
            // Leaving mode auto: back to the settings given (or those sent now).
            settings.reorder_point = l.fixed_reorder_point;
            settings.reorder_qty = l.fixed_reorder_qty;
        }
    }
    if (is_auto) {
        settings.reorder_point = l.fixed_reorder_point;
        settings.reorder_qty = l.fixed_reorder_qty;
        if (ready) {
            Product probe = before;
            probe.settings = settings;
            const PolicyFigures f = policy_for(probe, l, settings.fill_rate, batch.now_ms);
            settings.reorder_point = f.reorder_point;
            settings.reorder_qty = f.reorder_qty;
        }
    }
}

std::optional<StockEngine::LearnedSettings> StockEngine::learned_settings(const Product& product,
                                                                          LearningSlot& slot,
                                                                          const LeadsNow& leads,
                                                                          int64_t now_ms) const {
    if (!learning_ready(slot.learning.demand)) return std::nullopt;
    if (slot.learning.anchor_demand == 0) {
        slot.learning.anchor_demand = estimate_demand(slot.learning.demand).mean;
    }
    const PolicyFigures f =
        policy_for(product, slot.learning, product.settings.fill_rate, now_ms, &leads);
    return LearnedSettings{f.reorder_point, f.reorder_qty};
}

std::optional<StockEngine::LearnedSettings> StockEngine::learn_days(
    Product& product, int64_t closed, int64_t now_ms,
    const std::function<const LeadsNow&()>& leads) {
    if (!is_replenished(product)) return std::nullopt;
    LearningSlot& slot = slot_of(product);
    const bool stocked_out = product.available() <= 0;
    observe_day(slot.learning.demand, slot.learning.today.sold, slot.learning.today.lost,
                stocked_out);
    for (int64_t day = 1; day < closed; ++day) {
        observe_day(slot.learning.demand, 0, 0, stocked_out);
    }
    if (product.settings.replenishment != ReplenishmentMode::kAuto) return std::nullopt;
    const auto learned = learned_settings(product, slot, leads(), now_ms);
    if (!learned || (learned->reorder_point == product.settings.reorder_point &&
                     learned->reorder_qty == product.settings.reorder_qty)) {
        return std::nullopt;
    }
    return learned;
}

void StockEngine::follow_learning(Product& product, const LearnedSettings& learned, Batch& batch) {
    batch.touch(product, Batch::Change::kSettings);
    product.settings.reorder_point = learned.reorder_point;
    product.settings.reorder_qty = learned.reorder_qty;
    product.updated_at_ms = batch.now_ms;
    add_event_if(evaluate_signal(product), product, "replenishment-learned", batch);
}

void StockEngine::learn_if_new_day(Batch& batch) {
    const int64_t today = day_of(batch.now_ms);
    if (learning_day_ < 0) {
        // Counting starts with this process, from what was stored for today (a restart within
        // the day); what was counted on an earlier day is not learned, as days down are not.
        learning_day_ = today;
        for (auto& slot : learning_) {
            if (slot.learning.today.day != today) slot.learning.today = DayInProgress{today};
        }
        return;
    }
    if (today <= learning_day_) return;
    const int64_t closed = std::min(today - learning_day_, kMaxCatchUpDays);
    // A stepped engine (a simulation) stops at its first refused batch and undoes nothing, so
    // it keeps no copy of every slot.
    if (!stepped_) batch.day_undo = Batch::DayUndo{learning_day_, learning_};
    const bool write_all =
        options_.replenishment_persist_days > 0 && today % options_.replenishment_persist_days == 0;
    // The lead times, estimated once for the whole step (by the first product in mode auto to
    // need them): they depend on the receipts and open orders, which the step does not change,
    // and on the instant, which is the batch's.
    std::once_flag leads_found;
    LeadsNow leads;
    const std::function<const LeadsNow&()> leads_at_now = [&]() -> const LeadsNow& {
        std::call_once(leads_found, [&] { leads = leads_now(batch.now_ms); });
        return leads;
    };
    // Every slot and line table exists before the products are worked on in parallel: no
    // vector grows under them.
    const auto slots = static_cast<std::size_t>(last_product_id_) + 1;
    if (learning_.size() < slots) learning_.resize(slots);
    if (line_refusals_.size() < slots) line_refusals_.resize(slots);
    // Each product learns its day and, in mode auto, its settings: from its own slot and what
    // no product changes, so products are independent and go in parallel blocks. By id: the
    // slots and line tables are in id order, and mostly so are the products (created in that
    // order), so memory is read in sequence (measured: ~10% of a simulation's time).
    std::vector<std::optional<LearnedSettings>> learned(products_by_id_.size());
    parallel_for(products_by_id_.size(), learning_threads_, kLearningBlock,
                 [&](std::size_t begin, std::size_t end) {
                     for (std::size_t id = begin; id < end; ++id) {
                         if (id + kAhead < end && products_by_id_[id + kAhead] != nullptr)
                             prefetch_step(*products_by_id_[id + kAhead]);
                         if (products_by_id_[id] == nullptr) continue;
                         learned[id] =
                             learn_days(*products_by_id_[id], closed, batch.now_ms, leads_at_now);
                     }
                 });
    // What the batch records, on this thread, in the order of products_ (the one the events,
    // and so the restock orders, come in).
    if (products_order_.empty()) order_products();
    std::vector<std::size_t> changed;  // places in products_order_
    for (std::size_t id = 0; id < learned.size(); ++id) {
        if (learned[id]) changed.push_back(order_place_by_id_[id]);
    }
    std::sort(changed.begin(), changed.end());
    for (const std::size_t place : changed) {
        Product& product = *products_order_[place];
        follow_learning(product, *learned[static_cast<std::size_t>(product.id)], batch);
    }
    if (write_all) {
        // Every product: one not replenished (mode none, archived) still keeps its lines.
        for (Product* product : products_order_) {
            slot_of(*product);
            persist(*product, batch);
        }
    }
    for (auto& slot : learning_) slot.learning.today = DayInProgress{today};
    if (write_all) {
        for (const auto& [id, stats] : factory_lead_) persist_factory(id, batch);
    }
    learning_day_ = today;
}

void StockEngine::observe_receipt(const RestockOrder& order, Batch& batch) {
    const double days = static_cast<double>(batch.now_ms - order.created_at_ms) / kDayMs;
    observe_lead_time(touch_factory_lead(order.factory_id, batch), days);
    persist_factory(order.factory_id, batch);
    if (const Product* product = find_by_id(order.product_id)) {
        observe_lead_time(touch_slot(*product, batch).learning.lead, days);
        persist(*product, batch);
    }
}

void StockEngine::count_demand(const std::vector<Movement>& movements, const Batch& batch) {
    // The slot of a product, grown to the last id (its learning starts later, in slot_of).
    auto slot = [this](int64_t product_id) -> LearningSlot& {
        const auto id = static_cast<std::size_t>(product_id);
        if (id >= learning_.size())
            learning_.resize(static_cast<std::size_t>(last_product_id_) + 1);
        return learning_[id];
    };
    for (const Movement& m : movements) {
        if (m.kind != MovementKind::kCheckout) continue;
        LearningSlot& s = slot(m.product_id);
        s.learning.today.sold -= m.delta;
        observe_line(s.learning.demand, -m.delta);
    }
    for (const Batch::LostLine& line : batch.lost_demand) {
        LearningSlot& s = slot(line.product_id);
        s.learning.today.lost += line.units;
        observe_line(s.learning.demand, line.units);
        if (line.nothing_available) observe_refusal_when_empty(s.learning.demand);
    }
}

int64_t StockEngine::order_due_ms(const RestockOrder& order) const {
    // Learned from receipts only: an order's own lateness must not postpone its own due time.
    const auto factory_stats = factory_lead_.find(order.factory_id);
    const auto id = static_cast<std::size_t>(order.product_id);
    const bool own =
        id < learning_.size() && learning_[id].known && learning_[id].learning.lead.receipts > 0;
    const bool factory = factory_stats != factory_lead_.end() && factory_stats->second.receipts > 0;
    if (!own && !factory) {
        auto it = factories_.find(order.factory_id);
        const int64_t days = it != factories_.end() && it->second.lead_time_days
                                 ? *it->second.lead_time_days
                                 : options_.default_lead_time_days;
        return due_at_ms(order, days);
    }
    LeadTimeEstimate lead = estimate_lead_time(factory ? factory_stats->second : LeadTimeStats{},
                                               prior_of(prior_lead_days(order.factory_id)), {},
                                               LeadTimeSource::kFactory);
    if (own) {
        lead = estimate_lead_time(learning_[id].learning.lead,
                                  LeadTimePrior{lead.mean, lead.sd * lead.sd}, {},
                                  LeadTimeSource::kProduct);
    }
    return due_at_ms(order, lognormal_quantile(lead.mean, lead.sd, kDueQuantile));
}

Outcome StockEngine::apply(const GetReplenishment& request, Batch& batch) {
    Product* product = find(request.sku);
    if (product == nullptr) {
        return make_error(ErrorCode::kNotFound, "product-not-found",
                          "no product with sku '" + request.sku + "'");
    }
    const LearningSlot& slot = slot_of(*product);
    ReplenishmentOutcome out;
    out.product = *product;
    out.learning = slot.learning;
    out.ready = learning_ready(slot.learning.demand);
    const bool is_auto = product->settings.replenishment == ReplenishmentMode::kAuto;
    out.follows = is_auto && out.ready;
    out.demand = estimate_demand(slot.learning.demand);
    const std::string& factory_id = product->settings.factory_id;
    out.factory_lead = factory_lead(factory_id, true, batch.now_ms);
    out.lead = product_lead(*product, factory_id, true, batch.now_ms);
    out.prior_lead_days = prior_lead_days(factory_id);
    const bool receipts =
        slot.learning.lead.receipts > 0 ||
        (factory_lead_.count(factory_id) != 0 && factory_lead_.at(factory_id).receipts > 0);
    if (receipts) {
        RestockOrder probe;
        probe.product_id = product->id;
        probe.factory_id = factory_id;
        out.due_days = static_cast<double>(order_due_ms(probe)) / kDayMs;
    }
    out.fill_rate = is_auto ? product->settings.fill_rate : kExplainFillRate;
    out.policy = policy_for(*product, slot.learning, out.fill_rate, batch.now_ms);
    out.sold_today = slot.learning.today.sold;
    out.lost_today = slot.learning.today.lost;
    if (auto open = open_order_by_product_.find(product->id);
        open != open_order_by_product_.end()) {
        out.open_order_age_ms = batch.now_ms - open->second.created_at_ms;
    }
    return out;
}

}  // namespace restock
