// Api: the HTTP handlers. Each one parses, calls a use case, and maps the result; none does
// socket work. Thread-safe: called concurrently from the server's I/O threads.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "adapters/http/response_mapping.h"
#include "app/authenticator.h"
#include "app/reader_pool.h"
#include "app/stock_engine.h"

namespace restock::http {

struct HttpRequest {
    std::string method;
    std::string path;   // without the query
    std::string query;  // after '?', undecoded
    std::string authorization;
    std::optional<std::string> idempotency_key;
    std::string content_type;
    std::string body;
    std::string request_id;
};

struct Exchange {
    Reply reply;
    std::string principal;  // key name for the access log; empty if unauthenticated
    std::string allow;      // Allow header for 405
};

// Delivers the exchange, exactly once: on the calling thread when the answer needs no engine
// (a refusal, a read), else on the engine's answering thread once the outcome is durable. It
// must not block.
using Respond = std::function<void(Exchange)>;

class Api {
  public:
    // `callback_secret` checks the tokens in factory callback URLs.
    Api(StockEngine& engine, ReaderPool& readers, Authenticator& authenticator,
        std::string callback_secret)
        : engine_(engine),
          readers_(readers),
          authenticator_(authenticator),
          callback_secret_(std::move(callback_secret)) {}

    void handle(HttpRequest request, Respond respond);

    // Counted by status class, for /metrics.
    void count(int status);

  private:
    struct Context;
    void dispatch(Context& context, Respond respond);
    void submit(Context& context, Command command, Respond respond);
    void factory_callback(Context& context, Respond respond);

    Reply health();
    Reply metrics();
    Reply get_product(Context& context);
    Reply list_products(Context& context);
    Reply list_movements(Context& context);
    Reply list_events(Context& context);

    StockEngine& engine_;
    ReaderPool& readers_;
    Authenticator& authenticator_;
    const std::string callback_secret_;
    std::atomic<uint64_t> responses_[6] = {};  // 1xx..5xx, [0] unused
};

}  // namespace restock::http
