"""A catalogue over time, through the real server: products never reordered (replenishment
mode none), archived products, the list filters (products, restock orders, events), storefront
keys following stock.* events, overdue restock orders, and /metrics in Prometheus' text format,
parsed strictly."""

import os
import re
import sqlite3
import unittest

from harness import STORE, LoopTestCase, qs

LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def parse_exposition(text):
    """Prometheus text format 0.0.4, strictly: every sample belongs to a family announced by
    HELP and TYPE before it, names and values are well formed, no family appears twice.
    Returns {family: {"type", "help", "samples": [(name, labels, value)]}}."""
    families, current = {}, None
    for number, line in enumerate(text.split("\n"), 1):
        if line == "":
            continue
        if line.startswith("# HELP "):
            name, _, help_text = line[7:].partition(" ")
            assert name not in families, f"line {number}: family {name} twice"
            assert help_text, f"line {number}: empty HELP"
            families[name] = {"help": help_text, "type": None, "samples": []}
            current = name
            continue
        if line.startswith("# TYPE "):
            name, _, kind = line[7:].partition(" ")
            assert name == current, f"line {number}: TYPE of {name} not after its HELP"
            assert kind in ("counter", "gauge", "histogram", "summary", "untyped"), line
            families[name]["type"] = kind
            continue
        assert not line.startswith("#"), f"line {number}: stray comment {line!r}"
        m = SAMPLE.match(line)
        assert m, f"line {number}: not a sample: {line!r}"
        name, labels_text, value = m.groups()
        labels = {}
        if labels_text:
            inner = labels_text[1:-1]
            pairs = LABEL.findall(inner)
            assert ",".join(f'{k}="{v}"' for k, v in pairs) == inner, f"line {number}: labels"
            labels = dict(pairs)
        family = current
        assert family is not None and families[family]["type"], f"line {number}: no TYPE"
        kind = families[family]["type"]
        allowed = {family}
        if kind == "histogram":
            allowed = {family + "_bucket", family + "_sum", family + "_count"}
        assert name in allowed, f"line {number}: {name} outside its family {family}"
        if kind == "counter":
            assert family.endswith("_total"), f"counter {family} without _total"
        families[family]["samples"].append((name, labels, float(value)))
    return families


