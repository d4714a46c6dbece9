// WritePath: how this node reaches the single writer that owns the store's state.
//   SoleWriter (below): an embedded store, whose one engine lives in this process.
//   Leadership (app/leadership.h): a shared store, whose engine runs on the node holding the
//   writer lease; the others forward their writes to it.
// Thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <utility>

#include "app/stock_engine.h"

namespace restock {

class WritePath {
  public:
    virtual ~WritePath() = default;
    // The engine on this node while it is the writer; null while another node is (the caller
    // then forwards). A caller holds the pointer only for one submission.
    virtual std::shared_ptr<StockEngine> local() const = 0;
    // What readers may list: event seqs and movement ids up to these are durable.
    virtual DurableMarks durable_marks() const = 0;
};

// The embedded case: one engine for the life of the process, owned by the composition root
// (which destroys it, draining it, once no request can reach it any more).
class SoleWriter final : public WritePath {
  public:
    explicit SoleWriter(std::weak_ptr<StockEngine> engine) : engine_(std::move(engine)) {}
    std::shared_ptr<StockEngine> local() const override { return engine_.lock(); }
    DurableMarks durable_marks() const override {
        const auto engine = engine_.lock();
        return engine ? engine->durable_marks() : DurableMarks{};
    }

  private:
    const std::weak_ptr<StockEngine> engine_;
};

// On a shared store every committed row is durable (PostgreSQL commits with
// synchronous_commit on), so readers may list all they see.
inline constexpr DurableMarks kAllCommitted{std::numeric_limits<int64_t>::max(),
                                            std::numeric_limits<int64_t>::max()};

}  // namespace restock
