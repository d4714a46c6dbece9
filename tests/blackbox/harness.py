"""Shared helpers for the Restock black-box tests.

Every test talks to the real ``restock`` binary over loopback HTTP. The binary comes from the
RESTOCK_BIN environment variable (ctest sets it); by default ../../build/restock relative to
this file. Python 3 standard library only.

The suite runs against either store: RESTOCK_TEST_STORE=postgres (ctest's blackbox_pg.* tests)
gives every test a fresh database on a throwaway PostgreSQL 15 cluster of this process
(pg_cluster.py), started on first use and removed at exit; unset, a SQLite data dir in a
temporary directory. A test class that only makes sense on one store says so in ``STORES``.
"""

import atexit
import http.client
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
RESTOCK_BIN = os.environ.get(
    "RESTOCK_BIN", os.path.normpath(os.path.join(HERE, "..", "..", "build", "restock")))

STORE = os.environ.get("RESTOCK_TEST_STORE", "sqlite")
if STORE not in ("sqlite", "postgres"):
    raise SystemExit(f"RESTOCK_TEST_STORE must be sqlite or postgres, not {STORE!r}")

REQUEST_TIMEOUT_S = 15.0
START_TIMEOUT_S = 15.0
CLI_TIMEOUT_S = 30.0

PRODUCT_FIELDS = {
    "sku", "name", "on_hand", "reserved", "available", "on_order", "reorder_point",
    "reorder_qty", "order_up_to", "min_order_qty", "pack_size", "factory_id", "ad_id",
    "replenishment", "archived", "archived_at", "status", "created_at", "updated_at",
}
STOCK_EVENTS = ("stock.low", "stock.empty", "stock.short", "stock.restored")
PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "https://restock.dev/problems/"


_PG_CLUSTER = None


def pg_cluster():
    """The PostgreSQL cluster of this test process, started on first use."""
    global _PG_CLUSTER
    if _PG_CLUSTER is None:
        import pg_cluster as pg
        _PG_CLUSTER = pg.PgCluster().start()
        atexit.register(_PG_CLUSTER.stop)
        # ctest's timeout sends SIGTERM: still remove the cluster.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    return _PG_CLUSTER


def store_args(location):
    """The flags that name a store: a PostgreSQL URL, or a SQLite data dir."""
    if location.startswith("postgresql://"):
        return ["--store-url", location]
    return ["--data-dir", location]


def run_cli(*args, check=True, env=None):
    """Runs ``restock ARGS`` (with ``env`` as its whole environment if given); returns the
    CompletedProcess (text mode)."""
    proc = subprocess.run([RESTOCK_BIN, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=CLI_TIMEOUT_S, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"restock {' '.join(args)} exited {proc.returncode}: "
                             f"stdout={proc.stdout!r} stderr={proc.stderr!r}")
    return proc


def create_key(store, role, name):
    """``restock keys create`` on a data dir or store URL: the key is alone on the last stdout
    line."""
    proc = run_cli("keys", "create", *store_args(store), "--role", role, "--name", name)
    lines = [line.strip() for line in proc.stdout.splitlines() if line.strip()]
    if not lines:
        raise AssertionError(f"keys create printed no key: stderr={proc.stderr!r}")
    return lines[-1]


def revoke_key(store, name):
    return run_cli("keys", "revoke", *store_args(store), "--name", name)


class Response:
    """status, headers (case-insensitive http.client.HTTPMessage), parsed json, raw bytes.

    Unpacks as ``status, headers, body = response``.
    """

    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        self.json = None
        if raw:
            try:
                self.json = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                self.json = None

    @property
    def content_type(self):
        return self.headers.get("Content-Type", "")

    def __iter__(self):
        return iter((self.status, self.headers, self.json))

    def __repr__(self):
        return f"<Response {self.status} {self.content_type} {self.raw[:300]!r}>"


def encode_body(body):
    if body is None:
        return None
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body).encode("utf-8")


