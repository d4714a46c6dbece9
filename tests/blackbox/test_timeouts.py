"""Read timeouts: idle, slow-header and slow-body connections are closed; active ones are not."""

import json
import socket
import subprocess
import time
import unittest

from harness import RESTOCK_BIN, ServerTestCase

HEADER_TIMEOUT_S = 0.4
BODY_TIMEOUT_S = 0.3
# Deadlines are swept, not timed per operation: a close may come a little after its deadline.
SLACK_S = 2.0


class TimeoutTests(ServerTestCase):
    def server_args(self):
        return ["--header-timeout-ms", str(int(HEADER_TIMEOUT_S * 1000)),
                "--body-timeout-ms", str(int(BODY_TIMEOUT_S * 1000))]

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        self.addCleanup(sock.close)
        return sock

    def seconds_until_closed(self, sock, started, trickle=None):
        """Reads until the server closes; `trickle(sock)` is called between reads."""
        sock.settimeout(0.05)
        while time.monotonic() - started < 10:
            try:
                data = sock.recv(4096)
                if data == b"":
                    return time.monotonic() - started
                self.fail(f"unexpected bytes from the server: {data[:200]!r}")
            except socket.timeout:
                if trickle:
                    try:
                        trickle(sock)
                    except OSError:
                        return time.monotonic() - started
            except ConnectionResetError:
                return time.monotonic() - started
        self.fail("the server never closed the connection")

    def assertClosedAfter(self, elapsed, timeout_s):
        self.assertGreaterEqual(elapsed, timeout_s * 0.9)
        self.assertLess(elapsed, timeout_s + SLACK_S)

    def test_an_idle_connection_is_closed_after_the_header_timeout(self):
        sock = self.connect()
        self.assertClosedAfter(self.seconds_until_closed(sock, time.monotonic()),
                               HEADER_TIMEOUT_S)
        self.assertEqual(self.request("GET", "/healthz", key=None).status, 200)

    def test_a_header_sent_byte_by_byte_does_not_extend_the_deadline(self):
        sock = self.connect()
        started = time.monotonic()
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        elapsed = self.seconds_until_closed(sock, started,
                                            trickle=lambda s: s.sendall(b"X-Slow: a\r\n"))
        self.assertClosedAfter(elapsed, HEADER_TIMEOUT_S)

    def test_a_body_that_stops_arriving_is_dropped_and_changes_nothing(self):
        self.create_product("SLOW-1", on_hand=5)
        body = json.dumps({"order_id": "slow-1", "lines": [{"sku": "SLOW-1", "qty": 1}]})
        head = ("POST /v1/checkout HTTP/1.1\r\nHost: x\r\n"
                f"Authorization: Bearer {self.keys['storefront']}\r\n"
                "Content-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        sock = self.connect()
        started = time.monotonic()
        sock.sendall(head + body.encode()[:10])
        self.assertClosedAfter(self.seconds_until_closed(sock, started), BODY_TIMEOUT_S)
        self.assertEqual(self.get_product("SLOW-1")["on_hand"], 5)

    def test_a_busy_keep_alive_connection_stays_open(self):
        # Each request starts a new header deadline: five requests over about twice the header
        # timeout all get answers on the one connection.
        sock = self.connect()
        for _ in range(5):
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            reply = b""
            while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
                chunk = sock.recv(4096)
                self.assertNotEqual(chunk, b"", "the server closed a busy connection")
                reply += chunk
            self.assertTrue(reply.startswith(b"HTTP/1.1 200"), reply[:200])
            time.sleep(HEADER_TIMEOUT_S / 2)

    def test_time_settings_out_of_range_stop_start_up_with_a_message(self):
        for flag, value in [("--header-timeout-ms", "5"), ("--body-timeout-ms", "abc"),
                            ("--group-commit-wait-us", "-1"),
                            ("--group-commit-wait-us", "100001")]:
            with self.subTest(flag=flag, value=value):
                proc = subprocess.run(
                    [RESTOCK_BIN, "serve", "--data-dir", self.data_dir, "--listen",
                     "127.0.0.1:0", flag, value],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
                self.assertNotEqual(proc.returncode, 0)
                self.assertIn(flag.lstrip("-").replace("-", "_"), proc.stderr.decode())


if __name__ == "__main__":
    unittest.main()
