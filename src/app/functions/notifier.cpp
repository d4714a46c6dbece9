#include "app/functions/notifier.h"

#include "app/engine_client.h"
#include "app/event_json.h"
#include "json/json.h"
#include "support/crypto.h"

namespace restock {
namespace {

std::optional<Subscription> find_subscription(CommandSink& engine, const std::string& id) {
    Outcome listed = submit_and_wait(engine, ListSubscriptions{std::string(kStockEventsTopic)});
    if (const auto* outcome = std::get_if<SubscriptionsOutcome>(&listed)) {
        for (const auto& subscription : outcome->subscriptions) {
            if (subscription.id == id) return subscription;
        }
    }
    return std::nullopt;
}

}  // namespace

std::string webhook_signature(const std::string& secret, const std::string& id, int64_t timestamp_s,
                              const std::string& body) {
    std::string encoded = secret;
    if (encoded.rfind("whsec_", 0) == 0) encoded = encoded.substr(6);
    const std::string key = base64_decode(encoded).value_or(encoded);
    const std::string signed_content = id + "." + std::to_string(timestamp_s) + "." + body;
    return "v1," + base64_encode(hmac_sha256(key, signed_content));
}

Handler make_notifier(CommandSink& engine, HttpClient& http, Mailer* mailer, const Clock& clock,
                      NotifierConfig config, LogSink log) {
    return [&engine, &http, mailer, &clock, config = std::move(config),
            log = std::move(log)](const QueueMessage& message) -> HandlerResult {
        auto notification = parse_notification(message.body);
        if (!notification) return HandlerResult::fail("malformed notification");
        const std::string& body = notification->event;  // sent and signed as the outbox wrote it
        auto ref = parse_event_ref(body);
        if (!ref) return HandlerResult::fail("malformed event in notification");

        auto subscription = find_subscription(engine, notification->subscription_id);
        if (!subscription) return HandlerResult::ack();  // unsubscribed since

        if (subscription->protocol == Protocol::kWebhook) {
            const int64_t timestamp = clock.now_ms() / 1000;
            HttpCall call;
            call.url = subscription->endpoint;
            call.headers = {{"Content-Type", "application/json"},
                            {"webhook-id", ref->id},
                            {"webhook-timestamp", std::to_string(timestamp)},
                            {"webhook-signature",
                             webhook_signature(subscription->secret, ref->id, timestamp, body)}};
            call.body = body;
            call.timeout_ms = config.timeout_ms;
            auto answer = http.send(call);
            if (!answer) return HandlerResult::fail(answer.error().message);
            if (answer->status < 200 || answer->status > 299) {
                return HandlerResult::fail("webhook answered " + std::to_string(answer->status));
            }
            return HandlerResult::ack();
        }
        if (subscription->protocol == Protocol::kEmail) {
            if (mailer == nullptr) {
                return HandlerResult::fail("email is not configured: set smtp_url");
            }
            MailMessage mail;
            mail.from = config.mail_from;
            mail.to = subscription->endpoint;
            mail.subject = "[restock] " + ref->type + " " + ref->sku;
            mail.text = "Restock event " + ref->type + " for " + ref->sku + " (" + ref->id +
                        ").\n\n" + body + "\n";
            if (auto sent = mailer->send(mail); !sent) {
                return HandlerResult::fail(sent.error().message);
            }
            log("info", "notifier: emailed " + ref->type + " " + ref->sku + " to subscription " +
                            subscription->id);
            return HandlerResult::ack();
        }
        return HandlerResult::ack();  // queue subscriptions never reach this queue
    };
}

}  // namespace restock
