"""Topic fan-out to admins: webhook subscriptions (Standard Webhooks signatures, type filters,
retries into stock-error-dlq) and email subscriptions through a real SMTP server (aiosmtpd)."""

import base64
import email
import email.policy
import hashlib
import hmac
import json
import threading
import time
import unittest

from harness import LoopTestCase, free_port

SUBSCRIPTIONS = "/v1/topics/stock-events/subscriptions"


def expected_signature(secret, msg_id, timestamp, body):
    key = base64.b64decode(secret[len("whsec_"):])
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


class SubscriptionMixin:

    def subscribe(self, protocol, endpoint, types=None):
        body = {"protocol": protocol, "endpoint": endpoint}
        if types is not None:
            body["filter"] = {"type": types}
        r = self.request("POST", SUBSCRIPTIONS, body)
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json["topic"], r.json["protocol"], r.json["endpoint"],
                          r.json["filter"]), ("stock-events", protocol, endpoint,
                                              {"type": types or []}))
        self.assertTrue(r.json["id"].startswith("sub_"), r)
        return r.json

    def quiet_factory(self):
        """A factory that accepts every order and never calls back: the restock side of the
        loop stays predictable (one order, acknowledged)."""
        factory = self.fake_service(status=202)
        self.register_factory("quiet", factory.url)

    def sell_out(self, sku, on_hand=5, low_first=True):
        """A product that goes low (if ``low_first``) and then empty."""
        self.create_product(sku, on_hand=on_hand, reorder_point=2, reorder_qty=5,
                            factory_id="quiet")
        if low_first:
            self.assertEqual(self.checkout(sku + "-a", [(sku, on_hand - 2)]).status, 200)
            self.assertEqual(self.checkout(sku + "-b", [(sku, 2)]).status, 200)
        else:
            self.assertEqual(self.checkout(sku + "-a", [(sku, on_hand)]).status, 200)


class DefaultRetryTests(SubscriptionMixin, LoopTestCase):
    """The default retry policies (no FAST_BACKOFF). Regression (issue 16, item 3): a webhook
    answering 500 was in stock-error-dlq one second later, and a factory down for a moment
    failed its order."""

    FAST_BACKOFF = None

    def test_the_defaults_ride_out_a_partner_outage(self):
        queues = self.queues()
        for name in ("restock-orders", "ad-control", "stock-receipts"):
            q = queues[name]
            self.assertEqual((q["max_receive_count"], q["backoff_base_ms"], q["backoff_max_ms"]),
                             (16, 1000, 300_000), name)
        n = queues["notifications"]
        self.assertEqual((n["max_receive_count"], n["backoff_base_ms"], n["backoff_max_ms"]),
                         (16, 5000, 36_000_000))

        hook = self.fake_service(status=500)
        self.subscribe("webhook", hook.url + "/hook", types=["stock.empty"])
        factory = self.fake_service(status=503)  # the factory is down
        self.register_factory("down", factory.url)
        self.create_product("OUTAGE", on_hand=1, reorder_point=0, reorder_qty=5,
                            factory_id="down")
        self.assertEqual(self.checkout("o-1", [("OUTAGE", 1)]).status, 200)  # stock.empty
        self.wait_for(lambda: hook.recorded("/hook") and factory.recorded("/api/manufactures"),
                      "the first webhook and factory calls")
        time.sleep(3.0)
        # Three seconds on, neither has given up: both wait for their next try.
        self.assertEqual(self.queue_messages("stock-error-dlq"), [])
        self.assertEqual(self.queue_messages("stock-empty-dlq"), [])
        self.assertLessEqual(len(hook.recorded("/hook")), 2)  # at once, then after ~5 s
        waiting = self.queue_messages("notifications")
        self.assertEqual(len(waiting), 1, waiting)
        self.assertIn("500", waiting[0]["last_error"])
        (order,) = self.restock_orders("OUTAGE")
        self.assertEqual(order["status"], "sent")
        # The factory comes back: the order goes through on its next try.
        factory.set_status(202)
        self.wait_for_order("OUTAGE", "acknowledged", timeout=30)


