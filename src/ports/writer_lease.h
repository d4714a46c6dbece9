// WriterLease port: on a store shared by several nodes, which node's engine may write.
//
// One lease row in the store names the holder, its URL (where the others forward writes) and a
// generation that grows by one at every change of holder. The lease expires unless renewed;
// expiry is judged by the store's clock, so the nodes' clocks need not agree. The holder's
// every write carries its generation and the store refuses it once the generation has moved
// on (fencing): a node that lost the lease without noticing (a long pause, a cut connection)
// can commit nothing, so two writers never both commit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/result.h"

namespace restock {

struct LeaseHolder {
    int64_t generation = 0;
    std::string node_id;
    std::string node_url;
    bool live = false;  // not yet expired
};

class WriterLease {
  public:
    virtual ~WriterLease() = default;

    // The lease as the store has it now (expired or not). 0 generation: never held.
    virtual Result<LeaseHolder> holder() = 0;
    // Takes the lease for `node_id` if nobody holds it live; the store's writes are from then on
    // fenced to the new generation, which is returned. nullopt: another node holds it.
    virtual Result<std::optional<int64_t>> try_acquire(const std::string& node_id,
                                                       const std::string& node_url,
                                                       int64_t ttl_ms) = 0;
    // Extends the held lease. false: it was lost (another node took it); writes are refused.
    virtual Result<bool> renew(int64_t ttl_ms) = 0;
    // Ends the held lease now, so another node may take it without waiting for the expiry.
    virtual Status release() = 0;
};

}  // namespace restock
