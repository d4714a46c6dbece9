"""Connection I/O of the HTTP server: a request that arrives while the previous one is still in
the engine, a flood of pipelined requests, a response larger than the socket buffers read by a
slow client, and a client that closes its side right after its request."""

import json
import socket
import threading
import time
import unittest

from harness import ServerTestCase


def read_response(stream):
    """Reads one HTTP/1.1 response with a Content-Length body; returns (status, headers, body)."""
    status_line = stream.readline()
    if not status_line:
        raise AssertionError("the connection closed before a response")
    status = int(status_line.split()[1])
    headers = {}
    while True:
        line = stream.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
    body = stream.read(int(headers["content-length"]))
    return status, headers, body


class ConnectionIoTests(ServerTestCase):
    def raw_request(self, method, path, body=b"", role="storefront", request_id=None):
        head = (f"{method} {path} HTTP/1.1\r\nHost: x\r\n"
                f"Authorization: Bearer {self.keys[role]}\r\n")
        if request_id:
            head += f"X-Request-Id: {request_id}\r\n"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        return head.encode() + b"\r\n" + body

    def checkout_bytes(self, order_id, sku):
        body = json.dumps({"order_id": order_id, "lines": [{"sku": sku, "qty": 1}]}).encode()
        return self.raw_request("POST", "/v1/checkout", body, request_id=order_id)

    def connect(self, receive_buffer=None):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(sock.close)
        if receive_buffer:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.settimeout(15)
        sock.connect(("127.0.0.1", self.port))
        return sock

    def test_a_request_sent_before_the_previous_answer_is_answered_after_it(self):
        self.create_product("EARLY-1", on_hand=1000)
        sock = self.connect()
        stream = sock.makefile("rb")
        rounds = 60
        for i in range(rounds):
            first = self.checkout_bytes(f"early-{i}-a", "EARLY-1")
            second = self.checkout_bytes(f"early-{i}-b", "EARLY-1")
            # The second request comes in the same segment as the first, right behind it, or
            # half a millisecond later, while the first is in the engine.
            if i % 3 == 0:
                sock.sendall(first + second)
            else:
                sock.sendall(first)
                if i % 3 == 2:
                    time.sleep(0.0005)
                sock.sendall(second)
            for suffix in ("a", "b"):
                status, headers, body = read_response(stream)
                self.assertEqual(status, 200, body)
                # The answer and its headers belong to the same request, in order.
                self.assertEqual(json.loads(body)["order_id"], f"early-{i}-{suffix}")
                self.assertEqual(headers["x-request-id"], f"early-{i}-{suffix}")
        self.assertEqual(self.on_hand("EARLY-1"), 1000 - 2 * rounds)

    def test_thousands_of_pipelined_requests_are_all_answered_in_order(self):
        # Answered on the I/O thread without the engine; each answer leads on to the next
        # request, which must not nest one call deeper per request.
        count = 20000
        requests = b"".join(
            f"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: flood-{i}\r\n\r\n".encode()
            for i in range(count))
        sock = self.connect()
        sender = threading.Thread(target=sock.sendall, args=(requests,))
        sender.start()
        self.addCleanup(sender.join)
        stream = sock.makefile("rb")
        for i in range(count):
            status, headers, _ = read_response(stream)
            self.assertEqual(status, 200)
            self.assertEqual(headers["x-request-id"], f"flood-{i}")
        self.assertEqual(self.request("GET", "/healthz").status, 200)

    def test_a_large_response_reaches_a_slow_reader_whole(self):
        count = 240
        for i in range(count):
            self.create_product(f"BIG-{i:03d}", on_hand=5, name="x" * 200)
        request = self.raw_request("GET", "/v1/products?limit=500")
        sock = self.connect(receive_buffer=4096)
        stream = sock.makefile("rb")
        for _ in range(2):  # the connection serves on after the slow write
            sock.sendall(request)
            time.sleep(0.3)  # the server's socket fills up and waits for this client
            status, headers, body = read_response(stream)
            self.assertEqual(status, 200, body[:200])
            self.assertGreater(len(body), 60000)
            self.assertEqual(len(body), int(headers["content-length"]))
            items = json.loads(body)["items"]
            self.assertEqual(len(items), count)

    def test_a_client_that_closes_its_side_after_a_checkout_still_gets_the_answer(self):
        self.create_product("HALF-1", on_hand=10)
        for i in range(5):
            sock = self.connect()
            sock.sendall(self.checkout_bytes(f"half-{i}", "HALF-1"))
            sock.shutdown(socket.SHUT_WR)
            stream = sock.makefile("rb")
            status, _, body = read_response(stream)
            self.assertEqual(status, 200, body)
            self.assertEqual(stream.read(), b"", "the server closes after the answer")
        self.assertEqual(self.on_hand("HALF-1"), 5)


class ConnectionIoOnThreeLanesTests(ConnectionIoTests):
    """The same with three I/O threads: the first accepts and deals connections out in turn, so
    these tests' connections land on every lane."""

    def server_args(self):
        return ["--io-threads", "3"]


if __name__ == "__main__":
    unittest.main()


class LingeringCloseTests(ServerTestCase):
    """Regression (issue 16, item 7): a client that reads only after it has written its whole
    request (Python's http.client, requests) got a connection reset instead of the 413 for an
    oversized body: the server closed with the rest of the body unread. It now reads and drops
    a bounded amount after answering, then closes."""

    def test_a_writer_first_client_gets_the_413_for_a_large_body(self):
        import http.client
        for size in (200 * 1024, 900 * 1024):
            with self.subTest(size=size):
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
                body = b'{"order_id":"' + b"x" * size + b'","lines":[]}'
                conn.request("POST", "/v1/checkout", body=body, headers={
                    "Authorization": "Bearer " + self.keys["storefront"],
                    "Content-Type": "application/json"})
                response = conn.getresponse()
                raw = response.read()
                conn.close()
                self.assertEqual(response.status, 413, raw[:200])
                self.assertIn(b"payload-too-large", raw)
                self.assertEqual(response.getheader("Connection"), "close")
