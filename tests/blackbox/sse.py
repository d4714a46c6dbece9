"""A Server-Sent Events client for the black-box tests (Python 3 standard library only).

``SseStream`` sends one GET on a raw socket, reads the response head, and then parses the body as
the HTML standard's EventSource does: blocks end at a blank line; ``id``, ``event``, ``data`` and
``retry`` fields; lines starting with ``:`` are comments. Unlike an EventSource it also hands
back blocks that hold only comments (``: ping``), so a test can see the keep-alive. Reads take a
timeout and leave the stream usable after one runs out.
"""

import http.client
import io
import json
import socket
import time


class Frame:
    """One block of the stream: ``event``, ``id``, ``data`` (lines joined by \\n), ``retry``,
    and ``comments`` (without the leading colon and space), each None or empty if absent."""

    def __init__(self):
        self.id = None
        self.event = None
        self.data = None
        self.retry = None
        self.comments = []

    @property
    def json(self):
        return json.loads(self.data)

    @property
    def is_event(self):
        return self.data is not None

    def __repr__(self):
        if self.is_event:
            return f"<Frame id={self.id} event={self.event} data={self.data[:120]!r}>"
        return f"<Frame retry={self.retry} comments={self.comments!r}>"


def parse_block(text):
    frame = Frame()
    data = []
    for line in text.split("\n"):
        if line.startswith(":"):
            frame.comments.append(line[1:].removeprefix(" "))
            continue
        field, colon, value = line.partition(":")
        value = value.removeprefix(" ") if colon else ""
        if field == "data":
            data.append(value)
        elif field == "id":
            frame.id = value
        elif field == "event":
            frame.event = value
        elif field == "retry":
            frame.retry = value
    if data:
        frame.data = "\n".join(data)
    return frame


class SseStream:
    """``GET path`` with ``headers``; ``status``, ``headers`` (an http.client.HTTPMessage), and
    for an answer that is no stream its ``body`` (bytes) and ``json``."""

    def __init__(self, port, path, headers=None, host="127.0.0.1", timeout=5.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.raw = b""  # every body byte read so far
        self._buffer = b""
        self.closed_by_server = False
        lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Accept: text/event-stream"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self._buffer:
            if not self._fill(deadline):
                raise AssertionError(f"no response head within {timeout} s: {self._buffer!r}")
        head, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
        status_line, _, header_bytes = head.partition(b"\r\n")
        self.status = int(status_line.split()[1])
        self.headers = http.client.parse_headers(io.BytesIO(header_bytes + b"\r\n\r\n"))
        self.body = b""
        self.json = None
        if self.status != 200 or not self.content_type.startswith("text/event-stream"):
            length = int(self.headers.get("Content-Length", "0"))
            while len(self._buffer) < length and self._fill(deadline):
                pass
            self.body, self._buffer = self._buffer[:length], self._buffer[length:]
            self.raw = self.body
            try:
                self.json = json.loads(self.body) if self.body else None
            except ValueError:
                self.json = None

    @property
    def content_type(self):
        return self.headers.get("Content-Type", "")

    def _fill(self, deadline):
        """Reads more; False when the deadline passed first. EOFError once the server closed."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return False
        if not chunk:
            self.closed_by_server = True
            raise EOFError("the server closed the stream")
        self._buffer += chunk
        return True

    def next_frame(self, timeout):
        """The next block (a Frame), or None if none is complete within ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            normalized = self._buffer.replace(b"\r\n", b"\n")
            if b"\n\n" in normalized:
                block, rest = normalized.split(b"\n\n", 1)
                self.raw += block + b"\n\n"
                self._buffer = rest
                return parse_block(block.decode("utf-8"))
            if not self._fill(deadline):
                return None

    def events(self, count, timeout):
        """The next ``count`` event frames (comment blocks skipped), within ``timeout`` s in
        all; fewer if the time runs out."""
        deadline = time.monotonic() + timeout
        out = []
        while len(out) < count:
            frame = self.next_frame(max(0.0, deadline - time.monotonic()))
            if frame is None:
                break
            if frame.is_event:
                out.append(frame)
        return out

    def quiet_for(self, seconds):
        """The event frames that arrive within ``seconds`` (comments skipped)."""
        out = []
        deadline = time.monotonic() + seconds
        while True:
            frame = self.next_frame(max(0.0, deadline - time.monotonic()))
            if frame is None:
                return out
            if frame.is_event:
                out.append(frame)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
