"""Hostile and malformed input: every bad request gets a 4xx problem+json and changes nothing."""

import json
import socket
import unittest

from harness import ServerTestCase, qs

SKU = "BAD-1"
SKU2 = "BAD-2"


def line(sku=SKU, qty=1):
    return {"sku": sku, "qty": qty}


def checkout_json(**over):
    body = {"order_id": "bad-order", "lines": [line()]}
    body.update(over)
    return json.dumps(body).encode()


def product_json(**over):
    body = {"sku": "NEW-1", "name": "New", "on_hand": 5, "reorder_point": 1,
            "reorder_qty": 2, "factory_id": "f"}
    body.update(over)
    return json.dumps(body).encode()


def product_without(field):
    body = json.loads(product_json())
    del body[field]
    return json.dumps(body).encode()


VALID_CHECKOUT = checkout_json()

# (name, raw body, expected status, expected problem slug)
CHECKOUT_CASES = [
    ("empty body", b"", 400, "invalid-json"),
    ("truncated JSON", VALID_CHECKOUT[:-3], 400, "invalid-json"),
    ("not JSON at all", b"order_id=1&qty=2", 400, "invalid-json"),
    ("single quotes", b"{'order_id':'a','lines':[]}", 400, "invalid-json"),
    ("trailing comma", b'{"order_id":"a","lines":[{"sku":"BAD-1","qty":1},]}', 400,
     "invalid-json"),
    ("trailing garbage", VALID_CHECKOUT + b" garbage", 400, "invalid-json"),
    ("two documents", VALID_CHECKOUT + VALID_CHECKOUT, 400, "invalid-json"),
    ("array body", b'[{"order_id":"a","lines":[]}]', 400, "invalid-request"),
    ("string body", b'"checkout"', 400, "invalid-request"),
    ("null body", b"null", 400, "invalid-request"),
    ("number body", b"42", 400, "invalid-request"),
    ("qty as string", checkout_json(lines=[line(qty="3")]), 400, "invalid-request"),
    ("qty as float", checkout_json(lines=[line(qty=1.5)]), 400, "invalid-request"),
    ("qty 1.0", b'{"order_id":"a","lines":[{"sku":"BAD-1","qty":1.0}]}', 400,
     "invalid-request"),
    ("qty as bool", checkout_json(lines=[line(qty=True)]), 400, "invalid-request"),
    ("qty null", checkout_json(lines=[line(qty=None)]), 400, "invalid-request"),
    ("qty zero", checkout_json(lines=[line(qty=0)]), 400, "invalid-request"),
    ("qty negative", checkout_json(lines=[line(qty=-1)]), 400, "invalid-request"),
    ("qty 1e12", b'{"order_id":"a","lines":[{"sku":"BAD-1","qty":1e12}]}', 400,
     "invalid-request"),
    ("qty 20 digits", b'{"order_id":"a","lines":[{"sku":"BAD-1","qty":99999999999999999999}]}',
     400, "invalid-request"),
    ("qty -20 digits",
     b'{"order_id":"a","lines":[{"sku":"BAD-1","qty":-99999999999999999999}]}', 400,
     "invalid-request"),
    ("qty over line max", checkout_json(lines=[line(qty=1000001)]), 400, "invalid-request"),
    ("qty int64 max", checkout_json(lines=[line(qty=2**63 - 1)]), 400, "invalid-request"),
    ("order_id missing", json.dumps({"lines": [line()]}).encode(), 400, "invalid-request"),
    ("lines missing", json.dumps({"order_id": "a"}).encode(), 400, "invalid-request"),
    ("sku missing", checkout_json(lines=[{"qty": 1}]), 400, "invalid-request"),
    ("qty missing", checkout_json(lines=[{"sku": SKU}]), 400, "invalid-request"),
    ("order_id number", checkout_json(order_id=17), 400, "invalid-request"),
    ("order_id empty", checkout_json(order_id=""), 400, "invalid-request"),
    ("order_id too long", checkout_json(order_id="o" * 65), 400, "invalid-request"),
    ("order_id non-ASCII", checkout_json(order_id="caf\u00e9"), 400, "invalid-request"),
    ("lines not array", checkout_json(lines={"sku": SKU, "qty": 1}), 400, "invalid-request"),
    ("line not object", checkout_json(lines=[1]), 400, "invalid-request"),
    ("unknown top-level field", checkout_json(coupon="FREE"), 400, "invalid-request"),
    ("unknown line field", checkout_json(lines=[dict(line(), price=1)]), 400,
     "invalid-request"),
    ("duplicate SKUs", checkout_json(lines=[line(qty=1), line(qty=2)]), 400, "invalid-request"),
    ("duplicate JSON keys",
     b'{"order_id":"a","lines":[{"sku":"BAD-1","qty":1}],"order_id":"b"}', 400,
     "invalid-json"),
    ("duplicate JSON keys in line",
     b'{"order_id":"a","lines":[{"sku":"BAD-1","qty":1,"qty":50}]}', 400, "invalid-json"),
    ("empty lines", checkout_json(lines=[]), 400, "invalid-request"),
    ("101 lines", checkout_json(lines=[line(f"S-{i}", 1) for i in range(101)]), 400,
     "invalid-request"),
    ("invalid sku", checkout_json(lines=[line("bad sku!")]), 400, "invalid-request"),
    ("sku too long", checkout_json(lines=[line("S" * 65)]), 400, "invalid-request"),
    ("invalid UTF-8 byte", b'{"order_id":"o\xff1","lines":[{"sku":"BAD-1","qty":1}]}', 400,
     "invalid-json"),
    ("truncated UTF-8", b'{"order_id":"o\xc3","lines":[{"sku":"BAD-1","qty":1}]}', 400,
     "invalid-json"),
    ("overlong UTF-8", b'{"order_id":"o\xc0\xaf","lines":[{"sku":"BAD-1","qty":1}]}', 400,
     "invalid-json"),
    ("UTF-8 encoded surrogate",
     b'{"order_id":"o\xed\xa0\x80","lines":[{"sku":"BAD-1","qty":1}]}', 400, "invalid-json"),
    ("invalid UTF-8 in a key", b'{"order_id":"o","lines":[{"sku":"BAD-1","qty":1}],"\xfe":1}',
     400, "invalid-json"),
    ("lone high surrogate", b'{"order_id":"o\\ud800","lines":[{"sku":"BAD-1","qty":1}]}', 400,
     "invalid-json"),
    ("lone low surrogate", b'{"order_id":"o\\udc00","lines":[{"sku":"BAD-1","qty":1}]}', 400,
     "invalid-json"),
    ("raw control char", b'{"order_id":"o\x01","lines":[{"sku":"BAD-1","qty":1}]}', 400,
     "invalid-json"),
    ("raw newline in string", b'{"order_id":"o\n","lines":[{"sku":"BAD-1","qty":1}]}', 400,
     "invalid-json"),
    ("escaped control char", checkout_json(order_id="o\u0007"), 400, "invalid-request"),
    ("escaped NUL", checkout_json(order_id="o\u0000x"), 400, "invalid-request"),
    ("NUL byte in body", VALID_CHECKOUT[:-1] + b"\x00}", 400, "invalid-json"),
    ("deep nesting", b'{"order_id":"a","lines":' + b"[" * 40 + b"]" * 40 + b"}", 400,
     "invalid-json"),
    ("BOM", b"\xef\xbb\xbf" + VALID_CHECKOUT, 400, "invalid-json"),
]

