"""Dashboard sessions (issue 14, item 2): POST/GET/DELETE /v1/session and the cookie on every route.

- A login exchanges an admin or storefront key for ``restock_session``, set with exactly
  ``Path=/; HttpOnly; SameSite=Strict; Max-Age`` (``session_ttl_minutes``; ``Secure`` when
  ``public_url`` is https); a factory key, an unknown key and a bad body are refused with no cookie.
- The cookie stands for its key: it reads, and with ``Sec-Fetch-Site: same-origin`` or this
  server's ``Origin`` it writes; a write with the cookie and without them, or from another site,
  is a 403 ``cross-site-request`` that changes nothing. Its role is its key's.
- Logout clears the cookie and ends the session; revoking the key ends it within 5 s; a session
  survives kill -9 of the server; neither the key nor the cookie reaches the server's output.
- On PostgreSQL, a session opened on one node works on the other.
"""

import datetime
import re
import threading
import time
import unittest

from harness import STORE, ServerTestCase, SyncGateMixin, create_key, revoke_key, wait_until

COOKIE = "restock_session"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # 32 random bytes, base64url without padding
DEFAULT_TTL_S = 720 * 60
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}
REVOCATION_LIMIT_S = 6.0  # the contract says 5 s; a little slack for a loaded machine


def parse_rfc3339(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc)


def set_cookies(response):
    return response.headers.get_all("Set-Cookie") or []


def session_cookie(response):
    """(token, [attributes]) of the one Set-Cookie of ``response``."""
    cookies = set_cookies(response)
    if len(cookies) != 1:
        raise AssertionError(f"want exactly one Set-Cookie, got {cookies!r}: {response!r}")
    pair, *attributes = cookies[0].split("; ")
    name, _, value = pair.partition("=")
    if name != COOKIE:
        raise AssertionError(f"the cookie is {name!r}, not {COOKIE}: {cookies[0]!r}")
    return value, attributes


class SessionTestCase(ServerTestCase):
    ACCESS_LOG = True  # so the key-never-logged test sees every line the server writes

    def login(self, key="admin", headers=None, client=None):
        """POST /v1/session with the test's key of a role (or a literal key)."""
        client = client or self.client
        return client.request("POST", "/v1/session", {"api_key": self.keys.get(key, key)},
                              key=None, headers=headers)

    def session(self, key="admin", client=None):
        """A fresh session's token (asserting the login worked)."""
        r = self.login(key, client=client)
        self.assertEqual(r.status, 201, r)
        return session_cookie(r)[0]

    def with_cookie(self, method, path, token, body=None, headers=None, client=None):
        """A request authenticated by the cookie alone (no Authorization)."""
        all_headers = {"Cookie": f"{COOKIE}={token}"}
        all_headers.update(headers or {})
        return (client or self.client).request(method, path, body=body, key=None,
                                               headers=all_headers)

    def origin(self):
        return f"http://127.0.0.1:{self.port}"

    def adjust(self, token, headers=None, delta=-1):
        return self.with_cookie("POST", "/v1/stock/SES-1/adjustments", token,
                                {"delta": delta, "reason": "count"}, headers=headers)

    def assertNoCookie(self, response):
        self.assertEqual(set_cookies(response), [], response)


