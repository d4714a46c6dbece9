"""Idempotency-Key: same key + same body -> the first response again; different body -> 422."""

import threading
import unittest

from harness import ServerTestCase

CHECKOUT = "/v1/checkout"


class IdempotencyTests(ServerTestCase):

    def setUp(self):
        super().setUp()
        self.create_product("IDEM-1", on_hand=100, reorder_point=0)

    def post(self, path, body, key_value, role="storefront", headers=None, **kw):
        return self.request("POST", path, body, key=role,
                            headers={"Idempotency-Key": key_value, **(headers or {})}, **kw)

    def test_replay_returns_the_first_response_once(self):
        body = {"order_id": "idem-order-1", "lines": [{"sku": "IDEM-1", "qty": 7}]}
        first = self.post(CHECKOUT, body, "key-1")
        self.assertEqual(first.status, 200, first)
        self.assertIsNone(first.headers.get("Idempotent-Replayed"))
        self.assertEqual(self.on_hand("IDEM-1"), 93)
        for _ in range(3):
            again = self.post(CHECKOUT, body, "key-1")
            self.assertEqual(again.status, 200, again)
            self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
            self.assertEqual(again.raw, first.raw)
            self.assertTrue(again.content_type.startswith("application/json"), again)
        self.assertEqual(self.on_hand("IDEM-1"), 93)
        moves = self.all_movements("IDEM-1")
        self.assertEqual([(m["kind"], m["delta"]) for m in moves],
                         [("checkout", -7), ("initial", 100)])

        # A new key with another order is a new request.
        other = self.post(CHECKOUT, dict(body, order_id="idem-order-1b"), "key-2")
        self.assertEqual(other.status, 200, other)
        self.assertIsNone(other.headers.get("Idempotent-Replayed"))
        self.assertEqual(self.on_hand("IDEM-1"), 86)

    def test_same_key_other_body_is_422(self):
        body = {"order_id": "idem-order-2", "lines": [{"sku": "IDEM-1", "qty": 2}]}
        first = self.post(CHECKOUT, body, "key-reuse")
        self.assertEqual(first.status, 200, first)
        changed = {"order_id": "idem-order-2", "lines": [{"sku": "IDEM-1", "qty": 3}]}
        r = self.post(CHECKOUT, changed, "key-reuse")
        body422 = self.assertProblem(r, 422, "idempotency-key-reuse")
        self.assertIn("key-reuse", body422["detail"])
        self.assertEqual(self.on_hand("IDEM-1"), 98)
        # The original still replays afterwards.
        again = self.post(CHECKOUT, body, "key-reuse")
        self.assertEqual((again.status, again.raw), (200, first.raw))
        self.assertEqual(self.on_hand("IDEM-1"), 98)

    def test_the_same_json_spelled_otherwise_is_the_same_request(self):
        # Regression (issue 16, item 4): one space more, or the keys in another order, was a 422
        # idempotency-key-reuse. The parsed request is compared (canonical JSON).
        first = self.post(CHECKOUT, '{"order_id":"spell-1","lines":[{"sku":"IDEM-1","qty":2}]}',
                          "key-spelling")
        self.assertEqual(first.status, 200, first)
        for spelled in ('{ "order_id" : "spell-1", "lines" : [ {"sku":"IDEM-1", "qty":2} ] }',
                        '{"lines":[{"qty":2,"sku":"IDEM-1"}],"order_id":"spell-1"}',
                        '{"order_id":"spell-\\u0031","lines":[{"sku":"IDEM-1","qty":2}]}\n'):
            again = self.post(CHECKOUT, spelled, "key-spelling")
            self.assertEqual(again.status, 200, (spelled, again))
            self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
            self.assertEqual(again.raw, first.raw)
        self.assertEqual(self.on_hand("IDEM-1"), 98)
        # What it means differs: 422, as before.
        r = self.post(CHECKOUT, '{"order_id":"spell-1","lines":[{"sku":"IDEM-1","qty":3}]}',
                      "key-spelling")
        self.assertProblem(r, 422, "idempotency-key-reuse")

    def test_a_replay_carries_the_first_request_id_in_its_headers_and_body(self):
        body = {"order_id": "rid-1", "lines": [{"sku": "IDEM-1", "qty": 500}]}  # refused: 409
        first = self.post(CHECKOUT, body, "key-rid", headers={"X-Request-Id": "first-try"})
        self.assertEqual(first.status, 409, first)
        self.assertEqual(first.headers.get("X-Request-Id"), "first-try")
        self.assertEqual(first.json["request_id"], "first-try")
        again = self.request("POST", CHECKOUT, body, key="storefront",
                             headers={"Idempotency-Key": "key-rid", "X-Request-Id": "retry"})
        self.assertEqual(again.status, 409, again)
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        self.assertEqual(again.raw, first.raw)
        # The headers agree with the body: the request the answer is about is the first one.
        self.assertEqual(again.headers.get("X-Request-Id"), "first-try")

    def test_refusal_is_replayed_too(self):
        body = {"order_id": "too-big", "lines": [{"sku": "IDEM-1", "qty": 101}]}
        first = self.post(CHECKOUT, body, "key-refused")
        self.assertProblem(first, 409, "insufficient-stock")
        again = self.post(CHECKOUT, body, "key-refused")
        self.assertProblem(again, 409, "insufficient-stock")
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        self.assertEqual(again.json["lines"], first.json["lines"])
        self.assertEqual(self.on_hand("IDEM-1"), 100)

    def test_a_400_from_the_engine_is_not_recorded(self):
        """A PATCH that breaks a rule checked in the engine (reorder_qty 0) changed nothing: the
        corrected request under the same key goes through, as for any other 400."""
        for attempt in range(2):
            r = self.request("PATCH", "/v1/products/IDEM-1", {"reorder_qty": 0}, key="admin",
                             headers={"Idempotency-Key": "fix-me"})
            self.assertProblem(r, 400, "invalid-request")
            self.assertIsNone(r.headers.get("Idempotent-Replayed"), attempt)
        r = self.request("PATCH", "/v1/products/IDEM-1", {"reorder_qty": 7}, key="admin",
                         headers={"Idempotency-Key": "fix-me"})
        self.assertEqual((r.status, r.json["reorder_qty"]), (200, 7), r)
        again = self.request("PATCH", "/v1/products/IDEM-1", {"reorder_qty": 7}, key="admin",
                             headers={"Idempotency-Key": "fix-me"})
        self.assertEqual((again.status, again.headers.get("Idempotent-Replayed")), (200, "true"))
        # The same for a queue's retry policy.
        r = self.request("PATCH", "/v1/queues/notifications", {"max_receive_count": 0},
                         key="admin", headers={"Idempotency-Key": "fix-queue"})
        self.assertProblem(r, 400, "invalid-request")
        r = self.request("PATCH", "/v1/queues/notifications", {"max_receive_count": 9},
                         key="admin", headers={"Idempotency-Key": "fix-queue"})
        self.assertEqual((r.status, r.json["max_receive_count"]), (200, 9), r)

    def test_invalid_idempotency_key_is_400(self):
        body = {"order_id": "bad-key", "lines": [{"sku": "IDEM-1", "qty": 1}]}
        # (Leading/trailing blanks are not tested: HTTP strips them from field values.)
        for bad in ("x" * 256, "", "tab\there"):
            r = self.post(CHECKOUT, body, bad)
            self.assertProblem(r, 400, "invalid-idempotency-key")
        # Bytes outside printable ASCII may already be refused by the HTTP parser.
        for bad in ("caf\xe9", "del\x7f"):
            r = self.post(CHECKOUT, body, bad)
            problem = self.assertProblem(r, 400)
            self.assertIn(problem["type"].rsplit("/", 1)[-1],
                          ("invalid-idempotency-key", "bad-request"), r)
        self.assertEqual(self.on_hand("IDEM-1"), 100)

    def test_concurrent_identical_requests_decrement_once(self):
        body = {"order_id": "idem-concurrent", "lines": [{"sku": "IDEM-1", "qty": 4}]}
        n = 20
        clients = [self.new_client() for _ in range(n)]
        for c in clients:  # open the connections up front so the requests really overlap
            self.assertEqual(c.request("GET", "/healthz", key=None).status, 200)
        barrier = threading.Barrier(n)
        results = [None] * n
        errors = []

        def worker(i):
            try:
                barrier.wait(timeout=10)
                results[i] = clients[i].request("POST", CHECKOUT, body, key="storefront",
                                                headers={"Idempotency-Key": "key-concurrent"})
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(repr(e))

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        self.assertEqual(errors, [])
        self.assertTrue(all(r is not None for r in results))
        self.assertEqual([r.status for r in results], [200] * n, results)
        bodies = {r.raw for r in results}
        self.assertEqual(len(bodies), 1, "every response must be the first response")
        originals = [r for r in results if r.headers.get("Idempotent-Replayed") is None]
        self.assertEqual(len(originals), 1, "exactly one request executes")
        self.assertEqual(self.on_hand("IDEM-1"), 96)
        checkouts = [m for m in self.all_movements("IDEM-1") if m["kind"] == "checkout"]
        self.assertEqual(len(checkouts), 1)

    def test_key_on_create_product(self):
        product = {"sku": "IDEM-NEW", "name": "New", "on_hand": 5, "reorder_point": 1,
                   "reorder_qty": 2, "factory_id": "f"}
        self.ensure_factory("f")
        first = self.post("/v1/products", product, "create-1", role="admin")
        self.assertEqual(first.status, 201, first)
        again = self.post("/v1/products", product, "create-1", role="admin")
        self.assertEqual(again.status, 201, again)
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        self.assertEqual(again.json, first.json)
        # Without the key the same body is a duplicate.
        r = self.request("POST", "/v1/products", product)
        self.assertProblem(r, 409, "product-exists")
        # Same key, other body.
        other = dict(product, sku="IDEM-OTHER")
        r = self.post("/v1/products", other, "create-1", role="admin")
        self.assertProblem(r, 422, "idempotency-key-reuse")
        self.assertEqual(sorted(p["sku"] for p in self.all_products()), ["IDEM-1", "IDEM-NEW"])
        self.assertEqual(self.on_hand("IDEM-NEW"), 5)

    def test_create_product_replay_keeps_location(self):
        product = {"sku": "IDEM-LOC", "name": "New", "on_hand": 5, "reorder_point": 1,
                   "reorder_qty": 2, "factory_id": "f"}
        self.ensure_factory("f")
        first = self.post("/v1/products", product, "create-loc", role="admin")
        self.assertEqual(first.headers.get("Location"), "/v1/products/IDEM-LOC")
        again = self.post("/v1/products", product, "create-loc", role="admin")
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        self.assertEqual(again.headers.get("Location"), "/v1/products/IDEM-LOC")

    def test_key_on_receipts(self):
        path = "/v1/stock/IDEM-1/receipts"
        first = self.post(path, {"qty": 10, "reference": "ship-a"}, "rcpt-1", role="factory")
        self.assertEqual(first.status, 201, first)
        self.assertIs(first.json["replayed"], False)
        again = self.post(path, {"qty": 10, "reference": "ship-a"}, "rcpt-1", role="factory")
        self.assertEqual(again.status, 201, again)  # the first response...
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        # ...whose body agrees with its header: this request added nothing.
        self.assertEqual(again.json, {**first.json, "replayed": True})
        self.assertEqual(self.on_hand("IDEM-1"), 110)
        r = self.post(path, {"qty": 11, "reference": "ship-b"}, "rcpt-1", role="factory")
        self.assertProblem(r, 422, "idempotency-key-reuse")
        self.assertEqual(self.on_hand("IDEM-1"), 110)
        receipts = [m for m in self.all_movements("IDEM-1") if m["kind"] == "receipt"]
        self.assertEqual([(m["delta"], m["reference"]) for m in receipts], [(10, "ship-a")])

    def test_key_on_adjustments(self):
        path = "/v1/stock/IDEM-1/adjustments"
        first = self.post(path, {"delta": -3, "reason": "damaged"}, "adj-1", role="admin")
        self.assertEqual(first.status, 201, first)
        again = self.post(path, {"delta": -3, "reason": "damaged"}, "adj-1", role="admin")
        self.assertEqual((again.status, again.json), (201, {**first.json, "replayed": True}))
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        self.assertEqual(self.on_hand("IDEM-1"), 97)


if __name__ == "__main__":
    unittest.main()
