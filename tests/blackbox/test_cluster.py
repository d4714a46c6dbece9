"""Three `restock serve` nodes on one PostgreSQL database (issue 13).

Any node serves every route, and every guarantee of one node holds across nodes: the last units
race, idempotency, the restock loop with the factory's callback arriving at another node than
the one that sent the order, one gap-free event order seen alike from every node. Faults: kill -9
of the writer and of a follower under checkout load (the failover time is printed), PostgreSQL
killed and restarted under load, and database sessions cut with pg_terminate_backend.

PostgreSQL only: the test process starts its own cluster (pg_cluster.py).
"""

import json
import os
import threading
import time
import unittest
import urllib.parse

from harness import (STORE, Client, FactorySim, Server, create_key, free_port, pg_cluster,
                     wait_until)

NODES = 3
LEASE_TTL_MS = 2000
FAILOVER_GOAL_S = 5.0


class Node:
    """One node: a Server on a fixed port (so a restart keeps its address)."""

    def __init__(self, case, index, public_url=None):
        self.case = case
        self.index = index
        self.port = free_port()
        self.public_url = public_url
        self.server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        args = ["--lease-ttl-ms", str(LEASE_TTL_MS)]
        if self.public_url:
            args += ["--public-url", self.public_url]
        self.server = Server(self.case.tmp_dir, listen=f"127.0.0.1:{self.port}",
                             store_url=self.case.store_url, extra_args=args)
        self.case.addCleanup(self.server.close)
        self.server.start()
        return self

    def kill(self):
        self.server.kill()

    def client(self, timeout=15.0):
        c = Client(self.port, self.case.keys, timeout=timeout)
        self.case.addCleanup(c.close)
        return c

    def ready(self):
        try:
            r = self.client(timeout=3).request("GET", "/readyz", key=None)
        except OSError:
            return None
        return r.json if r.status == 200 else None


@unittest.skipUnless(STORE == "postgres", "a cluster needs a shared PostgreSQL store")
class ClusterTestCase(unittest.TestCase):
    def setUp(self):
        import tempfile
        import shutil
        self.tmp_dir = tempfile.mkdtemp(prefix="restock-cluster-")
        self.addCleanup(shutil.rmtree, self.tmp_dir, True)
        self.pg = pg_cluster()
        self.database = self.pg.create_database()
        self.store_url = self.pg.url(self.database)
        self.keys = {
            "admin": create_key(self.store_url, "admin", "cluster-admin"),
            "storefront": create_key(self.store_url, "storefront", "cluster-storefront"),
        }
        self.nodes = []

    def start_nodes(self, count=NODES, rotate_public_urls=False):
        self.nodes = [Node(self, i) for i in range(count)]
        if rotate_public_urls:
            # Each node's factory callbacks name the next node: a callback never comes back to
            # the node whose function sent the order.
            for i, node in enumerate(self.nodes):
                node.public_url = self.nodes[(i + 1) % count].url
        for node in self.nodes:
            node.start()
        self.wait_for_one_writer()
        return self.nodes

    def roles(self):
        return [(n.ready() or {}).get("role") for n in self.nodes]

    def wait_for_one_writer(self, timeout=15):
        def one():
            roles = self.roles()
            return roles if roles.count("writer") == 1 and None not in roles else None
        return wait_until(one, timeout=timeout, what="exactly one writer among the nodes",
                          describe=self.roles)

    def writer(self):
        roles = self.roles()
        return self.nodes[roles.index("writer")]

    def sql(self, query):
        return self.pg.psql(query, database=self.database)

    def create_product(self, node, sku, on_hand, reorder_point=0, reorder_qty=10,
                       factory_id="factory-1"):
        # Products must name a registered factory; one the test does not set up goes nowhere.
        client = node.client()
        if client.request("GET", "/v1/factories/" + factory_id).status == 404:
            r = client.request("POST", "/v1/factories",
                               {"id": factory_id, "url": "http://127.0.0.1:9", "format": "legacy"})
            self.assertIn(r.status, (200, 201), r)
        r = client.request("POST", "/v1/products", {
            "sku": sku, "name": "Product " + sku, "on_hand": on_hand,
            "reorder_point": reorder_point, "reorder_qty": reorder_qty,
            "factory_id": factory_id})
        self.assertEqual(r.status, 201, r)
        return r.json

    def product(self, sku, node=None):
        r = (node or self.nodes[0]).client().request("GET", "/v1/products/" + sku)
        self.assertEqual(r.status, 200, r)
        return r.json

    def ledger(self, sku):
        """Every movement of sku, as the database has it."""
        rows = self.sql(
            "SELECT m.kind, m.delta, m.reference FROM movements m JOIN products p "
            f"ON p.id = m.product_id WHERE p.sku = '{sku}' ORDER BY m.id")
        return [line.split("|") for line in rows.splitlines() if line]

    def on_hand_and_ledger_sum(self, sku):
        """The product's on_hand and the sum of its ledger, read in one snapshot (the loop may
        be booking a shipment meanwhile)."""
        row = self.sql(
            "SELECT p.on_hand, coalesce(sum(m.delta), 0) FROM products p LEFT JOIN movements m "
            f"ON m.product_id = p.id WHERE p.sku = '{sku}' GROUP BY p.on_hand")
        on_hand, total = row.split("|")
        return int(on_hand), int(total)

    def all_events(self, node):
        c = node.client()
        items, after = [], 0
        while True:
            r = c.request("GET", f"/v1/events?after={after}&limit=500")
            self.assertEqual(r.status, 200, r)
            if not r.json["items"]:
                return items
            items.extend(r.json["items"])
            after = r.json["next_after"]