class LoginTests(SessionTestCase):

    def test_login_sets_the_cookie_with_exactly_its_attributes(self):
        before = datetime.datetime.now(datetime.timezone.utc)
        r = self.login("admin")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.content_type, "application/json")
        self.assertEqual(set(r.json), {"role", "name", "expires_at"})
        self.assertEqual((r.json["role"], r.json["name"]), ("admin", "bb-admin"))
        expires = parse_rfc3339(r.json["expires_at"])
        self.assertAlmostEqual((expires - before).total_seconds(), DEFAULT_TTL_S, delta=60)
        token, attributes = session_cookie(r)
        self.assertRegex(token, TOKEN)
        self.assertEqual(attributes, ["Path=/", "HttpOnly", "SameSite=Strict",
                                      f"Max-Age={DEFAULT_TTL_S}"])
        # The token is no key and no hash of one: a second login gets another.
        self.assertNotIn(token, self.keys.values())
        self.assertNotEqual(self.session("admin"), token)

    def test_get_session_says_who_is_logged_in(self):
        r = self.login("storefront")
        self.assertEqual(r.status, 201, r)
        token = session_cookie(r)[0]
        got = self.with_cookie("GET", "/v1/session", token)
        self.assertEqual(got.status, 200, got)
        self.assertEqual(got.json, r.json)
        self.assertEqual(got.json["role"], "storefront")
        # Among the page's other cookies.
        got = self.client.request("GET", "/v1/session", key=None,
                                  headers={"Cookie": f"theme=dark; {COOKIE}={token}; lang=en"})
        self.assertEqual(got.status, 200, got)
        # No cookie, or one that was never issued: 401 (WWW-Authenticate as every 401).
        for headers in (None, {"Cookie": "theme=dark"}, {"Cookie": f"{COOKIE}=" + "A" * 43},
                        {"Cookie": f"{COOKIE}="}):
            got = self.client.request("GET", "/v1/session", key=None, headers=headers)
            self.assertProblem(got, 401, "unauthorized")
            self.assertEqual(got.headers.get("WWW-Authenticate"), "Bearer")
        # A Bearer key is no session.
        self.assertProblem(self.request("GET", "/v1/session", key="admin"), 401, "unauthorized")

    def test_a_factory_key_cannot_log_in(self):
        r = self.login("factory")
        self.assertProblem(r, 403, "forbidden")
        self.assertNoCookie(r)

    def test_an_unknown_or_revoked_key_is_401(self):
        gone = create_key(self.store, "admin", "gone-admin")
        revoke_key(self.store, "gone-admin")
        for key in ("rk_not_a_key", self.keys["admin"] + "x", gone):
            r = self.login(key)
            self.assertProblem(r, 401, "unauthorized")
            self.assertNoCookie(r)

    def test_a_bad_body_is_400(self):
        admin = self.keys["admin"]
        for body in ({}, {"api_key": ""}, {"api_key": 7}, {"api_key": None},
                     {"api_key": admin, "remember": True}, {"key": admin}, [admin]):
            r = self.client.request("POST", "/v1/session", body, key=None)
            self.assertProblem(r, 400, "invalid-request")
            self.assertNoCookie(r)
        r = self.client.request("POST", "/v1/session", "{\"api_key\":", key=None)
        self.assertProblem(r, 400, "invalid-json")
        r = self.client.request("POST", "/v1/session", {"api_key": admin}, key=None,
                                content_type="text/plain")
        self.assertProblem(r, 415, "unsupported-media-type")
        self.assertNoCookie(r)

    def test_a_login_from_another_site_is_refused(self):
        for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                        {"Origin": "https://shop.example"},
                        {"Origin": f"http://127.0.0.1:{self.port + 1}"}):
            r = self.login("admin", headers=headers)
            self.assertProblem(r, 403, "cross-site-request")
            self.assertNoCookie(r)
        for headers in (SAME_ORIGIN, {"Origin": self.origin()}):
            self.assertEqual(self.login("admin", headers=headers).status, 201)

    def test_ttl_and_secure_follow_the_configuration(self):
        self.server.close()
        self.extra = ["--session-ttl-minutes", "5", "--public-url", "https://shop.example"]
        self.start_server()
        r = self.login("admin")
        self.assertEqual(r.status, 201, r)
        _, attributes = session_cookie(r)
        self.assertEqual(attributes, ["Path=/", "HttpOnly", "SameSite=Strict", "Max-Age=300",
                                      "Secure"])
        remaining = parse_rfc3339(r.json["expires_at"]) - datetime.datetime.now(
            datetime.timezone.utc)
        self.assertAlmostEqual(remaining.total_seconds(), 300, delta=30)
        logout = self.with_cookie("DELETE", "/v1/session", session_cookie(r)[0],
                                  headers=SAME_ORIGIN)
        self.assertEqual(logout.status, 204, logout)
        self.assertEqual(set_cookies(logout), [
            f"{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure"])

    def server_args(self):
        return getattr(self, "extra", [])


