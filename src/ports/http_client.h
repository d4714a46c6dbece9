// HttpClient port: outbound HTTP for the factory connector, the ads API and webhooks.
// Every call has a timeout; a transport failure is an Error, an HTTP status is a value.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace restock {

struct HttpCall {
    std::string method = "POST";
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    int64_t timeout_ms = 5000;  // whole call: connect + send + wait + read
};

struct HttpAnswer {
    int status = 0;
    std::string body;
};

class HttpClient {
  public:
    virtual ~HttpClient() = default;
    // Thread-safe. Errors: kUnavailable with a message that never contains the URL's query
    // (it may hold a secret).
    virtual Result<HttpAnswer> send(const HttpCall& call) = 0;
};

struct MailMessage {
    std::string from;
    std::string to;
    std::string subject;
    std::string text;
};

// Mailer port: sends one email (SMTP in the adapter). Thread-safe.
class Mailer {
  public:
    virtual ~Mailer() = default;
    virtual Status send(const MailMessage& message) = 0;
};

}  // namespace restock