class CatalogTests(LoopTestCase):

    def setUp(self):
        super().setUp()
        self.sim = self.start_factory_sim()
        self.register_factory("factory-1", self.sim.url)

    def test_mode_none_raises_events_but_never_orders(self):
        p = self.create_product("NONE-1", on_hand=5, reorder_point=3,
                                replenishment={"mode": "none"})
        self.assertEqual(p["replenishment"], {"mode": "none"})
        self.assertEqual(self.checkout("o1", [("NONE-1", 3)]).status, 200)
        self.assertEqual(len(self.events_for("NONE-1", ["stock.low"])), 1)
        self.wait_for_idle("restock-orders")
        self.settle()
        self.assertEqual(self.restock_orders("NONE-1"), [])
        self.assertEqual(self.sim.orders(), [])
        # Back to fixed while low: the loop orders at once.
        r = self.request("PATCH", "/v1/products/NONE-1", {"replenishment": {"mode": "fixed"}})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["replenishment"], {"mode": "fixed"})
        self.wait_for_order("NONE-1", "acknowledged")
        causes = [e["cause"] for e in self.events_for("NONE-1", ["stock.low"])]
        self.assertEqual(causes[-1], "replenishment-resumed")
        r = self.request("PATCH", "/v1/products/NONE-1", {"replenishment": {"mode": "auto"}})
        self.assertProblem(r, 400, "invalid-request")

    def test_a_factory_is_deleted_only_once_nothing_needs_it(self):
        self.ensure_factory("factory-old")
        self.create_product("FD-1", on_hand=5, reorder_point=0, factory_id="factory-old")
        r = self.request("DELETE", "/v1/factories/factory-old")
        self.assertProblem(r, 409, "factory-in-use")
        self.assertIn("FD-1", r.json["detail"])
        self.assertEqual(self.request("GET", "/v1/factories/factory-old").status, 200)
        # An archived product still names it: it may come back.
        self.assertEqual(self.request("DELETE", "/v1/products/FD-1").status, 200)
        self.assertProblem(self.request("DELETE", "/v1/factories/factory-old"), 409,
                           "factory-in-use")
        r = self.request("PATCH", "/v1/products/FD-1", {"factory_id": "factory-1"})
        self.assertEqual(r.status, 200, r)
        r = self.request("DELETE", "/v1/factories/factory-old")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"status": "deleted"})
        self.assertProblem(self.request("GET", "/v1/factories/factory-old"), 404,
                           "factory-not-found")
        self.assertProblem(self.request("DELETE", "/v1/factories/factory-old"), 404,
                           "factory-not-found")
        self.assertProblem(self.request("DELETE", "/v1/factories/factory-1", key="storefront"),
                           403, "forbidden")
        # Gone for good: a restart does not bring it back.
        self.server.terminate()
        self.start_server()
        self.assertProblem(self.request("GET", "/v1/factories/factory-old"), 404,
                           "factory-not-found")
        ids = [f["id"] for f in self.request("GET", "/v1/factories").json["items"]]
        self.assertNotIn("factory-old", ids)

    def test_archive_hides_refuses_keeps_the_ledger_and_is_reversible(self):
        self.create_product("ARC-1", on_hand=10, reorder_point=2)
        self.create_product("ARC-2", on_hand=10, reorder_point=2)
        self.assertEqual(self.checkout("o1", [("ARC-1", 1)]).status, 200)
        self.assertProblem(self.request("DELETE", "/v1/products/ARC-1", key="storefront"),
                           403, "forbidden")
        r = self.request("DELETE", "/v1/products/ARC-1")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["archived"])
        archived_at = r.json["archived_at"]
        self.assertIsNotNone(archived_at)
        again = self.request("DELETE", "/v1/products/ARC-1", headers={"Idempotency-Key": "arc"})
        self.assertEqual((again.json["archived_at"], again.json["updated_at"]),
                         (archived_at, r.json["updated_at"]))  # again: unchanged
        self.assertProblem(self.request("DELETE", "/v1/products/NOPE"), 404,
                           "product-not-found")
        # Hidden from lists unless asked; still there by its SKU.
        self.assertEqual([p["sku"] for p in self.all_products()], ["ARC-2"])
        r = self.request("GET", "/v1/products" + qs(archived="true"), key="storefront")
        self.assertEqual([p["sku"] for p in r.json["items"]], ["ARC-1"])
        r = self.request("GET", "/v1/products" + qs(archived="all"), key="storefront")
        self.assertEqual([p["sku"] for p in r.json["items"]], ["ARC-1", "ARC-2"])
        self.assertTrue(self.get_product("ARC-1")["archived"])
        # Not sold, not held; nothing changes.
        r = self.checkout("o2", [("ARC-2", 1), ("ARC-1", 1)])
        self.assertProblem(r, 409, "product-archived")
        self.assertIn("'ARC-1'", r.json["detail"])
        r = self.request("POST", "/v1/reservations",
                         {"reservation_id": "cart", "lines": [{"sku": "ARC-1", "qty": 1}]},
                         key="storefront")
        self.assertProblem(r, 409, "product-archived")
        self.assertEqual((self.on_hand("ARC-1"), self.on_hand("ARC-2")), (9, 10))
        self.assertEqual(len(self.all_movements("ARC-1")), 2)  # the ledger is kept
        # A return of an earlier order still comes back; retried with {} for no body, the same
        # Idempotency-Key replays it.
        first = self.request("POST", "/v1/orders/o1/release", None, key="storefront",
                             headers={"Idempotency-Key": "ret-1"})
        self.assertEqual(first.status, 200, first)
        retry = self.request("POST", "/v1/orders/o1/release", {}, key="storefront",
                             headers={"Idempotency-Key": "ret-1"})
        self.assertEqual(retry.status, 200, retry)
        self.assertEqual(retry.headers.get("Idempotent-Replayed"), "true")
        self.assertEqual(self.on_hand("ARC-1"), 10)
        r = self.request("PATCH", "/v1/products/ARC-1", {"archived": False})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["archived"], r.json["archived_at"]), (False, None))
        self.assertEqual(self.checkout("o3", [("ARC-1", 1)]).status, 200)

    def test_products_are_found_by_skus_and_text(self):
        for sku, name in [("MUG-RED", "Red mug"), ("mug-blue", "Blue Mug"),
                          ("TEA", "Teapot"), ("CUP", "Cup")]:
            self.create_product(sku, on_hand=3, name=name)

        def skus(**params):
            r = self.request("GET", "/v1/products" + qs(**params), key="storefront")
            self.assertEqual(r.status, 200, r)
            return [p["sku"] for p in r.json["items"]]

        self.assertEqual(skus(sku="TEA,MUG-RED,NOPE"), ["MUG-RED", "TEA"])
        self.assertEqual(skus(q="MUG"), ["MUG-RED", "mug-blue"])
        self.assertEqual(skus(q="pot"), ["TEA"])
        self.assertEqual(skus(q="mug", limit=1), ["MUG-RED"])
        for bad in (qs(sku="A,,B"), qs(q=""), qs(archived="maybe"),
                    qs(sku=",".join(f"S{i}" for i in range(501)))):
            self.assertProblem(self.request("GET", "/v1/products" + bad), 400, "invalid-query")

    def test_restock_orders_are_found_by_status_sku_and_time(self):
        # No shipments: the factory calls back 200 ms after accepting, which books the whole
        # quantity and makes both orders received (a cancelled one too) before, on a busy
        # machine, the filters below are asked for acknowledged and cancelled ones.
        self.sim.control(callbacks=False)
        self.create_product("ORD-A", on_hand=1, reorder_point=2)
        a = self.wait_for_order("ORD-A", "acknowledged")
        self.create_product("ORD-B", on_hand=1, reorder_point=2)
        b = self.wait_for_order("ORD-B", "acknowledged")
        r = self.request("POST", f"/v1/restock-orders/{b['id']}/cancel")
        self.assertEqual(r.status, 200, r)

        def ids(**params):
            r = self.request("GET", "/v1/restock-orders" + qs(**params))
            self.assertEqual(r.status, 200, r)
            return [o["id"] for o in r.json["items"]]

        self.assertEqual(ids(sku="ORD-A"), [a["id"]])
        self.assertEqual(ids(status="cancelled"), [b["id"]])
        self.assertIn(a["id"], ids(status="acknowledged,cancelled", created_before=b["created_at"]))
        self.assertNotIn(b["id"], ids(created_before=b["created_at"]))
        self.assertEqual(ids(overdue="true"), [])
        self.assertIn(a["id"], ids(overdue="false"))
        # Due by the default lead time (14 days) of a factory that sets none.
        order = self.restock_order(a["id"])
        self.assertFalse(order["overdue"])
        self.assertIsNotNone(order["due_at"])
        for bad in (qs(status="open"), qs(created_before="yesterday"), qs(overdue="1")):
            self.assertProblem(self.request("GET", "/v1/restock-orders" + bad), 400,
                               "invalid-query")

    def test_events_by_type_and_sku_and_for_storefronts(self):
        # No shipments: their events would land at any moment and race the log's end below.
        self.sim.control(callbacks=False)
        self.create_product("EV-1", on_hand=1, reorder_point=2)
        self.create_product("EV-2", on_hand=5, reorder_point=2)
        self.wait_for_order("EV-1", "acknowledged")
        self.assertEqual(self.checkout("o", [("EV-2", 5)]).status, 200)
        # EV-2's restock order (placed by a function, after the checkout) is in the log too.
        self.wait_for_order("EV-2", "acknowledged")

        def events(key="admin", **params):
            r = self.request("GET", "/v1/events" + qs(**params), key=key)
            self.assertEqual(r.status, 200, r)
            return r.json

        seen = self.last_seq()
        page = events(type="stock.empty")
        self.assertEqual([(e["type"], e["sku"]) for e in page["items"]],
                         [("stock.empty", "EV-2")])
        self.assertEqual({e["type"] for e in events(sku="EV-1")["items"]},
                         {"stock.low", "restock.ordered", "restock.accepted"})
        # A filtered page that is not full moves the cursor past what it looked at.
        self.assertGreaterEqual(page["next_after"], seen)
        self.assertLessEqual(page["next_after"], self.last_seq())
        front = events(key="storefront")["items"]
        self.assertTrue(front)
        self.assertTrue(all(e["type"].startswith("stock.") for e in front), front)
        r = self.request("GET", "/v1/events" + qs(type="restock.ordered"), key="storefront")
        self.assertProblem(r, 403, "forbidden")
        self.assertProblem(self.request("GET", "/v1/events" + qs(type="stock.gone")), 400,
                           "invalid-query")
        # after=latest: no events, and where the log ends, for a consumer of what comes next.
        end = events(after="latest")
        self.assertEqual(end, {"items": [], "next_after": self.last_seq()})
        self.assertEqual(events(key="storefront", after="latest")["next_after"], self.last_seq())
        self.assertEqual(self.checkout("o2", [("EV-1", 1)]).status, 200)  # its last unit
        after = events(after=end["next_after"])["items"]
        self.assertTrue(all(e["seq"] > end["next_after"] for e in after), after)
        self.assertEqual([(e["type"], e["sku"]) for e in after][:1], [("stock.empty", "EV-1")])
        self.assertProblem(self.request("GET", "/v1/events" + qs(after="newest")), 400,
                           "invalid-query")

    def test_metrics_carry_queues_orders_checkouts_and_commit_latency(self):
        self.create_product("MET-1", on_hand=5, reorder_point=2)
        self.assertEqual(self.checkout("m1", [("MET-1", 3)]).status, 200)
        self.assertEqual(self.checkout("m2", [("MET-1", 9)]).status, 409)
        self.assertProblem(self.checkout("m3", [("NOPE", 1)]), 422, "unknown-sku")
        self.wait_for_order("MET-1", "acknowledged")
        r = self.request("GET", "/metrics")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        families = parse_exposition(r.raw.decode())

        def value(family, sample=None, **labels):
            found = [v for n, l, v in families[family]["samples"]
                     if l == labels and n == (sample or family)]
            self.assertEqual(len(found), 1, (family, labels, families[family]["samples"]))
            return found[0]

        self.assertEqual(value("restock_checkouts_total", result="completed"), 1)
        self.assertEqual(value("restock_checkouts_total", result="insufficient_stock"), 1)
        self.assertEqual(value("restock_checkouts_total", result="rejected"), 1)
        self.assertEqual(value("restock_checkout_units_total"), 3)
        self.assertEqual(value("restock_restock_orders", status="acknowledged"), 1)
        self.assertEqual(value("restock_restock_orders_open"), 1)
        self.assertEqual(value("restock_restock_orders_overdue"), 0)
        for queue, kind in [("restock-orders", "queue"), ("stock-empty-dlq", "dlq"),
                            ("notifications", "queue"), ("stock-error-dlq", "dlq")]:
            for state in ("visible", "in_flight", "delayed"):
                self.assertGreaterEqual(
                    value("restock_queue_messages", queue=queue, kind=kind, state=state), 0)
            self.assertGreaterEqual(
                value("restock_queue_oldest_message_age_seconds", queue=queue, kind=kind), 0)
        latency = families["restock_commit_duration_seconds"]
        self.assertEqual(latency["type"], "histogram")
        buckets = [(l["le"], v) for n, l, v in latency["samples"] if n.endswith("_bucket")]
        self.assertEqual(buckets[-1][0], "+Inf")
        counts = [v for _, v in buckets]
        self.assertEqual(counts, sorted(counts))  # cumulative
        count = value("restock_commit_duration_seconds", "restock_commit_duration_seconds_count")
        self.assertGreater(count, 0)
        self.assertEqual(count, counts[-1])

    def test_a_dead_letter_shows_in_the_dlq_gauges(self):
        self.register_factory("factory-1", self.NOWHERE)
        self.create_product("DEAD-1", on_hand=1, reorder_point=2)
        self.wait_for_dlq("stock-empty-dlq")
        families = parse_exposition(self.request("GET", "/metrics").raw.decode())
        samples = {(tuple(sorted(l.items())), v)
                   for _, l, v in families["restock_queue_messages"]["samples"]}
        self.assertIn(((("kind", "dlq"), ("queue", "stock-empty-dlq"), ("state", "visible")), 1),
                      samples)
        ages = {l["queue"]: v
                for _, l, v in families["restock_queue_oldest_message_age_seconds"]["samples"]}
        self.assertGreater(ages["stock-empty-dlq"], 0)
        failed = [v for _, l, v in families["restock_restock_orders"]["samples"]
                  if l == {"status": "failed"}]
        self.assertEqual(failed, [1])


