"""The command line against a store and a running server (issue 16, item 15), on SQLite and on
PostgreSQL: `keys list --name`, a revoked key's name given to a new key, empty listings that
still print their header, and URLs given with a trailing slash (--url, --public-url,
--ads-url, --node-url, --store-url) meaning the same as without it."""

import os
import tempfile
import unittest

from harness import (STORE, Client, FakeService, LoopTestCase, Server, ServerTestCase,
                     create_key, free_port, pg_cluster, run_cli, store_args, wait_until)

KEYS_HEADER = ["name", "role", "created_at", "revoked_at"]


def keys_list(store, *args):
    rows = [line.split("\t") for line in
            run_cli("keys", "list", *store_args(store), *args).stdout.splitlines()]
    return rows


class KeysCliTests(ServerTestCase):

    def test_list_filters_by_name(self):
        create_key(self.store, "storefront", "shop-2")
        rows = keys_list(self.store)
        self.assertEqual(rows[0], KEYS_HEADER)
        self.assertEqual([r[0] for r in rows[1:]], ["bb-admin", "bb-storefront", "bb-factory",
                                                    "shop-2"])
        only = keys_list(self.store, "--name", "shop-2")
        self.assertEqual(only[0], KEYS_HEADER)
        self.assertEqual([(r[0], r[1], r[3]) for r in only[1:]], [("shop-2", "storefront", "-")])
        self.assertEqual(keys_list(self.store, "--name", "nobody"), [KEYS_HEADER])

    def test_a_revoked_keys_name_goes_to_a_new_key(self):
        old = create_key(self.store, "admin", "ops")
        self.assertEqual(self.request("GET", "/v1/queues", key=old).status, 200)
        out = run_cli("keys", "revoke", "ops", *store_args(self.store)).stdout
        self.assertIn("revoked 'ops'", out)
        new = create_key(self.store, "storefront", "ops")
        self.assertNotEqual(new, old)
        rows = keys_list(self.store, "--name", "ops")[1:]
        self.assertEqual([(r[0], r[1]) for r in rows], [("ops", "admin"), ("ops", "storefront")])
        self.assertNotEqual(rows[0][3], "-")  # the old one revoked
        self.assertEqual(rows[1][3], "-")     # the new one live
        # Two live keys never share a name.
        again = run_cli("keys", "create", *store_args(self.store), "--role", "admin", "--name",
                        "ops", check=False)
        self.assertCliFails(again, 1, "live key named 'ops'")
        self.assertEqual(len(keys_list(self.store, "--name", "ops")), 3)

        # The server knows each key by itself: the new one works, the old one is refused.
        wait_until(lambda: self.request("GET", "/v1/products", key=old).status == 401,
                   timeout=10, what="the revoked key refused")
        self.assertEqual(self.request("GET", "/v1/products", key=new).status, 200)
        r = self.request("GET", "/v1/queues", key=new)
        self.assertProblem(r, 403, "forbidden")  # a storefront key now
        # revoke NAME takes the live one; --name NAME says the same.
        run_cli("keys", "revoke", "--name", "ops", *store_args(self.store))
        rows = keys_list(self.store, "--name", "ops")[1:]
        self.assertTrue(all(r[3] != "-" for r in rows), rows)
        self.assertCliFails(run_cli("keys", "revoke", "ops", *store_args(self.store),
                                    check=False), 1, "no active key named 'ops'")
        wait_until(lambda: self.request("GET", "/v1/products", key=new).status == 401,
                   timeout=10, what="the second key refused")

    def test_revoke_takes_one_name(self):
        self.assertCliFails(run_cli("keys", "revoke", *store_args(self.store), check=False), 2,
                            "revoke needs the name")
        self.assertCliFails(run_cli("keys", "revoke", "a", "b", *store_args(self.store),
                                    check=False), 2, "unexpected argument 'b'")
        self.assertCliFails(run_cli("keys", "revoke", "a", "--name", "a",
                                    *store_args(self.store), check=False), 2, "once")


