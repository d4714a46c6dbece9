"""Access log: one JSON line per request, no secrets, request ids shared with clients."""

import json
import time
import unittest

from harness import ServerTestCase

QUERY_MARKER = "QUERYSECRETMARKER"
BAD_KEY = "rk_BADKEYMARKERthisisnotakey"


class AccessLogTests(ServerTestCase):
    ACCESS_LOG = True

    def setUp(self):
        super().setUp()
        self.create_product("LOG-1", on_hand=5, reorder_point=0)

    def wait_for_records(self, request_ids, timeout=6.0):
        """The access log is flushed every ~200 ms; waits until every id has its line."""
        deadline = time.monotonic() + timeout
        while True:
            records = {}
            for line in self.server.stdout_lines():
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict) and record.get("msg") == "request":
                    records.setdefault(record.get("request_id"), []).append(record)
            if all(rid in records for rid in request_ids) or time.monotonic() > deadline:
                return records
            time.sleep(0.05)

    def test_access_log_lines(self):
        responses = {
            "health": self.request("GET", "/healthz", key=None),
            "list": self.request("GET", f"/v1/products?status=in_stock&limit=5&cursor="
                                        f"{QUERY_MARKER}", key="storefront"),
            "checkout": self.checkout("log-order-1", [("LOG-1", 2)]),
            "not_found": self.request("GET", "/v1/products/NOPE", key="admin"),
            "unauthorized": self.request("GET", "/v1/products/LOG-1", key=BAD_KEY),
            "forbidden": self.request("POST", "/v1/stock/LOG-1/adjustments",
                                      {"delta": 1, "reason": "x"}, key="factory"),
            "bad_query": self.request("GET", f"/v1/events?{QUERY_MARKER}=1", key="admin"),
            "receipt": self.request("POST", "/v1/stock/LOG-1/receipts",
                                    {"qty": 3, "reference": "log-ship"}, key="factory"),
        }
        expected = {
            "health": ("GET", "/healthz", 200),
            "list": ("GET", "/v1/products", 200),
            "checkout": ("POST", "/v1/checkout", 200),
            "not_found": ("GET", "/v1/products/NOPE", 404),
            "unauthorized": ("GET", "/v1/products/LOG-1", 401),
            "forbidden": ("POST", "/v1/stock/LOG-1/adjustments", 403),
            "bad_query": ("GET", "/v1/events", 400),
            "receipt": ("POST", "/v1/stock/LOG-1/receipts", 201),
        }
        ids = {}
        for name, r in responses.items():
            self.assertEqual(r.status, expected[name][2], (name, r))
            rid = r.headers.get("X-Request-Id")
            self.assertTrue(rid, (name, r))
            ids[name] = rid
        self.assertEqual(len(set(ids.values())), len(ids), "request ids must be unique")

        records = self.wait_for_records(ids.values())
        for name, rid in ids.items():
            self.assertIn(rid, records, f"no access log line for {name}")
            self.assertEqual(len(records[rid]), 1, records[rid])
            record = records[rid][0]
            method, path, status = expected[name]
            self.assertEqual((record["method"], record["path"], record["status"]),
                             (method, path, status), name)
            self.assertIsInstance(record["duration_ms"], (int, float))
            self.assertGreaterEqual(record["duration_ms"], 0)
            self.assertLess(record["duration_ms"], 60_000)

        # No secrets and no query strings anywhere in the output.
        text = "\n".join(self.server.stdout_lines())
        for secret in list(self.keys.values()) + [BAD_KEY, QUERY_MARKER, "status=in_stock",
                                                   "Bearer"]:
            self.assertNotIn(secret, text)
        # Every stdout line is a JSON object (one record per line).
        for line in self.server.stdout_lines():
            record = json.loads(line)
            self.assertIsInstance(record, dict)
            self.assertIn("msg", record)
            self.assertIn("level", record)

    def test_client_request_id_is_echoed_and_in_problems(self):
        r = self.request("GET", "/v1/products/LOG-1", key="storefront",
                         headers={"X-Request-Id": "client-req-123"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("X-Request-Id"), "client-req-123")

        r = self.request("GET", "/v1/products/NOPE", key="storefront",
                         headers={"X-Request-Id": "client-req-404"})
        body = self.assertProblem(r, 404, "product-not-found")
        self.assertEqual(r.headers.get("X-Request-Id"), "client-req-404")
        self.assertEqual(body["request_id"], "client-req-404")

        r = self.checkout("log-too-many", [("LOG-1", 50)],
                          headers={"X-Request-Id": "client-req-409"})
        body = self.assertProblem(r, 409, "insufficient-stock")
        self.assertEqual(body["request_id"], "client-req-409")

        records = self.wait_for_records(["client-req-123", "client-req-404", "client-req-409"])
        self.assertEqual(records["client-req-123"][0]["status"], 200)
        self.assertEqual(records["client-req-404"][0]["status"], 404)
        self.assertEqual(records["client-req-409"][0]["status"], 409)

        # An unusable client id (spaces, too long) is replaced by a server-made one.
        for bad in ("has spaces in it", "x" * 65, "quote\"id"):
            r = self.request("GET", "/v1/products/LOG-1", key="storefront",
                             headers={"X-Request-Id": bad})
            self.assertEqual(r.status, 200, r)
            rid = r.headers.get("X-Request-Id")
            self.assertTrue(rid)
            self.assertNotEqual(rid, bad)

    def test_every_problem_carries_the_request_id(self):
        cases = [
            ("GET", "/v1/nope", None, "admin", 404),
            ("GET", "/v1/products/LOG-1", None, None, 401),
            ("POST", "/v1/products", {"sku": "X"}, "storefront", 403),
            ("POST", "/v1/checkout", b"{bad json", "storefront", 400),
            ("DELETE", "/v1/checkout", None, "storefront", 405),
            ("POST", "/v1/checkout", {"order_id": "u", "lines": [{"sku": "GHOST", "qty": 1}]},
             "storefront", 422),
        ]
        for method, path, body, key, status in cases:
            r = self.request(method, path, body, key=key)
            problem = self.assertProblem(r, status)
            rid = r.headers.get("X-Request-Id")
            self.assertTrue(rid, r)
            self.assertEqual(problem["request_id"], rid, r)
            self.assertEqual(problem.get("instance"), path, r)


if __name__ == "__main__":
    unittest.main()