class Server:
    """One ``restock serve`` process. stdout is drained by a thread into ``lines``."""

    NAME = "restock serve"

    def __init__(self, data_dir, access_log=False, extra_args=(), listen="127.0.0.1:0", env=None,
                 store_url=None):
        self.data_dir = data_dir
        self.store_url = store_url  # a PostgreSQL store, if given (data_dir is then unused)
        self.access_log = access_log
        self.extra_args = list(extra_args)
        self.listen = listen
        self.env = dict(env or {})  # added to this process's environment
        self.proc = None
        self.port = None
        self.lines = []  # every stdout line, decoded
        self._lines_lock = threading.Lock()
        self._reader = None
        self._stderr_file = None

    def command(self):
        """The argv that starts the process."""
        args = [RESTOCK_BIN, "serve", *store_args(self.store_url or self.data_dir),
                "--listen", self.listen]
        if not self.access_log:
            args.append("--no-access-log")
        return args + self.extra_args

    def start(self):
        args = self.command()
        self._stderr_file = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self._stderr_file,
                                     env={**os.environ, **self.env} if self.env else None)
        listening = queue.Queue()

        def drain(stream, proc_lines):
            announced = False
            for raw in iter(stream.readline, b""):
                line = raw.decode("utf-8", "replace").rstrip("\n")
                with self._lines_lock:
                    proc_lines.append(line)
                if not announced:
                    try:
                        record = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(record, dict) and record.get("msg") == "listening":
                        announced = True
                        listening.put(record)
            listening.put(None)  # EOF

        self._reader = threading.Thread(target=drain, args=(self.proc.stdout, self.lines),
                                        daemon=True)
        self._reader.start()
        try:
            record = listening.get(timeout=START_TIMEOUT_S)
        except queue.Empty:
            self.kill()
            raise AssertionError(f"{self.NAME} did not print the listening line within "
                                 f"{START_TIMEOUT_S} s; stderr={self.stderr()!r}")
        if record is None:
            self.wait_exit(5)
            raise AssertionError(f"{self.NAME} exited before listening "
                                 f"(rc={self.proc.returncode}); stderr={self.stderr()!r}")
        host, _, port = record["address"].rpartition(":")
        self.port = int(port)
        self.host = host
        return self

    def stderr(self):
        if self._stderr_file is None:
            return ""
        self._stderr_file.seek(0)
        return self._stderr_file.read().decode("utf-8", "replace")

    def stdout_lines(self):
        with self._lines_lock:
            return list(self.lines)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout):
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        return self.proc.poll()

    def terminate(self, timeout=10):
        """SIGTERM, then SIGKILL if it does not stop in time. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._finish()
        return self.proc.returncode

    def kill(self):
        """SIGKILL (kill -9): no chance to flush or drain."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._finish()

    def _finish(self):
        if self._reader is not None:
            self._reader.join(timeout=5)
        if self.proc.stdout is not None:
            try:
                self.proc.stdout.close()
            except OSError:
                pass

    def close(self):
        try:
            self.terminate(timeout=5)
        finally:
            if self._stderr_file is not None:
                self._stderr_file.close()
                self._stderr_file = None


class Client:
    """A keep-alive HTTP/1.1 connection to the server (one per thread)."""

    def __init__(self, port, keys, host="127.0.0.1", timeout=REQUEST_TIMEOUT_S):
        self.host = host
        self.port = port
        self.keys = keys
        self.timeout = timeout
        self.conn = None

    def _connection(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.conn

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method, path, body=None, key="admin", headers=None,
                content_type="application/json", retry=None):
        """Sends one request. ``key`` is a role name of the test's keys, a literal key, or None
        (no Authorization header). ``body`` may be a JSON-able object, str or raw bytes.
        A GET is retried once on a stale keep-alive connection; other methods are not (unless
        ``retry`` says so), so a write is never sent twice behind the test's back."""
        if retry is None:
            retry = method == "GET"
        all_headers = {}
        if key is not None:
            all_headers["Authorization"] = "Bearer " + self.keys.get(key, key)
        payload = encode_body(body)
        if payload is not None and content_type is not None:
            all_headers["Content-Type"] = content_type
        if headers:
            all_headers.update(headers)
        attempts = 2 if retry else 1
        for attempt in range(attempts):
            conn = self._connection()
            try:
                conn.request(method, path, body=payload, headers=all_headers)
                resp = conn.getresponse()
                raw = resp.read()
                result = Response(resp.status, resp.msg, raw)
                if resp.will_close:
                    self.close()
                return result
            except (ConnectionError, http.client.RemoteDisconnected,
                    http.client.BadStatusLine, BrokenPipeError):
                self.close()
                if attempt + 1 == attempts:
                    raise
            except Exception:
                self.close()
                raise
        raise AssertionError("unreachable")


def qs(**params):
    return "?" + urllib.parse.urlencode(params) if params else ""


