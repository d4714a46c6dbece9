"""kill -9 in the middle of the restock loop: after a restart on the same data dir and port,
the factory gets exactly one order and the stock comes back exactly once.

On SQLite the restarted process redelivers at once what the dead one had in flight (it was the
only receiver). On PostgreSQL other nodes may hold deliveries, so a message in flight comes back
when its visibility timeout runs out, as in SQS: these tests shorten it to 3 s there."""

import time
import unittest
import urllib.parse

from harness import STORE, LoopTestCase, free_port

FACTORY = "fac-crash"
SHARED_VISIBILITY_S = 3


class CrashLoopTests(LoopTestCase):

    def setUp(self):
        super().setUp()
        if STORE == "postgres":
            for name in ("restock-orders", "stock-receipts"):
                self.patch_queue(name, visibility_timeout_s=SHARED_VISIBILITY_S)

    def restart(self):
        """kill -9, then start again on the same data dir and the same port."""
        self.server.kill()
        self.start_server()
        self.assertEqual(self.port, self.listen_port)

    def assert_exactly_one_order(self, sim, sku, qty, order_id, on_hand):
        (sent,) = self.wait_for(lambda: (lambda o: o if o else None)(sim.orders()),
                                "the factory order", describe=sim.orders)
        self.assertEqual((sent["product_id"], sent["qty"], sent["factory_id"]),
                         (sku, qty, FACTORY))
        self.assertEqual(sent["callback_url_host_path"],
                         f"127.0.0.1:{self.listen_port}/v1/factory/callbacks/{order_id}")
        self.wait_for_on_hand(sku, on_hand)
        done = self.wait_for_order(sku, "received")
        self.assertEqual((done["id"], done["received_qty"]), (order_id, qty))
        self.wait_for_idle("restock-orders", "stock-receipts")
        time.sleep(2.0)  # a second order would have been sent by now
        self.assertEqual(len(sim.orders()), 1, sim.orders())
        self.assertEqual([o["id"] for o in self.restock_orders(sku)], [order_id])
        self.assertEqual(self.get_product(sku)["on_hand"], on_hand)
        self.assertEqual(self.get_product(sku)["on_order"], 0)
        receipts = [m for m in self.all_movements(sku) if m["kind"] == "receipt"]
        self.assertEqual([(m["delta"], m["reference"]) for m in receipts],
                         [(qty, f"{order_id}/qty-{qty}")])
        self.assertEqual(len(self.events_for(sku, ["restock.ordered"])), 1)
        self.assertEqual(len(self.events_for(sku, ["restock.received"])), 1)
        for dlq in ("stock-empty-dlq", "stock-error-dlq"):
            self.assertEqual(self.queue_messages(dlq), [], dlq)

    def test_kill_while_the_factory_is_down_then_one_order_after_restart(self):
        factory_port = free_port()  # nothing listens there yet: connection refused
        self.register_factory(FACTORY, f"http://127.0.0.1:{factory_port}", timeout_ms=500)
        self.patch_queue("restock-orders", max_receive_count=1000)  # retry, never dead-letter
        sku = "CRL-1"
        self.create_product(sku, on_hand=3, reorder_point=1, reorder_qty=7, factory_id=FACTORY)
        self.assertEqual(self.checkout("c1", [(sku, 3)]).status, 200)
        order = self.wait_for(
            lambda: (lambda o: o[0] if o and o[0]["attempts"] >= 2 else None)(
                self.restock_orders(sku)),
            "failed delivery attempts", describe=lambda: self.restock_orders(sku))
        self.assertEqual(order["status"], "sent")
        self.assertIn(f"127.0.0.1:{factory_port}/api/manufactures", order["last_error"])

        self.server.kill()
        sim = self.start_factory_sim("--delay-ms", "100", listen=f"127.0.0.1:{factory_port}")
        self.start_server()
        self.assertEqual(self.queue("restock-orders")["max_receive_count"], 1000)  # durable
        self.assert_exactly_one_order(sim, sku, 7, order["id"], on_hand=7)
        self.assertEqual(self.restock_order(order["id"])["last_error"], "")

    def test_kill_right_after_the_checkout(self):
        # The checkout's 200 means its event (and the restock-orders message) is durable; the
        # server dies at once, before or while it orders. The factory refuses everything
        # until then, so nothing the dying server sent can count as an order.
        sim = self.start_factory_sim("--fail-rate", "1", "--delay-ms", "100")
        self.register_factory(FACTORY, sim.url)
        sku = "CRL-2"
        self.create_product(sku, on_hand=2, reorder_point=0, reorder_qty=5, factory_id=FACTORY)
        self.assertEqual(self.checkout("c2", [(sku, 2)]).status, 200)
        self.server.kill()
        sim.control(fail_rate=0)
        self.start_server()
        self.wait_for(lambda: self.restock_orders(sku), "the order")
        order_id = self.restock_orders(sku)[-1]["id"]
        self.assertEqual(order_id, "ro_1")
        self.assert_exactly_one_order(sim, sku, 5, order_id, on_hand=5)

    def test_kill_while_the_factory_call_is_in_flight(self):
        # The factory holds the order 2 s (then answers 504, and books nothing); restock waits
        # up to 5 s. The server is killed while it waits.
        sim = self.start_factory_sim("--hang-rate", "1", "--hang-ms", "2000", "--delay-ms",
                                     "100")
        self.register_factory(FACTORY, sim.url, timeout_ms=5000)
        sku = "CRL-3"
        self.create_product(sku, on_hand=2, reorder_point=0, reorder_qty=4, factory_id=FACTORY)
        self.assertEqual(self.checkout("c3", [(sku, 2)]).status, 200)
        order = self.wait_for_order(sku, "pending")
        self.wait_for(lambda: self.queue("restock-orders")["in_flight"] == 1, "in flight",
                      describe=self.queues)
        time.sleep(0.3)  # the request is at the factory by now
        self.server.kill()
        sim.control(hang_rate=0)
        self.start_server()
        self.assert_exactly_one_order(sim, sku, 4, order["id"], on_hand=4)

    def test_kill_right_after_an_accepted_callback(self):
        factory = self.fake_service(status=202)
        self.register_factory(FACTORY, factory.url)
        sku = "CRL-4"
        self.create_product(sku, on_hand=1, reorder_point=0, reorder_qty=6, factory_id=FACTORY)
        self.assertEqual(self.checkout("c4", [(sku, 1)]).status, 200)
        order = self.wait_for_order(sku, "acknowledged")
        (request, _), = self.wait_for(lambda: factory.recorded("/api/manufactures"), "order")
        url = urllib.parse.urlsplit(request.json["CallbackUrl"])
        r = self.client.request("POST", url.path + "?" + url.query, key=None,
                                body={"MessageAttributeProductId": sku,
                                      "MessageAttributeProductCnt": 6})
        self.assertEqual(r.status, 202, r)
        self.restart()  # the 202 means the receipt is queued durably
        self.wait_for_on_hand(sku, 6)
        self.assertEqual(self.wait_for_order(sku, "received")["id"], order["id"])
        self.wait_for_idle("stock-receipts")
        self.settle(0.5)
        self.assertEqual(self.get_product(sku)["on_hand"], 6)
        self.assertEqual(len(factory.recorded("/api/manufactures")), 1)
        self.assertEqual(len([m for m in self.all_movements(sku) if m["kind"] == "receipt"]), 1)


if __name__ == "__main__":
    unittest.main()
