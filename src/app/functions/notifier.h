// notifier: notifications queue -> webhook and email subscribers. Webhooks carry the Standard
// Webhooks headers (webhook-id, webhook-timestamp, webhook-signature "v1,<base64 HMAC-SHA256>"
// over "id.timestamp.body" with the subscription's secret); email goes through the Mailer.
#pragma once

#include <string>

#include "app/functions/function_runner.h"
#include "ports/clock.h"
#include "ports/http_client.h"

namespace restock {

struct NotifierConfig {
    std::string mail_from = "restock@localhost";
    int64_t timeout_ms = 10'000;
};

// The webhook-signature header value for one delivery. `secret` is "whsec_<base64>".
std::string webhook_signature(const std::string& secret, const std::string& id, int64_t timestamp_s,
                              const std::string& body);

// `mailer` may be null: email subscriptions then fail (and dead-letter) with a clear error.
Handler make_notifier(CommandSink& engine, HttpClient& http, Mailer* mailer, const Clock& clock,
                      NotifierConfig config, LogSink log);

}  // namespace restock