class ServerTestCase(unittest.TestCase):
    """Starts a fresh server (own temp data dir or database, admin/storefront/factory keys) per
    test. ``self.store`` is where its data lives: the data dir, or the PostgreSQL URL."""

    ACCESS_LOG = False
    STORES = ("sqlite", "postgres")  # the stores this class's tests are meaningful on

    def setUp(self):
        if STORE not in self.STORES:
            self.skipTest(f"only on {', '.join(self.STORES)}")
        self.tmp = tempfile.mkdtemp(prefix="restock-bb-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.data_dir = os.path.join(self.tmp, "data")
        self.store_url = None
        if STORE == "postgres":
            cluster = pg_cluster()
            self.store_url = cluster.url(cluster.create_database())
        self.store = self.store_url or self.data_dir
        self.keys = {
            "admin": create_key(self.store, "admin", "bb-admin"),
            "storefront": create_key(self.store, "storefront", "bb-storefront"),
            "factory": create_key(self.store, "factory", "bb-factory"),
        }
        self.server = None
        self.client = None
        self._clients = []
        self.addCleanup(self._close_clients)
        self.start_server()

    def start_server(self):
        """Starts (or restarts) the server on self.data_dir; replaces self.server/self.client."""
        server = Server(self.data_dir, access_log=self.ACCESS_LOG,
                        extra_args=self.server_args(), listen=self.listen_address(),
                        env=self.server_env(), store_url=self.store_url)
        self.addCleanup(server.close)
        server.start()
        self.server = server
        self.port = server.port
        if getattr(self, "client", None) is not None:
            self.client.close()
        self.client = Client(self.port, self.keys)
        return server

    def listen_address(self):
        """--listen for start_server(); subclasses that need a fixed port override it."""
        return "127.0.0.1:0"

    def server_args(self):
        """Extra ``restock serve`` arguments for start_server(); subclasses override it."""
        return []

    def server_env(self):
        """Extra environment variables for start_server(); subclasses override it."""
        return {}

    def _close_clients(self):
        for c in self._clients:
            c.close()
        if getattr(self, "client", None) is not None:
            self.client.close()

    def new_client(self):
        c = Client(self.port, self.keys)
        self._clients.append(c)
        return c

    # -- requests -------------------------------------------------------------------------------

    def request(self, method, path, body=None, key="admin", headers=None,
                content_type="application/json"):
        return self.client.request(method, path, body=body, key=key, headers=headers,
                                   content_type=content_type)

    def raw_exchange(self, data, read_timeout=5.0):
        """Sends raw bytes on a fresh socket; returns everything read until close/timeout."""
        chunks = []
        with socket.create_connection(("127.0.0.1", self.port), timeout=read_timeout) as s:
            try:
                s.sendall(data)
            except OSError:
                pass
            try:
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            deadline = time.monotonic() + read_timeout
            while time.monotonic() < deadline:
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    break
                except OSError:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
        return b"".join(chunks)

    # -- domain helpers -------------------------------------------------------------------------

    # Where a factory a test names but does not register sends its orders: a port nothing
    # listens on, so an order to it fails as an unregistered factory's used to.
    NOWHERE = "http://127.0.0.1:9"

    def ensure_factory(self, factory_id):
        """Registers the factory (at NOWHERE) unless it is: products must name a registered
        factory. A test that registers it later with a real URL replaces it."""
        r = self.request("GET", "/v1/factories/" + urllib.parse.quote(factory_id, safe=""))
        if r.status == 404:
            r = self.request("POST", "/v1/factories",
                             {"id": factory_id, "url": self.NOWHERE, "format": "legacy"})
            self.assertIn(r.status, (200, 201), r)
        else:
            self.assertEqual(r.status, 200, r)

    def create_product(self, sku, on_hand=0, reorder_point=0, reorder_qty=10,
                       factory_id="factory-1", **extra):
        self.ensure_factory(factory_id)
        body = {"sku": sku, "name": "Product " + sku, "on_hand": on_hand,
                "reorder_point": reorder_point, "reorder_qty": reorder_qty,
                "factory_id": factory_id}
        body.update(extra)
        r = self.request("POST", "/v1/products", body)
        self.assertEqual(r.status, 201, r)
        return r.json

    def get_product(self, sku):
        r = self.request("GET", "/v1/products/" + sku)
        self.assertEqual(r.status, 200, r)
        return r.json

    def on_hand(self, sku):
        return self.get_product(sku)["on_hand"]

    def checkout(self, order_id, lines, key="storefront", headers=None):
        body = {"order_id": order_id, "lines": [{"sku": s, "qty": q} for s, q in lines]}
        return self.request("POST", "/v1/checkout", body, key=key, headers=headers)

    def all_movements(self, sku, limit=500):
        """The whole ledger of one product, newest first, following next_cursor."""
        items, cursor, pages = [], None, 0
        while True:
            params = {"limit": limit}
            if cursor is not None:
                params["cursor"] = cursor
            r = self.request("GET", f"/v1/stock/{sku}/movements" + qs(**params))
            self.assertEqual(r.status, 200, r)
            items.extend(r.json["items"])
            cursor = r.json["next_cursor"]
            pages += 1
            self.assertLess(pages, 10000, "movement paging does not terminate")
            if cursor is None:
                return items

    def all_products(self, limit=500, status=None):
        items, cursor, pages = [], None, 0
        while True:
            params = {"limit": limit}
            if status is not None:
                params["status"] = status
            if cursor is not None:
                params["cursor"] = cursor
            r = self.request("GET", "/v1/products" + qs(**params), key="storefront")
            self.assertEqual(r.status, 200, r)
            items.extend(r.json["items"])
            cursor = r.json["next_cursor"]
            pages += 1
            self.assertLess(pages, 10000, "product paging does not terminate")
            if cursor is None:
                return items

    def all_events(self, types=None):
        """The event log from the start, in order; only ``types`` if given."""
        items, after = [], 0
        while True:
            r = self.request("GET", "/v1/events" + qs(after=after, limit=500))
            self.assertEqual(r.status, 200, r)
            items.extend(r.json["items"])
            if not r.json["items"]:
                return [e for e in items if types is None or e["type"] in types]
            after = r.json["next_after"]

    # -- assertions -----------------------------------------------------------------------------

    def assertCliFails(self, proc, exit_code, text=None):
        """A ``restock`` CLI run (run_cli(..., check=False)) that failed with ``exit_code`` and,
        if given, said ``text`` on stderr."""
        self.assertEqual(proc.returncode, exit_code, proc)
        if text is not None:
            self.assertIn(text, proc.stderr)

    def assertProblem(self, response, status, slug=None):
        """A 4xx/5xx with an RFC 9457 problem+json body that agrees with the status line."""
        self.assertEqual(response.status, status, response)
        self.assertTrue(response.content_type.startswith(PROBLEM_CONTENT_TYPE), response)
        body = response.json
        self.assertIsInstance(body, dict, response)
        for field in ("type", "title", "status", "detail"):
            self.assertIn(field, body, response)
        self.assertEqual(body["status"], status, response)
        self.assertIsInstance(body["title"], str)
        self.assertTrue(body["title"], response)
        self.assertIsInstance(body["detail"], str)
        self.assertTrue(body["detail"], response)
        self.assertIsInstance(body["type"], str)
        if slug is not None:
            self.assertEqual(body["type"], PROBLEM_BASE + slug, response)
        return body


# -- the restock loop: factory-sim, fake external services, polling ------------------------------

LOOP_WAIT_S = 15.0  # upper bound of every wait for the loop to make progress


def free_port():
    """A TCP port nothing listens on right now (bind to 0, read, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(probe, timeout=LOOP_WAIT_S, interval=0.05, what="condition", describe=None):
    """Polls ``probe()`` until it returns something truthy; returns that. On timeout fails with
    ``what`` and ``describe()`` (or the last probe value)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() >= deadline:
            state = describe() if describe is not None else value
            raise AssertionError(f"timed out after {timeout} s waiting for {what}; "
                                 f"state: {state!r}")
        time.sleep(interval)


def http_call(base_url, method, path, body=None, headers=None, timeout=REQUEST_TIMEOUT_S):
    """One request on a fresh connection to ``base_url`` (http://host:port); a Response."""
    parsed = urllib.parse.urlsplit(base_url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    try:
        payload = encode_body(body)
        all_headers = {}
        if payload is not None:
            all_headers["Content-Type"] = "application/json"
        if headers:
            all_headers.update(headers)
        conn.request(method, path, body=payload, headers=all_headers)
        resp = conn.getresponse()
        return Response(resp.status, resp.msg, resp.read())
    finally:
        conn.close()


class SyncGateMixin:
    """For a ServerTestCase whose server runs with the sync gate (sync_gate/sync_gate.cpp): an
    LD_PRELOAD shim that holds every fsync/fdatasync of the server's process while a file
    exists, so a commit is written but waits for its sync. Only SQLite syncs in-process, so
    such a test sets STORES = ("sqlite",)."""

    def setUp(self):
        self.shim = os.environ.get("RESTOCK_SYNC_GATE_LIB", "")
        if not self.shim:
            self.skipTest("no sync gate shim in this build (the sanitizer build has none)")
        gate_dir = tempfile.mkdtemp(prefix="restock-gate-")
        self.addCleanup(shutil.rmtree, gate_dir, True)
        self.gate = os.path.join(gate_dir, "hold-syncs")
        super().setUp()

    def server_env(self):
        return {**super().server_env(), "LD_PRELOAD": self.shim,
                "RESTOCK_TEST_SYNC_GATE": self.gate}

    def hold_syncs(self):
        with open(self.gate, "w"):
            pass
        self.addCleanup(lambda: os.path.exists(self.gate) and os.remove(self.gate))

    def release_syncs(self):
        os.remove(self.gate)


class FactorySim(Server):
    """One ``restock factory-sim`` process (same process handling as Server)."""

    NAME = "restock factory-sim"

    def __init__(self, *flags, listen="127.0.0.1:0"):
        super().__init__(None, listen=listen, extra_args=flags)

    def command(self):
        return [RESTOCK_BIN, "factory-sim", "--listen", self.listen, *self.extra_args]

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def call(self, method, path, body=None):
        return http_call(self.url, method, path, body)

    def orders(self):
        """Every order the factory accepted (GET /api/orders), oldest first."""
        r = self.call("GET", "/api/orders")
        if r.status != 200:
            raise AssertionError(f"factory-sim GET /api/orders: {r!r}")
        return r.json["orders"]

    def control(self, **settings):
        r = self.call("POST", "/control", settings)
        if r.status != 200:
            raise AssertionError(f"factory-sim POST /control {settings}: {r!r}")
        return r.json

    def replay(self, seq):
        return self.call("POST", "/api/callbacks/replay", {"seq": seq})


class RecordedRequest:
    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.at = time.monotonic()
        try:
            self.json = json.loads(body.decode("utf-8")) if body else None
        except (UnicodeDecodeError, ValueError):
            self.json = None

    def __repr__(self):
        return f"<{self.method} {self.path} {self.body[:200]!r}>"


class FakeService:
    """An HTTP server in a thread (stdlib http.server) that records every request and answers
    ``status`` (changeable at run time) with a JSON body. ``responder(request)`` may instead
    return ``(status, body_bytes)``. Stands in for the Ads API, webhook receivers, factories."""

    def __init__(self, status=200, responder=None, port=0):
        import http.server

        self.status = status
        self.responder = responder
        self.requests = []
        self.answers = []  # the status answered to each recorded request, same order
        self.lock = threading.Lock()
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = RecordedRequest(self.command, self.path, self.headers, body)
                with service.lock:
                    responder = service.responder
                    status = service.status
                if responder is not None:
                    status, payload = responder(request)
                else:
                    payload = b'{"ok":true}' if 200 <= status < 300 else b'{"error":"fake"}'
                with service.lock:
                    service.requests.append(request)
                    service.answers.append(status)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        class QuietServer(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # clients (curl's pooled connections) may reset idle connections

        self.httpd = QuietServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def set_status(self, status):
        with self.lock:
            self.status = status

    def recorded(self, path=None):
        """(request, answered status) pairs, optionally only for one path."""
        with self.lock:
            pairs = list(zip(self.requests, self.answers))
        return [(r, s) for r, s in pairs if path is None or r.path == path]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


class LoopTestCase(ServerTestCase):
    """A server on a fixed free port (the factory calls back to its public URL) plus helpers
    for factories, queues, restock orders and the event log. Every queue's retry policy is
    shrunk (FAST_BACKOFF: 4 receives, 20 ms doubling to 100 ms) so retries and dead-lettering
    take well under a second instead of the defaults' 15 minutes to a day."""

    FAST_BACKOFF = {"max_receive_count": 4, "backoff_base_ms": 20, "backoff_max_ms": 100}
    QUEUES = ("restock-orders", "ad-control", "stock-receipts", "notifications")

    def setUp(self):
        self.listen_port = free_port()
        super().setUp()
        if self.FAST_BACKOFF:
            for name in self.QUEUES:
                self.patch_queue(name, **self.FAST_BACKOFF)

    def listen_address(self):
        return f"127.0.0.1:{self.listen_port}"

    def start_server(self):
        # The port was free a moment ago; if someone took it meanwhile, pick another (first
        # start only: a restart must keep the port the factory calls back to).
        for attempt in range(3):
            try:
                return super().start_server()
            except AssertionError:
                if getattr(self, "server", None) is not None or attempt == 2:
                    raise
                self.listen_port = free_port()
        raise AssertionError("unreachable")

    @property
    def public_url(self):
        return f"http://127.0.0.1:{self.listen_port}"

    # -- external processes ---------------------------------------------------------------------

    def start_factory_sim(self, *flags, listen="127.0.0.1:0"):
        sim = FactorySim(*flags, listen=listen)
        self.addCleanup(sim.close)
        sim.start()
        return sim

    def fake_service(self, status=200, responder=None, port=0):
        service = FakeService(status=status, responder=responder, port=port)
        self.addCleanup(service.close)
        return service

    # -- loop resources -------------------------------------------------------------------------

    def register_factory(self, factory_id, url, timeout_ms=2000):
        r = self.request("POST", "/v1/factories",
                         {"id": factory_id, "url": url, "format": "legacy",
                          "timeout_ms": timeout_ms})
        self.assertIn(r.status, (200, 201), r)
        self.assertEqual((r.json["id"], r.json["url"]), (factory_id, url))
        return r.json

    def patch_queue(self, name, **settings):
        r = self.request("PATCH", "/v1/queues/" + name, settings)
        self.assertEqual(r.status, 200, r)
        for key, value in settings.items():
            self.assertEqual(r.json[key], value, r)
        return r.json

    def queues(self):
        r = self.request("GET", "/v1/queues")
        self.assertEqual(r.status, 200, r)
        return {q["name"]: q for q in r.json["items"]}

    def queue(self, name):
        return self.queues()[name]

    def queue_messages(self, name, limit=100):
        r = self.request("GET", f"/v1/queues/{name}/messages" + qs(limit=limit))
        self.assertEqual(r.status, 200, r)
        return r.json["items"]

    def queue_idle(self, name):
        q = self.queue(name)
        return q["visible"] == 0 and q["in_flight"] == 0 and q["delayed"] == 0

    def redrive(self, dlq):
        r = self.request("POST", f"/v1/queues/{dlq}/redrive")
        self.assertEqual(r.status, 200, r)
        return r.json["redriven"]

    def restock_orders(self, sku=None):
        """Every restock order (newest first), optionally of one sku."""
        r = self.request("GET", "/v1/restock-orders" + qs(limit=500))
        self.assertEqual(r.status, 200, r)
        return [o for o in r.json["items"] if sku is None or o["sku"] == sku]

    def restock_order(self, order_id):
        r = self.request("GET", "/v1/restock-orders/" + order_id)
        self.assertEqual(r.status, 200, r)
        return r.json

    def events_for(self, sku, types=None, after=0):
        return [e for e in self.all_events(types) if e["sku"] == sku and e["seq"] > after]

    def last_seq(self):
        events = self.all_events()
        return events[-1]["seq"] if events else 0

    # -- waiting --------------------------------------------------------------------------------

    def wait_for(self, probe, what, timeout=LOOP_WAIT_S, describe=None):
        return wait_until(probe, timeout=timeout, what=what, describe=describe)

    def wait_for_order(self, sku, status, timeout=LOOP_WAIT_S):
        """The one restock order of ``sku`` once it has ``status``."""
        def probe():
            orders = [o for o in self.restock_orders(sku) if o["status"] == status]
            return orders[0] if orders else None
        return self.wait_for(probe, f"a {status} restock order for {sku}", timeout,
                             describe=lambda: self.restock_orders(sku))

    def wait_for_on_hand(self, sku, on_hand, timeout=LOOP_WAIT_S):
        return self.wait_for(lambda: self.get_product(sku)["on_hand"] == on_hand,
                             f"{sku} on_hand == {on_hand}", timeout,
                             describe=lambda: self.get_product(sku))

    def wait_for_dlq(self, dlq, count=1, timeout=LOOP_WAIT_S):
        """The DLQ's messages once it holds ``count``."""
        def probe():
            messages = self.queue_messages(dlq)
            return messages if len(messages) >= count else None
        return self.wait_for(probe, f"{count} message(s) in {dlq}", timeout,
                             describe=self.queues)

    def wait_for_idle(self, *names, timeout=LOOP_WAIT_S):
        self.wait_for(lambda: all(self.queue_idle(n) for n in names),
                      f"queues {names} idle", timeout, describe=self.queues)

    def settle(self, seconds=0.5):
        """Lets asynchronous work that should NOT happen have a chance to happen."""
        time.sleep(seconds)