PRODUCT_CASES = [
    ("malformed JSON", b'{"sku":"NEW-1",', 400, "invalid-json"),
    ("trailing garbage", product_json() + b"x", 400, "invalid-json"),
    ("non-object", b"[]", 400, "invalid-request"),
    ("on_hand string", product_json(on_hand="5"), 400, "invalid-request"),
    ("on_hand float", product_json(on_hand=5.5), 400, "invalid-request"),
    ("on_hand bool", product_json(on_hand=False), 400, "invalid-request"),
    ("on_hand negative", product_json(on_hand=-1), 400, "invalid-request"),
    ("on_hand huge", product_json(on_hand=1000000001), 400, "invalid-request"),
    ("on_hand 1e12", b'{"sku":"NEW-1","name":"N","on_hand":1e12,'
     b'"reorder_point":1,"reorder_qty":2,"factory_id":"f"}', 400, "invalid-request"),
    ("on_hand 20 digits", b'{"sku":"NEW-1","name":"N","on_hand":99999999999999999999,'
     b'"reorder_point":1,"reorder_qty":2,"factory_id":"f"}', 400, "invalid-request"),
    ("reorder_qty zero", product_json(reorder_qty=0), 400, "invalid-request"),
    ("reorder_point negative", product_json(reorder_point=-1), 400, "invalid-request"),
    ("pack_size zero", product_json(pack_size=0), 400, "invalid-request"),
    ("order_up_to below reorder_point", product_json(order_up_to=1, reorder_point=1), 400,
     "invalid-request"),
    ("sku missing", product_without("sku"), 400, "invalid-request"),
    ("name missing", product_without("name"), 400, "invalid-request"),
    ("on_hand missing", product_without("on_hand"), 400, "invalid-request"),
    ("reorder_point missing", product_without("reorder_point"), 400, "invalid-request"),
    ("reorder_qty missing", product_without("reorder_qty"), 400, "invalid-request"),
    ("factory_id missing", product_without("factory_id"), 400, "invalid-request"),
    ("unknown field", product_json(reserved=0), 400, "invalid-request"),
    ("unknown field status", product_json(status="low"), 400, "invalid-request"),
    ("sku with space", product_json(sku="NEW 1"), 400, "invalid-request"),
    ("sku with slash", product_json(sku="NEW/1"), 400, "invalid-request"),
    ("sku empty", product_json(sku=""), 400, "invalid-request"),
    ("sku too long", product_json(sku="S" * 65), 400, "invalid-request"),
    ("name empty", product_json(name=""), 400, "invalid-request"),
    ("name too long", product_json(name="n" * 201), 400, "invalid-request"),
    ("name control char", product_json(name="bad\u0001name"), 400, "invalid-request"),
    ("name newline", product_json(name="two\nlines"), 400, "invalid-request"),
    ("name invalid UTF-8", b'{"sku":"NEW-1","name":"bad\xff","on_hand":5,"reorder_point":1,'
     b'"reorder_qty":2,"factory_id":"f"}', 400, "invalid-json"),
    ("name lone surrogate", b'{"sku":"NEW-1","name":"\\ud800","on_hand":5,"reorder_point":1,'
     b'"reorder_qty":2,"factory_id":"f"}', 400, "invalid-json"),
    ("factory_id empty", product_json(factory_id=""), 400, "invalid-request"),
    ("duplicate JSON keys", b'{"sku":"NEW-1","name":"N","on_hand":5,"on_hand":6,'
     b'"reorder_point":1,"reorder_qty":2,"factory_id":"f"}', 400, "invalid-json"),
    ("existing sku", product_json(sku=SKU), 409, "product-exists"),
]


