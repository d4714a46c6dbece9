"""The legacy factory callback: POST /v1/factory/callbacks/{order}?token=... A fake factory
records the legacy order (with its CallbackUrl); the test then plays the factory's callbacks:
duplicates, forged tokens, wrong skus, unknown orders, partial shipments."""

import unittest
import urllib.parse

from harness import PROBLEM_BASE, LoopTestCase

FACTORY = "fac-fake"


class CallbackTests(LoopTestCase):

    def setUp(self):
        super().setUp()
        self.factory = self.fake_service(status=202)
        self.register_factory(FACTORY, self.factory.url)

    def order_for(self, sku, on_hand=4, qty=10):
        """Sells ``sku`` out; returns (restock order, CallbackUrl the factory was given)."""
        self.create_product(sku, on_hand=on_hand, reorder_point=0, reorder_qty=qty,
                            factory_id=FACTORY)
        self.assertEqual(self.checkout("sell-" + sku, [(sku, on_hand)]).status, 200)
        order = self.wait_for_order(sku, "acknowledged")

        def legacy():
            for request, _ in self.factory.recorded("/api/manufactures"):
                if request.json and request.json["MessageAttributeProductId"] == sku:
                    return request
            return None
        request = self.wait_for(legacy, f"the legacy order for {sku}",
                                describe=self.factory.recorded)
        body = request.json
        self.assertEqual(set(body), {"MessageGroupId", "MessageAttributeProductId",
                                     "MessageAttributeProductCnt", "MessageAttributeFactoryId",
                                     "MessageAttributeRequester", "CallbackUrl"})
        self.assertEqual((body["MessageGroupId"], body["MessageAttributeProductCnt"],
                          body["MessageAttributeFactoryId"], body["MessageAttributeRequester"]),
                         ("stock-arrival-group", qty, FACTORY, "restock"))
        self.assertEqual(request.headers.get("Content-Type"), "application/json")
        url = urllib.parse.urlsplit(body["CallbackUrl"])
        self.assertEqual((url.scheme, url.netloc, url.path),
                         ("http", f"127.0.0.1:{self.listen_port}",
                          f"/v1/factory/callbacks/{order['id']}"))
        token = urllib.parse.parse_qs(url.query)["token"]
        self.assertEqual(len(token), 1)
        self.assertGreaterEqual(len(token[0]), 32)  # unguessable
        return order, body["CallbackUrl"]

    def callback(self, url, body, content_type="application/json", headers=None):
        """POSTs ``body`` to the callback URL exactly as the factory would: no key."""
        parts = urllib.parse.urlsplit(url)
        target = parts.path + ("?" + parts.query if parts.query else "")
        all_headers = dict(headers or {})
        return self.client.request("POST", target, body=body, key=None,
                                   content_type=content_type, headers=all_headers)

    @staticmethod
    def with_token(url, token):
        parts = urllib.parse.urlsplit(url)
        query = "" if token is None else urllib.parse.urlencode({"token": token})
        return urllib.parse.urlunsplit(parts._replace(query=query))

    @staticmethod
    def for_order(url, order_id):
        parts = urllib.parse.urlsplit(url)
        return urllib.parse.urlunsplit(
            parts._replace(path=f"/v1/factory/callbacks/{order_id}"))

    def shipped(self, sku, qty, shipment=None):
        body = {"MessageAttributeProductId": sku, "MessageAttributeProductCnt": qty}
        if shipment is not None:
            body["MessageAttributeShipmentId"] = shipment
        return body

    def assertAccepted(self, response):
        self.assertEqual(response.status, 202, response)
        self.assertEqual(response.json, {"status": "accepted"})

    def snapshot(self, sku, order_id):
        """What a refused callback must leave unchanged."""
        return {"product": self.get_product(sku), "moves": self.all_movements(sku),
                "order": self.restock_order(order_id),
                "receipts": self.queue_messages("stock-receipts"),
                "queues": {n: (q["visible"], q["in_flight"], q["delayed"])
                           for n, q in self.queues().items()},
                "events": len(self.all_events())}

    def test_idempotency_keys_of_callbacks_are_scoped_to_their_order(self):
        """Callbacks carry no API key: one order's Idempotency-Key never blocks another's."""
        order_a, url_a = self.order_for("CB-IDEM-A", qty=10)
        order_b, url_b = self.order_for("CB-IDEM-B", qty=20)
        headers = {"Idempotency-Key": "shipment-1"}
        self.assertAccepted(self.callback(url_a, self.shipped("CB-IDEM-A", 10), headers=headers))
        r = self.callback(url_b, self.shipped("CB-IDEM-B", 20), headers=headers)
        self.assertAccepted(r)
        self.assertNotIn("Idempotent-Replayed", r.headers)
        # Within one order the key still means "the same request": a replay, then a 422.
        r = self.callback(url_a, self.shipped("CB-IDEM-A", 10), headers=headers)
        self.assertEqual((r.status, r.headers.get("Idempotent-Replayed")), (202, "true"), r)
        r = self.callback(url_a, self.shipped("CB-IDEM-A", 3), headers=headers)
        self.assertProblem(r, 422, "idempotency-key-reuse")
        for order, sku, qty in ((order_a, "CB-IDEM-A", 10), (order_b, "CB-IDEM-B", 20)):
            self.wait_for(lambda o=order, q=qty: self.restock_order(o["id"])["received_qty"] == q,
                          f"{sku} received")
            self.assertEqual(self.on_hand(sku), qty)

    def test_duplicate_callback_adds_stock_once(self):
        sku = "CB-DUP"
        order, url = self.order_for(sku, on_hand=4, qty=10)
        body = self.shipped(sku, 10)
        self.assertAccepted(self.callback(url, body))
        self.assertAccepted(self.callback(url, body))
        self.wait_for_on_hand(sku, 10)
        self.wait_for_idle("stock-receipts")
        # Once more after it was booked: still accepted, still booked once.
        self.assertAccepted(self.callback(url, body))
        self.wait_for_idle("stock-receipts")
        self.settle(0.3)
        receipts = [m for m in self.all_movements(sku) if m["kind"] == "receipt"]
        self.assertEqual([(m["delta"], m["reference"]) for m in receipts],
                         [(10, f"{order['id']}/qty-10")])
        self.assertEqual(self.get_product(sku)["on_hand"], 10)
        done = self.restock_order(order["id"])
        self.assertEqual((done["status"], done["received_qty"]), ("received", 10))
        self.assertEqual(len(self.events_for(sku, ["restock.received"])), 1)
        self.assertEqual(len(self.events_for(sku, ["stock.restored"])), 1)
        self.assertEqual(self.queue_messages("stock-error-dlq"), [])

    def test_factory_sim_replayed_callback_adds_stock_once(self):
        sim = self.start_factory_sim("--delay-ms", "0", "--seed", "1")
        self.register_factory("fac-sim", sim.url)
        self.create_product("CB-SIM", on_hand=1, reorder_point=0, reorder_qty=6,
                            factory_id="fac-sim")
        self.assertEqual(self.checkout("s", [("CB-SIM", 1)]).status, 200)
        self.wait_for_on_hand("CB-SIM", 6)
        self.wait_for(lambda: sim.orders()[0]["callback_state"] == "delivered", "delivered",
                      describe=sim.orders)
        r = sim.replay(1)
        self.assertEqual((r.status, r.json), (202, {"replayed": True, "factory_order": 1}))
        self.wait_for(lambda: sim.orders()[0]["callback_attempts"] == 2, "the replay delivered",
                      describe=sim.orders)
        self.assertEqual(sim.orders()[0]["callback_status"], 202)
        self.wait_for_idle("stock-receipts")
        self.settle(0.3)
        self.assertEqual(self.get_product("CB-SIM")["on_hand"], 6)
        self.assertEqual(len([m for m in self.all_movements("CB-SIM") if m["kind"] == "receipt"]),
                         1)
        self.assertEqual(sim.replay(99).status, 404)

    def test_forged_tokens_are_403_and_change_nothing(self):
        sku = "CB-FORGE"
        order, url = self.order_for(sku, on_hand=2, qty=5)
        other, other_url = self.order_for("CB-OTHER", on_hand=1, qty=3)
        self.wait_for_idle("restock-orders")
        before = self.snapshot(sku, order["id"])
        token = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["token"][0]
        flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
        other_token = urllib.parse.parse_qs(urllib.parse.urlsplit(other_url).query)["token"][0]
        forged = {
            "no token": self.with_token(url, None),
            "empty token": self.with_token(url, ""),
            "one character changed": self.with_token(url, flipped),
            "truncated": self.with_token(url, token[:-2]),
            "another order's token": self.with_token(url, other_token),
            "token with padding": self.with_token(url, token + "="),
        }
        for name, forged_url in forged.items():
            with self.subTest(name):
                r = self.callback(forged_url, self.shipped(sku, 5))
                body = self.assertProblem(r, 403, "forbidden")
                self.assertEqual(body["detail"], "invalid callback token")
                self.assertNotIn(token, r.raw.decode())
        # A valid key does not replace the token.
        r = self.client.request("POST", urllib.parse.urlsplit(url).path,
                                body=self.shipped(sku, 5), key="admin")
        self.assertProblem(r, 403, "forbidden")
        self.settle(0.2)
        self.assertEqual(self.snapshot(sku, order["id"]), before)

    def test_unknown_order_is_403_whatever_the_token(self):
        sku = "CB-UNK"
        order, url = self.order_for(sku, on_hand=2, qty=5)
        self.wait_for_idle("restock-orders")
        before = self.snapshot(sku, order["id"])
        token = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["token"][0]
        for order_id in ("ro_999", "ro_0", "nope", order["id"] + "0"):
            for tok in (token, "x" * 43, ""):
                with self.subTest(order_id=order_id, token=tok[:5]):
                    target = self.with_token(self.for_order(url, order_id), tok)
                    r = self.callback(target, self.shipped(sku, 5))
                    self.assertProblem(r, 403, "forbidden")
        self.settle(0.2)
        self.assertEqual(self.snapshot(sku, order["id"]), before)

    def test_bad_callback_bodies_with_a_valid_token(self):
        sku = "CB-BAD"
        order, url = self.order_for(sku, on_hand=2, qty=5)
        self.create_product("CB-ELSE", on_hand=50, reorder_point=0, reorder_qty=1,
                            factory_id=FACTORY)
        self.wait_for_idle("restock-orders")
        before = self.snapshot(sku, order["id"])
        else_before = self.get_product("CB-ELSE")

        # Another (existing) product's sku: 422 sku-mismatch naming both.
        r = self.callback(url, self.shipped("CB-ELSE", 5))
        body = self.assertProblem(r, 422, "sku-mismatch")
        self.assertIn(sku, body["detail"])
        self.assertIn("CB-ELSE", body["detail"])
        # An sku nobody has.
        self.assertProblem(self.callback(url, self.shipped("GHOST-1", 5)), 422, "sku-mismatch")

        bad = {
            "qty zero": self.shipped(sku, 0),
            "qty negative": self.shipped(sku, -5),
            "qty too big": self.shipped(sku, 10**12),
            "qty as string": {"MessageAttributeProductId": sku,
                              "MessageAttributeProductCnt": "5"},
            "qty fractional": {"MessageAttributeProductId": sku,
                               "MessageAttributeProductCnt": 2.5},
            "no qty": {"MessageAttributeProductId": sku},
            "no sku": {"MessageAttributeProductCnt": 5},
            "invalid sku": self.shipped("bad sku!", 5),
            "unknown field": dict(self.shipped(sku, 5), Extra=1),
            "empty shipment id": self.shipped(sku, 5, ""),
            "shipment id too long": self.shipped(sku, 5, "s" * 65),
            "shipment id not a string": dict(self.shipped(sku, 5), MessageAttributeShipmentId=7),
            "array body": [self.shipped(sku, 5)],
            "not json": "MessageAttributeProductId=x",
        }
        for name, payload in bad.items():
            with self.subTest(name):
                r = self.callback(url, payload)
                self.assertProblem(r, 400)
                self.assertTrue(r.json["type"].startswith(PROBLEM_BASE), r)
        # An extra query parameter next to the token.
        r = self.callback(url + "&extra=1", self.shipped(sku, 5))
        self.assertProblem(r, 400, "invalid-query")
        self.settle(0.2)
        self.assertEqual(self.snapshot(sku, order["id"]), before)
        self.assertEqual(self.get_product("CB-ELSE"), else_before)

    def test_any_content_type_is_accepted(self):
        # Legacy factories send the JSON body with whatever Content-Type they like.
        sku = "CB-CT"
        order, url = self.order_for(sku, on_hand=1, qty=4)
        self.assertAccepted(self.callback(url, self.shipped(sku, 4), content_type="text/plain"))
        self.wait_for_on_hand(sku, 4)
        self.assertEqual(self.restock_order(order["id"])["status"], "received")

    def test_partial_shipments_with_shipment_ids(self):
        sku = "CB-PART"
        order, url = self.order_for(sku, on_hand=3, qty=10)
        product = self.get_product(sku)
        self.assertEqual((product["on_hand"], product["on_order"]), (0, 10))

        self.assertAccepted(self.callback(url, self.shipped(sku, 4, "box-1")))
        self.wait_for_on_hand(sku, 4)
        part = self.restock_order(order["id"])
        self.assertEqual((part["status"], part["received_qty"]), ("acknowledged", 4))
        self.assertEqual(self.get_product(sku)["on_order"], 6)
        received = self.events_for(sku, ["restock.received"])
        self.assertEqual([(e["order_id"], e["qty"]) for e in received], [(order["id"], 4)])

        # The same shipment again: nothing more.
        self.assertAccepted(self.callback(url, self.shipped(sku, 4, "box-1")))
        self.wait_for_idle("stock-receipts")
        self.settle(0.2)
        self.assertEqual(self.get_product(sku)["on_hand"], 4)

        # The second shipment completes the order.
        self.assertAccepted(self.callback(url, self.shipped(sku, 6, "box-2")))
        self.wait_for_on_hand(sku, 10)
        done = self.wait_for_order(sku, "received")
        self.assertEqual((done["id"], done["received_qty"]), (order["id"], 10))
        product = self.get_product(sku)
        self.assertEqual((product["on_order"], product["status"]), (0, "in_stock"))
        receipts = [(m["delta"], m["reference"]) for m in self.all_movements(sku)
                    if m["kind"] == "receipt"]
        self.assertEqual(receipts, [(6, f"{order['id']}/id-box-2"),
                                    (4, f"{order['id']}/id-box-1")])
        self.assertEqual([e["qty"] for e in self.events_for(sku, ["restock.received"])], [4, 10])

        # A reused shipment id with another quantity is not booked; the receipt message fails
        # and ends in stock-error-dlq for someone to look at.
        self.assertAccepted(self.callback(url, self.shipped(sku, 5, "box-1")))
        (dead,) = self.wait_for_dlq("stock-error-dlq")
        self.assertEqual(dead["source_queue"], "stock-receipts")
        self.assertIn("already received with qty 4", dead["last_error"])
        self.assertEqual(self.get_product(sku)["on_hand"], 10)
        self.assertEqual(self.restock_order(order["id"])["received_qty"], 10)

    def test_callbacks_without_shipment_id_are_told_apart_by_quantity(self):
        # The legacy body has no shipment id: the quantity is the shipment's identity.
        sku = "CB-QTY"
        order, url = self.order_for(sku, on_hand=1, qty=9)
        self.assertAccepted(self.callback(url, self.shipped(sku, 4)))
        self.wait_for_on_hand(sku, 4)
        self.assertEqual(self.restock_order(order["id"])["status"], "acknowledged")
        self.assertAccepted(self.callback(url, self.shipped(sku, 5)))
        self.wait_for_on_hand(sku, 9)
        done = self.restock_order(order["id"])
        self.assertEqual((done["status"], done["received_qty"]), ("received", 9))

    def test_callback_survives_a_restart(self):
        # The token is derived from a secret kept in the data dir: still valid after a restart.
        sku = "CB-RESTART"
        order, url = self.order_for(sku, on_hand=1, qty=3)
        self.server.terminate()
        self.start_server()
        self.assertAccepted(self.callback(url, self.shipped(sku, 3)))
        self.wait_for_on_hand(sku, 3)
        self.assertEqual(self.restock_order(order["id"])["status"], "received")


if __name__ == "__main__":
    unittest.main()
