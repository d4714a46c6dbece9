#!/usr/bin/env python3
"""Restock loop latency: from the checkout that crosses a product's reorder point to the factory
receiving the restock order, p50/p90/p99/max over many products, while a checkout load runs
(goal: p99 under 50 ms), then the same without load as a baseline.

    bench/loop_latency.py [--products N] [--interval-ms MS] [--senders K] [--connections C] ...
    RESTOCK_BIN=path/to/restock bench/loop_latency.py          (default: build/restock)

What it does: starts `restock factory-sim --no-callbacks` and `restock serve` (fresh data dir,
ports chosen by the kernel), creates an admin and a storefront key, registers factory f1 at the
simulator, and for each pass creates N products with on_hand = reorder_point + 1. The loaded pass
first starts wrk (bench/loop_load.lua: qty-1 checkouts with unique order ids on a product that
never runs low) and lets it warm up; then, from this script, one checkout of qty 2 per product
(each crosses the reorder point: stock.low -> queue restock-orders -> order-dispatch -> factory)
is sent over keep-alive connections, paced, with t_send = wall clock just before sending. When the
simulator's GET /api/orders holds an order for every product, latency = received_at_ms - t_send.
wrk is stopped (SIGINT) only then, so the load covers every order in flight.

Where the time goes, from the server's own timestamps (GET /v1/events `at`, ms resolution):
  send -> stock.low.at          HTTP in, waiting for the single writer, up to the start of the
                                checkout's batch (`at` is the batch's start time)
  stock.low.at -> ordered.at    the checkout's commit (fsync), the queue signal, order-dispatch
                                receiving the message, up to the start of the PlaceRestockOrder batch
  ordered.at -> sim received    that batch's commit, then the HTTP POST to the factory

Exit status: 0 if every crossing checkout was answered 200 and produced exactly one factory order
and the processes stayed up (whether the goal is met is printed, not an error); 1 if something is
broken; 2 for usage / environment problems. Everything started is stopped (process groups).
"""

import argparse
import calendar
import http.client
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GOAL_P99_MS = 50.0
REORDER_POINT = 5
LOAD_ON_HAND = 1_000_000_000  # the maximum the API accepts


class Broken(Exception):
    pass


# ---- processes -----------------------------------------------------------------------------------


class Proc:
    """A child in its own process group, output to a log file."""

    def __init__(self, name, argv, log_path):
        self.name = name
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log,
                                  stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self):
        return self.p.poll() is None

    def tail(self, lines=15):
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
            return "\n".join("    | " + l for l in text.splitlines()[-lines:])
        except OSError:
            return ""

    def send_signal(self, sig):
        if self.alive():
            try:
                os.killpg(self.p.pid, sig)
            except ProcessLookupError:
                pass

    def stop(self, sig=signal.SIGTERM, grace=5.0):
        self.send_signal(sig)
        try:
            self.p.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.send_signal(signal.SIGKILL)
            self.p.wait()
        self.log.close()

    def wait_listening(self, timeout=10.0):
        """Port from the JSON "listening" line both restock serve and factory-sim print."""
        deadline = time.monotonic() + timeout
        pattern = re.compile(rb'"msg":"listening","address":"[^"]*:(\d+)"')
        while time.monotonic() < deadline:
            with open(self.log_path, "rb") as f:
                m = pattern.search(f.read())
            if m:
                return int(m.group(1))
            if not self.alive():
                break
            time.sleep(0.05)
        raise Broken(f"{self.name} did not start (exit {self.p.poll()}):\n{self.tail()}")


# ---- HTTP ----------------------------------------------------------------------------------------


class Client:
    """One keep-alive connection; reconnects once if the server closed it."""

    def __init__(self, port, key=None, timeout=10.0):
        self.port, self.key, self.timeout = port, key, timeout
        self.conn = None

    def _headers(self, body):
        h = {}
        if self.key:
            h["Authorization"] = "Bearer " + self.key
        if body is not None:
            h["Content-Type"] = "application/json"
        return h

    def send(self, method, path, body=None):
        """Sends; returns the response object to read. Separate from read so callers can time."""
        data = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                # http.client sends headers and a bytes body in one write: no Nagle/delayed-ACK stall.
                self.conn.request(method, path, body=data, headers=self._headers(data))
                return self.conn.getresponse()
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise

    def call(self, method, path, body=None):
        r = self.send(method, path, body)
        raw = r.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        return r.status, parsed

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def expect(status, body, want, what):
    if status not in want:
        raise Broken(f"{what}: HTTP {status} {str(body)[:300]}")


# ---- figures -------------------------------------------------------------------------------------


def pct(sorted_values, p):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def dist(values):
    v = sorted(values)
    return {"n": len(v), "p50": pct(v, 50), "p90": pct(v, 90), "p99": pct(v, 99),
            "max": v[-1] if v else float("nan"), "min": v[0] if v else float("nan")}


