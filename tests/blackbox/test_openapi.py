"""docs/openapi.json against the real server (issue 16, item 14).

- The served ``GET /v1/openapi.json`` is the committed file, byte for byte.
- The document's examples are consistent with its schemas (JSON Schema 2020-12, Debian's
  python3-jsonschema): every response example validates, every request example of a success or a
  refusal by state validates, and every request example of a 400 ``invalid-request`` is one the
  schema refuses too.
- Every response example is replayed: a fresh server gets the state the examples name (below,
  ``Baseline``), the example request is sent as documented (path and query parameters, headers and
  body of the same example name, the key of the operation's first role), and the answer must have
  the documented status, media type and schema (a problem also the example's ``type``). A
  request sent with an ``Idempotency-Key`` is sent twice: the second answer must be the first
  again, with ``Idempotent-Replayed: true``.
- Placeholders stand for what only the test knows: a query ``token`` of ``<…>`` is the real token
  of the factory's CallbackUrl, an ``api_key`` of ``<ROLE key>`` the test's key of that role, and
  a cookie of ``<…>`` the cookie a login with the admin key sets (``POST /v1/session``). A declared
  ``Set-Cookie`` header must match its schema's pattern.
- An event stream's answer (``text/event-stream``, which does not end) is read until its first
  event, then closed.

Features that are being added in parallel (issue 16) are marked ``x-restock-landing: FEATURE``
in the document. Which of them this server has is probed once (``FEATURE_PROBES``); an example
that needs a missing one is skipped with the reason when the server answers otherwise, and the
properties of a missing feature may be absent from answers. A feature the server has while the
document still marks it fails ``test_landing_marks_are_current``: remove its marks then.
"""

import copy
import json
import os
import re
import shutil
import tempfile
import unittest
import urllib.parse

import warnings

import jsonschema

import harness
import sse
from harness import PROBLEM_CONTENT_TYPE, ServerTestCase, wait_until

DOC_PATH = os.path.normpath(os.path.join(harness.HERE, "..", "..", "docs", "openapi.json"))
with open(DOC_PATH, "rb") as f:
    DOC_BYTES = f.read()
DOC = json.loads(DOC_BYTES)

METHODS = ("get", "put", "post", "delete", "patch")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("date-time")
def _is_rfc3339(value):
    return not isinstance(value, str) or RFC3339.match(value) is not None


# Example names that choose the key: none at all, or a storefront key where admin is needed.
KEY_BY_EXAMPLE = {"no-key": None, "storefront-key": "storefront"}
# A request body's ``api_key`` that names the test's key of a role (POST /v1/session).
KEY_PLACEHOLDER = re.compile(r"^<(admin|storefront|factory) key>$")


def resolve(node, doc=DOC):
    """A local ``$ref`` followed (once per level, until there is none)."""
    while isinstance(node, dict) and "$ref" in node:
        target = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def operations(doc=DOC):
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def validator(schema, doc=DOC):
    with warnings.catch_warnings():
        # Deprecated in newer jsonschema than Debian 12's 4.10, which has no replacement yet.
        warnings.simplefilter("ignore", DeprecationWarning)
        resolver = jsonschema.RefResolver.from_schema(doc)
    return jsonschema.Draft202012Validator(schema, resolver=resolver, format_checker=FORMATS)


def errors_of(schema, value, doc=DOC):
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator(schema, doc).iter_errors(value)]


def landing_marks(node, found=None):
    """Every feature named by an x-restock-landing mark anywhere in ``node``."""
    found = set() if found is None else found
    if isinstance(node, dict):
        if "x-restock-landing" in node:
            found.add(node["x-restock-landing"])
        for value in node.values():
            landing_marks(value, found)
    elif isinstance(node, list):
        for value in node:
            landing_marks(value, found)
    return found


def relaxed(doc, missing):
    """The document with the properties of ``missing`` features no longer required."""
    doc = copy.deepcopy(doc)

    def walk(node):
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict) and isinstance(node.get("required"), list):
                node["required"] = [
                    name for name in node["required"]
                    if resolve(props.get(name, {}), doc).get("x-restock-landing") not in missing
                    and props.get(name, {}).get("x-restock-landing") not in missing]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    return doc


# -- the cases: one per response example ----------------------------------------------------------

