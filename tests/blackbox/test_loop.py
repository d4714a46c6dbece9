"""The restock loop end to end: a checkout drains a product, the event reaches the factory
(restock factory-sim) as a legacy order, the factory calls back, stock comes back."""

import time
import unittest

from harness import LoopTestCase

FACTORY = "fac-main"


class LoopTests(LoopTestCase):

    def setUp(self):
        super().setUp()
        # Callbacks only when the test asks (POST /api/callbacks/replay), so every step is
        # observable in order.
        self.sim = self.start_factory_sim("--no-callbacks", "--seed", "7")
        self.register_factory(FACTORY, self.sim.url)

    def wait_for_sim_orders(self, count):
        return self.wait_for(lambda: (lambda o: o if len(o) >= count else None)(self.sim.orders()),
                             f"{count} order(s) at the factory", describe=self.sim.orders)

    def test_checkout_to_factory_to_callback_and_back(self):
        sku = "LOOP-1"
        self.create_product(sku, on_hand=5, reorder_point=2, reorder_qty=10, factory_id=FACTORY)
        self.assertEqual(self.restock_orders(), [])

        # 5 -> 2: at the reorder point, stock.low, a restock order of reorder_qty.
        self.assertEqual(self.checkout("lo-1", [(sku, 3)]).status, 200)
        (sent,) = self.wait_for_sim_orders(1)
        order = self.wait_for_order(sku, "acknowledged")
        self.assertEqual(
            {k: sent[k] for k in ("seq", "group_id", "product_id", "qty", "factory_id",
                                  "requester", "callback_url_host_path", "callback_state")},
            {"seq": 1, "group_id": "stock-arrival-group", "product_id": sku, "qty": 10,
             "factory_id": FACTORY, "requester": "restock",
             "callback_url_host_path":
                 f"127.0.0.1:{self.listen_port}/v1/factory/callbacks/{order['id']}",
             "callback_state": "none"})
        self.assertEqual((order["sku"], order["qty"], order["factory_id"], order["attempts"],
                          order["received_qty"], order["last_error"]),
                         (sku, 10, FACTORY, 1, 0, ""))
        low = self.events_for(sku, ["stock.low"])
        self.assertEqual(len(low), 1)
        self.assertEqual(order["trigger_event_id"], low[0]["id"])
        product = self.get_product(sku)
        self.assertEqual((product["on_hand"], product["available"], product["on_order"],
                          product["status"]), (2, 2, 10, "low"))

        # 2 -> 0: stock.empty, but the open order covers it: no second order.
        self.assertEqual(self.checkout("lo-2", [(sku, 2)]).status, 200)
        self.assertEqual(self.checkout("lo-3", [(sku, 1)]).status, 409)
        self.wait_for(lambda: self.events_for(sku, ["stock.empty"]), "stock.empty")
        self.wait_for_idle("restock-orders")
        self.settle(0.3)
        self.assertEqual(len(self.sim.orders()), 1)
        self.assertEqual(len(self.restock_orders(sku)), 1)
        self.assertEqual(self.get_product(sku)["status"], "out_of_stock")

        # The factory ships: its callback books the receipt.
        r = self.sim.replay(1)
        self.assertEqual(r.status, 202, r)
        self.wait_for_on_hand(sku, 10)
        received = self.wait_for_order(sku, "received")
        self.assertEqual(received["id"], order["id"])
        self.assertEqual((received["received_qty"], received["qty"]), (10, 10))
        product = self.get_product(sku)
        self.assertEqual((product["on_hand"], product["available"], product["on_order"],
                          product["status"]), (10, 10, 0, "in_stock"))
        self.wait_for(lambda: self.sim.orders()[0]["callback_state"] == "delivered",
                      "callback delivered", describe=self.sim.orders)
        sent = self.sim.orders()[0]
        self.assertEqual((sent["callback_status"], sent["callback_error"]), (202, None))

        head = self.all_movements(sku)[0]
        self.assertEqual((head["kind"], head["delta"], head["on_hand_after"], head["reference"]),
                         ("receipt", 10, 10, f"{order['id']}/qty-10"))

        # The whole story in the event log, in order.
        events = self.events_for(sku)
        self.assertEqual([e["type"] for e in events],
                         ["stock.low", "restock.ordered", "restock.accepted", "stock.empty",
                          "restock.received", "stock.restored"])
        by_type = {e["type"]: e for e in events}
        for kind in ("restock.ordered", "restock.accepted", "restock.received"):
            self.assertEqual((by_type[kind]["order_id"], by_type[kind]["qty"]),
                             (order["id"], 10), by_type[kind])
        self.assertEqual(by_type["restock.ordered"]["cause"], "reorder-point")
        self.assertEqual(by_type["restock.ordered"]["data"]["on_order"], 10)
        self.assertEqual(by_type["restock.accepted"]["cause"], "factory-2xx")
        self.assertEqual(by_type["restock.received"]["cause"], "shipment")
        self.assertEqual(by_type["stock.restored"]["cause"], "receipt")
        self.assertEqual(by_type["stock.restored"]["data"]["on_hand"], 10)
        self.assertEqual(by_type["stock.restored"]["data"]["on_order"], 0)
        self.assertEqual(by_type["stock.empty"]["cause"], "checkout")

        # The store sells again.
        r = self.checkout("lo-4", [(sku, 4)])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["lines"][0]["available"], 6)
        self.assertEqual(len(self.sim.orders()), 1)

    def test_one_open_order_under_repeated_signals(self):
        sku = "LOOP-2"
        self.create_product(sku, on_hand=20, reorder_point=5, reorder_qty=8, factory_id=FACTORY)
        self.assertEqual(self.checkout("rep-1", [(sku, 15)]).status, 200)  # 5: low
        order = self.wait_for_order(sku, "acknowledged")
        self.assertEqual(order["qty"], 8)

        # Signals again and again while the order is open (on_order 8 counts in the position,
        # so "low" needs a higher reorder point): empty, restored by an adjustment, low by a
        # settings change, empty again, and a refused checkout.
        self.assertEqual(self.checkout("rep-2", [(sku, 5)]).status, 200)  # 0: empty
        r = self.request("POST", f"/v1/stock/{sku}/adjustments", {"delta": 9, "reason": "found"})
        self.assertEqual(r.status, 201, r)  # 9 > 5: restored
        r = self.request("PATCH", f"/v1/products/{sku}", {"reorder_point": 17})
        self.assertEqual(r.status, 200, r)  # position 9 + 8 <= 17: low
        self.assertEqual(self.checkout("rep-3", [(sku, 9)]).status, 200)  # 0: empty
        self.assertEqual(self.checkout("rep-4", [(sku, 1)]).status, 409)  # refused, said already

        signals = [(e["type"], e["cause"])
                   for e in self.events_for(sku, ["stock.low", "stock.empty", "stock.restored"])]
        self.assertEqual(signals, [
            ("stock.low", "checkout"), ("stock.empty", "checkout"),
            ("stock.restored", "adjustment"), ("stock.low", "settings-changed"),
            ("stock.empty", "checkout")])
        self.wait_for_idle("restock-orders")
        self.settle(0.3)
        orders = self.restock_orders(sku)
        self.assertEqual([(o["id"], o["status"], o["attempts"]) for o in orders],
                         [(order["id"], "acknowledged", 1)])
        self.assertEqual(len(self.sim.orders()), 1)
        self.assertEqual(self.get_product(sku)["on_order"], 8)
        self.assertEqual(len(self.events_for(sku, ["restock.ordered"])), 1)

        # Once it is received the next low signal orders again: one new order.
        r = self.request("PATCH", f"/v1/products/{sku}", {"reorder_point": 5})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.sim.replay(1).status, 202)
        self.wait_for_order(sku, "received")
        self.wait_for_on_hand(sku, 8)
        self.assertEqual(self.events_for(sku)[-1]["type"], "stock.restored")
        self.assertEqual(self.checkout("rep-5", [(sku, 3)]).status, 200)  # 5 <= 5: low
        self.wait_for(lambda: len(self.sim.orders()) == 2, "a second factory order",
                      describe=self.sim.orders)
        second = self.wait_for_order(sku, "acknowledged")
        self.assertNotEqual(second["id"], order["id"])
        self.assertEqual(second["qty"], 8)
        self.assertEqual(len(self.restock_orders(sku)), 2)

    def test_order_quantity_rules(self):
        # sku -> (product settings, checkout that triggers, expected quantity)
        cases = {
            # reorder_qty alone
            "QTY-PLAIN": (dict(on_hand=10, reorder_point=4, reorder_qty=7), 6, 7),
            # up to order_up_to from the position (3): 17, rounded up to packs of 6: 18
            "QTY-UPTO": (dict(on_hand=10, reorder_point=4, reorder_qty=5, order_up_to=20,
                              pack_size=6), 7, 18),
            # reorder_qty 3 raised to min_order_qty 8, rounded up to packs of 5: 10
            "QTY-MIN": (dict(on_hand=10, reorder_point=4, reorder_qty=3, min_order_qty=8,
                             pack_size=5), 6, 10),
            # order_up_to 12 from 2 is 10, below min_order_qty 15: 15
            "QTY-UPTO-MIN": (dict(on_hand=9, reorder_point=5, reorder_qty=1, order_up_to=12,
                                  min_order_qty=15), 7, 15),
            # exactly a whole number of packs stays as is
            "QTY-PACK": (dict(on_hand=10, reorder_point=4, reorder_qty=12, pack_size=4), 6, 12),
            # sold out from above the reorder point: stock.empty orders up to 9 from 0, packs of 2
            "QTY-EMPTY": (dict(on_hand=6, reorder_point=2, reorder_qty=1, order_up_to=9,
                               pack_size=2), 6, 10),
        }
        for sku, (settings, _, _) in cases.items():
            self.create_product(sku, factory_id=FACTORY, **settings)
        self.assertEqual(self.restock_orders(), [])
        for n, (sku, (_, take, _)) in enumerate(cases.items()):
            self.assertEqual(self.checkout(f"q-{n}", [(sku, take)]).status, 200)
        sent = self.wait_for(lambda: (lambda o: o if len(o) == len(cases) else None)(
            self.sim.orders()), "one factory order per product", describe=self.sim.orders)
        self.assertEqual(sorted((o["product_id"], o["qty"]) for o in sent),
                         sorted((sku, qty) for sku, (_, _, qty) in cases.items()))
        self.wait_for_idle("restock-orders")
        for sku, (_, _, qty) in cases.items():
            orders = self.restock_orders(sku)
            self.assertEqual([(o["qty"], o["status"]) for o in orders], [(qty, "acknowledged")],
                             sku)
            self.assertEqual(self.get_product(sku)["on_order"], qty, sku)

    def test_received_order_that_leaves_the_product_low_orders_again(self):
        # reorder_point 10, reorder_qty 5: 10 -> low -> order 5. Sales continue to 2 (position
        # 7, no new signal while the order is open). The 5 arrive: on_hand 7, nothing on order,
        # position 7 <= 10 -- the design says that is stock.low, and the loop must order again.
        # (Before the fix the server stayed silent until the product ran out completely.)
        sku = "LOOP-STALL"
        self.create_product(sku, on_hand=12, reorder_point=10, reorder_qty=5, factory_id=FACTORY)
        self.assertEqual(self.checkout("st-1", [(sku, 2)]).status, 200)
        first = self.wait_for_order(sku, "acknowledged")
        self.assertEqual(self.checkout("st-2", [(sku, 8)]).status, 200)
        self.assertEqual(self.sim.replay(1).status, 202)
        self.wait_for_order(sku, "received")
        product = self.get_product(sku)
        self.assertEqual((product["on_hand"], product["status"]), (7, "low"))
        # on_order is 0, or already 5 if the new order was placed before this read.
        self.assertIn(product["on_order"], (0, 5))
        second = self.wait_for(
            lambda: [o for o in self.restock_orders(sku) if o["id"] != first["id"]],
            "a new restock order for a product still at or below its reorder point",
            timeout=3.0, describe=lambda: (self.get_product(sku), self.events_for(sku)))
        self.assertEqual(second[0]["qty"], 5)

    def test_signal_during_dispatch_does_not_send_the_order_twice(self):
        # A legacy factory that takes 0.5 s to accept. stock.low places ro_1 and sends it;
        # while that call is in flight stock.empty arrives. Its order-dispatch must not send
        # the still "pending" order again (it did before commit 64c2954: the factory got two
        # manufacture requests, and would ship twice, for one restock order).
        def slow_accept(request):
            time.sleep(0.5)
            return 202, b'{"accepted":true}'
        factory = self.fake_service(responder=slow_accept)
        self.register_factory("fac-slow", factory.url)
        sku = "LOOP-RACE"
        self.create_product(sku, on_hand=5, reorder_point=2, reorder_qty=10,
                            factory_id="fac-slow")
        self.assertEqual(self.checkout("race-1", [(sku, 3)]).status, 200)  # low: ro_1 sent
        self.wait_for_order(sku, "pending")
        time.sleep(0.1)  # the factory call is in flight
        self.assertEqual(self.checkout("race-2", [(sku, 2)]).status, 200)  # empty
        order = self.wait_for_order(sku, "acknowledged")
        self.wait_for_idle("restock-orders")
        self.settle(0.7)
        sent = [r.json["CallbackUrl"] for r, _ in factory.recorded("/api/manufactures")]
        self.assertEqual(len(self.restock_orders(sku)), 1)
        self.assertEqual(len(sent), 1, f"{order['id']} was sent {len(sent)} times: {sent}")

    def test_factory_url_with_a_trailing_slash(self):
        # A base URL ending in "/" is accepted (201), so orders must reach
        # {url}/api/manufactures -- or the URL must be refused at registration.
        r = self.request("POST", "/v1/factories",
                         {"id": "fac-slash", "url": self.sim.url + "/", "format": "legacy",
                          "timeout_ms": 2000})
        if r.status == 400:
            return
        self.assertEqual(r.status, 201, r)
        sku = "LOOP-SLASH"
        self.create_product(sku, on_hand=1, reorder_point=0, reorder_qty=3,
                            factory_id="fac-slash")
        self.assertEqual(self.checkout("sl-1", [(sku, 1)]).status, 200)
        self.wait_for(lambda: self.restock_orders(sku) and self.restock_orders(sku)[0]["status"]
                      in ("acknowledged", "failed"), "the order settles",
                      describe=lambda: self.restock_orders(sku))
        order = self.restock_orders(sku)[0]
        self.assertEqual((order["status"], order["last_error"]), ("acknowledged", ""))
        self.assertEqual([o["product_id"] for o in self.sim.orders()], [sku])

    def test_product_created_low_orders_at_once(self):
        sku = "LOOP-NEW"
        self.create_product(sku, on_hand=0, reorder_point=3, reorder_qty=6, pack_size=4,
                            factory_id=FACTORY)
        (sent,) = self.wait_for_sim_orders(1)
        self.assertEqual((sent["product_id"], sent["qty"]), (sku, 8))
        order = self.wait_for_order(sku, "acknowledged")
        self.assertEqual(self.events_for(sku, ["stock.empty"])[0]["cause"], "created")
        self.assertEqual(order["trigger_event_id"], self.events_for(sku, ["stock.empty"])[0]["id"])


if __name__ == "__main__":
    unittest.main()
