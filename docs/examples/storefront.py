#!/usr/bin/env python3
"""A storefront's side of Restock, with the standard library only (docs/storefront.md).

    RESTOCK_URL=http://127.0.0.1:8080 RESTOCK_KEY=rk_... python3 docs/examples/storefront.py MUG

Holds one unit of the SKU for a cart, checks the cart out, gives the unit back as a return, and
reads the stock events. Every write carries an Idempotency-Key, so a timeout, a dropped
connection or a 503 is retried with the same key: the server answers the first outcome again and
never takes stock twice. A 409 insufficient-stock is an answer, not a failure to retry: the
order must change. Exit status: 0 done, 3 out of stock, 1 any other error.

tests/blackbox/test_storefront.py runs this file against a real server.
"""

import hashlib
import http.client
import json
import os
import random
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

PROBLEMS = "https://restock.dev/problems/"


class ApiError(Exception):
    """A 4xx/5xx answer: ``status`` and the problem+json body (``problem["type"]`` etc.)."""

    def __init__(self, status, problem):
        self.status = status
        self.problem = problem if isinstance(problem, dict) else {}
        super().__init__(f"{status} {self.problem.get('type', '')}: {self.problem.get('detail', '')}")

    @property
    def slug(self):
        return self.problem.get("type", "").removeprefix(PROBLEMS)


class OutOfStock(ApiError):
    """409 insufficient-stock: nothing was taken. ``short`` lists {sku, requested, available}."""

    @property
    def short(self):
        return self.problem.get("lines", [])


class Restock:
    """A client for a storefront key. Thread-compatible, not thread-safe (one per thread)."""

    def __init__(self, base_url, key, timeout_s=5.0, attempts=5, backoff_s=0.2):
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.timeout_s = timeout_s
        self.attempts = attempts
        self.backoff_s = backoff_s

    def _send(self, method, path, body, idempotency_key):
        headers = {"Authorization": "Bearer " + self.key, "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        request = urllib.request.Request(self.base_url + path, data=data, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return response.status, dict(response.headers), json.loads(response.read())
        except urllib.error.HTTPError as error:  # a 4xx/5xx answer, with its problem body
            raw = error.read()
            try:
                problem = json.loads(raw)
            except ValueError:
                problem = {}
            return error.code, dict(error.headers), problem

    def call(self, method, path, body=None, idempotency_key=None):
        """Sends one request and returns (body, headers) of a 2xx. A GET, or a write with an
        Idempotency-Key, is sent again after no answer (timeout, connection refused or dropped)
        or a 503, with backoff, up to ``attempts`` times; the same key makes that safe. Any other
        4xx/5xx raises ApiError (OutOfStock for insufficient-stock) at once."""
        retry_safe = method == "GET" or idempotency_key is not None
        for attempt in range(self.attempts):
            last = attempt + 1 == self.attempts or not retry_safe
            try:
                status, headers, answer = self._send(method, path, body, idempotency_key)
            except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError,
                    http.client.HTTPException):
                # No answer: the request may or may not have been carried out.
                if last:
                    raise
            else:
                if status < 400:
                    return answer, headers
                if status != 503 or last:
                    error = ApiError(status, answer)
                    if error.slug == "insufficient-stock":
                        raise OutOfStock(status, answer)
                    raise error
            # 0.2 s, 0.4 s, 0.8 s, ... with jitter, so that many clients do not retry at once.
            time.sleep(self.backoff_s * (2 ** attempt) * random.uniform(0.5, 1.0))
        raise AssertionError("unreachable")

    # -- the storefront's calls -------------------------------------------------------------------

    def product(self, sku):
        return self.call("GET", "/v1/products/" + urllib.parse.quote(sku, safe=""))[0]

    def hold(self, reservation_id, lines, ttl_s=900):
        """Sets the lines aside for a cart (all or none); OutOfStock if they are not there."""
        body = {"reservation_id": reservation_id, "lines": lines, "ttl_s": ttl_s}
        return self.call("POST", "/v1/reservations", body, "hold-" + reservation_id)[0]

    def checkout(self, order_id, lines=None, reservation_id=None):
        """Takes the order's stock, all lines or none. The key is the order id: whatever happens
        to the connection, calling this again for the same order takes nothing twice."""
        body = {"order_id": order_id}
        if lines is not None:
            body["lines"] = lines
        if reservation_id is not None:
            body["reservation_id"] = reservation_id
        return self.call("POST", "/v1/checkout", body, "checkout-" + order_id)[0]

    def release(self, order_id, lines=None):
        """Gives back what the order took: everything, or per SKU the total that should be back.
        The same request twice changes nothing; the key is per distinct request."""
        body = {} if lines is None else {"lines": lines}
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
        path = "/v1/orders/" + urllib.parse.quote(order_id, safe="") + "/release"
        return self.call("POST", path, body, f"release-{order_id}-{digest}")[0]

    def give_back_hold(self, reservation_id):
        path = "/v1/reservations/" + urllib.parse.quote(reservation_id, safe="")
        return self.call("DELETE", path, None, "unhold-" + reservation_id)[0]

    def stock_events(self, after=0, limit=100):
        """One page of stock.* events after ``after`` (keep next_after for the next call)."""
        query = urllib.parse.urlencode({"after": after, "limit": limit})
        return self.call("GET", "/v1/events?" + query)[0]


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 1
    sku = argv[1]
    api = Restock(os.environ.get("RESTOCK_URL", "http://127.0.0.1:8080"),
                  os.environ["RESTOCK_KEY"])
    order_id = "web-" + uuid.uuid4().hex[:12]
    cart = "cart-" + order_id

    def say(step, **fields):
        print(json.dumps({"step": step, **fields}), flush=True)

    say("product", sku=sku, available=api.product(sku)["available"])
    try:
        hold = api.hold(cart, [{"sku": sku, "qty": 1}], ttl_s=600)
    except OutOfStock as refused:
        say("out-of-stock", order_id=order_id, short=refused.short)
        return 3
    say("held", reservation_id=hold["reservation_id"], expires_at=hold["expires_at"])

    taken = api.checkout(order_id, reservation_id=cart)
    say("checked-out", order_id=order_id, lines=taken["lines"])
    # A retry (say, after the answer was lost) takes nothing more: the same answer comes back.
    again = api.checkout(order_id, reservation_id=cart)
    assert again["lines"] == taken["lines"], (again, taken)

    returned = api.release(order_id, [{"sku": sku, "qty": 1}])
    say("returned", order_id=order_id, released=returned["lines"][0]["released"],
        available=returned["lines"][0]["available"])

    try:
        page = api.stock_events(after=0)
        say("events", types=sorted({e["type"] for e in page["items"] if e["sku"] == sku}),
            next_after=page["next_after"])
    except ApiError as error:
        if error.status != 403:
            raise
        # Servers before storefront access to events: an admin reads them, or use a webhook.
        say("events-not-allowed", detail=error.problem.get("detail", ""))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except ApiError as error:
        print(f"storefront: {error}", file=sys.stderr)
        sys.exit(1)
