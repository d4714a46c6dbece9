#!/usr/bin/env python3
"""`restock simulate` end to end: the real binary on small hand-made traces whose figures are
worked out by hand below, bad files, and determinism for a seed.

    RESTOCK_BINARY=build/restock python3 tests/simulate/test_simulate.py
"""
import json
import os
import random
import signal
import subprocess
import tempfile
import time
import unittest

BINARY = os.environ.get("RESTOCK_BINARY", "build/restock")


class Simulate(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="restock-simulate-test-")
        self.tmp = os.path.join(self.dir.name, "tmp")  # the binary's TMPDIR: must end empty
        os.mkdir(self.tmp)

    def tearDown(self):
        self.assertEqual(os.listdir(self.tmp), [], "simulate left its store behind")
        self.dir.cleanup()

    def write(self, name, text):
        path = os.path.join(self.dir.name, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def run_sim(self, demand, products, *args):
        env = dict(os.environ, TMPDIR=self.tmp)
        return subprocess.run([BINARY, "simulate", "--demand", demand, "--products", products]
                              + list(args), capture_output=True, text=True, env=env, timeout=120)

    def simulate(self, demand, products, *args):
        done = self.run_sim(demand, products, "--json", *args)
        self.assertEqual(done.returncode, 0, done.stderr)
        return json.loads(done.stdout)

    def by_sku(self, result):
        return {s["sku"]: s for s in result["skus"]}

    def test_fixed_policy_by_hand(self):
        # L = 2, S = 0: every order arrives at the start of the day two days after it was placed.
        # A: reorder_point 2, reorder_qty 5, initial 2 + 5 = 7.
        #   day 0: sell 3 -> 4.  day 1: sell 2 -> 2, position 2 <= 2: order 5 (due day 3).
        #   day 2: 3 refused (lost), sell 2 -> 0.  day 3: 5 arrive -> 5, sell 1 -> 4.  day 4: 4.
        #   on_hand at the ends of days: 4 2 0 4 4 -> avg 2.8, one stockout day.
        # C: reorder_point 0, reorder_qty 2, min_order_qty 5, initial 1.
        #   day 0: sell 1 -> 0: order max(2, 5) = 5 (due day 2).  day 1: 5 refused.
        #   day 2: 5 arrive; 6 refused.  days 3, 4: 5.  Ends: 0 0 5 5 5 -> avg 3, 2 stockouts.
        products = self.write("p.csv",
                              "sku,mode,reorder_point,reorder_qty,fill_rate,min_order_qty,"
                              "initial_on_hand\nA,fixed,2,5,,,\nC,fixed,0,2,,5,1\n")
        demand = self.write("d.csv", "day,sku,qty\n0,A,3\n0,C,1\n1,A,2\n1,C,5\n2,A,3\n2,A,2\n"
                                     "2,C,6\n3,A,1\n")
        result = self.simulate(demand, products, "--lead-time-days", "2", "--days", "5")
        skus = self.by_sku(result)
        self.assertEqual(skus["A"], {"sku": "A", "demand": 11, "sold": 8, "lost": 3,
                                     "fill_rate": 8 / 11, "avg_on_hand": 2.8, "orders": 1,
                                     "stockout_days": 1})
        self.assertEqual(skus["C"], {"sku": "C", "demand": 12, "sold": 1, "lost": 11,
                                     "fill_rate": 1 / 12, "avg_on_hand": 3, "orders": 1,
                                     "stockout_days": 2})
        self.assertEqual(result["total"], {"demand": 23, "sold": 9, "lost": 14,
                                           "fill_rate": 9 / 23, "avg_on_hand": 5.8, "orders": 2,
                                           "stockout_days": 3})

    def test_order_up_to_pack_size_and_warmup(self):
        # L = 3. B: reorder_point 3, order_up_to 10, pack_size 4, initial 5.
        #   day 0: sell 2 -> 3, position 3: order 10 - 3 = 7, in packs of 4: 8 (due day 3).
        #   day 1: sell 3 -> 0.  day 2: 1 refused.  day 3: 8 arrive -> 8; sell 6 -> 2,
        #   position 2: order 10 - 2 = 8 (due day 6, after the end).  day 4: sell 1 -> 1.  day 5: 1.
        #   Counted from day 2: ends 0 2 1 1 -> avg 1; demand 1 + 6 + 1 = 8, sold 7; one order.
        products = self.write("p.csv", "sku,mode,reorder_point,reorder_qty,fill_rate,order_up_to,"
                                       "pack_size,initial_on_hand\nB,fixed,3,4,,10,4,5\n")
        demand = self.write("d.csv", "day,sku,qty\n0,B,2\n1,B,3\n2,B,1\n3,B,6\n4,B,1\n")
        result = self.simulate(demand, products, "--lead-time-days=3", "--days=6",
                               "--warmup-days=2")
        self.assertEqual(self.by_sku(result)["B"], {
            "sku": "B", "demand": 8, "sold": 7, "lost": 1, "fill_rate": 7 / 8, "avg_on_hand": 1,
            "orders": 1, "stockout_days": 1})

    def test_no_demand_fill_rate_one_and_default_days(self):
        # --days defaults to the last demand day + 1 (here 3): D is never asked for.
        products = self.write("p.csv", "sku,mode,reorder_point,reorder_qty,fill_rate\n"
                                       "A,fixed,0,4,\nD,fixed,1,2,\n")
        demand = self.write("d.csv", "day,sku,qty\n2,A,1\n")
        skus = self.by_sku(self.simulate(demand, products))
        self.assertEqual(skus["D"]["fill_rate"], 1)
        self.assertEqual(skus["D"]["avg_on_hand"], 3)
        self.assertEqual(skus["A"]["avg_on_hand"], (4 + 4 + 3) / 3)

    def test_table_without_json(self):
        products = self.write("p.csv", "sku,mode,reorder_point,reorder_qty,fill_rate\nA,fixed,1,2,\n")
        demand = self.write("d.csv", "day,sku,qty\n0,A,1\n")
        done = self.run_sim(demand, products)
        self.assertEqual(done.returncode, 0, done.stderr)
        lines = done.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["sku", "demand", "sold", "lost", "fill_rate",
                                            "avg_on_hand", "orders", "stockouts"])
        self.assertEqual(lines[1].split()[:4], ["A", "1", "1", "0"])
        self.assertEqual(lines[2].split()[0], "total")

    def test_bad_files_name_the_line_and_print_nothing(self):
        good_products = self.write("p.csv", "sku,mode,reorder_point,reorder_qty,fill_rate\n"
                                            "A,fixed,1,2,\nB,fixed,1,2,\n")
        good_demand = self.write("d.csv", "day,sku,qty\n0,A,1\n")
        cases = [
            (self.write("d1.csv", "day,sku,qty\n0,A,1\n1,A,two\n"), good_products, "d1.csv:3:"),
            (self.write("d2.csv", "day,sku,qty\n0,A,1\n0,Z,1\n"), good_products, "d2.csv:3:"),
            (self.write("d3.csv", "sku,qty\n"), good_products, "d3.csv:1:"),
            (good_demand, self.write("p1.csv", "sku,mode,reorder_point,reorder_qty,fill_rate\n"
                                               "A,fixed,1,2,\nB,often,1,2,\n"), "p1.csv:3:"),
            (good_demand, self.write("p2.csv", "sku,mode,reorder_point,reorder_qty,fill_rate\n"
                                               "A,fixed,1,2\n"), "p2.csv:2:"),
            (good_demand, os.path.join(self.dir.name, "missing.csv"), "missing.csv"),
            (self.dir.name, good_products, "it is a directory"),
        ]
        for demand, products, expected in cases:
            done = self.run_sim(demand, products, "--json")
            self.assertNotEqual(done.returncode, 0, expected)
            self.assertEqual(done.stdout, "", expected)
            self.assertIn(expected, done.stderr)
        # Options too: a lead time no whole-day distribution has, an unknown option.
        for args in (["--lead-time-days", "7.5"], ["--colour", "red"], ["--days", "0"]):
            done = self.run_sim(good_demand, good_products, *args)
            self.assertNotEqual(done.returncode, 0, args)
            self.assertEqual(done.stdout, "", args)

    def test_rows_past_days_are_named_on_stderr(self):
        products = self.write("p.csv", "sku,mode,reorder_point,reorder_qty,fill_rate\nA,fixed,1,2,\n")
        demand = self.write("d.csv", "day,sku,qty\n0,A,1\n5,A,1\n9,A,1\n")
        done = self.run_sim(demand, products, "--json", "--days", "3")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(json.loads(done.stdout)["total"]["demand"], 1)
        self.assertIn("2 demand row(s) on day 3 or later (up to day 9)", done.stderr)

    def test_a_signal_stops_the_run_and_removes_its_store(self):
        skus = ["S%03d" % i for i in range(300)]
        products = self.write("p.csv", "sku,mode,reorder_point,reorder_qty,fill_rate\n" + "".join(
            "%s,auto,5,10,0.95\n" % s for s in skus))
        demand = self.write("d.csv", "day,sku,qty\n" + "".join(
            "%d,%s,1\n" % (d, s) for d in range(0, 20000, 2) for s in skus[:30]))
        env = dict(os.environ, TMPDIR=self.tmp)
        proc = subprocess.Popen([BINARY, "simulate", "--demand", demand, "--products", products,
                                 "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env)
        try:
            deadline = time.monotonic() + 60
            while not os.listdir(self.tmp):  # its store exists: the run has begun
                self.assertIsNone(proc.poll(), "the run ended before it could be stopped")
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.01)
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertEqual(proc.returncode, 128 + signal.SIGTERM, err)
        self.assertEqual(out, "")
        self.assertIn("interrupted on day", err)
        # tearDown checks that TMPDIR is empty again

    def test_deterministic_for_a_seed(self):
        rng = random.Random(3)
        skus = ["S%02d" % i for i in range(20)]
        products = self.write("p.csv", "sku,mode,reorder_point,reorder_qty,fill_rate\n" + "".join(
            "%s,fixed,%d,%d,\n" % (s, rng.randint(2, 8), rng.randint(4, 12)) for s in skus))
        rows = ["%d,%s,%d\n" % (d, s, rng.randint(1, 3)) for d in range(200) for s in skus
                if rng.random() < 0.4]
        demand = self.write("d.csv", "day,sku,qty\n" + "".join(rows))
        args = ["--lead-time-days", "5", "--lead-time-sd", "2", "--warmup-days", "20"]
        first = self.run_sim(demand, products, "--json", "--seed", "5", *args)
        again = self.run_sim(demand, products, "--json", "--seed", "5", *args)
        other = self.run_sim(demand, products, "--json", "--seed", "6", *args)
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertEqual(first.stdout, again.stdout)
        self.assertNotEqual(first.stdout, other.stdout)
        total = json.loads(first.stdout)["total"]
        self.assertEqual(total["sold"] + total["lost"], total["demand"])
        self.assertGreater(total["orders"], 0)


if __name__ == "__main__":
    unittest.main()