class CookieTests(SessionTestCase):

    def setUp(self):
        super().setUp()
        self.create_product("SES-1", on_hand=20, reorder_point=0)
        self.token = self.session("admin")

    def stock(self):
        """(on_hand, number of ledger movements) of SES-1, read with the Bearer key."""
        return self.on_hand("SES-1"), len(self.all_movements("SES-1"))

    def test_the_cookie_reads(self):
        for path in ("/v1/products", "/v1/products/SES-1", "/v1/stock/SES-1/movements",
                     "/v1/queues", "/metrics"):
            r = self.with_cookie("GET", path, self.token)
            self.assertEqual(r.status, 200, (path, r))
        self.assertEqual([p["sku"] for p in self.with_cookie("GET", "/v1/products",
                                                             self.token).json["items"]],
                         ["SES-1"])
        # Reads need no CSRF signal, whatever site asks.
        r = self.with_cookie("GET", "/v1/products/SES-1", self.token,
                             headers={"Sec-Fetch-Site": "cross-site"})
        self.assertEqual(r.status, 200, r)
        # A cookie that is no session: 401, as a bad key is.
        r = self.with_cookie("GET", "/v1/products", "A" * 43)
        self.assertProblem(r, 401, "unauthorized")
        self.assertEqual(r.headers.get("WWW-Authenticate"), "Bearer")

    def test_a_cookie_write_without_a_signal_or_from_another_site_changes_nothing(self):
        before = self.stock()
        refused = [None, {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                   {"Sec-Fetch-Site": "none"}, {"Origin": "https://shop.example"},
                   {"Origin": f"http://127.0.0.1:{self.port + 1}"}, {"Origin": "null"},
                   # Sec-Fetch-Site is the browser's word when it sends both.
                   {"Sec-Fetch-Site": "cross-site", "Origin": self.origin()}]
        for headers in refused:
            with self.subTest(headers=headers):
                r = self.adjust(self.token, headers=headers)
                self.assertProblem(r, 403, "cross-site-request")
        self.assertEqual(self.stock(), before)
        # PATCH and DELETE too.
        r = self.with_cookie("PATCH", "/v1/products/SES-1", self.token, {"reorder_point": 7})
        self.assertProblem(r, 403, "cross-site-request")
        r = self.with_cookie("DELETE", "/v1/products/SES-1", self.token,
                             headers={"Origin": "https://shop.example"})
        self.assertProblem(r, 403, "cross-site-request")
        product = self.get_product("SES-1")
        self.assertEqual((product["reorder_point"], product["archived"]), (0, False))
        self.assertEqual(self.stock(), before)
        # Not even an Idempotency-Key was spent: the same key works once the request is right.
        r = self.adjust(self.token, headers={"Idempotency-Key": "adj-1"})
        self.assertProblem(r, 403, "cross-site-request")
        r = self.adjust(self.token, headers={"Idempotency-Key": "adj-1", **SAME_ORIGIN})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.stock(), (before[0] - 1, before[1] + 1))

    def test_a_cookie_write_from_this_servers_pages_works(self):
        on_hand, moves = self.stock()
        r = self.adjust(self.token, headers=SAME_ORIGIN)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["product"]["on_hand"], on_hand - 1)
        r = self.adjust(self.token, headers={"Origin": self.origin()})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.stock(), (on_hand - 2, moves + 2))
        r = self.with_cookie("PATCH", "/v1/products/SES-1", self.token, {"reorder_point": 7},
                             headers=SAME_ORIGIN)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.get_product("SES-1")["reorder_point"], 7)
        # The access log names the key the session stands for (its line follows the answer).
        wait_until(lambda: any('"path":"/v1/stock/SES-1/adjustments"' in line and
                               '"principal":"bb-admin"' in line
                               for line in self.server.stdout_lines()),
                   what="the access log naming the session's key")

    def test_a_bearer_key_needs_no_signal_and_wins_over_the_cookie(self):
        storefront = self.session("storefront")
        # The Bearer request is judged by its key alone: no CSRF check, the admin role.
        r = self.client.request("POST", "/v1/stock/SES-1/adjustments",
                                {"delta": -1, "reason": "count"}, key="admin",
                                headers={"Cookie": f"{COOKIE}={storefront}",
                                         "Sec-Fetch-Site": "cross-site"})
        self.assertEqual(r.status, 201, r)
        # And a bad key is a 401 even with a good cookie.
        r = self.client.request("GET", "/v1/products", key="rk_not_a_key",
                                headers={"Cookie": f"{COOKIE}={self.token}"})
        self.assertProblem(r, 401, "unauthorized")

    def test_a_storefront_session_has_the_storefront_role(self):
        token = self.session("storefront")
        self.assertEqual(self.with_cookie("GET", "/v1/products/SES-1", token).status, 200)
        before = self.stock()
        for method, path, body in (("POST", "/v1/stock/SES-1/adjustments",
                                    {"delta": -1, "reason": "count"}),
                                   ("PATCH", "/v1/products/SES-1", {"reorder_point": 3}),
                                   ("GET", "/v1/queues", None), ("GET", "/metrics", None)):
            r = self.with_cookie(method, path, token, body, headers=SAME_ORIGIN)
            self.assertProblem(r, 403, "forbidden")
        self.assertEqual(self.stock(), before)
        # A storefront route works, and is CSRF-checked as any cookie write.
        order = {"order_id": "ses-o1", "lines": [{"sku": "SES-1", "qty": 2}]}
        self.assertProblem(self.with_cookie("POST", "/v1/checkout", token, order), 403,
                           "cross-site-request")
        r = self.with_cookie("POST", "/v1/checkout", token, order, headers=SAME_ORIGIN)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.on_hand("SES-1"), before[0] - 2)


