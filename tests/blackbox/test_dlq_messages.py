"""One queue message at a time (issue 16, item 15): DELETE /v1/queues/{name}/messages/{id} and
POST /v1/queues/{name}/messages/{id}/redrive, over HTTP and through `restock queues delete` /
`restock queues redrive NAME ID`: what refuses them (a source queue, another queue's message, a
message in flight, bad ids), and Idempotency-Key on both. Also `restock queues peek`, whose
lines name each message's SKU and event type."""

import unittest

from harness import LoopTestCase, run_cli

FACTORY = "fac-dlq"
DLQ = "stock-empty-dlq"


class DlqMessageTests(LoopTestCase):

    def drain(self, sku, on_hand=2):
        """A product sold out in one checkout: one stock.empty, so one restock-orders message."""
        self.create_product(sku, on_hand=on_hand, reorder_point=0, reorder_qty=5,
                            factory_id=FACTORY)
        self.assertEqual(self.checkout("drain-" + sku, [(sku, on_hand)]).status, 200)

    def two_dead_orders(self):
        """A failing factory, two products sold out: two dead-lettered restock-orders messages
        (A's, then B's) and two failed orders. The factory then works again."""
        sim = self.start_factory_sim("--fail-rate", "1", "--delay-ms", "20", "--seed", "21")
        self.register_factory(FACTORY, sim.url)
        self.drain("ONE-A")
        self.wait_for_dlq(DLQ, 1)
        self.drain("ONE-B")
        dead = self.wait_for_dlq(DLQ, 2)
        self.wait_for_order("ONE-A", "failed")
        self.wait_for_order("ONE-B", "failed")
        self.wait_for_idle("restock-orders")
        sim.control(fail_rate=0)
        by_sku = {m["body"]["sku"]: m for m in dead}
        self.assertEqual(set(by_sku), {"ONE-A", "ONE-B"})
        return sim, by_sku["ONE-A"], by_sku["ONE-B"]

    def test_redrive_one_message_orders_once_and_replays_with_its_key(self):
        sim, a, b = self.two_dead_orders()
        path = f"/v1/queues/{DLQ}/messages/{b['id']}/redrive"
        r = self.request("POST", path, headers={"Idempotency-Key": "redrive-b"})
        self.assertEqual((r.status, r.json), (200, {"redriven": 1}), r)
        # Only B's message went back: one new order, for B, at the factory.
        (sent,) = self.wait_for(lambda: (lambda o: o if len(o) == 1 else None)(sim.orders()),
                                "one factory order", describe=sim.orders)
        self.assertEqual(sent["product_id"], "ONE-B")
        self.wait_for_order("ONE-B", "received")
        self.assertEqual([m["id"] for m in self.queue_messages(DLQ)], [a["id"]])
        self.assertEqual([o["status"] for o in self.restock_orders("ONE-A")], ["failed"])

        # The same key again: the first answer, and nothing moves twice.
        again = self.request("POST", path, headers={"Idempotency-Key": "redrive-b"})
        self.assertEqual((again.status, again.json), (200, {"redriven": 1}), again)
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        # Without a key: the message is gone from the DLQ (it has a new id in restock-orders).
        self.assertProblem(self.request("POST", path), 404, "message-not-found")
        self.wait_for_idle("restock-orders", "stock-receipts")
        self.settle(0.3)
        self.assertEqual(len(sim.orders()), 1)
        self.assertEqual([m["id"] for m in self.queue_messages(DLQ)], [a["id"]])

    def test_delete_one_message(self):
        sim, a, b = self.two_dead_orders()
        path = f"/v1/queues/{DLQ}/messages/{a['id']}"
        r = self.request("DELETE", path, headers={"Idempotency-Key": "delete-a"})
        self.assertEqual((r.status, r.json), (200, {"deleted": 1}), r)
        self.assertEqual([m["id"] for m in self.queue_messages(DLQ)], [b["id"]])
        again = self.request("DELETE", path, headers={"Idempotency-Key": "delete-a"})
        self.assertEqual((again.status, again.json), (200, {"deleted": 1}), again)
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        self.assertProblem(self.request("DELETE", path), 404, "message-not-found")
        # A deleted message is gone for good: a redrive of the whole DLQ moves only B's.
        self.assertEqual(self.redrive(DLQ), 1)
        self.wait_for_order("ONE-B", "received")
        self.wait_for_idle("restock-orders", "stock-receipts")
        self.settle(0.3)
        self.assertEqual([o["product_id"] for o in sim.orders()], ["ONE-B"])
        self.assertEqual([o["status"] for o in self.restock_orders("ONE-A")], ["failed"])

    def test_refusals_change_nothing(self):
        sim, a, b = self.two_dead_orders()
        before = self.queue_messages(DLQ)
        base = f"/v1/queues/{DLQ}/messages"
        # A source queue has no redrive; a message is looked for only in the queue named.
        self.assertProblem(self.request("POST", f"/v1/queues/restock-orders/messages/{a['id']}"
                                                "/redrive"), 409, "not-a-dlq")
        self.assertProblem(self.request("DELETE", f"/v1/queues/restock-orders/messages/{a['id']}"),
                           404, "message-not-found")
        self.assertProblem(self.request("POST", f"/v1/queues/stock-ad-dlq/messages/{a['id']}"
                                                "/redrive"), 404, "message-not-found")
        self.assertProblem(self.request("DELETE", f"{base}/999999"), 404, "message-not-found")
        self.assertProblem(self.request("POST", f"{base}/999999/redrive"), 404,
                           "message-not-found")
        self.assertProblem(self.request("DELETE", f"/v1/queues/nope/messages/{a['id']}"), 404,
                           "queue-not-found")
        for bad in ("abc", "0", "-1", "1.5", "%2B1", "99999999999999999999"):
            self.assertProblem(self.request("DELETE", f"{base}/{bad}"), 400, "invalid-request")
            self.assertProblem(self.request("POST", f"{base}/{bad}/redrive"), 400,
                               "invalid-request")
        # No body, admin only, and the methods the routes have.
        self.assertProblem(self.request("DELETE", f"{base}/{a['id']}", {"x": 1}), 400,
                           "invalid-request")
        self.assertProblem(self.request("POST", f"{base}/{a['id']}/redrive", {"x": 1}), 400,
                           "invalid-request")
        for role in ("storefront", "factory"):
            self.assertProblem(self.request("DELETE", f"{base}/{a['id']}", key=role), 403,
                               "forbidden")
            self.assertProblem(self.request("POST", f"{base}/{a['id']}/redrive", key=role), 403,
                               "forbidden")
        self.assertProblem(self.request("DELETE", f"{base}/{a['id']}", key=None), 401,
                           "unauthorized")
        r = self.request("GET", f"{base}/{a['id']}")
        self.assertProblem(r, 405, "method-not-allowed")
        self.assertEqual(r.headers.get("Allow"), "DELETE")
        self.assertEqual(self.queue_messages(DLQ), before)
        self.settle(0.2)
        self.assertEqual(sim.orders(), [])

    def test_a_message_in_flight_is_not_deleted(self):
        # The factory holds the order for 8 s; dispatch waits up to the factory's 4 s timeout,
        # so the restock-orders message is in flight meanwhile.
        sim = self.start_factory_sim("--hang-rate", "1", "--hang-ms", "8000", "--seed", "22")
        self.register_factory(FACTORY, sim.url, timeout_ms=4000)
        self.drain("FLY-1")

        def in_flight():
            messages = [m for m in self.queue_messages("restock-orders") if m["in_flight"]]
            return messages[0] if messages else None
        message = self.wait_for(in_flight, "the restock-orders message in flight")
        path = f"/v1/queues/restock-orders/messages/{message['id']}"
        r = self.request("DELETE", path)
        body = self.assertProblem(r, 409, "message-in-flight")
        self.assertIn(str(message["id"]), body["detail"])
        # Not recorded: the same key may be sent again once the message is settled.
        r = self.request("DELETE", path, headers={"Idempotency-Key": "in-flight"})
        self.assertProblem(r, 409, "message-in-flight")
        self.assertIn(message["id"], [m["id"] for m in self.queue_messages("restock-orders")])