class EmptyListingTests(ServerTestCase):

    def admin(self, tool, *args):
        return run_cli(tool, *args, "--url", f"http://127.0.0.1:{self.port}", "--key",
                       self.keys["admin"]).stdout.splitlines()

    def test_empty_listings_print_their_header(self):
        self.assertEqual(self.admin("orders", "list"),
                         ["id\tsku\tqty\treceived\tstatus\tfactory\tattempts\tlast_error"])
        self.assertEqual(self.admin("queues", "peek", "stock-empty-dlq"),
                         ["id\tsku\ttype\treceives\tin_flight\tsource_queue\tlast_error"])
        self.assertEqual(self.admin("queues", "list")[0],
                         "name\tvisible\tin_flight\tdelayed\tdlq\tmax_receive_count")

    def test_a_store_without_keys_lists_its_header(self):
        if STORE == "postgres":
            cluster = pg_cluster()
            fresh = cluster.url(cluster.create_database())
        else:
            tmp = tempfile.TemporaryDirectory()
            self.addCleanup(tmp.cleanup)
            fresh = os.path.join(tmp.name, "data")
            server = Server(fresh)  # makes the store, and no key
            server.start()
            server.close()
        self.assertEqual(keys_list(fresh), [KEYS_HEADER])


class TrailingSlashTests(LoopTestCase):
    """A URL option given with a trailing slash: no //v1/... anywhere."""

    def setUp(self):
        # The Ads API must exist before the server starts: its URL is a start-up flag.
        self.ads = FakeService(status=200)
        self.addCleanup(self.ads.close)
        super().setUp()

    def server_args(self):
        return ["--public-url", f"http://127.0.0.1:{self.listen_port}/",
                "--ads-url", self.ads.url + "/"]

    def test_admin_url_with_a_trailing_slash(self):
        for url in (self.public_url + "/", self.public_url + "//"):
            out = run_cli("queues", "list", "--url", url, "--key", self.keys["admin"])
            self.assertEqual(out.stdout.splitlines()[0].split("\t")[0], "name")
            run_cli("orders", "list", "--url", url, "--key", self.keys["admin"])
        env = dict(os.environ, RESTOCK_URL=self.public_url + "/", RESTOCK_KEY=self.keys["admin"])
        self.assertEqual(run_cli("queues", "peek", "stock-ad-dlq", env=env).returncode, 0)

    def test_public_and_ads_urls_with_a_trailing_slash(self):
        sim = self.start_factory_sim("--no-callbacks", "--seed", "31")
        self.register_factory("fac-slash", sim.url)
        self.create_product("SLASH-1", on_hand=2, reorder_point=0, reorder_qty=4,
                            factory_id="fac-slash", ad_id="ad-slash")
        self.assertEqual(self.checkout("s1", [("SLASH-1", 2)]).status, 200)  # stock.empty
        (sent,) = self.wait_for(lambda: sim.orders() or None, "the factory order",
                                describe=sim.orders)
        order = self.wait_for_order("SLASH-1", "acknowledged")
        self.assertEqual(sent["callback_url_host_path"],
                         f"127.0.0.1:{self.listen_port}/v1/factory/callbacks/{order['id']}")
        self.wait_for(lambda: self.ads.recorded(), "the ads call")
        self.assertEqual([r.path for r, _ in self.ads.recorded()], ["/ads/ad-slash/pause"])
        # The callback reaches the server at that URL.
        self.assertEqual(sim.replay(1).status, 202)
        self.wait_for_order("SLASH-1", "received")


@unittest.skipUnless(STORE == "postgres", "node and store URLs: a shared PostgreSQL store")
class SharedStoreUrlTests(unittest.TestCase):

    def test_store_and_node_urls_with_a_trailing_slash(self):
        cluster = pg_cluster()
        url = cluster.url(cluster.create_database())
        key = create_key(url + "/", "admin", "slash")
        self.assertEqual(keys_list(url)[1][0], "slash")  # the same database
        # The node URL names the port the node listens on: pick it first.
        port = free_port()
        node = f"http://127.0.0.1:{port}"
        with tempfile.TemporaryDirectory() as tmp:
            server = Server(os.path.join(tmp, "unused"), store_url=url + "/",
                            listen=f"127.0.0.1:{port}", extra_args=["--node-url", node + "/"])
            self.addCleanup(server.close)
            server.start()
            listening = [line for line in server.stdout_lines() if '"listening"' in line]
            self.assertIn(f'"node_url":"{node}"', listening[0])
            c = Client(server.port, {"admin": key})
            self.addCleanup(c.close)
            ready = wait_until(lambda: (lambda r: r if r.json.get("writer") else None)(
                c.request("GET", "/readyz", key=None)), timeout=15, what="a writer")
            self.assertEqual(ready.json["writer"], node)
            r = c.request("GET", "/v1/queues")
            self.assertEqual(r.status, 200, r)
            self.assertFalse(os.path.exists(os.path.join(tmp, "unused")))


if __name__ == "__main__":
    unittest.main()