class LogoutTests(SessionTestCase):

    def setUp(self):
        super().setUp()
        self.create_product("SES-1", on_hand=20, reorder_point=0)

    def assertCleared(self, response):
        self.assertEqual(response.status, 204, response)
        self.assertEqual(response.raw, b"")
        self.assertEqual(set_cookies(response),
                         [f"{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"])

    def test_logout_ends_the_session_and_clears_the_cookie(self):
        token = self.session("admin")
        other = self.session("admin")
        self.assertEqual(self.with_cookie("GET", "/v1/products", token).status, 200)
        self.assertCleared(self.with_cookie("DELETE", "/v1/session", token, headers=SAME_ORIGIN))
        self.assertProblem(self.with_cookie("GET", "/v1/session", token), 401, "unauthorized")
        self.assertProblem(self.with_cookie("GET", "/v1/products", token), 401, "unauthorized")
        self.assertProblem(self.adjust(token, headers=SAME_ORIGIN), 401, "unauthorized")
        self.assertEqual(self.on_hand("SES-1"), 20)
        # Only that session: another login of the same key goes on.
        self.assertEqual(self.with_cookie("GET", "/v1/products", other).status, 200)
        # Again, and without any cookie: the same 204.
        self.assertCleared(self.with_cookie("DELETE", "/v1/session", token))
        self.assertCleared(self.client.request("DELETE", "/v1/session", key=None))

    def test_a_logout_from_another_site_is_refused(self):
        token = self.session("admin")
        for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://shop.example"}):
            r = self.with_cookie("DELETE", "/v1/session", token, headers=headers)
            self.assertProblem(r, 403, "cross-site-request")
            self.assertNoCookie(r)
        self.assertEqual(self.with_cookie("GET", "/v1/session", token).status, 200)

    def test_a_revoked_keys_session_ends_within_5_s(self):
        key = create_key(self.store, "admin", "temp-admin")
        token = self.session(key)
        kept = self.session("admin")
        # Used (and so cached) before the revocation.
        self.assertEqual(self.with_cookie("GET", "/v1/products", token).status, 200)
        revoke_key(self.store, "temp-admin")
        revoked_at = time.monotonic()
        while True:
            r = self.with_cookie("GET", "/v1/products", token)
            if r.status == 401:
                break
            self.assertEqual(r.status, 200, r)
            self.assertLess(time.monotonic() - revoked_at, REVOCATION_LIMIT_S,
                            "a revoked key's session still works")
            time.sleep(0.1)
        self.assertProblem(r, 401, "unauthorized")
        self.assertProblem(self.with_cookie("GET", "/v1/session", token), 401, "unauthorized")
        self.assertProblem(self.adjust(token, headers=SAME_ORIGIN), 401, "unauthorized")
        self.assertEqual(self.on_hand("SES-1"), 20)
        self.assertEqual(self.with_cookie("GET", "/v1/products", kept).status, 200)

    def test_a_session_survives_kill_9_and_a_logout_too(self):
        token = self.session("storefront")
        ended = self.session("admin")
        self.assertCleared(self.with_cookie("DELETE", "/v1/session", ended))
        self.server.kill()  # right after the answers: what was answered is on disk
        self.start_server()
        r = self.with_cookie("GET", "/v1/session", token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["role"], r.json["name"]), ("storefront", "bb-storefront"))
        self.assertEqual(self.with_cookie("GET", "/v1/products/SES-1", token).status, 200)
        self.assertProblem(self.with_cookie("GET", "/v1/session", ended), 401, "unauthorized")

    def test_neither_the_key_nor_the_cookie_reaches_the_servers_output(self):
        admin = self.keys["admin"]
        token = self.session("admin")
        self.assertEqual(self.adjust(token, headers=SAME_ORIGIN).status, 201)
        self.client.request("POST", "/v1/session", {"api_key": admin, "remember": 1}, key=None)
        self.client.request("POST", "/v1/session", {"api_key": admin + "x"}, key=None)
        self.login("admin", headers={"Sec-Fetch-Site": "cross-site"})
        self.with_cookie("DELETE", "/v1/session", token)
        self.with_cookie("GET", "/v1/session", token)
        wait_until(lambda: sum('"path":"/v1/session"' in line
                               for line in self.server.stdout_lines()) >= 6,
                   what="the access log's lines for the session requests")
        self.server.terminate()  # every line written and read
        output = "\n".join(self.server.stdout_lines()) + "\n" + self.server.stderr()
        for secret in (admin, admin + "x", token):
            self.assertNotIn(secret, output)