class QueuesCliMessageTests(LoopTestCase):
    """`restock queues peek|delete|redrive` over the same server."""

    def cli(self, *args, check=True):
        return run_cli("queues", *args, "--url", self.public_url, "--key", self.keys["admin"],
                       check=check)

    def test_peek_names_sku_and_type_and_one_message_commands(self):
        # An empty queue still prints its header.
        header = "id\tsku\ttype\treceives\tin_flight\tsource_queue\tlast_error"
        self.assertEqual(self.cli("peek", DLQ).stdout.splitlines(), [header])

        sim = self.start_factory_sim("--fail-rate", "1", "--delay-ms", "20", "--seed", "23")
        self.register_factory(FACTORY, sim.url)
        for sku in ("CLI-A", "CLI-B"):
            self.create_product(sku, on_hand=1, reorder_point=0, reorder_qty=3,
                                factory_id=FACTORY)
            self.assertEqual(self.checkout("c-" + sku, [(sku, 1)]).status, 200)
            self.wait_for_dlq(DLQ, 1 if sku == "CLI-A" else 2)
        self.wait_for_idle("restock-orders")
        dead = self.queue_messages(DLQ)
        out = self.cli("peek", DLQ).stdout.splitlines()
        self.assertEqual(out[0], header)
        self.assertEqual(out[1:], [
            f"{m['id']}\t{m['body']['sku']}\tstock.empty\t4\tfalse\trestock-orders\t"
            f"factory {FACTORY} answered 500" for m in dead])
        self.assertEqual(sorted(line.split("\t")[1] for line in out[1:]), ["CLI-A", "CLI-B"])

        # A notification names the event it wraps (a webhook that always fails).
        hook = self.fake_service(status=500)
        r = self.request("POST", "/v1/topics/stock-events/subscriptions",
                         {"protocol": "webhook", "endpoint": hook.url + "/hook",
                          "filter": {"type": ["stock.restored"]}})
        self.assertEqual(r.status, 201, r)
        r = self.request("POST", "/v1/stock/CLI-A/receipts", {"qty": 5, "reference": "r1"},
                         key="factory")
        self.assertEqual(r.status, 201, r)
        (note,) = self.wait_for_dlq("stock-error-dlq", 1)
        lines = self.cli("peek", "stock-error-dlq").stdout.splitlines()
        self.assertEqual(lines[1].split("\t")[:3], [str(note["id"]), "CLI-A", "stock.restored"])

        sim.control(fail_rate=0)
        a = next(m for m in dead if m["body"]["sku"] == "CLI-A")
        b = next(m for m in dead if m["body"]["sku"] == "CLI-B")
        self.assertEqual(self.cli("redrive", DLQ, str(b["id"])).stdout.strip(), "redriven 1")
        self.wait_for_order("CLI-B", "received")
        self.assertEqual(self.cli("delete", DLQ, str(a["id"])).stdout.strip(), "deleted 1")
        self.assertEqual(self.queue_messages(DLQ), [])
        self.settle(0.3)
        self.assertEqual([o["product_id"] for o in sim.orders()], ["CLI-B"])

        # Refusals: the server's detail and exit 1; usage errors exit 2.
        self.assertCliFails(self.cli("delete", DLQ, str(a["id"]), check=False), 1, "HTTP 404")
        self.assertCliFails(self.cli("redrive", "restock-orders", "1", check=False), 1,
                            "HTTP 409")
        self.assertCliFails(self.cli("delete", DLQ, check=False), 2, "delete needs a queue name "
                            "and a message id")
        self.assertCliFails(self.cli("delete", DLQ, "abc", check=False), 2, "message id")
        self.assertCliFails(self.cli("redrive", DLQ, "1", "2", check=False), 2,
                            "unexpected argument")


if __name__ == "__main__":
    unittest.main()
