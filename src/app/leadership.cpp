#include "app/leadership.h"

#include <chrono>

#include "support/thread_name.h"

namespace restock {

Leadership::Leadership(StockStore& store, WriterLease& lease, const Clock& clock,
                       EngineOptions engine_options, LeadershipOptions options, LogSink log)
    : store_(store),
      lease_(lease),
      clock_(clock),
      engine_options_(std::move(engine_options)),
      options_(std::move(options)),
      log_(std::move(log)) {
    // An engine that loses its store says so at once, rather than at the next poll.
    engine_options_.on_store_lost = [this] { poke(); };
}

void Leadership::start(std::string node_url) {
    node_url_ = std::move(node_url);
    thread_ = start_named_thread("restock-leader", [this] { run(); });
}

Leadership::~Leadership() {
    {
        std::unique_lock lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    if (thread_.joinable()) thread_.join();
    std::unique_lock lock(mutex_);
    const bool leading = engine_ != nullptr;
    stop_engine(lock);
    if (leading) {
        if (auto released = lease_.release(); !released) {
            log_("warn", "cannot give up the writer lease (" + released.error().message +
                             "); another node takes over when it expires");
        } else {
            log_("info", "gave up the writer lease");
        }
    }
}

std::shared_ptr<StockEngine> Leadership::local() const {
    std::lock_guard lock(mutex_);
    return engine_;
}

std::optional<LeaseHolder> Leadership::writer() const {
    std::lock_guard lock(mutex_);
    return writer_;
}

void Leadership::poke() {
    {
        std::lock_guard lock(mutex_);
        poked_ = true;
    }
    changed_.notify_all();
}

bool Leadership::wait_for_writer(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [this] {
        return stopping_ || engine_ != nullptr || (writer_ && writer_->live);
    });
}

Leadership::Stats Leadership::stats() const {
    std::lock_guard lock(mutex_);
    Stats stats = stats_;
    stats.leading = engine_ != nullptr;
    return stats;
}

void Leadership::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (engine_ != nullptr) {
            lead_once(lock);
        } else {
            follow_once(lock);
        }
        const auto wait = std::chrono::milliseconds(engine_ != nullptr ? options_.renew_every_ms
                                                                       : options_.poll_every_ms);
        changed_.wait_for(lock, wait, [this] {
            return stopping_ || poked_ || (engine_ != nullptr && engine_->store_lost());
        });
        poked_ = false;
    }
}

void Leadership::lead_once(std::unique_lock<std::mutex>& lock) {
    const bool lost_store = engine_->store_lost();
    const int64_t now = clock_.now_ms();
    if (!lost_store && now - last_renewal_ms_ < options_.renew_every_ms) return;
    lock.unlock();
    auto renewed = lease_.renew(options_.lease_ttl_ms);
    lock.lock();
    if (renewed && renewed.value()) last_renewal_ms_ = clock_.now_ms();
    if (lost_store) {
        ++stats_.store_lost;
        stop_engine(lock);
        if (renewed && renewed.value()) {
            // Still ours: the store is reachable again, but what it holds is unknown to us.
            log_("warn", "the engine lost track of the store; loading it again");
            if (!start_engine(lock, stats_.generation)) (void)lease_.release();
        } else {
            log_("warn", "this node no longer writes: " +
                             (renewed ? std::string("another node holds the writer lease")
                                      : renewed.error().message));
        }
        changed_.notify_all();
        return;
    }
    if (renewed && !renewed.value()) {
        log_("warn", "the writer lease was taken by another node; following it");
        stop_engine(lock);
        changed_.notify_all();
    } else if (!renewed) {
        // The store is unreachable: the engine's commits fail meanwhile (503s), and if another
        // node takes the lease, they are fenced. Keep trying.
        log_("warn", "cannot renew the writer lease: " + renewed.error().message);
    }
}

void Leadership::follow_once(std::unique_lock<std::mutex>& lock) {
    lock.unlock();
    auto holder = lease_.holder();
    std::optional<int64_t> taken;
    std::optional<Error> failure;
    if (!holder) {
        failure = holder.error();
    } else if (!holder->live) {
        auto acquired = lease_.try_acquire(options_.node_id, node_url_, options_.lease_ttl_ms);
        if (!acquired) {
            failure = acquired.error();
        } else {
            taken = acquired.value();
        }
    }
    lock.lock();
    if (holder) {
        const bool changed =
            !writer_ || writer_->generation != holder->generation || writer_->live != holder->live;
        writer_ = holder.value();
        if (changed) changed_.notify_all();
    }
    if (failure) return;  // the store is down: try again at the next poll
    if (holder->live && holder->node_id == options_.node_id) {
        // Still this node's lease, whose engine was dropped (the store went away): once the
        // lease can be renewed, the store is back, and a new engine loads it.
        lock.unlock();
        auto renewed = lease_.renew(options_.lease_ttl_ms);
        lock.lock();
        if (renewed && renewed.value() && start_engine(lock, holder->generation)) {
            log_("info", "the store is back; this node writes again (lease generation " +
                             std::to_string(holder->generation) + ")");
            changed_.notify_all();
        }
        return;
    }
    if (taken) {
        if (start_engine(lock, *taken)) {
            writer_ = LeaseHolder{*taken, options_.node_id, node_url_, true};
            log_("info",
                 "this node is the writer now (lease generation " + std::to_string(*taken) + ")");
        } else {
            lock.unlock();
            (void)lease_.release();
            lock.lock();
        }
        changed_.notify_all();
    }
}

bool Leadership::start_engine(std::unique_lock<std::mutex>& lock, int64_t generation) {
    lock.unlock();
    auto started = StockEngine::start(store_, clock_, engine_options_);
    lock.lock();
    if (!started) {
        log_("warn", "cannot start the engine: " + started.error().message);
        return false;
    }
    engine_ = std::move(started.value());
    stats_.generation = generation;
    stats_.terms += 1;
    last_renewal_ms_ = clock_.now_ms();
    return true;
}

void Leadership::stop_engine(std::unique_lock<std::mutex>& lock) {
    std::shared_ptr<StockEngine> engine = std::move(engine_);
    if (engine == nullptr) return;
    lock.unlock();
    // Callers hold their copy only for one submission; wait for them to let go so that the
    // engine drains here, not on an I/O thread.
    while (engine.use_count() > 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    engine.reset();
    lock.lock();
}

}  // namespace restock
