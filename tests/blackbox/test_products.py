"""Products: create, read, list with filters and paging, PATCH, the movement ledger, /healthz."""

import datetime
import time
import unittest

from harness import PRODUCT_FIELDS, ServerTestCase, qs


def parse_time(text):
    # RFC 3339 with a Z or an offset; fromisoformat in 3.11 accepts both.
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


class ProductTests(ServerTestCase):

    def test_create_returns_201_location_and_exact_fields(self):
        body = {"sku": "WIDGET-1", "name": "Blue widget", "on_hand": 10, "reorder_point": 3,
                "reorder_qty": 20, "factory_id": "fac-7"}
        self.ensure_factory("fac-7")
        self.ensure_factory("fac-8")
        r = self.request("POST", "/v1/products", body)
        self.assertEqual(r.status, 201, r)
        self.assertTrue(r.content_type.startswith("application/json"), r)
        self.assertEqual(r.headers.get("Location"), "/v1/products/WIDGET-1")
        p = r.json
        self.assertEqual(set(p.keys()), PRODUCT_FIELDS)
        self.assertEqual(p["sku"], "WIDGET-1")
        self.assertEqual(p["name"], "Blue widget")
        self.assertEqual(p["on_hand"], 10)
        self.assertEqual(p["reserved"], 0)
        self.assertEqual(p["available"], 10)
        self.assertEqual(p["on_order"], 0)
        self.assertEqual(p["reorder_point"], 3)
        self.assertEqual(p["reorder_qty"], 20)
        self.assertIsNone(p["order_up_to"])
        self.assertEqual(p["min_order_qty"], 1)
        self.assertEqual(p["pack_size"], 1)
        self.assertEqual(p["factory_id"], "fac-7")
        self.assertIsNone(p["ad_id"])
        self.assertEqual(p["status"], "in_stock")
        created = parse_time(p["created_at"])
        self.assertIsNotNone(created.tzinfo)
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertLess(abs((now - created).total_seconds()), 120)
        self.assertEqual(p["created_at"], p["updated_at"])

        # Optional fields round-trip.
        r = self.request("POST", "/v1/products", {
            "sku": "GADGET.2_x", "name": "Gadget", "on_hand": 0, "reorder_point": 5,
            "reorder_qty": 12, "factory_id": "fac-8", "order_up_to": 40, "min_order_qty": 6,
            "pack_size": 4, "ad_id": "ad-99"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.headers.get("Location"), "/v1/products/GADGET.2_x")
        g = r.json
        self.assertEqual((g["order_up_to"], g["min_order_qty"], g["pack_size"], g["ad_id"]),
                         (40, 6, 4, "ad-99"))
        self.assertEqual((g["on_hand"], g["available"], g["status"]), (0, 0, "out_of_stock"))

    def test_get_one_matches_create(self):
        created = self.create_product("GET-ME", on_hand=7, reorder_point=2, reorder_qty=5)
        for role in ("storefront", "admin"):
            r = self.request("GET", "/v1/products/GET-ME", key=role)
            self.assertEqual(r.status, 200, r)
            self.assertTrue(r.content_type.startswith("application/json"), r)
            self.assertEqual(r.json, created)

    def test_unknown_sku_is_404_problem(self):
        self.create_product("KNOWN", on_hand=1)
        r = self.request("GET", "/v1/products/NOPE-404", key="storefront")
        body = self.assertProblem(r, 404, "product-not-found")
        self.assertIn("NOPE-404", body["detail"])
        r = self.request("GET", "/v1/stock/NOPE-404/movements")
        self.assertProblem(r, 404, "product-not-found")

    def test_duplicate_create_is_409_and_keeps_original(self):
        original = self.create_product("DUP-1", on_hand=5, reorder_point=1)
        r = self.request("POST", "/v1/products", {
            "sku": "DUP-1", "name": "Impostor", "on_hand": 999, "reorder_point": 0,
            "reorder_qty": 1, "factory_id": "other"})
        self.assertProblem(r, 409, "product-exists")
        self.assertEqual(self.get_product("DUP-1"), original)
        self.assertEqual(len(self.all_movements("DUP-1")), 1)
        self.assertEqual([p["sku"] for p in self.all_products()], ["DUP-1"])

    def test_list_status_filter_and_paging(self):
        # status: out_of_stock if available <= 0; low if available <= reorder_point.
        expected = {"in_stock": set(), "low": set(), "out_of_stock": set()}
        for i in range(7):
            sku = f"IN-{i:02d}"
            self.create_product(sku, on_hand=20 + i, reorder_point=5)
            expected["in_stock"].add(sku)
        for i in range(5):
            sku = f"LOW-{i:02d}"
            self.create_product(sku, on_hand=1 + i, reorder_point=5)  # 1..5 <= 5
            expected["low"].add(sku)
        for i in range(4):
            sku = f"OUT-{i:02d}"
            self.create_product(sku, on_hand=0, reorder_point=3)
            expected["out_of_stock"].add(sku)
        # A checkout moves one product from in_stock to low (available 6 -> 5).
        self.create_product("MOVER", on_hand=6, reorder_point=5)
        r = self.checkout("order-mover", [("MOVER", 1)])
        self.assertEqual(r.status, 200, r)
        expected["low"].add("MOVER")
        all_skus = set().union(*expected.values())

        # Unfiltered, one page.
        r = self.request("GET", "/v1/products" + qs(limit=500), key="storefront")
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.json["next_cursor"])
        skus = [p["sku"] for p in r.json["items"]]
        self.assertEqual(skus, sorted(all_skus))
        for p in r.json["items"]:
            self.assertEqual(set(p.keys()), PRODUCT_FIELDS)

        # Default page size (50) holds all 17.
        r = self.request("GET", "/v1/products", key="storefront")
        self.assertEqual(len(r.json["items"]), len(all_skus))

        for status, want in expected.items():
            r = self.request("GET", "/v1/products" + qs(status=status), key="storefront")
            self.assertEqual(r.status, 200, r)
            got = [p["sku"] for p in r.json["items"]]
            self.assertEqual(got, sorted(want), status)
            self.assertTrue(all(p["status"] == status for p in r.json["items"]), status)

        # Paging: small pages cover every item exactly once, in order, filtered or not.
        for status, want in [(None, all_skus)] + list(expected.items()):
            for limit in (1, 2, 3, 5):
                seen, cursor, pages = [], None, 0
                while True:
                    params = {"limit": limit}
                    if status:
                        params["status"] = status
                    if cursor is not None:
                        params["cursor"] = cursor
                    r = self.request("GET", "/v1/products" + qs(**params), key="storefront")
                    self.assertEqual(r.status, 200, r)
                    items = r.json["items"]
                    self.assertLessEqual(len(items), limit)
                    seen.extend(p["sku"] for p in items)
                    pages += 1
                    self.assertLessEqual(pages, len(want) + 1, "paging does not terminate")
                    cursor = r.json["next_cursor"]
                    if cursor is None:
                        break
                    self.assertEqual(len(items), limit, "a non-final page must be full")
                    self.assertEqual(cursor, items[-1]["sku"])
                self.assertEqual(seen, sorted(want), (status, limit))
                self.assertEqual(pages, max(1, -(-len(want) // limit)), (status, limit))

    def test_patch_changes_settings(self):
        before = self.create_product("PATCH-1", on_hand=10, reorder_point=3, reorder_qty=5)
        self.ensure_factory("fac-new")
        r = self.request("PATCH", "/v1/products/PATCH-1", {
            "name": "Renamed", "reorder_point": 10, "reorder_qty": 30, "order_up_to": 60,
            "min_order_qty": 12, "pack_size": 6, "factory_id": "fac-new", "ad_id": "ad-1"})
        self.assertEqual(r.status, 200, r)
        p = r.json
        self.assertEqual(set(p.keys()), PRODUCT_FIELDS)
        self.assertEqual(p["name"], "Renamed")
        self.assertEqual(
            (p["reorder_point"], p["reorder_qty"], p["order_up_to"], p["min_order_qty"],
             p["pack_size"], p["factory_id"], p["ad_id"]),
            (10, 30, 60, 12, 6, "fac-new", "ad-1"))
        # Stock untouched; status follows the new reorder point (available 10 <= 10).
        self.assertEqual((p["on_hand"], p["available"], p["reserved"]), (10, 10, 0))
        self.assertEqual(p["status"], "low")
        self.assertEqual(p["created_at"], before["created_at"])
        self.assertGreaterEqual(parse_time(p["updated_at"]), parse_time(before["updated_at"]))
        # The product is now low, so the restock loop may place an order between the PATCH and
        # this read: on_order and updated_at may move, nothing else.
        moving = {"on_order", "updated_at"}
        read = self.get_product("PATCH-1")
        self.assertEqual({k: v for k, v in read.items() if k not in moving},
                         {k: v for k, v in p.items() if k not in moving})
        # order_up_to 60 - position 10 = 50, in packs of 6: 54.
        self.assertIn(read["on_order"], (0, 54))

        # merge-patch media type works too; null clears nullable settings.
        r = self.request("PATCH", "/v1/products/PATCH-1", {"ad_id": None, "order_up_to": None},
                         content_type="application/merge-patch+json")
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.json["ad_id"])
        self.assertIsNone(r.json["order_up_to"])
        self.assertEqual(r.json["name"], "Renamed")

        # Ledger unchanged by PATCH: still only the initial movement.
        moves = self.all_movements("PATCH-1")
        self.assertEqual([(m["kind"], m["delta"]) for m in moves], [("initial", 10)])

    def test_patch_on_hand_is_400_and_nothing_changes(self):
        self.create_product("PATCH-2", on_hand=8, reorder_point=2)
        before = self.get_product("PATCH-2")
        for body in ({"on_hand": 100}, {"on_hand": 100, "name": "x"}, {"available": 1},
                     {"reserved": 1}, {"status": "low"}, {"sku": "OTHER"},
                     {"reorder_point": -1}, {"order_up_to": 1, "reorder_point": 5},
                     {"name": ""}, {}, {"bogus": 1}):
            r = self.request("PATCH", "/v1/products/PATCH-2", body)
            self.assertProblem(r, 400)
            self.assertEqual(self.get_product("PATCH-2"), before, body)
        r = self.request("PATCH", "/v1/products/NO-SUCH", {"name": "x"})
        self.assertProblem(r, 404, "product-not-found")
        self.assertEqual(len(self.all_movements("PATCH-2")), 1)

    def test_movements_newest_first_with_cursor_paging(self):
        self.create_product("LEDGER", on_hand=50, reorder_point=0)
        ops = []  # (kind, delta, reference) in execution order
        ops.append(("initial", 50, "initial stock"))
        for i in range(6):
            r = self.checkout(f"order-{i}", [("LEDGER", i + 1)])
            self.assertEqual(r.status, 200, r)
            ops.append(("checkout", -(i + 1), f"order-{i}"))
        r = self.request("POST", "/v1/stock/LEDGER/receipts", {"qty": 9, "reference": "ship-1"},
                         key="factory")
        self.assertEqual(r.status, 201, r)
        ops.append(("receipt", 9, "ship-1"))
        r = self.request("POST", "/v1/stock/LEDGER/adjustments", {"delta": -4, "reason": "broken"})
        self.assertEqual(r.status, 201, r)
        ops.append(("adjustment", -4, "broken"))
        expected_on_hand = sum(d for _, d, _ in ops)
        self.assertEqual(self.on_hand("LEDGER"), expected_on_hand)

        # One page with everything.
        r = self.request("GET", "/v1/stock/LEDGER/movements" + qs(limit=500))
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.json["next_cursor"])
        full = r.json["items"]
        self.assertEqual([(m["kind"], m["delta"], m["reference"]) for m in full],
                         list(reversed(ops)))
        for m in full:
            self.assertEqual(set(m.keys()),
                             {"id", "sku", "kind", "delta", "on_hand_after", "reference", "at"})
            self.assertEqual(m["sku"], "LEDGER")
        ids = [m["id"] for m in full]
        self.assertEqual(ids, sorted(ids, reverse=True))
        self.assertEqual(len(set(ids)), len(ids))
        self.assertEqual(full[0]["on_hand_after"], expected_on_hand)
        running = 0
        for m in reversed(full):
            running += m["delta"]
            self.assertEqual(m["on_hand_after"], running)

        # Paged: limit 3 -> pages of 3, 3, 3 (9 movements); union == full, no repeats.
        for limit in (1, 2, 3, 4, 9, 10):
            seen, cursor, pages = [], None, 0
            while True:
                params = {"limit": limit}
                if cursor is not None:
                    params["cursor"] = cursor
                r = self.request("GET", "/v1/stock/LEDGER/movements" + qs(**params))
                self.assertEqual(r.status, 200, r)
                self.assertLessEqual(len(r.json["items"]), limit)
                seen.extend(r.json["items"])
                pages += 1
                self.assertLessEqual(pages, len(full) + 1)
                cursor = r.json["next_cursor"]
                if cursor is None:
                    break
            self.assertEqual(seen, full, limit)

    def test_replenishment_auto_mode_and_its_explanation(self):
        self.ensure_factory("fac-r")
        body = {"sku": "AUTO-1", "name": "Learned", "on_hand": 50, "reorder_point": 4,
                "reorder_qty": 12, "factory_id": "fac-r",
                "replenishment": {"mode": "auto", "fill_rate": 0.97}}
        r = self.request("POST", "/v1/products", body)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["replenishment"], {"mode": "auto", "fill_rate": 0.97})
        # Not learned yet: the settings given are the effective ones.
        self.assertEqual((r.json["reorder_point"], r.json["reorder_qty"]), (4, 12))
        self.assertEqual(self.get_product("AUTO-1")["replenishment"],
                         {"mode": "auto", "fill_rate": 0.97})
        for bad, field in (({"mode": "auto", "fill_rate": 1}, "replenishment.fill_rate"),
                           ({"mode": "auto", "fill_rate": 0.2}, "replenishment.fill_rate"),
                           ({"mode": "auto", "fill_rate": "x"}, "replenishment.fill_rate"),
                           ({"mode": "fixed", "fill_rate": 0.9}, "replenishment.fill_rate"),
                           ({"mode": "smart"}, "replenishment.mode")):
            r = self.request("PATCH", "/v1/products/AUTO-1", {"replenishment": bad})
            self.assertProblem(r, 400, "invalid-request")
            self.assertIn(field, r.json["detail"], bad)
            r = self.request("POST", "/v1/products", dict(body, sku="AUTO-2", replenishment=bad))
            self.assertProblem(r, 400, "invalid-request")
        r = self.request("POST", "/v1/products", dict(body, sku="AUTO-2",
                                                      replenishment={"mode": "auto"}))
        self.assertProblem(r, 400, "invalid-request")
        self.assertIn("replenishment.fill_rate", r.json["detail"])
        self.assertEqual(self.request("GET", "/v1/products/AUTO-2").status, 404)
        self.assertEqual(self.get_product("AUTO-1")["replenishment"],
                         {"mode": "auto", "fill_rate": 0.97})

        r = self.checkout("c-1", [("AUTO-1", 3)])
        self.assertEqual(r.status, 200, r)
        r = self.checkout("c-2", [("AUTO-1", 60)])
        self.assertEqual(r.status, 409, r)
        r = self.request("GET", "/v1/products/AUTO-1/replenishment")
        self.assertEqual(r.status, 200, r)
        e = r.json
        self.assertEqual((e["sku"], e["mode"], e["fill_rate"]), ("AUTO-1", "auto", 0.97))
        self.assertFalse(e["follows_learning"])
        self.assertEqual(e["effective"], {"reorder_point": 4, "reorder_qty": 12})
        self.assertEqual(e["fixed"], {"reorder_point": 4, "reorder_qty": 12})
        self.assertEqual(e["demand"]["today"], {"sold": 3, "lost": 60})
        self.assertEqual(e["demand"]["days"], 0)
        self.assertEqual(e["lead_time"]["source"], "prior")
        self.assertEqual(e["lead_time"]["prior_days"], 14)  # default_lead_time_days
        self.assertIsNone(e["lead_time"]["due_days"])
        self.assertEqual(e["lead_time"]["factory"]["id"], "fac-r")
        self.assertIn("still learning", e["why"])

        # Back to fixed: the settings given; then the explanation says so.
        r = self.request("PATCH", "/v1/products/AUTO-1", {"replenishment": {"mode": "fixed"}})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["replenishment"], {"mode": "fixed"})
        e = self.request("GET", "/v1/products/AUTO-1/replenishment").json
        self.assertEqual(e["mode"], "fixed")
        self.assertIn("mode fixed", e["why"])

        # Admin only; unknown products and bad SKUs are problems.
        r = self.request("GET", "/v1/products/AUTO-1/replenishment", key="storefront")
        self.assertProblem(r, 403)
        r = self.request("GET", "/v1/products/NOPE/replenishment")
        self.assertProblem(r, 404, "product-not-found")
        r = self.request("GET", "/v1/products/%2E%2E/replenishment")
        self.assertProblem(r, 400)

    def test_a_patch_merges_the_replenishment_object(self):
        """RFC 7396: what the nested object leaves out is kept (api.md, PATCH)."""
        self.ensure_factory("fac-m")
        body = {"sku": "MERGE-1", "name": "Merged", "on_hand": 5, "reorder_point": 1,
                "reorder_qty": 4, "factory_id": "fac-m",
                "replenishment": {"mode": "auto", "fill_rate": 0.9}}
        self.assertEqual(self.request("POST", "/v1/products", body).status, 201)
        merge = "application/merge-patch+json"
        r = self.request("PATCH", "/v1/products/MERGE-1", {"replenishment": {"fill_rate": 0.8}},
                         content_type=merge)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["replenishment"], {"mode": "auto", "fill_rate": 0.8})
        r = self.request("PATCH", "/v1/products/MERGE-1", {"replenishment": {"mode": "auto"}})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["replenishment"], {"mode": "auto", "fill_rate": 0.8})
        r = self.request("PATCH", "/v1/products/MERGE-1", {"replenishment": {"mode": "fixed"}})
        self.assertEqual(r.json["replenishment"], {"mode": "fixed"})
        # Not in mode auto: a fill rate alone, or mode auto without one, is refused.
        for bad in ({"fill_rate": 0.8}, {"mode": "auto"}, {}):
            before = self.get_product("MERGE-1")
            r = self.request("PATCH", "/v1/products/MERGE-1", {"replenishment": bad},
                             content_type=merge)
            self.assertProblem(r, 400, "invalid-request")
            self.assertIn("replenishment", r.json["detail"], bad)
            self.assertEqual(self.get_product("MERGE-1"), before)

    def test_replenishment_settings_survive_a_restart(self):
        self.ensure_factory("fac-r")
        r = self.request("POST", "/v1/products", {
            "sku": "AUTO-R", "name": "Kept", "on_hand": 9, "reorder_point": 2,
            "reorder_qty": 5, "factory_id": "fac-r",
            "replenishment": {"mode": "auto", "fill_rate": 0.9}})
        self.assertEqual(r.status, 201, r)
        r = self.request("PATCH", "/v1/products/AUTO-R", {"reorder_qty": 8})
        self.assertEqual(r.status, 200, r)
        self.server.kill()
        self.start_server()
        self.assertEqual(self.get_product("AUTO-R")["replenishment"],
                         {"mode": "auto", "fill_rate": 0.9})
        e = self.request("GET", "/v1/products/AUTO-R/replenishment").json
        self.assertEqual(e["fixed"], {"reorder_point": 2, "reorder_qty": 8})
        self.assertEqual(e["effective"], {"reorder_point": 2, "reorder_qty": 8})

    def test_todays_demand_survives_a_graceful_restart(self):
        """SIGTERM: the engine saves the day's counts as it stops, and counting goes on."""
        day = int(time.time() // 86400)  # the counts are the UTC day's
        self.ensure_factory("fac-t")
        r = self.request("POST", "/v1/products", {
            "sku": "AUTO-T", "name": "Counted", "on_hand": 5, "reorder_point": 0,
            "reorder_qty": 5, "factory_id": "fac-t",
            "replenishment": {"mode": "auto", "fill_rate": 0.9}})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.checkout("t-1", [("AUTO-T", 3)]).status, 200)
        self.assertEqual(self.checkout("t-2", [("AUTO-T", 4)]).status, 409)
        self.assertEqual(self.server.terminate(), 0)
        self.start_server()
        today = self.request("GET", "/v1/products/AUTO-T/replenishment").json["demand"]["today"]
        self.assertEqual(self.checkout("t-3", [("AUTO-T", 1)]).status, 200)
        later = self.request("GET", "/v1/products/AUTO-T/replenishment").json["demand"]["today"]
        if int(time.time() // 86400) != day:
            self.skipTest("midnight UTC passed: the counts started again")
        self.assertEqual(today, {"sold": 3, "lost": 4})
        self.assertEqual(later, {"sold": 4, "lost": 4})

    def test_healthz_without_key(self):
        r = self.request("GET", "/healthz", key=None)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"status": "ok"})
        r = self.request("GET", "/healthz", key="not-a-real-key")
        self.assertEqual(r.status, 200, r)


if __name__ == "__main__":
    unittest.main()
