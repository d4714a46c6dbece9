#!/usr/bin/env python3
"""Cluster benchmark: POST /v1/checkout under wrk, spread over 1, 2 and 3 `restock serve` nodes
on one PostgreSQL 15 (fsync and synchronous_commit on), and in the same run one node on its
embedded SQLite store; then the failover time after kill -9 of the writer under load.

    bench/cluster_bench.py [path/to/restock]        (default build-release/restock)

Every checkout is durable before its 200. The load is the same in every configuration: CONNECTIONS
keep-alive connections in all (default 96), split evenly over the nodes, one wrk process per
node, unique order ids, a random one of PRODUCTS SKUs, qty 1. Prints checkouts/s, p50/p99 (the
worst node's), the ratios to one PostgreSQL node and to SQLite, and checks durability: every
acknowledged checkout is in the ledger, and the ledger never holds more than was sent.

Environment: DURATION (s per configuration, 10), CONNECTIONS (96), PRODUCTS (8), ROUNDS (1),
NODES ("1 2 3"). Python 3 standard library, wrk and Debian's postgresql-15.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "blackbox"))
RESTOCK = os.path.abspath(sys.argv[1] if len(sys.argv) > 1
                          else os.path.join(ROOT, "build-release", "restock"))
os.environ["RESTOCK_BIN"] = RESTOCK

import harness  # noqa: E402  (tests/blackbox: the real binary's process handling)
import pg_cluster  # noqa: E402

DURATION = int(os.environ.get("DURATION", "10"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "96"))
PRODUCTS = int(os.environ.get("PRODUCTS", "8"))
ROUNDS = int(os.environ.get("ROUNDS", "1"))
NODE_COUNTS = [int(n) for n in os.environ.get("NODES", "1 2 3").split()]
LEASE_TTL_MS = 2000
BIG_ON_HAND = 1_000_000_000


def wrk(url, key, skus, connections, label, out):
    return subprocess.Popen(
        ["wrk", "-t1", f"-c{connections}", f"-d{DURATION}s", "--latency",
         "-s", os.path.join(HERE, "checkout.lua"), url, "--", key, ",".join(skus), label],
        stdout=out, stderr=subprocess.STDOUT)


def bench_line(text):
    match = re.search(r"^BENCH (.*)$", text, re.M)
    if not match:
        raise SystemExit(f"cluster_bench: wrk printed no figures:\n{text}")
    return {k: float(v) for k, v in (kv.split("=") for kv in match.group(1).split())}


class Setup:
    """Nodes on one store, with keys and products."""

    def __init__(self, tmp, store_url=None, nodes=1):
        self.tmp = tmp
        self.store_url = store_url
        self.data_dir = os.path.join(tmp, f"data-{nodes}-{time.monotonic_ns()}")
        self.store = store_url or self.data_dir
        self.key = harness.create_key(self.store, "admin", "bench")
        self.servers = []
        for _ in range(nodes):
            args = ["--lease-ttl-ms", str(LEASE_TTL_MS)]
            server = harness.Server(self.data_dir, store_url=store_url, extra_args=args)
            server.start()
            self.servers.append(server)
        self.wait_for_writer()
        self.skus = [f"BENCH-{i}" for i in range(PRODUCTS)]
        client = harness.Client(self.servers[0].port, {"admin": self.key})
        for sku in self.skus:
            r = client.request("POST", "/v1/products", {
                "sku": sku, "name": sku, "on_hand": BIG_ON_HAND, "reorder_point": 0,
                "reorder_qty": 1, "factory_id": "none"})
            if r.status != 201:
                raise SystemExit(f"cluster_bench: cannot create {sku}: {r}")
        client.close()

    def url(self, i):
        return f"http://127.0.0.1:{self.servers[i].port}"

    def roles(self):
        roles = []
        for s in self.servers:
            try:
                r = harness.http_call(self.url(self.servers.index(s)), "GET", "/readyz", timeout=3)
                roles.append(r.json.get("role") if r.status == 200 else None)
            except OSError:
                roles.append(None)
        return roles

    def wait_for_writer(self):
        harness.wait_until(lambda: "writer" in self.roles(), timeout=20, what="a writer")

    def taken(self):
        """Units taken from on_hand, and checkout rows in the ledger, over every product."""
        client = harness.Client(self.servers[-1].port, {"admin": self.key})
        units = 0
        for sku in self.skus:
            r = client.request("GET", "/v1/products/" + sku)
            units += BIG_ON_HAND - r.json["on_hand"]
        client.close()
        return units

    def close(self):
        for s in self.servers:
            s.close()


def run_load(setup, label):
    """wrk against every node at once; returns the summed figures."""
    nodes = len(setup.servers)
    per_node = [CONNECTIONS // nodes + (1 if i < CONNECTIONS % nodes else 0)
                for i in range(nodes)]
    outs, procs = [], []
    for i in range(nodes):
        out = tempfile.TemporaryFile(mode="w+")
        outs.append(out)
        procs.append(wrk(setup.url(i), setup.key, setup.skus, per_node[i], f"{label}-n{i}", out))
    for p in procs:
        p.wait(timeout=DURATION + 60)
    figures = []
    for out in outs:
        out.seek(0)
        figures.append(bench_line(out.read()))
        out.close()
    total = {k: sum(f[k] for f in figures) for k in ("ok", "other", "sent", "responses")}
    seconds = max(f["seconds"] for f in figures)
    total["ok_rps"] = total["ok"] / seconds
    total["p50_us"] = max(f["p50_us"] for f in figures)
    total["p99_us"] = max(f["p99_us"] for f in figures)
    total["per_node_rps"] = [round(f["ok_rps"]) for f in figures]
    return total


def check_durable(setup, figures, label):
    taken = setup.taken()
    ok, sent = int(figures["ok"]), int(figures["sent"])
    verdict = "OK" if ok <= taken <= sent else "BROKEN"
    print(f"  durability {label}: acknowledged {ok} <= taken {taken} <= sent {sent}: {verdict}",
          flush=True)
    return verdict == "OK"


def measure_failover(cluster, tmp):
    """kill -9 of the writer under load over 3 nodes; seconds until a survivor sells again."""
    db = cluster.create_database()
    setup = Setup(tmp, cluster.url(db), nodes=3)
    try:
        stop = threading.Event()
        load = threading.Thread(target=lambda: run_load(setup, "failover"), daemon=True)
        load.start()
        time.sleep(2)
        writer = setup.roles().index("writer")
        survivors = [i for i in range(3) if i != writer]
        setup.servers[writer].kill()
        killed = time.monotonic()
        n = 0
        clients = [harness.Client(setup.servers[i].port, {"admin": setup.key}, timeout=10)
                   for i in survivors]
        while time.monotonic() - killed < 30:
            n += 1
            c = clients[n % 2]
            try:
                r = c.request("POST", "/v1/checkout", {
                    "order_id": f"probe-{n}", "lines": [{"sku": setup.skus[0], "qty": 1}]})
            except OSError:
                continue
            if r.status == 200:
                took = time.monotonic() - killed
                break
            time.sleep(0.01)
        else:
            took = float("nan")
        stop.set()
        load.join(timeout=DURATION + 60)
        for c in clients:
            c.close()
        return took
    finally:
        setup.close()


def main():
    for tool in ("wrk",):
        if shutil.which(tool) is None:
            raise SystemExit(f"cluster_bench: {tool} is not installed")
    if not os.path.exists(RESTOCK):
        raise SystemExit(f"cluster_bench: no restock binary at {RESTOCK} (build it first)")
    tmp = tempfile.mkdtemp(prefix="restock-cluster-bench-")
    cluster = pg_cluster.PgCluster(settings={"log_checkpoints": "on"}).start()
    print(f"== cluster bench: {RESTOCK}, {DURATION} s per run, {CONNECTIONS} connections, "
          f"{PRODUCTS} products, load average before {open('/proc/loadavg').read().split()[:3]}",
          flush=True)
    results = {}
    ok = True
    try:
        for round_ in range(ROUNDS):
            for name in ["sqlite"] + [f"pg{n}" for n in NODE_COUNTS]:
                if name == "sqlite":
                    setup = Setup(tmp)
                else:
                    setup = Setup(tmp, cluster.url(cluster.create_database()), nodes=int(name[2:]))
                try:
                    figures = run_load(setup, f"{name}-r{round_}")
                    ok = check_durable(setup, figures, name) and ok
                finally:
                    setup.close()
                results.setdefault(name, []).append(figures)
                print(f"  {name:7} round {round_ + 1}: {figures['ok_rps']:9.0f} checkouts/s  "
                      f"p50 {figures['p50_us'] / 1000:6.2f} ms  p99 {figures['p99_us'] / 1000:6.2f} ms"
                      f"  per node {figures['per_node_rps']}  non-2xx {int(figures['other'])}",
                      flush=True)
        failover = measure_failover(cluster, tmp)
        with open(cluster.log_file, encoding="utf-8", errors="replace") as log:
            checkpoints = sum(1 for line in log if "checkpoint starting" in line)
    finally:
        cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    def median(values):
        values = sorted(values)
        return values[len(values) // 2]

    best = {name: median([f["ok_rps"] for f in runs]) for name, runs in results.items()}
    p99 = {name: max(f["p99_us"] for f in runs) / 1000 for name, runs in results.items()}
    p50 = {name: median([f["p50_us"] for f in runs]) / 1000 for name, runs in results.items()}
    print("\n== summary (median over rounds; p99 the worst node of the worst round)")
    print(f"  {'store':22} {'checkouts/s':>12} {'p50':>9} {'p99':>9} {'vs 1 PG node':>13} "
          f"{'vs SQLite':>10}")
    for name in results:
        label = "SQLite, 1 node" if name == "sqlite" else f"PostgreSQL, {name[2:]} node(s)"
        vs_one = best[name] / best["pg1"] if "pg1" in best and name != "sqlite" else None
        print(f"  {label:22} {best[name]:12.0f} {p50[name]:7.2f}ms {p99[name]:7.2f}ms "
              f"{(f'{vs_one:.2f}' if vs_one else '-'):>13} {best[name] / best['sqlite']:10.2f}")
    print(f"  PostgreSQL checkpoints during the run: {checkpoints} (each flushes the data "
          "files to the same disk as the WAL: the p99 outliers of later rounds)")
    print(f"  failover after kill -9 of the writer (3 nodes under load, lease TTL "
          f"{LEASE_TTL_MS} ms): {failover:.2f} s")
    if "pg3" in best:
        goal = best["pg3"] >= 10_000 and p99["pg3"] < 50
        print(f"  goal (3 nodes >= 10,000 checkouts/s, p99 < 50 ms): "
              f"{'met' if goal else 'NOT met'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