class LoadGenerator:
    """Threads checking out one unit at a time, spread over the nodes, recording each answer.
    Without Idempotency-Key: a 200 must be in the ledger, whatever happens to the nodes."""

    def __init__(self, case, nodes, sku, threads=6, timeout=15.0):
        self.case = case
        self.nodes = nodes
        self.sku = sku
        self.threads = threads
        self.timeout = timeout
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.accepted = []     # order ids answered 200
        self.answers = []      # (monotonic time, node index, status, seconds, order id)
        self.workers = []

    def start(self):
        for t in range(self.threads):
            w = threading.Thread(target=self.run, args=(t,), daemon=True)
            w.start()
            self.workers.append(w)
        return self

    def run(self, t):
        clients = {}
        n = 0
        while not self.stop.is_set():
            node = self.nodes[(t + n) % len(self.nodes)]
            n += 1
            if not node.server.alive():
                time.sleep(0.01)
                continue
            client = clients.get(node.index)
            if client is None:
                client = clients[node.index] = Client(node.port, self.case.keys,
                                                      timeout=self.timeout)
            order_id = f"load-{t}-{n}"
            began = time.monotonic()
            try:
                r = client.request("POST", "/v1/checkout",
                                   {"order_id": order_id, "lines": [{"sku": self.sku, "qty": 1}]},
                                   key="storefront")
                status = r.status
                if status == 503:
                    problem = r.json or {}
                    self.case.assertTrue(r.content_type.startswith("application/problem+json"))
                    self.case.assertIn(problem.get("type", "").rsplit("/", 1)[-1],
                                       ("unavailable", "outcome-unknown"), r)
            except OSError:
                status = None  # the node died under us
                client.close()
                clients.pop(node.index, None)
            took = time.monotonic() - began
            with self.lock:
                self.answers.append((time.monotonic(), node.index, status, took, order_id))
                if status == 200:
                    self.accepted.append(order_id)
            if status != 200:
                time.sleep(0.02)
        for c in clients.values():
            c.close()

    def finish(self):
        self.stop.set()
        for w in self.workers:
            w.join(timeout=30)

    def accepted_since(self, since):
        with self.lock:
            return [a for a in self.answers if a[0] >= since and a[2] == 200]