class WebhookTests(SubscriptionMixin, LoopTestCase):

    def setUp(self):
        super().setUp()
        self.quiet_factory()
        self.hook = self.fake_service(status=200)

    def deliveries(self, path="/hook"):
        return [request for request, _ in self.hook.recorded(path)]

    def test_signed_delivery_and_type_filter(self):
        sub = self.subscribe("webhook", self.hook.url + "/hook", ["stock.empty"])
        secret = sub["secret"]
        self.assertTrue(secret.startswith("whsec_"), sub)
        self.assertEqual(len(base64.b64decode(secret[len("whsec_"):])), 24)
        # The secret is shown once: listing does not show it.
        r = self.request("GET", SUBSCRIPTIONS)
        self.assertEqual(r.status, 200, r)
        listed = {s["id"]: s for s in r.json["items"]}
        self.assertNotIn("secret", listed[sub["id"]])
        self.assertEqual(listed[sub["id"]]["endpoint"], self.hook.url + "/hook")
        # The default wiring: restock-orders and ad-control queue subscriptions.
        self.assertEqual(sorted((s["protocol"], s["endpoint"], tuple(s["filter"]["type"]))
                                for s in r.json["items"] if s["protocol"] == "queue"),
                         [("queue", "ad-control", ("stock.empty", "stock.restored")),
                          ("queue", "restock-orders", ("stock.low", "stock.empty", "stock.short"))])

        before = int(time.time())
        self.sell_out("WH-1")
        (delivery,) = self.wait_for(self.deliveries, "one webhook delivery")
        after = int(time.time())
        empty = self.events_for("WH-1", ["stock.empty"])[0]

        self.assertEqual(delivery.method, "POST")
        self.assertEqual(delivery.headers.get("Content-Type"), "application/json")
        self.assertEqual(delivery.headers.get("webhook-id"), empty["id"])
        timestamp = delivery.headers.get("webhook-timestamp")
        self.assertTrue(timestamp.isdigit(), timestamp)
        self.assertTrue(before - 1 <= int(timestamp) <= after + 1, (before, timestamp, after))
        self.assertEqual(delivery.headers.get("webhook-signature"),
                         expected_signature(secret, empty["id"], timestamp, delivery.body))
        self.assertEqual(delivery.json, empty)  # the event exactly as the log has it
        # A signature with another secret, id or body would not match.
        self.assertNotEqual(delivery.headers.get("webhook-signature"),
                            expected_signature(secret, empty["id"], timestamp,
                                               delivery.body + b" "))

        # stock.low (and restock.*) happened too, but the filter keeps them away.
        self.assertEqual(len(self.events_for("WH-1", ["stock.low"])), 1)
        self.wait_for_idle("notifications")
        self.settle(0.3)
        self.assertEqual([d.json["type"] for d in self.deliveries()], ["stock.empty"])

    def test_filters_per_subscription_and_unfiltered(self):
        low_restored = self.subscribe("webhook", self.hook.url + "/a",
                                      ["stock.low", "stock.restored"])
        everything = self.subscribe("webhook", self.hook.url + "/b")
        self.assertNotEqual(low_restored["secret"], everything["secret"])
        self.sell_out("WH-2")
        self.wait_for_order("WH-2", "acknowledged")  # ordered before the stock comes back
        r = self.request("POST", "/v1/stock/WH-2/receipts", {"qty": 9, "reference": "r"},
                         key="factory")
        self.assertEqual(r.status, 201, r)
        self.wait_for_idle("restock-orders")
        sku_types = [e["type"] for e in self.events_for("WH-2")]
        self.assertEqual(sorted(sku_types), ["restock.accepted", "restock.ordered", "stock.empty",
                                             "stock.low", "stock.restored"])
        self.wait_for(lambda: len(self.deliveries("/b")) >= len(sku_types), "all deliveries",
                      describe=lambda: self.hook.recorded())
        self.wait_for_idle("notifications")
        self.settle(0.3)
        self.assertEqual(sorted(d.json["type"] for d in self.deliveries("/a")),
                         ["stock.low", "stock.restored"])
        self.assertEqual(sorted(d.json["type"] for d in self.deliveries("/b")), sorted(sku_types))
        self.assertIn("stock.empty", sku_types)
        for path, sub in (("/a", low_restored), ("/b", everything)):
            for d in self.deliveries(path):
                self.assertEqual(d.headers.get("webhook-signature"),
                                 expected_signature(sub["secret"], d.headers.get("webhook-id"),
                                                    d.headers.get("webhook-timestamp"), d.body))

    def test_failing_webhook_retries_into_stock_error_dlq_then_redrive(self):
        self.hook.set_status(500)
        sub = self.subscribe("webhook", self.hook.url + "/hook", ["stock.empty"])
        self.sell_out("WH-3", low_first=False)
        (dead,) = self.wait_for_dlq("stock-error-dlq")
        empty = self.events_for("WH-3", ["stock.empty"])[0]
        self.assertEqual(dead["source_queue"], "notifications")
        self.assertEqual(dead["receive_count"], 4)
        self.assertEqual(dead["last_error"], "webhook answered 500")
        self.assertEqual(dead["body"]["subscription_id"], sub["id"])
        self.assertEqual(dead["body"]["event"], empty)
        attempts = self.deliveries()
        self.assertEqual(len(attempts), 4)
        # Every retry is the same message: same webhook-id and body.
        self.assertEqual({d.headers.get("webhook-id") for d in attempts}, {empty["id"]})
        self.assertEqual({d.body for d in attempts}, {attempts[0].body})
        for d in attempts:
            self.assertEqual(d.headers.get("webhook-signature"),
                             expected_signature(sub["secret"], empty["id"],
                                                d.headers.get("webhook-timestamp"), d.body))
        self.wait_for_idle("notifications")

        self.hook.set_status(204)
        self.assertEqual(self.redrive("stock-error-dlq"), 1)
        self.wait_for(lambda: len(self.deliveries()) == 5, "the redriven delivery",
                      describe=self.hook.recorded)
        self.wait_for_idle("notifications")
        self.settle(0.3)
        self.assertEqual(len(self.deliveries()), 5)
        self.assertEqual(self.deliveries()[-1].headers.get("webhook-id"), empty["id"])
        self.assertEqual(self.queue_messages("stock-error-dlq"), [])

    def test_deleted_subscription_gets_nothing_more(self):
        sub = self.subscribe("webhook", self.hook.url + "/hook")
        r = self.request("DELETE", f"{SUBSCRIPTIONS}/{sub['id']}")
        self.assertEqual((r.status, r.json), (200, {"status": "deleted"}))
        r = self.request("DELETE", f"{SUBSCRIPTIONS}/{sub['id']}")
        self.assertProblem(r, 404, "subscription-not-found")
        self.sell_out("WH-4")
        self.wait_for_idle("notifications")
        self.settle(0.3)
        self.assertEqual(self.deliveries(), [])
        r = self.request("GET", SUBSCRIPTIONS)
        self.assertNotIn(sub["id"], [s["id"] for s in r.json["items"]])

    def test_invalid_subscriptions(self):
        bad = {
            "unknown protocol": {"protocol": "sms", "endpoint": "x"},
            "webhook without url": {"protocol": "webhook", "endpoint": "not a url"},
            "email without address": {"protocol": "email", "endpoint": "nobody"},
            "unknown type": {"protocol": "webhook", "endpoint": "http://127.0.0.1:1/x",
                             "filter": {"type": ["stock.gone"]}},
            "type not a string": {"protocol": "webhook", "endpoint": "http://127.0.0.1:1/x",
                                  "filter": {"type": [1]}},
        }
        for name, body in bad.items():
            with self.subTest(name):
                self.assertProblem(self.request("POST", SUBSCRIPTIONS, body), 400)
        r = self.request("POST", SUBSCRIPTIONS, {"protocol": "queue", "endpoint": "no-queue"})
        self.assertProblem(r, 422, "queue-not-found")
        r = self.request("POST", "/v1/topics/other/subscriptions",
                         {"protocol": "webhook", "endpoint": "http://127.0.0.1:1/x"})
        self.assertProblem(r, 404, "topic-not-found")
        r = self.request("GET", "/v1/topics")
        self.assertEqual((r.status, r.json), (200, {"items": [{"name": "stock-events"}]}))

    def test_email_without_smtp_dead_letters_clearly(self):
        self.subscribe("email", "ops@example.com", ["stock.empty"])
        self.sell_out("WH-5", low_first=False)
        (dead,) = self.wait_for_dlq("stock-error-dlq")
        self.assertEqual(dead["last_error"], "email is not configured: set smtp_url")


