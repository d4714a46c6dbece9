// HttpForwarder: the http::Forwarder of a node that is not the writer. A client's request that
// needs the writer is sent on, as it came (method, path and query, key, Idempotency-Key, body,
// request id), to the writer node, which authenticates, checks and executes it exactly as if
// the client had sent it there; its answer goes back to the client unchanged. The I/O thread
// only queues the request: a pool of threads does the blocking round trips.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "adapters/cluster/writer_link.h"
#include "adapters/http/handlers.h"

namespace restock::cluster {

class HttpForwarder final : public http::Forwarder {
  public:
    // `threads`: round trips in flight at once; `max_queued`: beyond this, 503 at once.
    HttpForwarder(WriterLink& link, int threads, std::size_t max_queued = 10'000);
    ~HttpForwarder() override;  // answers what is queued, then stops

    void forward(const http::HttpRequest& request, http::Respond respond) override;

  private:
    struct Job {
        NodeRequest request;
        bool repeatable = false;
        std::string path;  // for problems
        std::string request_id;
        http::Respond respond;
    };
    void work();

    WriterLink& link_;
    const std::size_t max_queued_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> jobs_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace restock::cluster