def fmt_dist(d, keys=("p50", "p90", "p99", "max")):
    return "  ".join(f"{k} {d[k]:6.1f} ms" for k in keys)


def rfc3339_ms(text):
    """2026-11-24T13:52:40.123Z -> ms since the epoch."""
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z", text)
    if not m:
        raise ValueError(f"not an RFC 3339 UTC time: {text!r}")
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    frac = m.group(7) or "0"
    return calendar.timegm((y, mo, d, h, mi, s)) * 1000 + int((frac + "000")[:3])


def parse_load(text):
    m = re.search(r"^LOAD (.*)$", text, re.M)
    if not m:
        return None
    fields = dict(kv.split("=", 1) for kv in m.group(1).split())
    out = {k: float(v) for k, v in fields.items()}
    note = re.search(r"^LOAD-FIRST-NON-200 (.*)$", text, re.M)
    out["first_other"] = note.group(1) if note else ""
    return out


# ---- the benchmark -------------------------------------------------------------------------------


class Bench:
    def __init__(self, args, restock, tmp):
        self.args, self.restock, self.tmp = args, restock, tmp
        self.procs = []
        self.sim_after = 0  # last simulator order seq consumed

    def start(self):
        a = self.args
        sim_argv = [self.restock, "factory-sim", "--listen", "127.0.0.1:0", "--no-callbacks"]
        self.sim = Proc("factory-sim", sim_argv, os.path.join(self.tmp, "sim.log"))
        self.procs.append(self.sim)
        data = os.path.join(self.tmp, "data")
        os.makedirs(data)
        keys = {}
        for role in ("admin", "storefront"):
            out = subprocess.run([self.restock, "keys", "create", "--data-dir", data, "--role", role,
                                  "--name", "lat-" + role], capture_output=True, text=True)
            lines = out.stdout.strip().splitlines()
            if out.returncode != 0 or not lines:
                raise Broken(f"keys create --role {role} failed: {out.stderr.strip()}")
            keys[role] = lines[-1].strip()
        self.admin_key, self.store_key = keys["admin"], keys["storefront"]
        serve_argv = [self.restock, "serve", "--data-dir", data, "--listen", "127.0.0.1:0",
                      "--no-access-log"]
        if a.io_threads:
            serve_argv += ["--io-threads", str(a.io_threads)]
        self.srv = Proc("restock serve", serve_argv, os.path.join(self.tmp, "serve.log"))
        self.procs.append(self.srv)
        self.sim_port = self.sim.wait_listening()
        self.port = self.srv.wait_listening()
        self.admin = Client(self.port, self.admin_key)
        self.simc = Client(self.sim_port)
        st, body = self.admin.call("POST", "/v1/factories", {
            "id": "f1", "url": f"http://127.0.0.1:{self.sim_port}", "format": "legacy",
            "timeout_ms": 2000})
        expect(st, body, (200, 201), "register factory f1")

    def stop(self):
        for c in ("admin", "simc"):
            if hasattr(self, c):
                getattr(self, c).close()
        for p in reversed(self.procs):
            p.stop()

    def check_alive(self):
        for p in (self.sim, self.srv):
            if not p.alive():
                raise Broken(f"{p.name} died (exit {p.p.poll()}):\n{p.tail()}")

    def create_products(self, prefix, n):
        skus = []
        for i in range(n):
            sku = f"{prefix}-{i:04d}"
            st, body = self.admin.call("POST", "/v1/products", {
                "sku": sku, "name": "latency " + sku, "on_hand": REORDER_POINT + 1,
                "reorder_point": REORDER_POINT, "reorder_qty": 10, "factory_id": "f1"})
            expect(st, body, (201,), "create " + sku)
            skus.append(sku)
        return skus

    def send_crossings(self, label, skus):
        """One qty-2 checkout per SKU (6 -> 4 <= reorder point 5), paced; per sender a keep-alive
        connection. Returns {sku: (t_send_ms, t_answer_ms, status)}."""
        a = self.args
        k = max(1, a.senders)
        results, errors = {}, []
        lock = threading.Lock()
        start = time.monotonic() + 0.05

        def sender(idx):
            client = Client(self.port, self.store_key)
            try:
                for j in range(idx, len(skus), k):
                    due = start + j * a.interval_ms / 1000.0
                    delay = due - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    sku = skus[j]
                    body = {"order_id": f"{label}-{sku}", "lines": [{"sku": sku, "qty": 2}]}
                    t_send = time.time() * 1000.0
                    r = client.send("POST", "/v1/checkout", body)
                    r.read()
                    t_answer = time.time() * 1000.0
                    with lock:
                        results[sku] = (t_send, t_answer, r.status)
            except Exception as e:  # noqa: BLE001 - reported as broken below
                with lock:
                    errors.append(f"sender {idx}: {e!r}")
            finally:
                client.close()

        threads = [threading.Thread(target=sender, args=(i,), daemon=True) for i in range(k)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise Broken("; ".join(errors[:3]))
        return results

    def collect_orders(self, skus, timeout):
        """Factory-sim orders for these SKUs: {sku: received_at_ms}; extra = duplicates seen."""
        want = set(skus)
        got, duplicates = {}, 0
        deadline = time.monotonic() + timeout
        while True:
            st, body = self.simc.call("GET", f"/api/orders?after={self.sim_after}")
            expect(st, body, (200,), "factory-sim GET /api/orders")
            for o in body["orders"]:
                self.sim_after = max(self.sim_after, o["seq"])
                sku = o["product_id"]
                if sku in want:
                    if sku in got:
                        duplicates += 1
                    else:
                        got[sku] = o["received_at_ms"]
            if len(got) == len(want) or time.monotonic() > deadline:
                return got, duplicates
            self.check_alive()
            time.sleep(0.05)

    def event_times(self, skus):
        """{sku: {"stock.low": ms, "restock.ordered": ms, "restock.accepted": ms}} (first of each)."""
        want = set(skus)
        out = {}
        after = 0
        while True:
            st, body = self.admin.call("GET", f"/v1/events?after={after}&limit=500")
            expect(st, body, (200,), "GET /v1/events")
            items = body.get("items", [])
            for e in items:
                if e.get("sku") in want:
                    out.setdefault(e["sku"], {}).setdefault(e["type"], rfc3339_ms(e["at"]))
            if not items or body.get("next_after", after) == after:
                return out
            after = body["next_after"]

    def run_pass(self, label, prefix, with_load):
        a = self.args
        n = a.products
        skus = self.create_products(prefix, n)
        wrk = None
        load = None
        if with_load:
            load_sku = prefix + "-LOAD"
            st, body = self.admin.call("POST", "/v1/products", {
                "sku": load_sku, "name": "load", "on_hand": LOAD_ON_HAND, "reorder_point": 0,
                "reorder_qty": 1, "factory_id": "f1"})
            expect(st, body, (201,), "create " + load_sku)
            wrk_argv = ["wrk", f"-t{a.wrk_threads}", f"-c{a.connections}", "-d120s", "--latency",
                        "-s", os.path.join(HERE, "loop_load.lua"), f"http://127.0.0.1:{self.port}",
                        "--", self.store_key, load_sku, f"{prefix}-load"]
            wrk = Proc("wrk", wrk_argv, os.path.join(self.tmp, f"wrk-{prefix}.txt"))
            self.procs.append(wrk)
            time.sleep(a.warmup_s)
            if not wrk.alive():
                raise Broken(f"wrk exited early:\n{wrk.tail()}")
        try:
            t0 = time.monotonic()
            sent = self.send_crossings(prefix, skus)
            send_s = time.monotonic() - t0
            got, duplicates = self.collect_orders(skus, a.timeout_s)
        finally:
            if wrk is not None:
                wrk.stop(signal.SIGINT, grace=10.0)  # wrk prints its summary (and done()) on SIGINT
                with open(wrk.log_path, encoding="utf-8", errors="replace") as f:
                    load = parse_load(f.read())
        self.check_alive()
        events = self.event_times(skus)

        problems = []
        non200 = [s for s, v in sent.items() if v[2] != 200]
        if non200:
            problems.append(f"{len(non200)} crossing checkouts not answered 200 (first {non200[0]}: "
                            f"{sent[non200[0]][2]})")
        missing = [s for s in skus if s not in got]
        if missing:
            problems.append(f"{len(missing)} of {n} products have no factory order after "
                            f"{a.timeout_s:.0f} s (first: {', '.join(missing[:5])})")
        if duplicates:
            problems.append(f"{duplicates} duplicate factory orders")
        if with_load:
            if load is None:
                problems.append("wrk printed no figures:\n" + wrk.tail())
            elif load["ok"] <= 0:
                problems.append("the checkout load achieved zero throughput")

        lat = [got[s] - sent[s][0] for s in skus if s in got and s in sent]
        answer = [sent[s][1] - sent[s][0] for s in skus if s in sent]
        stages = {"send -> stock.low.at": [], "stock.low.at -> ordered.at": [],
                  "ordered.at -> sim received": []}
        for s in skus:
            ev = events.get(s, {})
            if s in got and "stock.low" in ev and "restock.ordered" in ev:
                stages["send -> stock.low.at"].append(ev["stock.low"] - sent[s][0])
                stages["stock.low.at -> ordered.at"].append(ev["restock.ordered"] - ev["stock.low"])
                stages["ordered.at -> sim received"].append(got[s] - ev["restock.ordered"])
        return {"label": label, "n": n, "lat": dist(lat) if lat else None, "answer": dist(answer),
                "stages": {k: dist(v) for k, v in stages.items() if v}, "load": load,
                "send_s": send_s, "problems": problems,
                "worst": sorted(((got[s] - sent[s][0], s) for s in skus if s in got),
                                reverse=True)[:3]}


def report(res, args):
    print(f"\n[{res['label']}]")
    load = res["load"]
    if load is not None:
        print(f"  load: wrk -t{args.wrk_threads} -c{args.connections} (qty-1 checkouts, one SKU): "
              f"{load['ok_rps']:.0f} checkouts/s over {load['seconds']:.1f} s "
              f"({int(load['ok'])} ok, {int(load['other'])} non-200), wrk latency p50 "
              f"{load['p50_us'] / 1000:.1f} ms p99 {load['p99_us'] / 1000:.1f} ms")
        if load["first_other"]:
            print(f"    first non-200: {load['first_other']}")
    print(f"  crossing checkouts: {res['n']} sent in {res['send_s']:.1f} s; "
          f"answered: {fmt_dist(res['answer'])}")
    if res["lat"]:
        d = res["lat"]
        verdict = "yes" if d["p99"] < GOAL_P99_MS else "no"
        print(f"  checkout -> factory-sim received, N={d['n']}: {fmt_dist(d)}")
        print(f"  goal p99 < {GOAL_P99_MS:.0f} ms: {verdict}")
        print("  worst: " + ", ".join(f"{s} {v:.1f} ms" for v, s in res["worst"]))
    for name, d in res["stages"].items():
        print(f"    stage {name:28s} {fmt_dist(d)}")
    for p in res["problems"]:
        print(f"  BROKEN: {p}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--products", type=int, default=300, help="products per pass (300)")
    ap.add_argument("--interval-ms", type=float, default=15.0,
                    help="pace of the crossing checkouts (15 ms)")
    ap.add_argument("--senders", type=int, default=1,
                    help="concurrent senders sharing that pace (1)")
    ap.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    ap.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (1)")
    ap.add_argument("--warmup-s", type=float, default=2.0, help="load before measuring (2 s)")
    ap.add_argument("--timeout-s", type=float, default=20.0,
                    help="how long to wait for the last factory order (20 s)")
    ap.add_argument("--io-threads", type=int, default=0, help="restock serve --io-threads")
    ap.add_argument("--no-baseline", action="store_true", help="skip the pass without load")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, data)")
    args = ap.parse_args()

    restock = os.environ.get("RESTOCK_BIN", os.path.join(ROOT, "build", "restock"))
    if not os.path.isabs(restock):
        restock = os.path.join(ROOT, restock)
    if not os.access(restock, os.X_OK):
        print(f"loop_latency: no restock binary at {restock} (build first)", file=sys.stderr)
        return 2
    if shutil.which("wrk") is None:
        print("loop_latency: wrk is not installed", file=sys.stderr)
        return 2
    if args.products < 1:
        print("loop_latency: --products must be >= 1", file=sys.stderr)
        return 2

    tmp = tempfile.mkdtemp(prefix="restock-loop-latency.")
    bench = Bench(args, restock, tmp)
    results = []
    rc = 0

    def on_signal(sig, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    print(f"loop_latency: {restock}, {os.cpu_count()} CPUs, {args.products} products per pass, "
          f"a crossing checkout (qty 2, on_hand {REORDER_POINT + 1} -> {REORDER_POINT - 1}, "
          f"reorder point {REORDER_POINT}) every {args.interval_ms:g} ms from {args.senders} "
          f"keep-alive sender(s); factory-sim without callbacks; data in {tmp}; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (other work on the machine skews figures)")
    try:
        bench.start()
        results.append(bench.run_pass("under checkout load", "LA", True))
        report(results[-1], args)
        if not args.no_baseline:
            results.append(bench.run_pass("baseline, no load", "LB", False))
            report(results[-1], args)
    except Broken as e:
        print(f"  BROKEN: {e}")
        rc = 1
    except KeyboardInterrupt:
        print("loop_latency: interrupted")
        rc = 130
    finally:
        bench.stop()
        if args.keep:
            print(f"loop_latency: kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    if any(r["problems"] for r in results):
        rc = rc or 1
    if results:
        print("\nsummary (checkout that crosses the reorder point -> factory-sim received the order):")
        for r in results:
            if r["lat"]:
                d = r["lat"]
                extra = f", load {r['load']['ok_rps']:.0f} checkouts/s" if r["load"] else ""
                print(f"  {r['label']:22s} N={d['n']}  {fmt_dist(d)}  goal p99 < "
                      f"{GOAL_P99_MS:.0f} ms: {'yes' if d['p99'] < GOAL_P99_MS else 'no'}{extra}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