class Case:
    def __init__(self, method, path, operation, status, media, response, name, example):
        self.method = method
        self.path = path
        self.operation = operation
        self.status = int(status)
        self.media = media
        self.response = response  # resolved response object
        self.name = name
        self.example = example
        self.op_id = operation["operationId"]

    def __repr__(self):
        return f"{self.method} {self.path} {self.status} example {self.name!r}"

    def parameters(self, where):
        return [resolve(p) for p in self.operation.get("parameters", []) if resolve(p)["in"] == where]

    def request_example(self):
        body = self.operation.get("requestBody")
        if body is None:
            return None, None
        media, content = next(iter(body["content"].items()))
        examples = content.get("examples", {})
        if self.name in examples:
            return media, examples[self.name]
        if "default" in examples:
            return media, examples["default"]
        return media, None

    def features(self):
        """The landing features this case needs."""
        needed = set()
        for node in (self.operation.get("x-restock-landing"), self.example.get("x-restock-landing")):
            if node:
                needed.add(node)
        _, request = self.request_example()
        if request and request.get("x-restock-landing"):
            needed.add(request["x-restock-landing"])
        for parameter in self.parameters("query") + self.parameters("header"):
            if self.name in parameter.get("examples", {}) and parameter.get("x-restock-landing"):
                needed.add(parameter["x-restock-landing"])
        return needed

    def key(self):
        if self.name in KEY_BY_EXAMPLE:
            return KEY_BY_EXAMPLE[self.name]
        roles = self.operation["x-restock-roles"]
        return roles[0] if roles else None

    def build(self, token=None, keys=None, login=None):
        """(path with query, headers, body, media) of the example request. ``keys`` are the
        test's keys by role (for an ``api_key`` placeholder), ``login()`` the value of a fresh
        session cookie (for a cookie placeholder)."""
        path = self.path
        for parameter in self.parameters("path"):
            examples = parameter["examples"]
            value = examples.get(self.name, examples.get("default"))
            if value is None:
                raise AssertionError(f"{self!r}: path parameter {parameter['name']} has no "
                                     f"example {self.name!r} or 'default'")
            path = path.replace("{" + parameter["name"] + "}",
                                urllib.parse.quote(str(value["value"]), safe=""))
        query = []
        for parameter in self.parameters("query"):
            examples = parameter.get("examples", {})
            value = examples.get(self.name)
            if value is None and parameter.get("required"):
                value = examples.get("default")
            if value is None:
                continue
            text = value["value"]
            if parameter["name"] == "token" and text.startswith("<"):
                text = token  # the real token of the CallbackUrl the factory got
            query.append((parameter["name"], str(text)))
        if query:
            path += "?" + urllib.parse.urlencode(query)
        headers = {}
        for parameter in self.parameters("header"):
            value = parameter.get("examples", {}).get(self.name)
            if value is not None:
                headers[parameter["name"]] = str(value["value"])
        cookies = []
        for parameter in self.parameters("cookie"):
            value = parameter.get("examples", {}).get(self.name)
            if value is None:
                continue
            text = str(value["value"])
            if text.startswith("<"):
                text = login()  # a real session: the example's own cannot be known
            cookies.append(f"{parameter['name']}={text}")
        if cookies:
            headers["Cookie"] = "; ".join(cookies)
        media, request = self.request_example()
        body = None if request is None else request["value"]
        if isinstance(body, dict) and isinstance(body.get("api_key"), str):
            placeholder = KEY_PLACEHOLDER.match(body["api_key"])
            if placeholder:
                body = dict(body, api_key=keys[placeholder.group(1)])
        return path, headers, body, media


def all_cases():
    cases = []
    for method, path, operation in operations():
        for status, response in operation["responses"].items():
            response = resolve(response)
            for media, content in response.get("content", {}).items():
                for name, example in content.get("examples", {}).items():
                    cases.append(Case(method, path, operation, status, media, response, name,
                                      example))
    return cases


CASES = all_cases()


# -- which landing features this server has ------------------------------------------------------

def _probe_server():
    """A throwaway server (and its keys) for the probes, on the suite's store."""
    tmp = tempfile.mkdtemp(prefix="restock-bb-probe-")
    store = os.path.join(tmp, "data")
    if harness.STORE == "postgres":
        cluster = harness.pg_cluster()
        store = cluster.url(cluster.create_database())
    keys = {role: harness.create_key(store, role, "probe-" + role)
            for role in ("admin", "storefront")}
    server = harness.Server(store, store_url=store if store.startswith("postgresql://") else None)
    server.start()
    return tmp, server, harness.Client(server.port, keys)


