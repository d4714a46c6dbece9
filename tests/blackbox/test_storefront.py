"""docs/examples/storefront.py, the storefront guide's client (docs/storefront.md), against a real
server, and its retry rule against a scripted one: a timeout and a 503 are retried with the same
Idempotency-Key, a 409 insufficient-stock is not retried at all."""

import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
import unittest

import harness
from harness import FakeService, ServerTestCase, wait_until

SCRIPT = os.path.normpath(os.path.join(harness.HERE, "..", "..", "docs", "examples",
                                       "storefront.py"))
_spec = importlib.util.spec_from_file_location("storefront", SCRIPT)
storefront = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(storefront)


class GuideTests(ServerTestCase):

    def setUp(self):
        super().setUp()
        # Restock orders would go here; these products never need one (reorder point 0).
        r = self.request("POST", "/v1/factories", {"id": "f1", "url": "http://127.0.0.1:9"})
        self.assertIn(r.status, (200, 201), r)

    def run_guide(self, sku):
        env = {**os.environ, "RESTOCK_URL": f"http://127.0.0.1:{self.port}",
               "RESTOCK_KEY": self.keys["storefront"]}
        proc = subprocess.run([sys.executable, SCRIPT, sku], env=env, capture_output=True,
                              text=True, timeout=60)
        steps = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
        return proc, {step.pop("step"): step for step in steps}

    def test_the_guide_holds_checks_out_and_returns(self):
        self.create_product("GUIDE-MUG", on_hand=5, factory_id="f1")
        proc, steps = self.run_guide("GUIDE-MUG")
        self.assertEqual(proc.returncode, 0, proc)
        self.assertEqual(steps["product"]["available"], 5)
        order_id = steps["checked-out"]["order_id"]
        self.assertEqual([(l["sku"], l["qty"]) for l in steps["checked-out"]["lines"]],
                         [("GUIDE-MUG", 1)])
        self.assertEqual((steps["returned"]["released"], steps["returned"]["available"]), (1, 5))
        self.assertTrue("events" in steps or "events-not-allowed" in steps, steps)
        # Taken once (the second checkout was a replay), given back once.
        ledger = [(m["kind"], m["delta"], m["reference"]) for m in self.all_movements("GUIDE-MUG")]
        self.assertEqual(ledger, [("release", 1, order_id), ("checkout", -1, order_id),
                                  ("initial", 5, "initial stock")])
        hold = self.request("GET", "/v1/reservations/cart-" + order_id, key="storefront")
        self.assertEqual((hold.json["status"], hold.json["order_id"]), ("consumed", order_id))

    def test_out_of_stock_is_an_answer_not_a_retry(self):
        self.create_product("GUIDE-GONE", on_hand=0, factory_id="f1")
        proc, steps = self.run_guide("GUIDE-GONE")
        self.assertEqual(proc.returncode, 3, proc)
        self.assertEqual(steps["out-of-stock"]["short"],
                         [{"sku": "GUIDE-GONE", "requested": 1, "available": 0}])
        self.assertEqual([m["kind"] for m in self.all_movements("GUIDE-GONE")], [])

    def test_a_retried_checkout_takes_stock_once(self):
        self.create_product("GUIDE-CUP", on_hand=3, factory_id="f1")
        api = storefront.Restock(f"http://127.0.0.1:{self.port}", self.keys["storefront"])
        first = api.checkout("o-77", [{"sku": "GUIDE-CUP", "qty": 2}])
        body, headers = api.call("POST", "/v1/checkout",
                                 {"order_id": "o-77", "lines": [{"sku": "GUIDE-CUP", "qty": 2}]},
                                 "checkout-o-77")
        self.assertEqual(headers.get("Idempotent-Replayed"), "true")
        self.assertEqual(body, first)
        self.assertEqual(self.on_hand("GUIDE-CUP"), 1)
        with self.assertRaises(storefront.OutOfStock) as refused:
            api.checkout("o-78", [{"sku": "GUIDE-CUP", "qty": 2}])
        self.assertEqual(refused.exception.short,
                         [{"sku": "GUIDE-CUP", "requested": 2, "available": 1}])


class RetryRuleTests(unittest.TestCase):
    """The client against a scripted server: what it sends again, and what it does not."""

    def scripted(self, answers):
        """A fake Restock answering ``answers`` in turn: (status, body) or ("sleep", seconds)."""
        lock = threading.Lock()
        script = list(answers)

        def respond(request):
            with lock:
                answer = script.pop(0) if script else (500, {})
            if answer[0] == "sleep":
                time.sleep(answer[1])
                return 200, b'{"late":true}'
            return answer[0], json.dumps(answer[1]).encode()

        service = FakeService(responder=respond)
        self.addCleanup(service.close)
        return service

    def test_a_timeout_and_a_503_are_retried_with_the_same_key(self):
        accepted = {"order_id": "1001", "status": "accepted", "lines": [], "at": "x"}
        service = self.scripted([("sleep", 1.0), (503, {"type": storefront.PROBLEMS + "unavailable"}),
                                 (200, accepted)])
        api = storefront.Restock(service.url, "rk_test", timeout_s=0.3, backoff_s=0.01)
        self.assertEqual(api.checkout("1001", [{"sku": "MUG", "qty": 2}]), accepted)
        wait_until(lambda: len(service.recorded("/v1/checkout")) == 3, timeout=5,
                   what="three attempts recorded")
        sent = [r for r, _ in service.recorded("/v1/checkout")]
        self.assertEqual({r.headers["Idempotency-Key"] for r in sent}, {"checkout-1001"})
        self.assertEqual({r.body for r in sent}, {sent[0].body})

    def test_insufficient_stock_is_not_retried(self):
        problem = {"type": storefront.PROBLEMS + "insufficient-stock", "status": 409,
                   "lines": [{"sku": "MUG", "requested": 9, "available": 2}]}
        service = self.scripted([(409, problem), (200, {})])
        api = storefront.Restock(service.url, "rk_test", backoff_s=0.01)
        with self.assertRaises(storefront.OutOfStock) as refused:
            api.checkout("1002", [{"sku": "MUG", "qty": 9}])
        self.assertEqual(refused.exception.short, problem["lines"])
        self.assertEqual(len(service.recorded()), 1)

    def test_a_write_without_a_key_is_not_sent_twice(self):
        service = self.scripted([(503, {"type": storefront.PROBLEMS + "unavailable"}), (200, {})])
        api = storefront.Restock(service.url, "rk_test", backoff_s=0.01)
        with self.assertRaises(storefront.ApiError) as failed:
            api.call("POST", "/v1/checkout", {"order_id": "x", "lines": []})
        self.assertEqual(failed.exception.status, 503)
        self.assertEqual(len(service.recorded()), 1)

    def test_it_gives_up_after_its_attempts(self):
        service = self.scripted([(503, {"type": storefront.PROBLEMS + "unavailable"})] * 3)
        api = storefront.Restock(service.url, "rk_test", attempts=3, backoff_s=0.01)
        with self.assertRaises(storefront.ApiError) as failed:
            api.checkout("1003", [{"sku": "MUG", "qty": 1}])
        self.assertEqual((failed.exception.status, failed.exception.slug), (503, "unavailable"))
        self.assertEqual(len(service.recorded()), 3)


if __name__ == "__main__":
    unittest.main()
