"""Releases and returns over HTTP (issue 16, item 9): POST /v1/orders/{order_id}/release puts
back what the order's checkouts took, as movements of kind "release", never more than it took,
idempotent by order and line (a line names the total that should be back); 404 for an unknown
order. Runs on both stores."""

import threading
import unittest
import urllib.parse

from harness import ServerTestCase


def release_path(order_id):
    return "/v1/orders/" + urllib.parse.quote(order_id, safe="") + "/release"


class ReleaseTests(ServerTestCase):

    def release(self, order_id, lines=None, key="storefront", headers=None):
        body = None if lines is None else {"lines": [{"sku": s, "qty": q} for s, q in lines]}
        return self.request("POST", release_path(order_id), body, key=key, headers=headers)

    def take(self, order_id, lines):
        r = self.checkout(order_id, lines)
        self.assertEqual(r.status, 200, r)
        return r.json

    def test_a_cancelled_order_goes_back_whole_and_only_once(self):
        self.create_product("RL-1", on_hand=10)
        self.create_product("RL-2", on_hand=5)
        self.take("order/7 #1", [("RL-2", 2), ("RL-1", 3)])
        # No body at all (and so no Content-Type): the whole order.
        r = self.release("order/7 #1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["order_id"], "order/7 #1")
        lines = [(l["sku"], l["taken"], l["released"], l["released_now"], l["available"])
                 for l in r.json["lines"]]
        self.assertEqual(lines, [("RL-2", 2, 2, 2, 5), ("RL-1", 3, 3, 3, 10)])
        self.assertTrue(all(isinstance(l["movement_id"], int) for l in r.json["lines"]))
        self.assertIn("at", r.json)
        self.assertEqual((self.on_hand("RL-1"), self.on_hand("RL-2")), (10, 5))
        ledger = [(m["kind"], m["delta"], m["reference"]) for m in self.all_movements("RL-1")]
        self.assertEqual(ledger[:2], [("release", 3, "order/7 #1"), ("checkout", -3, "order/7 #1")])

        again = self.release("order/7 #1")
        self.assertEqual(again.status, 200, again)
        self.assertEqual([(l["released"], l["released_now"], l["movement_id"])
                          for l in again.json["lines"]], [(2, 0, None), (3, 0, None)])
        self.assertEqual(self.on_hand("RL-1"), 10)
        self.assertEqual(len([m for m in self.all_movements("RL-1") if m["kind"] == "release"]), 1)

    def test_returns_name_the_total_of_a_line_that_should_be_back(self):
        self.create_product("RL-3", on_hand=10)
        self.take("o-ret", [("RL-3", 5)])
        self.assertEqual(self.release("o-ret", [("RL-3", 2)]).json["lines"][0]["released_now"], 2)
        # The same return sent again (a retry, a double click) changes nothing.
        self.assertEqual(self.release("o-ret", [("RL-3", 2)]).json["lines"][0]["released_now"], 0)
        r = self.release("o-ret", [("RL-3", 4)])  # a second return: 4 in all
        self.assertEqual((r.json["lines"][0]["released_now"], r.json["lines"][0]["released"]),
                         (2, 4))
        self.assertEqual(self.on_hand("RL-3"), 9)
        body = self.assertProblem(self.release("o-ret", [("RL-3", 6)]), 409,
                                  "release-exceeds-order")
        self.assertIn("took 5", body["detail"])
        self.assertEqual(self.on_hand("RL-3"), 9)
        # An explicit empty object is the whole order too.
        r = self.request("POST", release_path("o-ret"), {}, key="storefront")
        self.assertEqual((r.status, r.json["lines"][0]["released_now"]), (200, 1), r)
        self.assertEqual(self.on_hand("RL-3"), 10)

    def test_refusals_are_problems_and_change_nothing(self):
        self.create_product("RL-4", on_hand=10)
        self.create_product("RL-5", on_hand=10)
        self.take("o-ref", [("RL-4", 3)])
        self.assertProblem(self.release("o-unknown"), 404, "checkout-not-found")
        body = self.assertProblem(self.release("o-ref", [("RL-4", 1), ("RL-5", 1)]), 422,
                                  "sku-not-in-order")
        self.assertIn("'RL-5'", body["detail"])
        self.assertProblem(self.checkout("o-short", [("RL-5", 99)]), 409, "insufficient-stock")
        self.assertProblem(self.release("o-short"), 404, "checkout-not-found")
        for bad in ({"lines": []}, {"lines": [{"sku": "RL-4", "qty": 0}]},
                    {"lines": [{"sku": "RL-4", "qty": 1}, {"sku": "RL-4", "qty": 1}]},
                    {"lines": [{"sku": "RL-4"}]}, {"order_id": "o-ref"}, [1], "not json"):
            self.assertProblem(self.request("POST", release_path("o-ref"), bad,
                                            key="storefront"), 400)
        r = self.request("POST", release_path("o-ref"), '{"lines": []}', key="storefront",
                         content_type="text/plain")
        self.assertProblem(r, 415, "unsupported-media-type")
        self.assertProblem(self.release("o-ref", key="factory"), 403, "forbidden")
        self.assertProblem(self.release("o-ref", key=None), 401)
        self.assertProblem(self.request("GET", release_path("o-ref"), key="storefront"), 405)
        self.assertEqual(self.on_hand("RL-4"), 7)
        self.assertEqual([m["kind"] for m in self.all_movements("RL-4")], ["checkout", "initial"])

    def test_an_idempotency_key_replays_the_first_answer(self):
        self.create_product("RL-6", on_hand=4)
        self.take("o-idem", [("RL-6", 4)])
        first = self.release("o-idem", headers={"Idempotency-Key": "rel-1"})
        self.assertEqual(first.status, 200, first)
        again = self.release("o-idem", headers={"Idempotency-Key": "rel-1"})
        self.assertEqual(again.status, 200, again)
        self.assertEqual(again.json, first.json)  # released_now 4 again: the first answer
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        self.assertEqual(self.on_hand("RL-6"), 4)
        self.assertProblem(self.release("o-idem", [("RL-6", 1)],
                                        headers={"Idempotency-Key": "rel-1"}),
                           422, "idempotency-key-reuse")

    def test_stock_that_comes_back_is_announced_and_sold_again(self):
        self.create_product("RL-7", on_hand=3, reorder_point=1)
        self.take("o-all", [("RL-7", 3)])
        stock_events = lambda: [e for e in self.all_events()
                                if e["sku"] == "RL-7" and e["type"].startswith("stock.")]
        self.assertEqual(stock_events()[-1]["type"], "stock.empty")
        self.release("o-all")
        last = stock_events()[-1]
        self.assertEqual((last["type"], last["cause"], last["data"]["available"]),
                         ("stock.restored", "release", 3))
        self.assertEqual(self.checkout("o-next", [("RL-7", 3)]).status, 200)

    def test_concurrent_releases_of_one_order_give_back_once(self):
        self.create_product("RL-8", on_hand=50)
        self.take("o-race", [("RL-8", 20)])
        results = []
        lock = threading.Lock()
        barrier = threading.Barrier(10)

        def send():
            client = self.new_client()
            barrier.wait()
            r = client.request("POST", release_path("o-race"), None, key="storefront")
            with lock:
                results.append((r.status, r.json["lines"][0]["released_now"]))

        threads = [threading.Thread(target=send) for _ in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        self.assertEqual(sorted(results), [(200, 0)] * 9 + [(200, 20)], results)
        self.assertEqual(self.on_hand("RL-8"), 50)

    def test_orders_are_found_after_a_restart(self):
        self.create_product("RL-9", on_hand=1000)
        for i in range(200):
            self.take(f"o-{i}", [("RL-9", 1 + i % 4)])
        self.server.terminate()
        self.start_server()
        for i in (0, 57, 199):
            r = self.release(f"o-{i}")
            self.assertEqual((r.status, r.json["lines"][0]["released_now"]), (200, 1 + i % 4), r)
        self.assertProblem(self.release("o-200"), 404, "checkout-not-found")
        self.assertEqual(self.on_hand("RL-9"), 1000 - sum(1 + i % 4 for i in range(200))
                         + 1 + 57 % 4 + 1 + 199 % 4 + 1)


if __name__ == "__main__":
    unittest.main()