def _problem_type(response):
    return (response.json or {}).get("type", "") if isinstance(response.json, dict) else ""


FEATURE_PROBES = {
    "product-archive": lambda c: c.request("GET", "/v1/products?archived=all", key="storefront").status == 200,
    "product-search": lambda c: c.request("GET", "/v1/products?q=probe", key="storefront").status == 200,
    "replenishment": lambda c: c.request("POST", "/v1/products", {
        "sku": "PROBE-R", "name": "probe", "on_hand": 5, "reorder_point": 0, "reorder_qty": 1,
        "factory_id": "probe-f", "replenishment": {"mode": "fixed"}}).status == 201,
    "unknown-factory": lambda c: c.request("POST", "/v1/products", {
        "sku": "PROBE-U", "name": "probe", "on_hand": 5, "reorder_point": 0, "reorder_qty": 1,
        "factory_id": "probe-none"}).status == 422,
    "factory-lead-time": lambda c: c.request("POST", "/v1/factories", {
        "id": "probe-g", "url": "http://127.0.0.1:9", "lead_time_days": 3}).status in (200, 201),
    "order-due": lambda c: c.request("GET", "/v1/restock-orders?overdue=false").status == 200,
    "event-filters": lambda c: c.request("GET", "/v1/events?type=stock.low").status == 200,
    "queue-message-ops": lambda c: _problem_type(
        c.request("DELETE", "/v1/queues/stock-empty-dlq/messages/1")).endswith("/message-not-found"),
}
_FEATURES = None


def features():
    """{feature: present} for every feature the document marks, probed once."""
    global _FEATURES
    if _FEATURES is None:
        tmp, server, client = _probe_server()
        try:
            # The probes' products need their factory (a server with unknown-factory checks).
            client.request("POST", "/v1/factories", {"id": "probe-f", "url": "http://127.0.0.1:9"})
            _FEATURES = {name: bool(probe(client)) for name, probe in FEATURE_PROBES.items()}
        finally:
            client.close()
            server.close()
            shutil.rmtree(tmp, True)
    return _FEATURES


# -- the state every example starts from ---------------------------------------------------------

class Baseline:
    """What the examples name: factory f1 (a fake that accepts every order), MUG (40 on hand) and
    PLATE (3, below its reorder point of 5, so restock order ro_1 went to f1 and was
    acknowledged), checkout 1001 of 2 MUG, hold cart-7 of 1 MUG, receipt shipment-1 of 25 MUG."""

    @staticmethod
    def apply(test):
        factory = test.fake_service(200)
        test.factory = factory
        ok = test.assertCreated
        ok(test.request("POST", "/v1/factories", {"id": "f1", "url": factory.url, "timeout_ms": 2000}))
        ok(test.request("POST", "/v1/products", {"sku": "MUG", "name": "Mug", "on_hand": 40,
                                                 "reorder_point": 10, "reorder_qty": 50,
                                                 "factory_id": "f1"}))
        ok(test.request("POST", "/v1/products", {"sku": "PLATE", "name": "Plate", "on_hand": 3,
                                                 "reorder_point": 5, "reorder_qty": 20,
                                                 "factory_id": "f1"}))
        r = test.checkout("1001", [("MUG", 2)])
        test.assertEqual(r.status, 200, r)
        ok(test.request("POST", "/v1/reservations", {"reservation_id": "cart-7",
                                                     "lines": [{"sku": "MUG", "qty": 1}]},
                        key="storefront"))
        ok(test.request("POST", "/v1/stock/MUG/receipts", {"qty": 25, "reference": "shipment-1"},
                        key="factory"))

        def acknowledged():
            r = test.request("GET", "/v1/restock-orders/ro_1")
            return r.status == 200 and r.json["status"] == "acknowledged"
        wait_until(acknowledged, what="restock order ro_1 acknowledged by the fake factory")
        sent = factory.recorded("/api/manufactures")
        callback = urllib.parse.urlsplit(sent[0][0].json["CallbackUrl"])
        test.callback_token = urllib.parse.parse_qs(callback.query)["token"][0]