class LogoutRaceTests(SyncGateMixin, SessionTestCase):
    """A request that reads the session while its logout waits for the engine must not keep it
    alive on this node. The server runs with the sync gate (sync_gate/sync_gate.cpp): a
    checkout's commit is held at its sync, so the logout queues behind it."""

    STORES = ("sqlite",)  # the gate holds this process's own syncs

    # Api::end_session forgets the cached session once its EndSession has committed: a request
    # that read the session in between cannot keep a logged-out cookie working.
    def test_a_read_during_the_logout_does_not_keep_the_session(self):
        self.create_product("SES-1", on_hand=20, reorder_point=0)
        token = self.session("admin")
        answers = {}
        buyer, leaver = self.new_client(), self.new_client()
        checkout = threading.Thread(target=lambda: answers.update(checkout=buyer.request(
            "POST", "/v1/checkout", {"order_id": "race-1", "lines": [{"sku": "SES-1", "qty": 1}]},
            key="storefront")))
        logout = threading.Thread(target=lambda: answers.update(logout=self.with_cookie(
            "DELETE", "/v1/session", token, client=leaver)))
        # Cleanups run last-in first-out: on a failure the gate is removed before the joins.
        self.addCleanup(lambda: checkout.is_alive() and checkout.join(10))
        self.addCleanup(lambda: logout.is_alive() and logout.join(10))
        self.hold_syncs()
        checkout.start()
        wait_until(lambda: self.on_hand("SES-1") == 19, timeout=5, what="the checkout written")
        logout.start()
        time.sleep(0.3)
        self.assertTrue(logout.is_alive(), f"the logout was answered before its commit: {answers}")
        # Not logged out yet: the session still reads.
        self.assertEqual(self.with_cookie("GET", "/v1/session", token).status, 200)
        self.release_syncs()
        checkout.join(10)
        logout.join(10)
        self.assertEqual(answers["checkout"].status, 200, answers)
        self.assertEqual(answers["logout"].status, 204, answers)
        # Logged out: at once, on this node.
        self.assertProblem(self.with_cookie("GET", "/v1/session", token), 401, "unauthorized")


