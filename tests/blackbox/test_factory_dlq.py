"""A failing factory: retries, stock-empty-dlq with the last error, a failed order; the factory
recovers and a redrive places exactly one new order. Also the `restock queues` CLI."""

import os
import unittest

from harness import LoopTestCase, run_cli

FACTORY = "fac-flaky"


class FactoryDlqTests(LoopTestCase):

    def drain(self, sku, on_hand=3, **settings):
        """A product sold out in one checkout: one stock.empty, so one restock-orders message."""
        self.create_product(sku, on_hand=on_hand, factory_id=FACTORY, **settings)
        self.assertEqual(self.checkout("drain-" + sku, [(sku, on_hand)]).status, 200)

    def wait_for_sim_orders(self, sim, count):
        return self.wait_for(lambda: (lambda o: o if len(o) == count else None)(sim.orders()),
                             f"{count} order(s) at the factory", describe=sim.orders)

    def test_failing_factory_dead_letters_then_redrive_orders_once(self):
        sim = self.start_factory_sim("--fail-rate", "1", "--delay-ms", "50", "--seed", "3")
        self.register_factory(FACTORY, sim.url)
        sku = "DLQ-1"
        self.drain(sku, on_hand=3, reorder_point=1, reorder_qty=6)

        (dead,) = self.wait_for_dlq("stock-empty-dlq")
        self.assertEqual(dead["queue"], "stock-empty-dlq")
        self.assertEqual(dead["source_queue"], "restock-orders")
        self.assertEqual(dead["receive_count"], 4)  # max_receive_count of FAST_BACKOFF
        self.assertEqual(dead["last_error"], f"factory {FACTORY} answered 500")
        self.assertEqual((dead["body"]["type"], dead["body"]["sku"]), ("stock.empty", sku))
        self.assertFalse(dead["in_flight"])

        failed = self.wait_for_order(sku, "failed")
        self.assertEqual((failed["qty"], failed["attempts"], failed["last_error"]),
                         (6, 4, f"factory {FACTORY} answered 500"))
        self.assertEqual(self.get_product(sku)["on_order"], 0)
        self.wait_for_idle("restock-orders")
        q = self.queue("stock-empty-dlq")
        self.assertEqual((q["visible"], q["in_flight"], q["delayed"], q["dlq"]), (1, 0, 0, None))
        self.assertEqual(sim.orders(), [])  # a 500 is not an accepted order
        types = [(e["type"], e.get("order_id")) for e in self.events_for(sku)]
        self.assertEqual(types, [("stock.empty", None), ("restock.ordered", failed["id"]),
                                 ("restock.failed", failed["id"])])
        self.assertEqual(self.events_for(sku, ["restock.failed"])[0]["cause"], "dead-lettered")

        # The factory recovers; the DLQ goes back to restock-orders: one new order, accepted once.
        sim.control(fail_rate=0)
        self.assertEqual(self.redrive("stock-empty-dlq"), 1)
        (sent,) = self.wait_for_sim_orders(sim, 1)
        self.assertEqual((sent["product_id"], sent["qty"], sent["factory_id"]), (sku, 6, FACTORY))
        self.wait_for_on_hand(sku, 6)
        received = self.wait_for_order(sku, "received")
        self.assertNotEqual(received["id"], failed["id"])
        self.assertEqual((received["attempts"], received["received_qty"]), (1, 6))
        self.assertTrue(sent["callback_url_host_path"].endswith("/" + received["id"]), sent)
        self.assertEqual(self.restock_order(failed["id"])["status"], "failed")
        self.assertEqual(self.queue_messages("stock-empty-dlq"), [])
        self.wait_for_idle("restock-orders", "stock-receipts")
        self.settle(0.5)
        self.assertEqual(len(sim.orders()), 1)
        self.assertEqual(len(self.restock_orders(sku)), 2)
        product = self.get_product(sku)
        self.assertEqual((product["on_hand"], product["on_order"], product["status"]),
                         (6, 0, "in_stock"))
        self.assertEqual([e["type"] for e in self.events_for(sku)][3:],
                         ["restock.ordered", "restock.accepted", "restock.received",
                          "stock.restored"])

    def test_redrive_after_a_manual_restock_orders_nothing(self):
        sim = self.start_factory_sim("--fail-rate", "1", "--seed", "4")
        self.register_factory(FACTORY, sim.url)
        self.drain("DLQ-5", on_hand=2, reorder_point=1, reorder_qty=6)
        self.wait_for_dlq("stock-empty-dlq")
        self.wait_for_order("DLQ-5", "failed")
        r = self.request("POST", "/v1/stock/DLQ-5/receipts", {"qty": 9, "reference": "manual"},
                         key="factory")
        self.assertEqual(r.status, 201, r)  # 9 > 1: restored, no longer needs an order
        sim.control(fail_rate=0)
        self.assertEqual(self.redrive("stock-empty-dlq"), 1)
        self.wait_for_idle("restock-orders")
        self.settle(0.3)
        self.assertEqual(sim.orders(), [])
        self.assertEqual([o["status"] for o in self.restock_orders("DLQ-5")], ["failed"])
        self.assertEqual(self.queue_messages("stock-empty-dlq"), [])

    def test_max_receive_count_is_honoured_at_run_time(self):
        sim = self.start_factory_sim("--fail-rate", "1", "--seed", "5")
        self.register_factory(FACTORY, sim.url)
        self.patch_queue("restock-orders", max_receive_count=2)
        self.assertEqual(self.queue("restock-orders")["max_receive_count"], 2)
        self.drain("DLQ-2", reorder_point=0, reorder_qty=4)
        (dead,) = self.wait_for_dlq("stock-empty-dlq")
        self.assertEqual(dead["receive_count"], 2)
        self.assertEqual(self.wait_for_order("DLQ-2", "failed")["attempts"], 2)

    def test_factory_timeout_counts_as_a_failure(self):
        # The factory holds every order 3 s; restock gives up after the factory's 200 ms.
        sim = self.start_factory_sim("--hang-rate", "1", "--hang-ms", "3000", "--seed", "9")
        self.register_factory(FACTORY, sim.url, timeout_ms=200)
        self.patch_queue("restock-orders", max_receive_count=2)
        self.drain("DLQ-3", reorder_point=0, reorder_qty=4)
        (dead,) = self.wait_for_dlq("stock-empty-dlq")
        error = dead["last_error"]
        self.assertIn(f"127.0.0.1:{sim.port}/api/manufactures", error)
        self.assertIn("timed out", error.lower())
        self.assertEqual(self.wait_for_order("DLQ-3", "failed")["last_error"], error)
        self.assertEqual(sim.orders(), [])

    def test_a_product_naming_an_unregistered_factory_is_refused(self):
        # Refused at create and at PATCH, so no order can ever go nowhere.
        body = {"sku": "DLQ-4", "name": "Nowhere", "on_hand": 1, "reorder_point": 0,
                "reorder_qty": 2, "factory_id": "nobody"}
        r = self.request("POST", "/v1/products", body)
        self.assertProblem(r, 422, "unknown-factory")
        self.assertIn("'nobody'", r.json["detail"])
        self.assertProblem(self.request("GET", "/v1/products/DLQ-4"), 404, "product-not-found")
        self.create_product("DLQ-5", on_hand=1, reorder_point=0)
        r = self.request("PATCH", "/v1/products/DLQ-5", {"factory_id": "nobody"})
        self.assertProblem(r, 422, "unknown-factory")
        self.assertEqual(self.get_product("DLQ-5")["factory_id"], "factory-1")

    def test_redrive_and_purge_refusals(self):
        r = self.request("POST", "/v1/queues/restock-orders/redrive")
        self.assertProblem(r, 409, "not-a-dlq")
        r = self.request("POST", "/v1/queues/no-such-queue/redrive")
        self.assertProblem(r, 404, "queue-not-found")
        r = self.request("GET", "/v1/queues/no-such-queue/messages")
        self.assertProblem(r, 404, "queue-not-found")
        r = self.request("DELETE", "/v1/queues/no-such-queue/messages")
        self.assertProblem(r, 404, "queue-not-found")
        r = self.request("POST", "/v1/queues/stock-empty-dlq/redrive")
        self.assertEqual((r.status, r.json), (200, {"redriven": 0}))
        r = self.request("PATCH", "/v1/queues/restock-orders", {"max_receive_count": 0})
        self.assertProblem(r, 400)
        r = self.request("PATCH", "/v1/queues/restock-orders",
                         {"backoff_base_ms": 500, "backoff_max_ms": 100})
        self.assertProblem(r, 400)
        r = self.request("PATCH", "/v1/queues/restock-orders", {})
        self.assertProblem(r, 400)
        for role in ("storefront", "factory"):
            self.assertProblem(self.request("POST", "/v1/queues/stock-empty-dlq/redrive",
                                            key=role), 403, "forbidden")
        q = self.queues()
        self.assertEqual({name: q[name]["dlq"] for name in q},
                         {"restock-orders": "stock-empty-dlq", "ad-control": "stock-ad-dlq",
                          "stock-receipts": "stock-error-dlq", "notifications": "stock-error-dlq",
                          "stock-empty-dlq": None, "stock-ad-dlq": None,
                          "stock-error-dlq": None})

    # -- the queues CLI -------------------------------------------------------------------------

    def queues_cli(self, *args, env_style=False, check=True):
        if env_style:
            env = dict(os.environ, RESTOCK_URL=self.public_url, RESTOCK_KEY=self.keys["admin"])
            return run_cli("queues", *args, check=check, env=env)
        return run_cli("queues", *args, "--url", self.public_url, "--key", self.keys["admin"],
                       check=check)

    def test_queues_cli_list_peek_redrive_purge(self):
        help_text = run_cli("--help").stdout
        if "queues" not in help_text:
            self.skipTest("restock has no queues command")
        sim = self.start_factory_sim("--fail-rate", "1", "--delay-ms", "20", "--seed", "11")
        self.register_factory(FACTORY, sim.url)
        self.drain("CLI-1", reorder_point=0, reorder_qty=5)
        self.drain("CLI-2", reorder_point=0, reorder_qty=7)
        dead = self.wait_for_dlq("stock-empty-dlq", 2)
        self.wait_for_idle("restock-orders")

        # list: a header, then one tab-separated row per queue.
        out = self.queues_cli("list").stdout.splitlines()
        self.assertEqual(out[0].split("\t"),
                         ["name", "visible", "in_flight", "delayed", "dlq", "max_receive_count"])
        rows = {line.split("\t")[0]: line.split("\t") for line in out[1:]}
        self.assertEqual(rows["stock-empty-dlq"], ["stock-empty-dlq", "2", "0", "0", "-", "4"])
        self.assertEqual(rows["restock-orders"],
                         ["restock-orders", "0", "0", "0", "stock-empty-dlq", "4"])
        self.assertEqual(len(rows), 7)
        # The same through RESTOCK_URL / RESTOCK_KEY.
        self.assertEqual(self.queues_cli("list", env_style=True).stdout.splitlines(), out)

        # peek: a header, then one line per message: its SKU, event type, receive count, ...
        out = self.queues_cli("peek", "stock-empty-dlq").stdout.splitlines()
        self.assertEqual(out[0].split("\t"), ["id", "sku", "type", "receives", "in_flight",
                                              "source_queue", "last_error"])
        self.assertEqual(out[1:], [f"{m['id']}\t{m['body']['sku']}\tstock.empty\t4\tfalse\t"
                                   f"restock-orders\tfactory {FACTORY} answered 500"
                                   for m in dead])
        self.assertEqual(len(self.queue_messages("stock-empty-dlq")), 2)  # peek consumed nothing

        # Errors: not a DLQ, an unknown queue, a missing or wrong key, an unknown action.
        p = self.queues_cli("redrive", "restock-orders", check=False)
        self.assertEqual(p.returncode, 1, p)
        self.assertIn("HTTP 409", p.stderr)
        p = self.queues_cli("peek", "nope", check=False)
        self.assertEqual(p.returncode, 1, p)
        self.assertIn("HTTP 404", p.stderr)
        self.assertCliFails(run_cli("queues", "list", "--url", self.public_url, check=False,
                                    env=dict(os.environ, RESTOCK_KEY="")), 2, "admin key")
        self.assertCliFails(run_cli("queues", "list", "--url", self.public_url,
                                    "--key", "wrong", check=False), 1, "HTTP 401")
        self.assertCliFails(run_cli("queues", "list", "--url", self.public_url,
                                    "--key", self.keys["storefront"], check=False), 1, "HTTP 403")
        self.assertCliFails(self.queues_cli("frobnicate", check=False), 2, "unknown action")
        # Nothing is silently ignored: a name for list, a --limit for anything but peek.
        self.assertCliFails(self.queues_cli("list", "restock-orders", check=False), 2,
                            "list takes no queue name")
        self.assertCliFails(self.queues_cli("purge", "stock-empty-dlq", "--limit", "5",
                                            check=False), 2, "purge takes no --limit")

        # purge: both dead messages are gone for good, even once the factory works again.
        self.assertEqual(sorted(m["body"]["sku"] for m in self.queue_messages("stock-empty-dlq")),
                         ["CLI-1", "CLI-2"])
        sim.control(fail_rate=0)
        self.assertEqual(self.queues_cli("purge", "stock-empty-dlq").stdout.strip(), "purged 2")
        self.assertEqual(self.queue_messages("stock-empty-dlq"), [])
        self.assertEqual(self.queues_cli("redrive", "stock-empty-dlq").stdout.strip(),
                         "redriven 0")
        self.settle(0.3)
        self.assertEqual(sim.orders(), [])  # purged messages are gone for good

        # A fresh failure, then a CLI redrive: exactly one factory order.
        sim.control(fail_rate=1)
        r = self.request("POST", "/v1/stock/CLI-2/receipts", {"qty": 1, "reference": "r"},
                         key="factory")
        self.assertEqual(r.status, 201, r)  # restored
        self.assertEqual(self.checkout("again", [("CLI-2", 1)]).status, 200)  # empty again
        self.wait_for_dlq("stock-empty-dlq", 1)
        self.wait_for_order("CLI-2", "failed")
        sim.control(fail_rate=0)
        self.assertEqual(self.queues_cli("redrive", "stock-empty-dlq").stdout.strip(),
                         "redriven 1")
        self.wait_for(lambda: len(sim.orders()) == 1, "one factory order", describe=sim.orders)
        self.wait_for_on_hand("CLI-2", 7)
        self.settle(0.3)
        self.assertEqual([(o["product_id"], o["qty"]) for o in sim.orders()], [("CLI-2", 7)])


if __name__ == "__main__":
    unittest.main()