# Extra state for one example: (operationId, example name) -> requests sent after the baseline.
EXTRA_SETUP = {
    ("checkout", "reservation-closed"): [
        ("POST", "/v1/checkout", {"order_id": "1004", "reservation_id": "cart-7"}, "storefront")],
    ("releaseReservation", "consumed"): [
        ("POST", "/v1/checkout", {"order_id": "1004", "reservation_id": "cart-7"}, "storefront")],
    ("checkout", "product-archived"): [("DELETE", "/v1/products/MUG", None, "admin")],
    ("createReservation", "product-archived"): [("DELETE", "/v1/products/MUG", None, "admin")],
}

# Answers whose status the idempotency record does not keep (docs/api.md, Idempotency).
NOT_RECORDED = {400, 401, 403, 413, 415, 500, 503}


class DocumentTests(unittest.TestCase):
    """The document on its own: no server."""

    def test_schemas_are_json_schema_2020_12(self):
        self.assertEqual(DOC["jsonSchemaDialect"], "https://json-schema.org/draft/2020-12/schema")
        for name, schema in DOC["components"]["schemas"].items():
            with self.subTest(schema=name):
                jsonschema.Draft202012Validator.check_schema(schema)

    def test_response_examples_match_their_schemas(self):
        self.assertGreater(len(CASES), 50)
        for case in CASES:
            with self.subTest(case=repr(case)):
                schema = case.response["content"][case.media]["schema"]
                self.assertEqual(errors_of(schema, case.example["value"]), [])

    def test_request_examples_match_their_schemas(self):
        for case in CASES:
            media, request = case.request_example()
            if request is None:
                continue
            schema = case.operation["requestBody"]["content"][media]["schema"]
            errors = errors_of(schema, request["value"])
            with self.subTest(case=repr(case)):
                if case.status == 400 and case.example["value"]["type"].endswith("/invalid-request"):
                    self.assertNotEqual(errors, [], "the schema lets an invalid request through")
                else:
                    self.assertEqual(errors, [])

    def test_every_request_example_has_an_answer(self):
        answered = {(c.op_id, c.name) for c in CASES}
        for method, path, operation in operations():
            names = set()
            for content in operation.get("requestBody", {}).get("content", {}).values():
                names |= set(content.get("examples", {}))
            for parameter in operation.get("parameters", []):
                names |= set(resolve(parameter).get("examples", {}))
            names.discard("default")
            for name in sorted(names):
                self.assertIn((operation["operationId"], name), answered,
                              f"{method} {path}: example {name!r} has no response example")

    def test_every_landing_feature_can_be_probed(self):
        self.assertEqual(landing_marks(DOC) - set(FEATURE_PROBES), set())


class ServedDocumentTests(ServerTestCase):

    def test_the_served_document_is_docs_openapi_json(self):
        r = self.request("GET", "/v1/openapi.json", key=None)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.content_type, "application/json")
        self.assertTrue(r.raw == DOC_BYTES,
                        f"GET /v1/openapi.json ({len(r.raw)} bytes) differs from docs/openapi.json "
                        f"({len(DOC_BYTES)} bytes): the binary embeds the document of its build")
        head = self.request("HEAD", "/v1/openapi.json", key=None)
        self.assertEqual((head.status, head.raw), (200, b""), head)
        self.assertEqual(int(head.headers["Content-Length"]), len(DOC_BYTES))
        self.assertProblem(self.request("GET", "/v1/openapi.json?v=2", key=None), 400,
                           "invalid-query")
        self.assertProblem(self.request("POST", "/v1/openapi.json", {}, key=None), 405,
                           "method-not-allowed")

    def test_landing_marks_are_current(self):
        present = sorted(f for f, there in features().items() if there and f in landing_marks(DOC))
        self.assertEqual(present, [], "this server has these features: remove their "
                                      "x-restock-landing marks from docs/openapi.json (and the "
                                      "routes from kLanding in openapi_router_test.cpp)")