class BadInputTests(ServerTestCase):

    def setUp(self):
        super().setUp()
        self.ensure_factory("f")  # the factory of product_json()
        self.create_product(SKU, on_hand=10, reorder_point=2)
        self.create_product(SKU2, on_hand=3, reorder_point=0)
        self.baseline = self.snapshot()

    def snapshot(self):
        return {
            "products": self.all_products(),
            "movements": {s: self.all_movements(s) for s in (SKU, SKU2)},
            "events": self.all_events(),
        }

    def assertNothingChanged(self, what):
        self.assertEqual(self.snapshot(), self.baseline, f"state changed after: {what}")

    def check(self, name, response, status, slug):
        with self.subTest(name):
            self.assertProblem(response, status, slug)
            self.assertTrue(400 <= response.status < 500, response)
        self.assertNothingChanged(name)

    def test_bad_checkout_bodies(self):
        for name, raw, status, slug in CHECKOUT_CASES:
            r = self.request("POST", "/v1/checkout", raw, key="storefront")
            self.check("checkout: " + name, r, status, slug)

    def test_bad_product_bodies(self):
        for name, raw, status, slug in PRODUCT_CASES:
            r = self.request("POST", "/v1/products", raw, key="admin")
            self.check("product: " + name, r, status, slug)

    def test_valid_bodies_still_work_afterwards(self):
        # The tables' baseline bodies are themselves valid: a sanity check of the harness.
        r = self.request("POST", "/v1/checkout", VALID_CHECKOUT, key="storefront")
        self.assertEqual(r.status, 200, r)
        r = self.request("POST", "/v1/products", product_json(), key="admin")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.on_hand(SKU), 9)

    def test_bad_receipt_and_adjustment_bodies(self):
        cases = [
            ("receipt qty 0", "receipts", {"qty": 0, "reference": "r"}, "factory"),
            ("receipt qty string", "receipts", {"qty": "1", "reference": "r"}, "factory"),
            ("receipt no reference", "receipts", {"qty": 1}, "factory"),
            ("receipt empty reference", "receipts", {"qty": 1, "reference": ""}, "factory"),
            ("receipt unknown field", "receipts", {"qty": 1, "reference": "r", "x": 1}, "factory"),
            ("adjustment delta 0", "adjustments", {"delta": 0, "reason": "r"}, "admin"),
            ("adjustment no reason", "adjustments", {"delta": 1}, "admin"),
            ("adjustment float", "adjustments", {"delta": 1.5, "reason": "r"}, "admin"),
        ]
        for name, kind, body, role in cases:
            r = self.request("POST", f"/v1/stock/{SKU}/{kind}", body, key=role)
            self.check(name, r, 400, "invalid-request")

    def test_oversized_body_is_413(self):
        padding = "x" * (70 * 1024)
        for path, key, body in [
                ("/v1/checkout", "storefront",
                 json.dumps({"order_id": padding, "lines": [line()]}).encode()),
                ("/v1/products", "admin", product_json(name=padding))]:
            r = self.request("POST", path, body, key=key)
            self.check("oversized " + path, r, 413, "payload-too-large")
        # A Content-Length over the limit is refused without waiting for the body.
        raw = self.raw_exchange(
            b"POST /v1/checkout HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            + self.keys["storefront"].encode()
            + b"\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{")
        self.assertTrue(raw.startswith(b"HTTP/1.1 413"), raw[:200])
        self.assertNothingChanged("Content-Length 100000000")

    def test_wrong_content_type_is_415(self):
        for ct in ("text/plain", "application/x-www-form-urlencoded", "application/xml",
                   "application/merge-patch+json", None):
            r = self.request("POST", "/v1/checkout", VALID_CHECKOUT, key="storefront",
                             content_type=ct)
            self.check(f"checkout content-type {ct}", r, 415, "unsupported-media-type")
            r = self.request("POST", "/v1/products", product_json(), key="admin",
                             content_type=ct)
            self.check(f"product content-type {ct}", r, 415, "unsupported-media-type")
        # Every PATCH also takes JSON merge patch (RFC 7396), which POSTs do not (above).
        r = self.request("PATCH", f"/v1/products/{SKU}", {"name": "Merged"}, key="admin",
                         content_type="application/merge-patch+json")
        self.assertEqual((r.status, r.json["name"]), (200, "Merged"), r)
        r = self.request("PATCH", "/v1/queues/ad-control", {"max_receive_count": 7}, key="admin",
                         content_type="application/merge-patch+json")
        self.assertEqual((r.status, r.json["max_receive_count"]), (200, 7), r)
        # Parameters and case do not matter for the JSON media type.
        r = self.request("POST", "/v1/checkout", VALID_CHECKOUT, key="storefront",
                         content_type="Application/JSON; charset=utf-8")
        self.assertEqual(r.status, 200, r)

    def test_unknown_route_is_404(self):
        for method, path in [("GET", "/v1/nope"), ("POST", "/v1/checkouts"),
                             ("GET", "/v1/products/BAD-1/extra"), ("GET", "/v1"),
                             ("POST", "/v2/checkout"), ("GET", "/v1/stock/BAD-1")]:
            r = self.request(method, path, VALID_CHECKOUT if method == "POST" else None,
                             key="admin")
            self.check(f"{method} {path}", r, 404, "not-found")

    def test_wrong_method_is_405_with_allow(self):
        for method, path, allowed in [
                ("GET", "/v1/checkout", {"POST"}), ("DELETE", "/v1/checkout", {"POST"}),
                ("PUT", "/v1/products", {"GET", "POST"}),
                ("PUT", "/v1/products/BAD-1", {"GET", "PATCH", "DELETE"}),
                ("POST", "/v1/products/BAD-1", {"GET", "PATCH", "DELETE"}),
                ("GET", "/v1/stock/BAD-1/receipts", {"POST"}),
                ("POST", "/healthz", {"GET"})]:
            body = VALID_CHECKOUT if method in ("POST", "PUT") else None
            r = self.request(method, path, body, key="admin")
            self.check(f"{method} {path}", r, 405, "method-not-allowed")
            allow = {m.strip() for m in r.headers.get("Allow", "").split(",") if m.strip()}
            self.assertEqual(allow, allowed, f"{method} {path}: Allow={r.headers.get('Allow')}")

    def test_bad_query_is_400(self):
        cases = [
            "/v1/products?foo=1", "/v1/products?status=bogus", "/v1/products?limit=0",
            "/v1/products?limit=501", "/v1/products?limit=abc", "/v1/products?limit=-1",
            "/v1/products?limit=1.5", "/v1/products?limit=", "/v1/products?limit=1&limit=2",
            "/v1/products?cursor=bad%20cursor", "/v1/products?limit=%zz",
            "/v1/products/BAD-1?x=1", f"/v1/stock/{SKU}/movements?cursor=abc",
            f"/v1/stock/{SKU}/movements?limit=100000", f"/v1/stock/{SKU}/movements?sort=asc",
            "/v1/events?after=-1", "/v1/events?after=x", "/v1/events?limit=0",
            "/healthz?verbose=1",
        ]
        for path in cases:
            r = self.request("GET", path, key="admin")
            self.check("GET " + path, r, 400, "invalid-query")

    def test_malformed_percent_encoding_in_the_path_is_400(self):
        for path in ("/v1/products/%zz/replenishment", "/v1/products/%", "/v1/stock/%4/movements"):
            r = self.request("GET", path, key="admin")
            self.check("GET " + path, r, 400, "invalid-request")
            self.assertIn("malformed percent-encoding", r.json["detail"])
        # A well-formed escape of nothing known is still a 404.
        r = self.request("GET", "/v1/products/%41%42-none", key="admin")
        self.assertEqual(r.status, 404, r)

    def test_unknown_query_parameter_on_post_is_400(self):
        r = self.request("POST", "/v1/checkout" + qs(foo="bar"), VALID_CHECKOUT,
                         key="storefront")
        self.check("POST /v1/checkout?foo=bar", r, 400, "invalid-query")
        r = self.request("POST", "/v1/products" + qs(foo="bar"), product_json(), key="admin")
        self.check("POST /v1/products?foo=bar", r, 400, "invalid-query")

    def test_body_on_a_route_that_takes_none_is_400(self):
        """A body the route would ignore is refused; no body, or {}, is fine."""
        r = self.request("POST", "/v1/topics/stock-events/subscriptions",
                         {"protocol": "queue", "endpoint": "ad-control"}, key="admin")
        self.assertEqual(r.status, 201, r)
        sub = r.json["id"]
        cases = [("POST", "/v1/queues/stock-empty-dlq/redrive", {"queue": "x"}),
                 ("DELETE", "/v1/queues/stock-empty-dlq/messages", "[]"),
                 ("DELETE", f"/v1/topics/stock-events/subscriptions/{sub}", {"force": True}),
                 ("GET", f"/v1/products/{SKU}", "x")]
        for method, path, body in cases:
            r = self.request(method, path, body, key="admin")
            self.check(f"{method} {path} with a body", r, 400, "invalid-request")
        self.assertIn(sub, [s["id"] for s in self.request(
            "GET", "/v1/topics/stock-events/subscriptions", key="admin").json["items"]])
        for body in (None, "{}", " { }\n"):
            r = self.request("POST", "/v1/queues/stock-empty-dlq/redrive", body, key="admin")
            self.assertEqual((r.status, r.json), (200, {"redriven": 0}), (body, r))
        r = self.request("DELETE", f"/v1/topics/stock-events/subscriptions/{sub}", "{}",
                         key="admin")
        self.assertEqual((r.status, r.json), (200, {"status": "deleted"}), r)

    def test_invalid_sku_in_path_is_400(self):
        for path in ("/v1/products/bad%20sku", "/v1/products/" + "S" * 65,
                     "/v1/stock/bad%21/movements"):
            r = self.request("GET", path, key="admin")
            self.check("GET " + path, r, 400, "invalid-request")

    def test_http_framing_variants(self):
        key = self.keys["storefront"].encode()

        def checkout_request(order_id, extra=b""):
            body = json.dumps({"order_id": order_id, "lines": [line(qty=1)]}).encode()
            return (b"POST /v1/checkout HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                    + b"\r\nContent-Type: application/json\r\n" + extra
                    + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)

        # Pipelined requests on one connection are answered in order.
        reply = self.raw_exchange(checkout_request("pipe-1") + checkout_request("pipe-2")
                                  + b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                                    b"Connection: close\r\n\r\n")
        self.assertEqual(reply.count(b"HTTP/1.1 200 OK"), 3, reply)
        self.assertLess(reply.index(b'"order_id":"pipe-1"'), reply.index(b'"order_id":"pipe-2"'))
        self.assertEqual(self.on_hand(SKU), 8)

        # A chunked body is read like any other; a chunked body over the limit is 413.
        body = json.dumps({"order_id": "chunked", "lines": [line(qty=2)]}).encode()
        head = (b"POST /v1/checkout HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                + b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                  b"Connection: close\r\n\r\n")
        reply = self.raw_exchange(head + b"%x\r\n" % len(body[:10]) + body[:10] + b"\r\n"
                                  + b"%x\r\n" % len(body[10:]) + body[10:] + b"\r\n0\r\n\r\n")
        self.assertTrue(reply.startswith(b"HTTP/1.1 200"), reply[:200])
        self.assertEqual(self.on_hand(SKU), 6)
        self.baseline = self.snapshot()
        big = b"x" * (70 * 1024)
        reply = self.raw_exchange(head + b"%x\r\n" % len(big) + big + b"\r\n0\r\n\r\n")
        self.assertTrue(reply.startswith(b"HTTP/1.1 413"), reply[:200])
        self.assertNothingChanged("chunked body over the limit")

    def test_out_of_range_cursors_are_400_and_the_server_survives(self):
        for cursor in ("ro_9223372036854775808", "ro_99999999999999999999999",
                       "ro_18446744073709551616",
                       # and cursors that are no order id at all
                       "ro_", "ro_-1", "ro_+1", "ro_1x", "ro_ 1", "xx_1", "sub_1", "1", "ab"):
            r = self.request("GET", "/v1/restock-orders" + qs(cursor=cursor), key="admin")
            self.check("restock-orders cursor " + cursor, r, 400, "invalid-query")
        self.assertTrue(self.server.alive())
        r = self.request("GET", "/v1/restock-orders" + qs(cursor="ro_9223372036854775807"),
                         key="admin")
        self.assertEqual((r.status, r.json["items"]), (200, []), r)

    def test_invalid_utf8_in_a_path_is_echoed_as_valid_json(self):
        """A percent-decoded path segment that is not UTF-8 is named in the error, as U+FFFD."""
        for path, slug in [("/v1/factories/%FF", "factory-not-found"),
                           ("/v1/restock-orders/%C3%28", "order-not-found"),
                           ("/v1/queues/%FF%FE/messages", "queue-not-found")]:
            r = self.request("GET", path, key="admin")
            self.check("GET " + path, r, 404, slug)
            r.raw.decode("utf-8")  # strict: raises on a raw byte
            self.assertIn("\ufffd", r.json["detail"], r)
        reply = self.raw_exchange(b"GET /v1/nope/\xc3( HTTP/1.1\r\nHost: x\r\n"
                                  b"Connection: close\r\n\r\n")
        head, _, body = reply.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 404"), reply[:200])
        problem = json.loads(body.decode("utf-8"))
        self.assertIn("\ufffd", problem["detail"])

    def test_head_is_a_get_without_the_body(self):
        get = self.request("GET", f"/v1/products/{SKU}", key="admin")
        # Pipelined: a body after the HEAD answer would be read as the next response.
        reply = self.raw_exchange(
            f"HEAD /v1/products/{SKU} HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {self.keys['admin']}\r\n\r\n"
            "HEAD /v1/checkout HTTP/1.1\r\nHost: x\r\n\r\n"
            "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        first, _, rest = reply.partition(b"\r\n\r\n")
        self.assertTrue(first.startswith(b"HTTP/1.1 200"), reply[:300])
        self.assertIn(f"Content-Length: {len(get.raw)}".encode(), first)
        second, _, rest = rest.partition(b"\r\n\r\n")
        self.assertTrue(second.startswith(b"HTTP/1.1 405"), reply[:500])
        self.assertIn(b"Allow: POST", second)
        self.assertTrue(rest.startswith(b"HTTP/1.1 200"), reply[:700])
        self.assertTrue(rest.endswith(b'{"status":"ok"}'), rest)
        self.assertNothingChanged("HEAD")

    def test_a_movements_cursor_of_another_product_is_400(self):
        other = self.request("GET", f"/v1/stock/{SKU2}/movements", key="admin").json["items"]
        for cursor in (other[0]["id"], 9223372036854775807):
            path = f"/v1/stock/{SKU}/movements" + qs(cursor=cursor)
            self.check("GET " + path, self.request("GET", path, key="admin"), 400,
                       "invalid-query")

    def test_dot_segments_are_not_skus(self):
        for sku in (".", ".."):
            r = self.request("POST", "/v1/products", product_json(sku=sku), key="admin")
            self.check(f"create sku {sku!r}", r, 400, "invalid-request")

    def test_malformed_http_gets_400_or_close_and_server_survives(self):
        garbage = [
            b"GARBAGE\r\n\r\n",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)),
            b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n",
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nNo-Colon-Here\r\n\r\n",
            b"POST /v1/checkout HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}",
            b"POST /v1/checkout HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            b"POST /v1/checkout HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"zz\r\nnot hex\r\n",
            b"GET  HTTP/1.1\r\n\r\n",
            b"\r\n\r\n\r\n\r\n",
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: \x00\x01\r\n\r\n",
            b"GET /healthz",  # cut off
            b"\x00" * 1024,
        ]
        for data in garbage:
            with self.subTest(data=data[:40]):
                reply = self.raw_exchange(data)
                if reply:
                    self.assertTrue(reply.startswith(b"HTTP/1.1 400"), reply[:200])
                    self.assertIn(b"application/problem+json", reply)
                r = self.request("GET", "/healthz", key=None)
                self.assertEqual(r.status, 200, r)
        # Headers over the limit: 431.
        reply = self.raw_exchange(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: "
                                  + b"a" * 20000 + b"\r\n\r\n")
        self.assertTrue(reply.startswith(b"HTTP/1.1 431"), reply[:200])
        # A half-open connection that sends nothing does not block others.
        with socket.create_connection(("127.0.0.1", self.port), timeout=5):
            r = self.request("GET", "/healthz", key=None)
            self.assertEqual(r.status, 200, r)
        self.assertTrue(self.server.alive())
        self.assertNothingChanged("malformed HTTP")


if __name__ == "__main__":
    unittest.main()
