// CurlHttpClient: the HttpClient port over libcurl (HTTP/1.1, http and https only).
//
// Contract:
// - send() performs one request; any HTTP status is a value, a transport failure (refused,
//   timed out, reset, response too large) is kUnavailable "http-failed" with a message naming
//   the method, host:port and path, never the query string or user info.
// - call.timeout_ms bounds the whole call and the connect phase (values < 1 mean 1 ms).
// - The URL is requested exactly as given (dot segments are not squashed). No redirects are
//   followed, no proxy is taken from the environment, no signals are used.
// - Headers are sent as given; a header name or value with CR, LF or NUL is kInvalidArgument
//   "invalid-header". A body without a Content-Type header is sent without one.
// - Response bodies over max_response_bytes are an error (nothing is returned).
// Thread-safe: any number of threads may call send() concurrently. Easy handles are pooled so
// calls to the same host reuse kept-alive connections.
#pragma once

#include <cstddef>
#include <memory>

#include "ports/http_client.h"

namespace restock::curl {

class EasyHandlePool;

struct CurlHttpClientOptions {
    std::size_t max_response_bytes = 1024 * 1024;
    std::size_t max_idle_handles = 16;
};

class CurlHttpClient final : public HttpClient {
  public:
    explicit CurlHttpClient(CurlHttpClientOptions options = {});
    ~CurlHttpClient() override;

    Result<HttpAnswer> send(const HttpCall& call) override;

  private:
    const CurlHttpClientOptions options_;
    std::unique_ptr<EasyHandlePool> pool_;
};

}  // namespace restock::curl
