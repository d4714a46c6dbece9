"""GET /v1/events/stream (issue 14, item 4): the event log as Server-Sent Events, read with a raw
socket (sse.py) and checked against GET /v1/events.

- The head (200, text/event-stream, no-store, X-Request-Id), the preamble (``retry:`` and a
  comment), one frame per event: ``id`` is the seq, ``event`` the type, ``data`` the event's JSON
  exactly as GET /v1/events lists it; an event arrives within 1 s of the checkout that raised it.
- Resuming with Last-Event-ID (which wins over ?after=) or ?after= gives no gap and no
  duplicate, also across events raised while the client was away or while it reads.
- Filters by type and SKU; the admin role only (storefront and factory 403, no or bad key 401);
  the dashboard's cookie works; 429 past 8 streams per key, a closed stream frees its place;
  409 cursor-ahead, 400 for a bad cursor or query; a ``: ping`` after 15 s of quiet; SIGTERM
  ends the server and its streams.
"""

import time
import unittest

import sse
from harness import STORE, ServerTestCase, create_key, qs, wait_until

MAX_STREAMS = 8
ARRIVAL_S = 1.0
KEEPALIVE_S = 15.0


class EventStreamTestCase(ServerTestCase):

    def setUp(self):
        super().setUp()
        self.streams = []
        self.addCleanup(lambda: [s.close() for s in self.streams])

    def open_stream(self, query="", key="admin", headers=None):
        all_headers = {}
        if key is not None:
            all_headers["Authorization"] = "Bearer " + self.keys.get(key, key)
        all_headers.update(headers or {})
        stream = sse.SseStream(self.port, "/v1/events/stream" + query, all_headers)
        self.streams.append(stream)
        return stream

    def open_ok(self, query="", key="admin", headers=None):
        """A stream that must open: its preamble read, its cursor (the seq it starts after)
        returned with it."""
        stream = self.open_stream(query, key, headers)
        self.assertEqual(stream.status, 200, (stream.status, stream.body))
        preamble = stream.next_frame(5)
        self.assertIsNotNone(preamble, "no preamble")
        self.assertEqual(preamble.retry, "2000", preamble)
        self.assertFalse(preamble.is_event, preamble)
        self.assertEqual(len(preamble.comments), 1, preamble)
        prefix = "stream of events after seq "
        self.assertTrue(preamble.comments[0].startswith(prefix), preamble)
        return stream, int(preamble.comments[0][len(prefix):])

    def product(self, sku):
        """A product that raises stock.low and stock.restored on demand and orders nothing."""
        self.create_product(sku, on_hand=10, reorder_point=5, replenishment={"mode": "none"})

    def toggle(self, sku):
        """Two events on ``sku``: stock.low (10 -> 4), then stock.restored (back to 10)."""
        for delta in (-6, 6):
            r = self.request("POST", f"/v1/stock/{sku}/adjustments",
                             {"delta": delta, "reason": "count"})
            self.assertEqual(r.status, 201, r)

    def last_seq(self):
        events = self.all_events()
        return events[-1]["seq"] if events else 0

    def assertFramesAreEvents(self, frames, events):
        """Each frame is its event: id the seq, event the type, data the listed JSON."""
        self.assertEqual([(f.id, f.event) for f in frames],
                         [(str(e["seq"]), e["type"]) for e in events])
        self.assertEqual([f.json for f in frames], events)

    def assertStreamProblem(self, stream, status, slug):
        self.assertEqual(stream.status, status, (stream.status, stream.body))
        self.assertEqual(stream.content_type, "application/problem+json")
        self.assertEqual(stream.json["type"], "https://restock.dev/problems/" + slug,
                         stream.json)