# -- two nodes on one PostgreSQL database -----------------------------------------------------

if STORE == "postgres":
    from test_cluster import ClusterTestCase

    class SessionClusterTests(ClusterTestCase):

        def test_a_session_opened_on_a_follower_works_on_the_writer(self):
            nodes = self.start_nodes(count=2)
            writer = self.writer()
            follower = next(n for n in nodes if n is not writer)
            self.create_product(writer, "SES-C", on_hand=10)
            at_follower, at_writer = follower.client(), writer.client()
            r = at_follower.request("POST", "/v1/session", {"api_key": self.keys["admin"]},
                                    key=None)
            self.assertEqual(r.status, 201, r)
            token, attributes = session_cookie(r)
            self.assertEqual(attributes, ["Path=/", "HttpOnly", "SameSite=Strict",
                                          f"Max-Age={DEFAULT_TTL_S}"])
            cookie = {"Cookie": f"{COOKIE}={token}"}

            def call(client, method, path, body=None, headers=None):
                return client.request(method, path, body, key=None,
                                      headers={**cookie, **(headers or {})})

            got = call(at_writer, "GET", "/v1/session")
            self.assertEqual((got.status, got.json), (200, r.json))
            self.assertEqual(call(at_writer, "GET", "/v1/products/SES-C").status, 200)
            # A write through the follower (forwarded to the writer) is checked against the
            # host the browser asked: the follower's.
            adjustment = {"delta": -1, "reason": "count"}
            r = call(at_follower, "POST", "/v1/stock/SES-C/adjustments", adjustment,
                     {"Origin": follower.url})
            self.assertEqual(r.status, 201, r)
            r = call(at_writer, "POST", "/v1/stock/SES-C/adjustments", adjustment,
                     {"Origin": follower.url})
            self.assertProblem(r, 403, "cross-site-request")
            r = call(at_follower, "POST", "/v1/stock/SES-C/adjustments", adjustment)
            self.assertProblem(r, 403, "cross-site-request")
            self.assertEqual(self.product("SES-C", writer)["on_hand"], 9)
            # Logout on the writer: at once there, within 5 s on the follower.
            r = call(at_writer, "DELETE", "/v1/session", headers=SAME_ORIGIN)
            self.assertEqual(r.status, 204, r)
            self.assertEqual(call(at_writer, "GET", "/v1/session").status, 401)
            wait_until(lambda: call(at_follower, "GET", "/v1/products/SES-C").status == 401,
                       timeout=REVOCATION_LIMIT_S,
                       what="the follower refusing the logged-out session")

        def assertProblem(self, response, status, slug):
            self.assertEqual(response.status, status, response)
            self.assertEqual(response.json["type"], "https://restock.dev/problems/" + slug,
                             response)


if __name__ == "__main__":
    unittest.main()
