// Leadership: the WritePath of a node on a shared store. Of all the nodes on one database, the
// one holding the writer lease (ports/writer_lease.h) runs the StockEngine, unchanged: it owns
// the state in memory and commits every write in groups, so every guarantee of one node (no
// oversell, idempotency, one gap-free event order, one open order per product, SQS semantics)
// holds across nodes because there is still one writer. The other nodes forward their writes to
// it (the holder's URL is in the lease) and serve reads from the database themselves.
//
// A background thread keeps it so:
//   - a follower looks at the lease every poll interval (and when poked: a notification that it
//     changed); once it has expired, it takes it and starts an engine, which loads the
//     database's state as the last writer committed it;
//   - the leader renews the lease; if its engine loses the store (a commit whose outcome is
//     unknown, or fenced because another node took the lease), the engine is dropped and, if
//     the lease is still this node's, a new one is loaded at once.
// Failover takes at most the lease TTL (the old holder's last renewal) plus one poll, plus the
// new engine's load. Safety does not depend on that timing: the store fences every commit.
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "app/log_sink.h"
#include "app/write_path.h"
#include "ports/writer_lease.h"

namespace restock {

struct LeadershipOptions {
    std::string node_id;  // unique per process
    int64_t lease_ttl_ms = 2'000;
    int64_t renew_every_ms = 500;
    int64_t poll_every_ms = 200;
};

class Leadership final : public WritePath {
  public:
    // REQUIRES: store, lease and clock outlive this object.
    Leadership(StockStore& store, WriterLease& lease, const Clock& clock,
               EngineOptions engine_options, LeadershipOptions options, LogSink log);
    // Starts the background thread, which tries to take the lease at once. `node_url`: where
    // the other nodes reach this one (known once its server listens). Until then this node
    // neither writes nor knows the writer.
    void start(std::string node_url);
    // Stops the engine (draining it), then gives the lease up so another node takes over now.
    ~Leadership() override;
    Leadership(const Leadership&) = delete;
    Leadership& operator=(const Leadership&) = delete;

    std::shared_ptr<StockEngine> local() const override;
    DurableMarks durable_marks() const override { return kAllCommitted; }

    // The holder as last seen: whom to forward to. nullopt before the first look.
    std::optional<LeaseHolder> writer() const;
    // Looks at the lease now rather than at the next poll.
    void poke();
    // Blocks until some node writes (this one or another) or the timeout passes.
    bool wait_for_writer(std::chrono::milliseconds timeout) const;

    struct Stats {
        bool leading = false;
        int64_t generation = 0;   // of the lease as last seen
        uint64_t terms = 0;       // engines this node started
        uint64_t store_lost = 0;  // engines dropped because they lost the store
    };
    Stats stats() const;
    const LeadershipOptions& options() const { return options_; }
    // Where the other nodes reach this one (set by start()).
    const std::string& node_url() const { return node_url_; }

  private:
    void run();
    void lead_once(std::unique_lock<std::mutex>& lock);
    void follow_once(std::unique_lock<std::mutex>& lock);
    // Starts an engine on the store; false if it could not load. REQUIRES: lock held.
    bool start_engine(std::unique_lock<std::mutex>& lock, int64_t generation);
    // Drops the engine once no caller holds it. REQUIRES: lock held (released meanwhile).
    void stop_engine(std::unique_lock<std::mutex>& lock);

    StockStore& store_;
    WriterLease& lease_;
    const Clock& clock_;
    EngineOptions engine_options_;
    const LeadershipOptions options_;
    const LogSink log_;
    std::string node_url_;

    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::shared_ptr<StockEngine> engine_;
    std::optional<LeaseHolder> writer_;
    bool poked_ = false;
    bool stopping_ = false;
    int64_t last_renewal_ms_ = 0;
    Stats stats_;
    std::thread thread_;
};

}  // namespace restock