class Collector:
    """aiosmtpd handler: keeps every accepted envelope; refuses DATA while ``refuse``."""

    def __init__(self):
        self.envelopes = []
        self.refused = 0
        self.refuse = False
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse:
                self.refused += 1
                return "451 4.3.0 try again later"
            self.envelopes.append(envelope)
        return "250 2.0.0 OK"

    def accepted(self):
        with self.lock:
            return list(self.envelopes)


class EmailTests(SubscriptionMixin, LoopTestCase):
    MAIL_FROM = "restock-bb@example.com"

    def setUp(self):
        try:
            from aiosmtpd.controller import Controller
        except ImportError:  # pragma: no cover - Debian's python3-aiosmtpd is expected
            self.skipTest("aiosmtpd is not installed for this python3")
        self.smtp = Collector()
        self.smtp_port = free_port()
        self.controller = Controller(self.smtp, hostname="127.0.0.1", port=self.smtp_port)
        self.controller.start()
        self.addCleanup(self.controller.stop)
        super().setUp()
        self.quiet_factory()

    def server_args(self):
        return ["--smtp-url", f"smtp://127.0.0.1:{self.smtp_port}",
                "--mail-from", self.MAIL_FROM]

    def test_email_for_stock_empty(self):
        self.subscribe("email", "ops@example.com", ["stock.empty"])
        self.sell_out("MAIL-1")
        (envelope,) = self.wait_for(self.smtp.accepted, "one email")
        empty = self.events_for("MAIL-1", ["stock.empty"])[0]
        self.assertEqual(envelope.mail_from, self.MAIL_FROM)
        self.assertEqual(envelope.rcpt_tos, ["ops@example.com"])
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.assertEqual(message["Subject"], "[restock] stock.empty MAIL-1")
        self.assertEqual(message["From"], self.MAIL_FROM)
        self.assertEqual(message["To"], "ops@example.com")
        self.assertTrue(message["Date"])
        self.assertTrue(message["Message-ID"])
        text = message.get_content()
        self.assertIn("stock.empty", text)
        self.assertIn("MAIL-1", text)
        self.assertIn(empty["id"], text)
        event_line = [line for line in text.splitlines() if line.startswith("{")]
        self.assertEqual([json.loads(line) for line in event_line], [empty])
        # stock.low happened too but is filtered out.
        self.wait_for_idle("notifications")
        self.settle(0.3)
        self.assertEqual(len(self.smtp.accepted()), 1)

    def test_refused_email_retries_into_dlq_then_redrive_sends_once(self):
        self.smtp.refuse = True
        self.subscribe("email", "ops@example.com", ["stock.empty"])
        self.sell_out("MAIL-2", low_first=False)
        (dead,) = self.wait_for_dlq("stock-error-dlq")
        self.assertEqual(dead["source_queue"], "notifications")
        self.assertEqual(dead["receive_count"], 4)
        self.assertTrue(dead["last_error"], dead)
        self.assertEqual(self.smtp.refused, 4)
        self.assertEqual(self.smtp.accepted(), [])
        self.smtp.refuse = False
        self.assertEqual(self.redrive("stock-error-dlq"), 1)
        (envelope,) = self.wait_for(self.smtp.accepted, "the redriven email")
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.assertEqual(message["Subject"], "[restock] stock.empty MAIL-2")
        self.wait_for_idle("notifications")
        self.settle(0.3)
        self.assertEqual(len(self.smtp.accepted()), 1)


if __name__ == "__main__":
    unittest.main()