class EventStreamTests(EventStreamTestCase):

    def test_an_event_arrives_within_a_second_of_its_checkout(self):
        self.product("SSE-1")
        start = self.last_seq()
        stream, cursor = self.open_ok()
        self.assertEqual(cursor, start)  # no cursor: from the end of the log
        self.assertEqual(stream.headers.get("Cache-Control"), "no-store")
        self.assertTrue(stream.headers.get("X-Request-Id"))
        self.assertIsNone(stream.headers.get("Content-Length"))
        self.assertEqual(stream.quiet_for(0.5), [], "events from before the stream")
        sent = time.monotonic()
        r = self.checkout("sse-o1", [("SSE-1", 6)])
        self.assertEqual(r.status, 200, r)
        frames = stream.events(1, timeout=5)
        arrived = time.monotonic() - sent
        self.assertEqual(len(frames), 1, "no event within 5 s of the checkout")
        self.assertLess(arrived, ARRIVAL_S, f"the event took {arrived:.2f} s")
        listed = [e for e in self.all_events() if e["seq"] > start]
        self.assertEqual([e["type"] for e in listed], ["stock.low"])
        self.assertFramesAreEvents(frames, listed)
        self.assertEqual(listed[0]["cause"], "checkout")

    def test_every_event_once_in_order_while_they_are_raised(self):
        for sku in ("SSE-A", "SSE-B"):
            self.product(sku)
        stream, cursor = self.open_ok("?after=0")
        self.assertEqual(cursor, 0)
        for _ in range(10):
            self.toggle("SSE-A")
            self.toggle("SSE-B")
        events = self.all_events()
        frames = stream.events(len(events), timeout=10)
        self.assertFramesAreEvents(frames, events)
        self.assertEqual(stream.quiet_for(0.5), [], "more frames than events")

    def test_resume_with_last_event_id_or_after_has_no_gap_and_no_duplicate(self):
        self.product("SSE-R")
        for _ in range(3):
            self.toggle("SSE-R")
        first, _ = self.open_ok("?after=0")
        seen = first.events(4, timeout=5)
        self.assertEqual(len(seen), 4)
        first.close()
        # While the client is away, more events.
        for _ in range(3):
            self.toggle("SSE-R")
        last_id = seen[-1].id
        # Last-Event-ID wins over ?after= (an EventSource keeps its URL when it reconnects).
        again, cursor = self.open_ok("?after=0", headers={"Last-Event-ID": last_id})
        self.assertEqual(cursor, int(last_id))
        events = self.all_events()
        rest = again.events(len(events) - 4, timeout=5)
        self.assertFramesAreEvents(seen + rest, events)
        self.assertEqual(again.quiet_for(0.5), [])
        # ?after= alone resumes the same way; Last-Event-ID 0 is the start.
        by_after, _ = self.open_ok(qs(after=seen[1].id))
        self.assertFramesAreEvents(by_after.events(len(events) - 2, timeout=5), events[2:])
        from_zero, _ = self.open_ok(headers={"Last-Event-ID": "0"})
        self.assertFramesAreEvents(from_zero.events(len(events), timeout=5), events)
        # At the end of the log: nothing until the next event.
        at_end, _ = self.open_ok(headers={"Last-Event-ID": str(events[-1]["seq"])})
        self.assertEqual(at_end.quiet_for(0.5), [])
        self.toggle("SSE-R")
        self.assertFramesAreEvents(at_end.events(2, timeout=5), self.all_events()[-2:])

    def test_filters_by_type_and_sku(self):
        for sku in ("SSE-F1", "SSE-F2"):
            self.product(sku)
        by_type, _ = self.open_ok("?after=0&type=stock.restored")
        by_sku, _ = self.open_ok("?after=0&sku=SSE-F2")
        both, _ = self.open_ok("?after=0&type=stock.low,stock.empty&sku=SSE-F1")
        for _ in range(3):
            self.toggle("SSE-F1")
            self.toggle("SSE-F2")
        events = self.all_events()
        cases = [(by_type, 6, [e for e in events if e["type"] == "stock.restored"]),
                 (by_sku, 6, [e for e in events if e["sku"] == "SSE-F2"]),
                 (both, 3, [e for e in events
                            if e["sku"] == "SSE-F1" and e["type"] == "stock.low"])]
        for stream, count, want in cases:
            self.assertEqual(len(want), count)
            self.assertFramesAreEvents(stream.events(len(want), timeout=5), want)
            self.assertEqual(stream.quiet_for(0.3), [])

    def test_the_admin_role_only(self):
        self.assertStreamProblem(self.open_stream(key="storefront"), 403, "forbidden")
        self.assertStreamProblem(self.open_stream(key="factory"), 403, "forbidden")
        unauthorized = self.open_stream(key=None)
        self.assertStreamProblem(unauthorized, 401, "unauthorized")
        self.assertEqual(unauthorized.headers.get("WWW-Authenticate"), "Bearer")
        self.assertStreamProblem(self.open_stream(key="rk_not_a_key"), 401, "unauthorized")

    def test_the_dashboard_cookie_works(self):
        self.product("SSE-C")
        login = self.request("POST", "/v1/session", {"api_key": self.keys["admin"]}, key=None)
        self.assertEqual(login.status, 201, login)
        cookie = login.headers["Set-Cookie"].split(";")[0]
        stream, _ = self.open_ok(key=None, headers={"Cookie": cookie})
        self.toggle("SSE-C")
        self.assertFramesAreEvents(stream.events(2, timeout=5), self.all_events()[-2:])
        login = self.request("POST", "/v1/session", {"api_key": self.keys["storefront"]},
                             key=None)
        self.assertEqual(login.status, 201, login)
        storefront = self.open_stream(key=None,
                                      headers={"Cookie": login.headers["Set-Cookie"].split(";")[0]})
        self.assertStreamProblem(storefront, 403, "forbidden")

    def test_at_most_8_streams_per_key(self):
        held = [self.open_ok()[0] for _ in range(MAX_STREAMS)]
        self.assertStreamProblem(self.open_stream(), 429, "too-many-streams")
        # The dashboard's sessions are their key: no way around the limit.
        login = self.request("POST", "/v1/session", {"api_key": self.keys["admin"]}, key=None)
        cookie = login.headers["Set-Cookie"].split(";")[0]
        self.assertStreamProblem(self.open_stream(key=None, headers={"Cookie": cookie}), 429,
                                 "too-many-streams")
        # Another key has its own.
        other = self.create_other_admin()
        self.open_ok(key=other)
        # A stream the client closes frees its place.
        held[0].close()

        def reopened():
            stream = self.open_stream()
            return stream if stream.status == 200 else None
        wait_until(reopened, timeout=5, what="a place freed by a closed stream")
        # The streams still held still stream.
        self.product("SSE-L")
        self.toggle("SSE-L")
        for stream in held[1:]:
            self.assertEqual(len(stream.events(2, timeout=5)), 2)

    def create_other_admin(self):
        return create_key(self.store, "admin", "bb-admin-2")

    def test_a_cursor_from_elsewhere_or_a_bad_query_is_refused(self):
        self.product("SSE-Q")
        self.toggle("SSE-Q")
        last = self.last_seq()
        self.open_ok(qs(after=last))  # the last seq itself is fine
        for stream in (self.open_stream(qs(after=last + 1)),
                       self.open_stream(headers={"Last-Event-ID": str(last + 1000)}),
                       self.open_stream("?after=0", headers={"Last-Event-ID": "999999"})):
            self.assertStreamProblem(stream, 409, "cursor-ahead")
        for value in ("seven", "-1", "1.5", "0x10", "99999999999999999999999"):
            self.assertStreamProblem(self.open_stream(headers={"Last-Event-ID": value}), 400,
                                     "invalid-request")
        for query in ("?after=-1", "?after=x", "?limit=5", "?type=stock.nothing", "?sku=..",
                      "?cursor=1"):
            self.assertStreamProblem(self.open_stream(query), 400, "invalid-query")

    def test_a_ping_keeps_a_quiet_stream_alive(self):
        stream, _ = self.open_ok()
        opened = time.monotonic()
        frame = stream.next_frame(KEEPALIVE_S + 5)
        waited = time.monotonic() - opened
        self.assertIsNotNone(frame, f"nothing within {KEEPALIVE_S + 5} s")
        self.assertFalse(frame.is_event, frame)
        self.assertEqual(frame.comments, ["ping"])
        self.assertGreater(waited, KEEPALIVE_S - 1)

    def test_sigterm_stops_the_server_with_streams_open(self):
        streams = [self.open_ok()[0] for _ in range(3)]
        stopping = time.monotonic()
        rc = self.server.terminate(timeout=10)
        took = time.monotonic() - stopping
        self.assertEqual(rc, 0, self.server.stderr())
        self.assertLess(took, 5.0, "open streams held up the stop")
        for stream in streams:
            with self.assertRaises(EOFError):
                stream.quiet_for(2)