@unittest.skipUnless(STORE == "sqlite", "ages an order by rewriting the SQLite file")
class OverdueTests(LoopTestCase):

    def test_an_order_past_its_lead_time_is_overdue_and_can_be_cancelled(self):
        # No callbacks: the order must stay acknowledged (open) until it is cancelled.
        sim = self.start_factory_sim("--no-callbacks")
        r = self.request("POST", "/v1/factories", {"id": "factory-1", "url": sim.url,
                                                   "lead_time_days": 3})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["lead_time_days"], 3)
        self.create_product("LATE-1", on_hand=1, reorder_point=2)
        order = self.wait_for_order("LATE-1", "acknowledged")
        self.wait_for_idle("restock-orders")
        # Four days pass: the order was placed four days ago.
        self.server.terminate()
        db = sqlite3.connect(os.path.join(self.data_dir, "restock.db"))
        with db:
            db.execute("UPDATE restock_orders SET created_at = created_at - ? WHERE id = ?",
                       (4 * 86_400_000, order["id"]))
        db.close()
        self.start_server()
        late = self.restock_order(order["id"])
        self.assertTrue(late["overdue"], late)
        r = self.request("GET", "/v1/restock-orders" + qs(overdue="true"))
        self.assertEqual([o["id"] for o in r.json["items"]], [order["id"]])
        families = parse_exposition(self.request("GET", "/metrics").raw.decode())
        self.assertEqual(families["restock_restock_orders_overdue"]["samples"][0][2], 1)
        # Cancelled, the loop orders again.
        r = self.request("POST", f"/v1/restock-orders/{order['id']}/cancel")
        self.assertEqual(r.status, 200, r)
        self.assertFalse(r.json["overdue"])
        self.wait_for(lambda: any(o["id"] != order["id"] and o["status"] == "acknowledged"
                                  for o in self.restock_orders("LATE-1")), "a new order")


if __name__ == "__main__":
    unittest.main()