class ReplayTests(harness.LoopTestCase):
    """One test per response example (added below)."""

    FAST_BACKOFF = None

    def assertCreated(self, response):
        self.assertIn(response.status, (200, 201), response)

    def login(self):
        """The value of the session cookie a login with the admin key sets."""
        r = self.request("POST", "/v1/session", {"api_key": self.keys["admin"]}, key=None)
        self.assertEqual(r.status, 201, r)
        cookie = r.headers.get("Set-Cookie", "")
        match = re.match(r"^restock_session=([^;]+);", cookie)
        self.assertIsNotNone(match, f"no session cookie in {cookie!r}")
        return match.group(1)

    def replay(self, case):
        have = features()
        missing = {f for f in case.features() if not have.get(f, False)}
        doc = relaxed(DOC, {f for f, there in have.items() if not there})
        Baseline.apply(self)
        for method, path, body, key in EXTRA_SETUP.get((case.op_id, case.name), []):
            r = self.request(method, path, body, key=key)
            if r.status >= 400:
                if missing:
                    self.skipTest(f"needs {', '.join(sorted(missing))}, which this server "
                                  f"lacks: setup {method} {path} answered {r.status}")
                self.fail(f"setup {method} {path}: {r!r}")
        path, headers, body, media = case.build(self.callback_token, self.keys, self.login)
        if case.media == "text/event-stream":
            r = self.stream_answer(path, headers, case.key())
        else:
            r = self.client.request(case.method, path, body=body, key=case.key(),
                                    headers=headers, content_type=media)
        try:
            self.check_answer(case, r, doc)
        except AssertionError as failure:
            if missing:
                self.skipTest(f"needs {', '.join(sorted(missing))}, which this server lacks: "
                              f"{case.method} {path} answered {r.status} {_problem_type(r)}")
            raise AssertionError(f"{case!r}: {case.method} {path} -> {failure}") from None
        if "Idempotency-Key" in headers and case.status not in NOT_RECORDED:
            again = self.client.request(case.method, path, body=body, key=case.key(),
                                        headers=headers, content_type=media)
            self.assertEqual(again.status, r.status, again)
            self.assertEqual(again.headers.get("Idempotent-Replayed"), "true", again)
            first = dict(r.json)
            if "replayed" in first:
                first["replayed"] = True
            self.assertEqual(again.json, first)
            self.assertEqual(again.headers.get("X-Request-Id"), r.headers.get("X-Request-Id"))

    def stream_answer(self, path, headers, key):
        """An event stream's answer: its head, and what arrives until its first event (5 s at
        most); then the stream is closed."""
        headers = dict(headers)
        if key is not None:
            headers["Authorization"] = "Bearer " + self.keys[key]
        with sse.SseStream(self.port, path, headers) as stream:
            if stream.status == 200:
                self.assertEqual(len(stream.events(1, timeout=5)), 1, stream.raw)
            return harness.Response(stream.status, stream.headers, stream.raw)

    def check_answer(self, case, r, doc):
        self.assertEqual(r.status, case.status, r)
        self.assertTrue(r.content_type.startswith(case.media.split(";")[0]), r)
        self.assertTrue(r.headers.get("X-Request-Id"), r)
        self.assertIsNone(r.headers.get("Idempotent-Replayed"), r)
        if "Location" in case.response.get("headers", {}):
            self.assertTrue(r.headers.get("Location", "").startswith("/v1/"), r)
        if "Set-Cookie" in case.response.get("headers", {}):
            pattern = resolve(case.response["headers"]["Set-Cookie"])["schema"]["pattern"]
            cookies = r.headers.get_all("Set-Cookie") or []
            self.assertEqual(len(cookies), 1, r)
            self.assertRegex(cookies[0], pattern)
        schema = copy.deepcopy(case.response["content"][case.media]["schema"])
        answer = r.raw.decode("utf-8") if case.media.startswith("text/") else r.json
        errors = errors_of(schema, answer, doc)
        self.assertEqual(errors, [], f"the answer does not match the schema: {r!r}")
        if case.media == PROBLEM_CONTENT_TYPE:
            self.assertEqual(r.json["type"], case.example["value"]["type"], r)
            self.assertEqual(r.json["request_id"], r.headers["X-Request-Id"], r)


def _test_name(case):
    slug = re.sub(r"[^A-Za-z0-9]+", "_", f"{case.op_id}_{case.status}_{case.name}")
    return "test_" + slug.strip("_")


for _case in CASES:
    def _replay(self, case=_case):
        self.replay(case)
    _replay.__doc__ = repr(_case)
    setattr(ReplayTests, _test_name(_case), _replay)


if __name__ == "__main__":
    unittest.main()
