"""Checkout, receipts, adjustments and the stock events they raise."""

import unittest

from harness import STOCK_EVENTS, ServerTestCase


class CheckoutTests(ServerTestCase):

    def test_checkout_takes_all_lines(self):
        self.create_product("A-1", on_hand=10, reorder_point=0)
        self.create_product("B-1", on_hand=4, reorder_point=0)
        r = self.checkout("ord-ok", [("A-1", 3), ("B-1", 4)])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["order_id"], "ord-ok")
        self.assertEqual(r.json["status"], "accepted")
        lines = r.json["lines"]
        self.assertEqual([(l["sku"], l["qty"], l["available"]) for l in lines],
                         [("A-1", 3, 7), ("B-1", 4, 0)])
        self.assertEqual(self.on_hand("A-1"), 7)
        self.assertEqual(self.on_hand("B-1"), 0)
        self.assertEqual(self.get_product("B-1")["status"], "out_of_stock")
        # Each line's movement_id is the checkout movement in that product's ledger.
        for line in lines:
            head = self.all_movements(line["sku"])[0]
            self.assertEqual(head["id"], line["movement_id"])
            self.assertEqual((head["kind"], head["delta"], head["reference"]),
                             ("checkout", -line["qty"], "ord-ok"))

    def test_all_or_nothing_when_one_line_is_short(self):
        self.create_product("A-2", on_hand=10, reorder_point=0)
        self.create_product("B-2", on_hand=2, reorder_point=0)
        r = self.checkout("ord-short", [("A-2", 5), ("B-2", 3)])
        body = self.assertProblem(r, 409, "insufficient-stock")
        self.assertEqual(body["lines"], [{"sku": "B-2", "requested": 3, "available": 2}])
        self.assertEqual(body.get("order_id"), "ord-short")
        self.assertEqual(self.on_hand("A-2"), 10)
        self.assertEqual(self.on_hand("B-2"), 2)
        self.assertEqual(len(self.all_movements("A-2")), 1)
        self.assertEqual(len(self.all_movements("B-2")), 1)

        # Both lines short: both reported, in request order.
        r = self.checkout("ord-short-2", [("B-2", 5), ("A-2", 11)])
        body = self.assertProblem(r, 409, "insufficient-stock")
        self.assertEqual(body["lines"], [{"sku": "B-2", "requested": 5, "available": 2},
                                         {"sku": "A-2", "requested": 11, "available": 10}])
        self.assertEqual((self.on_hand("A-2"), self.on_hand("B-2")), (10, 2))

        # The exact remaining quantity is fine.
        r = self.checkout("ord-exact", [("A-2", 10), ("B-2", 2)])
        self.assertEqual(r.status, 200, r)
        self.assertEqual((self.on_hand("A-2"), self.on_hand("B-2")), (0, 0))

    def test_unknown_sku_is_422_and_nothing_taken(self):
        self.create_product("A-3", on_hand=5, reorder_point=0)
        r = self.checkout("ord-unknown", [("A-3", 1), ("GHOST-9", 1)])
        body = self.assertProblem(r, 422, "unknown-sku")
        self.assertIn("GHOST-9", body["detail"])
        self.assertEqual(self.on_hand("A-3"), 5)
        self.assertEqual(len(self.all_movements("A-3")), 1)

    def test_receipts_add_stock_and_replay_by_reference(self):
        self.create_product("REC-1", on_hand=3, reorder_point=0)
        r = self.request("POST", "/v1/stock/REC-1/receipts", {"qty": 5, "reference": "ship-42"},
                         key="factory")
        self.assertEqual(r.status, 201, r)
        self.assertIs(r.json["replayed"], False)
        movement = r.json["movement"]
        self.assertEqual((movement["kind"], movement["delta"], movement["on_hand_after"],
                          movement["reference"], movement["sku"]),
                         ("receipt", 5, 8, "ship-42", "REC-1"))
        self.assertEqual(r.json["product"]["on_hand"], 8)
        self.assertEqual(self.on_hand("REC-1"), 8)

        # Same reference and qty: a replay, stock added once.
        r2 = self.request("POST", "/v1/stock/REC-1/receipts", {"qty": 5, "reference": "ship-42"},
                          key="factory")
        self.assertEqual(r2.status, 200, r2)
        self.assertIs(r2.json["replayed"], True)
        self.assertEqual(r2.json["movement"], movement)
        self.assertEqual(self.on_hand("REC-1"), 8)

        # Same reference, another qty: refused, nothing changes.
        r3 = self.request("POST", "/v1/stock/REC-1/receipts", {"qty": 6, "reference": "ship-42"},
                          key="factory")
        self.assertProblem(r3, 409, "duplicate-reference")
        self.assertEqual(self.on_hand("REC-1"), 8)

        # Another reference is a new receipt.
        r4 = self.request("POST", "/v1/stock/REC-1/receipts", {"qty": 2, "reference": "ship-43"},
                          key="factory")
        self.assertEqual(r4.status, 201, r4)
        self.assertEqual(self.on_hand("REC-1"), 10)
        moves = self.all_movements("REC-1")
        self.assertEqual([(m["kind"], m["delta"], m["reference"]) for m in moves],
                         [("receipt", 2, "ship-43"), ("receipt", 5, "ship-42"),
                          ("initial", 3, "initial stock")])

        # Receipts for an unknown product are 404.
        r5 = self.request("POST", "/v1/stock/NOPE/receipts", {"qty": 1, "reference": "x"},
                          key="factory")
        self.assertProblem(r5, 404, "product-not-found")

    def test_adjustments_never_go_negative(self):
        self.create_product("ADJ-1", on_hand=5, reorder_point=0)
        r = self.request("POST", "/v1/stock/ADJ-1/adjustments", {"delta": -6, "reason": "count"})
        body = self.assertProblem(r, 409, "negative-stock")
        self.assertTrue(body["detail"])
        self.assertEqual(self.on_hand("ADJ-1"), 5)
        self.assertEqual(len(self.all_movements("ADJ-1")), 1)

        r = self.request("POST", "/v1/stock/ADJ-1/adjustments", {"delta": -5, "reason": "lost"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json["movement"]["kind"], r.json["movement"]["delta"],
                          r.json["movement"]["on_hand_after"], r.json["movement"]["reference"]),
                         ("adjustment", -5, 0, "lost"))
        self.assertEqual(self.on_hand("ADJ-1"), 0)

        r = self.request("POST", "/v1/stock/ADJ-1/adjustments", {"delta": -1, "reason": "again"})
        self.assertProblem(r, 409, "negative-stock")
        self.assertEqual(self.on_hand("ADJ-1"), 0)

        r = self.request("POST", "/v1/stock/ADJ-1/adjustments", {"delta": 12, "reason": "found"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.on_hand("ADJ-1"), 12)
        self.assertEqual(len(self.all_movements("ADJ-1")), 3)

    def _events_for(self, sku, since_seq=0):
        return [e for e in self.all_events(STOCK_EVENTS)
                if e["sku"] == sku and e["seq"] > since_seq]

    def test_events_low_empty_restored(self):
        # reorder_point 3, nothing on order: position == available.
        self.create_product("EV-1", on_hand=10, reorder_point=3, reorder_qty=10)
        self.assertEqual(self._events_for("EV-1"), [])

        self.assertEqual(self.checkout("e1", [("EV-1", 6)]).status, 200)  # 4 > 3
        self.assertEqual(self._events_for("EV-1"), [])

        self.assertEqual(self.checkout("e2", [("EV-1", 1)]).status, 200)  # 3 <= 3 -> low
        events = self._events_for("EV-1")
        self.assertEqual([(e["type"], e["cause"]) for e in events], [("stock.low", "checkout")])
        low = events[0]
        want = {"on_hand": 3, "reserved": 0, "available": 3, "on_order": 0, "position": 3,
                "reorder_point": 3}
        self.assertEqual({k: low["data"].get(k) for k in want}, want)
        self.assertTrue(low["id"])
        self.assertTrue(low["at"])

        self.assertEqual(self.checkout("e3", [("EV-1", 1)]).status, 200)  # still low: no repeat
        self.assertEqual(len(self._events_for("EV-1")), 1)

        self.assertEqual(self.checkout("e4", [("EV-1", 2)]).status, 200)  # 0 -> empty
        events = self._events_for("EV-1")
        self.assertEqual([e["type"] for e in events], ["stock.low", "stock.empty"])
        self.assertEqual(events[1]["cause"], "checkout")
        self.assertEqual(events[1]["data"]["available"], 0)

        # A partial receipt (2 <= 3) is not a restore.
        r = self.request("POST", "/v1/stock/EV-1/receipts", {"qty": 2, "reference": "r1"},
                         key="factory")
        self.assertEqual(r.status, 201, r)
        self.assertEqual([e["type"] for e in self._events_for("EV-1")],
                         ["stock.low", "stock.empty"])

        # Above the reorder point: restored.
        r = self.request("POST", "/v1/stock/EV-1/receipts", {"qty": 2, "reference": "r2"},
                         key="factory")
        self.assertEqual(r.status, 201, r)
        events = self._events_for("EV-1")
        self.assertEqual([e["type"] for e in events],
                         ["stock.low", "stock.empty", "stock.restored"])
        self.assertEqual(events[2]["cause"], "receipt")
        self.assertEqual(events[2]["data"]["available"], 4)

        # Selling out in one go from in_stock: straight to stock.empty.
        self.assertEqual(self.checkout("e5", [("EV-1", 4)]).status, 200)
        events = self._events_for("EV-1")
        self.assertEqual([e["type"] for e in events],
                         ["stock.low", "stock.empty", "stock.restored", "stock.empty"])

        # Sequence numbers strictly increase and ids are unique.
        seqs = [e["seq"] for e in self.all_events()]
        self.assertEqual(seqs, sorted(set(seqs)))
        ids = [e["id"] for e in self.all_events()]
        self.assertEqual(len(ids), len(set(ids)))

    def test_refused_checkout_with_stock_left_raises_stock_short_once(self):
        self.create_product("EV-2", on_hand=5, reorder_point=1)
        r = self.checkout("big", [("EV-2", 6)])
        self.assertProblem(r, 409, "insufficient-stock")
        events = self._events_for("EV-2")
        self.assertEqual([(e["type"], e["cause"]) for e in events],
                         [("stock.short", "refused-checkout")])
        self.assertEqual(events[0]["data"]["available"], 5)
        # A refused checkout changes no stock.
        self.assertEqual(self.on_hand("EV-2"), 5)
        # Refused again: no second stock.short.
        self.assertProblem(self.checkout("big-2", [("EV-2", 7)]), 409, "insufficient-stock")
        self.assertEqual(len(self._events_for("EV-2")), 1)
        # Restock above the reorder point: restored.
        r = self.request("POST", "/v1/stock/EV-2/receipts", {"qty": 10, "reference": "r"},
                         key="factory")
        self.assertEqual(r.status, 201, r)
        self.assertEqual([e["type"] for e in self._events_for("EV-2")],
                         ["stock.short", "stock.restored"])

    def test_stock_empty_means_nothing_left_and_is_said_once(self):
        # Regression (issue 16, item 2): refused with 1 left said stock.empty (available 1), and
        # selling that last unit said it again.
        self.create_product("EV-4", on_hand=1, reorder_point=0)
        self.assertProblem(self.checkout("two", [("EV-4", 2)]), 409, "insufficient-stock")
        self.assertEqual(self.checkout("one", [("EV-4", 1)]).status, 200)
        self.assertProblem(self.checkout("none", [("EV-4", 1)]), 409, "insufficient-stock")
        events = self._events_for("EV-4")
        self.assertEqual([(e["type"], e["cause"], e["data"]["available"]) for e in events],
                         [("stock.short", "refused-checkout", 1), ("stock.empty", "checkout", 0)])

    def test_a_cursor_ahead_of_the_log_is_a_409_not_an_empty_page(self):
        # Regression (issue 16, item 5): after=N past the end answered an empty page echoing N,
        # so a consumer pointed at a fresh database silently missed everything.
        r = self.request("GET", "/v1/events?after=0")
        self.assertEqual((r.status, r.json), (200, {"items": [], "next_after": 0}), r)
        body = self.assertProblem(self.request("GET", "/v1/events?after=100"), 409,
                                  "cursor-ahead")
        self.assertIn("last event is seq 0", body["detail"])
        self.create_product("EV-9", on_hand=0, reorder_point=0)  # stock.empty: seq 1
        # (The restock loop may add a restock.ordered meanwhile: seq 2.)
        r = self.request("GET", "/v1/events?after=1")
        self.assertEqual(r.status, 200, r)
        self.assertProblem(self.request("GET", "/v1/events?after=1000"), 409, "cursor-ahead")

    def test_created_low_and_events_paging(self):
        # Created at or below its reorder point: stock.low at once; created empty: stock.empty.
        self.create_product("EV-3", on_hand=2, reorder_point=2)
        self.create_product("EV-4", on_hand=0, reorder_point=0)
        self.create_product("EV-5", on_hand=9, reorder_point=2)
        events = self.all_events(STOCK_EVENTS)
        self.assertEqual([(e["sku"], e["type"], e["cause"]) for e in events],
                         [("EV-3", "stock.low", "created"), ("EV-4", "stock.empty", "created")])
        # after= excludes; limit pages; next_after continues. The restock loop keeps adding
        # events (restock.ordered for EV-3 and EV-4, later retries) while this runs, so each
        # page is checked against the log read before it, which it may only extend.
        log = self.all_events()
        seqs = [e["seq"] for e in log]
        r = self.request("GET", f"/v1/events?after={seqs[0]}")
        self.assertEqual(r.status, 200, r)
        page = [e["seq"] for e in r.json["items"]]
        self.assertEqual(page[:len(seqs) - 1], seqs[1:])
        self.assertEqual(page, sorted(set(page)))
        self.assertEqual(r.json["next_after"], page[-1])
        r = self.request("GET", "/v1/events?after=0&limit=1")
        self.assertEqual([e["seq"] for e in r.json["items"]], seqs[:1])
        self.assertEqual(r.json["next_after"], seqs[0])
        r = self.request("GET", f"/v1/events?after={page[-1]}")
        newer = [e["seq"] for e in r.json["items"]]
        self.assertTrue(all(seq > page[-1] for seq in newer), newer)
        self.assertEqual(r.json["next_after"], newer[-1] if newer else page[-1])


if __name__ == "__main__":
    unittest.main()