# -- several nodes on one PostgreSQL database ---------------------------------------------------

if STORE == "postgres":
    from test_cluster import ClusterTestCase

    class EventStreamClusterTests(ClusterTestCase):

        def test_a_follower_streams_what_the_writer_commits(self):
            nodes = self.start_nodes(count=2)
            writer = self.writer()
            follower = next(n for n in nodes if n is not writer)
            self.create_product(writer, "SSE-N", on_hand=10, reorder_point=5)
            auth = {"Authorization": "Bearer " + self.keys["admin"]}
            with sse.SseStream(follower.port, "/v1/events/stream?type=stock.low",
                               auth) as stream:
                self.assertEqual(stream.status, 200, stream.body)
                self.assertIsNotNone(stream.next_frame(5))  # the preamble
                sent = time.monotonic()
                r = writer.client().request("POST", "/v1/checkout", {
                    "order_id": "sse-n1", "lines": [{"sku": "SSE-N", "qty": 6}]},
                    key="storefront")
                self.assertEqual(r.status, 200, r)
                frames = stream.events(1, timeout=5)
                arrived = time.monotonic() - sent
                self.assertEqual(len(frames), 1, "no event on the follower within 5 s")
                self.assertLess(arrived, ARRIVAL_S, f"the event took {arrived:.2f} s")
                listed = [e for e in self.all_events(follower) if e["type"] == "stock.low"]
                self.assertEqual([f.json for f in frames], listed)


if __name__ == "__main__":
    unittest.main()
