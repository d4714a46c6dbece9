"""Reservations (cart holds) over HTTP (issue 16, item 8): POST /v1/reservations takes stock
from available into reserved, all or none, never overselling; a checkout naming the hold takes
exactly its lines; DELETE gives it back; an expired hold gives itself back, on time and across a
restart. Runs on both stores."""

import threading
import time
import unittest

from harness import ServerTestCase, wait_until


class ReservationTests(ServerTestCase):

    def hold(self, reservation_id, lines, ttl_s=None, key="storefront"):
        body = {"reservation_id": reservation_id,
                "lines": [{"sku": s, "qty": q} for s, q in lines]}
        if ttl_s is not None:
            body["ttl_s"] = ttl_s
        return self.request("POST", "/v1/reservations", body, key=key)

    def take(self, order_id, reservation_id, lines=None):
        body = {"order_id": order_id, "reservation_id": reservation_id}
        if lines is not None:
            body["lines"] = [{"sku": s, "qty": q} for s, q in lines]
        return self.request("POST", "/v1/checkout", body, key="storefront")

    def test_hold_take_release_and_their_figures(self):
        self.create_product("R-1", on_hand=10, reorder_point=0)
        r = self.hold("cart-1", [("R-1", 4)], ttl_s=600)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.headers.get("Location"), "/v1/reservations/cart-1")
        self.assertEqual((r.json["status"], r.json["lines"], r.json["order_id"]),
                         ("held", [{"sku": "R-1", "qty": 4}], None))
        p = self.get_product("R-1")
        self.assertEqual((p["on_hand"], p["reserved"], p["available"]), (10, 4, 6))
        # Another checkout cannot have the held units.
        self.assertProblem(self.checkout("greedy", [("R-1", 7)]), 409, "insufficient-stock")
        r = self.request("GET", "/v1/reservations/cart-1", key="storefront")
        self.assertEqual((r.status, r.json["status"]), (200, "held"), r)

        r = self.take("o-1", "cart-1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual([(l["sku"], l["qty"]) for l in r.json["lines"]], [("R-1", 4)])
        p = self.get_product("R-1")
        self.assertEqual((p["on_hand"], p["reserved"], p["available"]), (6, 0, 6))
        r = self.request("GET", "/v1/reservations/cart-1", key="storefront")
        self.assertEqual((r.json["status"], r.json["order_id"]), ("consumed", "o-1"))
        self.assertProblem(self.take("o-2", "cart-1"), 409, "reservation-closed")
        self.assertProblem(self.request("DELETE", "/v1/reservations/cart-1", key="storefront"),
                           409, "reservation-closed")

        self.assertEqual(self.hold("cart-2", [("R-1", 5)]).status, 201)
        r = self.request("DELETE", "/v1/reservations/cart-2", key="storefront")
        self.assertEqual((r.status, r.json["status"]), (200, "released"), r)
        r = self.request("DELETE", "/v1/reservations/cart-2", key="storefront")
        self.assertEqual((r.status, r.json["status"]), (200, "released"), r)  # once only
        self.assertEqual(self.get_product("R-1")["available"], 6)
        ledger = [(m["kind"], m["delta"], m["reference"]) for m in self.all_movements("R-1")]
        self.assertEqual(ledger, [("checkout", -4, "o-1"), ("initial", 10, "initial stock")])

    def test_all_or_none_and_the_refusals(self):
        self.create_product("R-2", on_hand=3, reorder_point=0)
        self.create_product("R-3", on_hand=3, reorder_point=0)
        body = self.assertProblem(self.hold("cart-x", [("R-2", 1), ("R-3", 4)]), 409,
                                  "insufficient-stock")
        self.assertEqual(body["reservation_id"], "cart-x")
        self.assertEqual(self.get_product("R-2")["reserved"], 0)
        self.assertProblem(self.hold("cart-x", [("NOPE", 1)]), 422, "unknown-sku")
        self.assertProblem(self.request("GET", "/v1/reservations/cart-x", key="storefront"),
                           404, "reservation-not-found")
        self.assertProblem(self.request("DELETE", "/v1/reservations/cart-x", key="storefront"),
                           404, "reservation-not-found")
        self.assertEqual(self.hold("cart-y", [("R-2", 2)]).status, 201)
        self.assertProblem(self.hold("cart-y", [("R-2", 1)]), 409, "reservation-exists")
        self.assertProblem(self.take("o-1", "cart-y", [("R-2", 1)]), 422, "reservation-mismatch")
        self.assertProblem(self.take("o-1", "nope"), 422, "unknown-reservation")
        for bad in ({"reservation_id": "c", "lines": []},
                    {"reservation_id": "c", "lines": [{"sku": "R-2", "qty": 1}], "ttl_s": 0},
                    {"reservation_id": "c", "lines": [{"sku": "R-2", "qty": 1}], "ttl_s": 10**9},
                    {"reservation_id": "c", "lines": [{"sku": "R-2", "qty": 1}], "extra": 1},
                    {"lines": [{"sku": "R-2", "qty": 1}]}):
            self.assertProblem(self.request("POST", "/v1/reservations", bad, key="storefront"),
                               400)
        # A factory key holds nothing.
        self.assertProblem(self.hold("cart-z", [("R-2", 1)], key="factory"), 403, "forbidden")
        p = self.get_product("R-2")
        self.assertEqual((p["reserved"], p["available"]), (2, 1))

    def test_racing_carts_never_hold_more_than_there_is(self):
        self.create_product("R-4", on_hand=12, reorder_point=0)
        outcomes = []
        lock = threading.Lock()
        barrier = threading.Barrier(20)

        def cart(i):
            c = self.new_client()
            barrier.wait()
            r = c.request("POST", "/v1/reservations", {
                "reservation_id": f"race-{i}", "lines": [{"sku": "R-4", "qty": 1}]},
                key="storefront")
            if r.status == 201 and i % 2 == 0:
                r2 = c.request("POST", "/v1/checkout",
                               {"order_id": f"o-{i}", "reservation_id": f"race-{i}"},
                               key="storefront")
                assert r2.status == 200, r2
            with lock:
                outcomes.append((i, r.status))

        threads = [threading.Thread(target=cart, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        held = [i for i, s in outcomes if s == 201]
        self.assertEqual(len(held), 12, outcomes)
        self.assertEqual(sorted(s for _, s in outcomes).count(409), 8, outcomes)
        p = self.get_product("R-4")
        taken = len([i for i in held if i % 2 == 0])
        self.assertEqual((p["on_hand"], p["reserved"], p["available"]),
                         (12 - taken, 12 - taken, 0))

    def test_an_expired_hold_gives_its_stock_back_by_itself_even_across_a_restart(self):
        self.create_product("R-5", on_hand=5, reorder_point=0)
        self.assertEqual(self.hold("soon", [("R-5", 2)], ttl_s=1).status, 201)
        self.assertEqual(self.hold("later", [("R-5", 2)], ttl_s=3).status, 201)
        self.assertEqual(self.get_product("R-5")["available"], 1)
        # No traffic needed: the engine gives it back when its time runs out.
        wait_until(lambda: self.get_product("R-5")["reserved"] == 2, timeout=5,
                   what="the 1 s hold given back")
        r = self.request("GET", "/v1/reservations/soon", key="storefront")
        self.assertEqual(r.json["status"], "expired")
        self.server.terminate()
        time.sleep(2.5)  # "later" runs out while the server is down
        self.start_server()
        wait_until(lambda: self.get_product("R-5")["reserved"] == 0, timeout=5,
                   what="the hold that ran out during the restart given back")
        self.assertEqual(self.request("GET", "/v1/reservations/later",
                                      key="storefront").json["status"], "expired")
        self.assertProblem(self.take("o-late", "later"), 409, "reservation-closed")
        self.assertEqual(self.get_product("R-5")["available"], 5)


if __name__ == "__main__":
    unittest.main()