class ClusterTests(ClusterTestCase):

    def test_the_last_units_go_to_exactly_as_many_buyers_whichever_nodes_they_hit(self):
        nodes = self.start_nodes()
        self.create_product(nodes[1], "LAST", on_hand=10)
        results = []
        lock = threading.Lock()
        barrier = threading.Barrier(30)

        def buyer(i):
            c = Client(nodes[i % NODES].port, self.keys)
            barrier.wait()
            r = c.request("POST", "/v1/checkout",
                          {"order_id": f"race-{i}", "lines": [{"sku": "LAST", "qty": 1}]},
                          key="storefront")
            c.close()
            with lock:
                results.append((i, r.status))

        threads = [threading.Thread(target=buyer, args=(i,)) for i in range(30)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        statuses = sorted(s for _, s in results)
        self.assertEqual(statuses.count(200), 10, results)
        self.assertEqual(statuses.count(409), 20, results)
        for node in nodes:
            p = self.product("LAST", node)
            self.assertEqual((p["on_hand"], p["available"]), (0, 0))
        winners = sorted(f"race-{i}" for i, s in results if s == 200)
        self.assertEqual(sorted(ref for kind, _, ref in self.ledger("LAST") if kind == "1"),
                         winners)

    def test_an_idempotency_key_sent_to_every_node_at_once_has_one_effect(self):
        nodes = self.start_nodes()
        self.create_product(nodes[0], "IDEM", on_hand=10)
        body = {"order_id": "idem-1", "lines": [{"sku": "IDEM", "qty": 3}]}
        answers = []
        lock = threading.Lock()
        barrier = threading.Barrier(NODES * 2)

        def send(node):
            c = Client(node.port, self.keys)
            barrier.wait()
            r = c.request("POST", "/v1/checkout", body, key="storefront",
                          headers={"Idempotency-Key": "same-key"})
            c.close()
            with lock:
                answers.append(r)

        threads = [threading.Thread(target=send, args=(nodes[i % NODES],))
                   for i in range(NODES * 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        self.assertEqual([r.status for r in answers], [200] * len(answers), answers)
        self.assertEqual(len({r.raw for r in answers}), 1, "every answer is the first one")
        replays = [r for r in answers if r.headers.get("Idempotent-Replayed") == "true"]
        self.assertEqual(len(replays), len(answers) - 1)
        self.assertEqual(self.product("IDEM")["on_hand"], 7)
        self.assertEqual(len([m for m in self.ledger("IDEM") if m[2] == "idem-1"]), 1)
        # The same key with another body, on any node: 422, nothing taken.
        for node in nodes:
            r = node.client().request("POST", "/v1/checkout",
                                      {"order_id": "idem-2", "lines": [{"sku": "IDEM", "qty": 1}]},
                                      key="storefront", headers={"Idempotency-Key": "same-key"})
            self.assertEqual(r.status, 422, r)
        self.assertEqual(self.product("IDEM", nodes[2])["on_hand"], 7)

    def test_the_restock_loop_turns_with_the_callback_arriving_at_another_node(self):
        sim = FactorySim("--delay-ms", "200")
        self.addCleanup(sim.close)
        sim.start()
        nodes = self.start_nodes(rotate_public_urls=True)
        r = nodes[2].client().request("POST", "/v1/factories", {
            "id": "factory-1", "url": sim.url, "format": "legacy", "timeout_ms": 2000})
        self.assertIn(r.status, (200, 201), r)
        self.create_product(nodes[1], "LOOP", on_hand=4, reorder_point=2, reorder_qty=10)
        # Sell through a follower down to the reorder point: stock.low, an order, the factory's
        # callback to another node, the receipt.
        follower = next(n for n in nodes if n.ready()["role"] == "follower")
        r = follower.client().request("POST", "/v1/checkout",
                                      {"order_id": "loop-1", "lines": [{"sku": "LOOP", "qty": 3}]},
                                      key="storefront")
        self.assertEqual(r.status, 200, r)
        wait_until(lambda: self.product("LOOP", nodes[0])["on_hand"] == 11, timeout=20,
                   what="the shipment booked", describe=lambda: self.product("LOOP"))
        (order,) = sim.orders()
        self.assertEqual((order["product_id"], order["qty"]), ("LOOP", 10))
        # The order named a node's public URL for its callback; that node is never the one
        # whose function sent it, and it booked the receipt all the same.
        callback_port = int(order["callback_url_host_path"].split("/")[0].split(":")[1])
        self.assertIn(callback_port, [n.port for n in nodes])
        orders = nodes[0].client().request("GET", "/v1/restock-orders").json["items"]
        self.assertEqual([(o["status"], o["received_qty"]) for o in orders], [("received", 10)])
        time.sleep(1.0)
        self.assertEqual(len(sim.orders()), 1, "exactly one factory call")
        events = [e["type"] for e in self.all_events(nodes[2]) if e["sku"] == "LOOP"]
        self.assertEqual(events, ["stock.low", "restock.ordered", "restock.accepted",
                                  "restock.received", "stock.restored"])

    def test_every_node_shows_one_gap_free_event_order_while_all_nodes_commit(self):
        nodes = self.start_nodes()
        for i in range(6):
            self.create_product(nodes[i % NODES], f"EV-{i}", on_hand=40, reorder_point=30,
                                reorder_qty=5, factory_id="nowhere")
        stop = threading.Event()
        seen = {n.index: [] for n in nodes}
        problems = []

        def writer(t):
            c = Client(nodes[t % NODES].port, self.keys)
            n = 0
            while not stop.is_set() and n < 400:
                n += 1
                sku = f"EV-{(t + n) % 6}"
                r = c.request("POST", "/v1/checkout",
                              {"order_id": f"ev-{t}-{n}", "lines": [{"sku": sku, "qty": 1}]},
                              key="storefront")
                if r.status not in (200, 409):
                    problems.append(r)
                if n % 10 == 0:  # events of other kinds, too
                    c.request("POST", f"/v1/stock/{sku}/adjustments",
                              {"delta": 3, "reason": "recount"})
            c.close()

        def reader(node):
            c = Client(node.port, self.keys)
            after = 0
            while True:
                r = c.request("GET", f"/v1/events?after={after}&limit=50")
                if r.status != 200:
                    problems.append(r)
                    continue
                for e in r.json["items"]:
                    if e["seq"] != after + 1:
                        problems.append(f"node {node.index}: seq {e['seq']} after {after}")
                    after = e["seq"]
                    seen[node.index].append((e["seq"], e["id"], e["type"], e["sku"]))
                if stop.is_set() and not r.json["items"]:
                    break
            c.close()

        writers = [threading.Thread(target=writer, args=(t,)) for t in range(6)]
        readers = [threading.Thread(target=reader, args=(n,)) for n in nodes]
        for t in writers + readers:
            t.start()
        for t in writers:
            t.join(timeout=120)
        stop.set()
        for t in readers:
            t.join(timeout=60)
        self.assertEqual(problems, [])
        final = [(e["seq"], e["id"], e["type"], e["sku"]) for e in self.all_events(nodes[0])]
        self.assertGreater(len(final), 50)
        self.assertEqual([s for s, *_ in final], list(range(1, len(final) + 1)))
        for index, events in seen.items():
            self.assertEqual(events, final, f"node {index} saw another order")


class ClusterFaultTests(ClusterTestCase):

    def assert_ledger_holds(self, sku, initial, load):
        """Every checkout answered 200 is in the ledger once, and on_hand is the ledger's sum."""
        ledger = self.ledger(sku)
        references = [ref for kind, _, ref in ledger if kind == "1"]
        self.assertEqual(len(references), len(set(references)), "a checkout booked twice")
        missing = set(load.accepted) - set(references)
        self.assertEqual(missing, set(), "acknowledged checkouts missing from the ledger")
        on_hand, total = self.on_hand_and_ledger_sum(sku)
        self.assertEqual(on_hand, total)
        self.assertEqual(on_hand, initial - len(references))
        self.assertGreaterEqual(on_hand, 0)

    def test_kill_9_of_the_writer_under_load_a_survivor_takes_over(self):
        nodes = self.start_nodes()
        self.create_product(nodes[0], "FAIL-W", on_hand=100_000)
        load = LoadGenerator(self, nodes, "FAIL-W").start()
        self.addCleanup(load.finish)
        time.sleep(1.5)
        victim = self.writer()
        self.assertGreater(len(load.accepted), 10, "the load is running")
        victim.kill()
        killed_at = self.killed_at = time.monotonic()  # the process is gone
        # The first checkout accepted after the kill, whichever node it went to: the new writer
        # committed it (the killed node answers nothing any more).
        first = wait_until(lambda: load.accepted_since(killed_at), timeout=15,
                           what="a checkout accepted after the writer died")
        failover = first[0][0] - killed_at
        survivors = [n for n in nodes if n is not victim]
        new_writer = wait_until(
            lambda: next((n for n in survivors if (n.ready() or {}).get("role") == "writer"),
                         None), timeout=10, what="a new writer")
        print(f"\nfailover after kill -9 of the writer: {failover:.2f} s "
              f"(lease TTL {LEASE_TTL_MS} ms); new writer node {new_writer.index}", flush=True)
        self.assertLess(failover, FAILOVER_GOAL_S)
        time.sleep(1.0)
        # The killed node rejoins as a follower.
        victim.start()
        wait_until(lambda: (victim.ready() or {}).get("role") == "follower", timeout=10,
                   what="the restarted node following")
        before = len(load.accepted)
        time.sleep(1.0)
        self.assertGreater(len(load.accepted), before, "selling goes on")
        load.finish()
        self.assert_ledger_holds("FAIL-W", 100_000, load)
        answered = [a for a in load.answers if a[2] is not None]
        self.assertTrue(all(a[3] < 15 for a in answered))

    def test_kill_9_of_a_follower_under_load_the_others_keep_selling(self):
        nodes = self.start_nodes()
        self.create_product(nodes[0], "FAIL-F", on_hand=100_000)
        writer = self.writer()
        victim = next(n for n in nodes if n is not writer)
        load = LoadGenerator(self, nodes, "FAIL-F").start()
        self.addCleanup(load.finish)
        time.sleep(1.0)
        victim.kill()
        killed_at = time.monotonic()
        time.sleep(2.0)
        # Nodes that live answered every request with a 200 meanwhile: no pause at all.
        after = [a for a in load.answers if a[0] > killed_at + 0.2 and a[1] != victim.index]
        self.assertGreater(len(after), 20)
        self.assertEqual({a[2] for a in after}, {200}, after[:10])
        self.assertEqual(self.roles()[writer.index], "writer")
        victim.start()
        wait_until(lambda: (victim.ready() or {}).get("role") == "follower", timeout=10,
                   what="the restarted follower")
        time.sleep(0.5)
        load.finish()
        self.assert_ledger_holds("FAIL-F", 100_000, load)

    def test_postgres_killed_and_restarted_under_load(self):
        sim = FactorySim("--delay-ms", "100")
        self.addCleanup(sim.close)
        sim.start()
        nodes = self.start_nodes()
        r = nodes[0].client().request("POST", "/v1/factories", {
            "id": "factory-1", "url": sim.url, "format": "legacy", "timeout_ms": 2000})
        self.assertIn(r.status, (200, 201), r)
        self.create_product(nodes[0], "PGDOWN", on_hand=100_000)
        load = LoadGenerator(self, nodes, "PGDOWN", timeout=30).start()
        self.addCleanup(load.finish)
        time.sleep(1.0)
        killed_at = time.monotonic()
        self.pg.kill()
        time.sleep(3.0)
        # Meanwhile: every answer a 503 problem+json (the load checks the body), and soon.
        during = [a for a in load.answers if a[0] > killed_at + 0.5]
        self.assertGreater(len(during), 10, "requests were answered while PostgreSQL was down")
        self.assertEqual({a[2] for a in during if a[0] > killed_at + 1.0}, {503},
                         [a for a in during if a[2] != 503][:5])
        self.assertLess(max(a[3] for a in during), 11.0)
        for node in nodes:
            self.assertTrue(node.server.alive(), f"node {node.index} crashed")
            r = node.client().request("GET", "/readyz", key=None)
            self.assertEqual(r.status, 503, r)
            self.assertTrue(r.content_type.startswith("application/problem+json"), r)
        self.pg.restart()
        restarted_at = time.monotonic()
        wait_until(lambda: load.accepted_since(restarted_at), timeout=20,
                   what="checkouts accepted again after PostgreSQL restarted")
        print(f"\nselling again {load.accepted_since(restarted_at)[0][0] - restarted_at:.2f} s "
              "after PostgreSQL restarted", flush=True)
        self.wait_for_one_writer()
        load.finish()
        self.assert_ledger_holds("PGDOWN", 100_000, load)
        # Queues and functions resume: a shortage now is ordered from the factory once.
        self.create_product(nodes[1], "AFTER", on_hand=1, reorder_point=1, reorder_qty=5)
        wait_until(lambda: [o for o in sim.orders() if o["product_id"] == "AFTER"], timeout=20,
                   what="the factory order after the restart", describe=sim.orders)
        time.sleep(1.0)
        self.assertEqual(len([o for o in sim.orders() if o["product_id"] == "AFTER"]), 1)

    def test_cut_sessions_never_act_on_stale_state(self):
        sim = FactorySim("--delay-ms", "300")
        self.addCleanup(sim.close)
        sim.start()
        nodes = self.start_nodes()
        r = nodes[0].client().request("POST", "/v1/factories", {
            "id": "factory-1", "url": sim.url, "format": "legacy", "timeout_ms": 2000})
        self.assertIn(r.status, (200, 201), r)
        skus = [f"CUT-{i}" for i in range(4)]
        for sku in skus:
            self.create_product(nodes[0], sku, on_hand=30, reorder_point=5, reorder_qty=20)
        stop = threading.Event()
        sold = {sku: [] for sku in skus}
        lock = threading.Lock()

        def buyer(t):
            c = Client(nodes[t % NODES].port, self.keys)
            n = 0
            while not stop.is_set():
                n += 1
                sku = skus[(t + n) % len(skus)]
                order_id = f"cut-{t}-{n}"
                try:
                    r = c.request("POST", "/v1/checkout",
                                  {"order_id": order_id, "lines": [{"sku": sku, "qty": 1}]},
                                  key="storefront")
                except OSError:
                    c.close()
                    continue
                if r.status == 200:
                    with lock:
                        sold[sku].append(order_id)
                elif r.status != 409:
                    time.sleep(0.02)
            c.close()

        threads = [threading.Thread(target=buyer, args=(t,)) for t in range(6)]
        for t in threads:
            t.start()
        # Cut every session Restock holds, five times over, while it sells and orders.
        cuts = 0
        for _ in range(5):
            time.sleep(0.6)
            cuts += int(self.sql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name LIKE 'restock%'") or 0)
        stop.set()
        for t in threads:
            t.join(timeout=60)
        self.assertGreater(cuts, 10)
        self.wait_for_one_writer()
        # No oversell: what was sold is in the ledger, and stock never went below zero.
        for sku in skus:
            ledger = self.ledger(sku)
            checkouts = [ref for kind, _, ref in ledger if kind == "1"]
            self.assertEqual(len(checkouts), len(set(checkouts)))
            self.assertTrue(set(sold[sku]) <= set(checkouts), sku)
            on_hand, total = self.on_hand_and_ledger_sum(sku)
            self.assertEqual(on_hand, total, sku)
            self.assertGreaterEqual(on_hand, 0)
        # Exactly one factory call per order, and at most one open order per product, once the
        # loop has settled.
        def settled():
            open_orders = self.sql(
                "SELECT count(*) FROM restock_orders WHERE status IN ('pending', 'sent')")
            return open_orders == "0"
        wait_until(settled, timeout=40, what="every order sent and answered",
                   describe=lambda: self.sql("SELECT id, sku, status FROM restock_orders"))
        time.sleep(1.0)
        calls = {}
        for o in sim.orders():
            order_id = o["callback_url_host_path"].rsplit("/", 1)[-1]
            calls[order_id] = calls.get(order_id, 0) + 1
        self.assertTrue(calls, "orders were placed")
        self.assertEqual({k: v for k, v in calls.items() if v != 1}, {},
                         "an order sent to the factory more than once")
        rows = self.sql("SELECT id FROM restock_orders ORDER BY id").split()
        self.assertEqual(sorted(calls), sorted(rows))


if __name__ == "__main__":
    unittest.main()
