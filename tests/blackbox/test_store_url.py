"""store_url: how every command finds a PostgreSQL store, and what it says when it cannot
(issue 13, item 1). A bad URL, an unreachable server or a failed login stops start-up with one
clear line, and the password is never printed or logged. Keys work on the shared store, and a
revoked key stops working on every node within 5 s. Several nodes starting at once on an empty
database migrate it once.

PostgreSQL only (the test process starts its own cluster); /readyz on SQLite is checked too."""

import os
import subprocess
import tempfile
import threading
import time
import unittest

from harness import (RESTOCK_BIN, STORE, Client, Server, ServerTestCase, create_key, free_port,
                     pg_cluster, revoke_key, run_cli, wait_until)


def serve_refused(*args, env=None):
    """`restock serve ARGS`, which must stop at once: (stdout, stderr)."""
    proc = subprocess.run([RESTOCK_BIN, "serve", "--listen", "127.0.0.1:0", *args],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60,
                          env=env)
    assert proc.returncode != 0, proc
    return proc.stdout, proc.stderr


@unittest.skipUnless(STORE == "postgres", "needs the PostgreSQL cluster")
class StoreUrlTests(unittest.TestCase):
    def setUp(self):
        self.pg = pg_cluster()
        self.database = self.pg.create_database()
        self.url = self.pg.url(self.database)
        self.password = self.pg.password

    def assertOneLineWithoutPassword(self, stdout, stderr, *expected):
        lines = [line for line in stderr.splitlines() if line.strip()]
        self.assertEqual(len(lines), 1, stderr)
        for text in expected:
            self.assertIn(text, lines[0])
        self.assertNotIn(self.password, stdout + stderr)

    def test_a_bad_url_stops_start_up_with_one_line(self):
        bad = f"postgresql://postgres:{self.password}@[oops"
        stdout, stderr = serve_refused("--store-url", bad)
        self.assertIn("store_url", stderr)
        self.assertNotIn(self.password, stdout + stderr)

    def test_an_unreachable_server_stops_start_up_with_one_line(self):
        port = free_port()
        url = f"postgresql://postgres:{self.password}@127.0.0.1:{port}/{self.database}"
        stdout, stderr = serve_refused("--store-url", url)
        self.assertOneLineWithoutPassword(stdout, stderr, "cannot open the store",
                                          f"127.0.0.1:{port}")

    def test_a_failed_login_stops_start_up_with_one_line(self):
        url = self.pg.url(self.database, password="wrong-" + self.password)
        stdout, stderr = serve_refused("--store-url", url)
        self.assertOneLineWithoutPassword(stdout, stderr, "password authentication failed")
        self.assertNotIn("wrong-", stdout + stderr)

    def test_every_command_takes_the_store_from_flag_environment_or_file(self):
        key = create_key(self.url, "admin", "from-flag")
        env = dict(os.environ, RESTOCK_STORE_URL=self.url)
        proc = subprocess.run([RESTOCK_BIN, "keys", "list"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=30, env=env)
        self.assertEqual(proc.returncode, 0, proc)
        self.assertIn("from-flag", proc.stdout)
        with tempfile.TemporaryDirectory() as tmp:
            config = os.path.join(tmp, "restock.toml")
            with open(config, "w") as out:
                out.write(f'store_url = "{self.url}"\n')
            server = Server(os.path.join(tmp, "unused"), extra_args=["--config", config],
                            access_log=True)
            self.addCleanup(server.close)
            server.start()
            c = Client(server.port, {"admin": key})
            r = c.request("GET", "/readyz", key=None)
            self.assertEqual((r.status, r.json["store"]), (200, "postgresql"), r)
            r = c.request("POST", "/v1/factories", {"id": "f", "url": "http://127.0.0.1:9"})
            self.assertEqual(r.status, 201, r)
            r = c.request("POST", "/v1/products", {
                "sku": "URL-1", "name": "n", "on_hand": 1, "reorder_point": 0,
                "reorder_qty": 1, "factory_id": "f"})
            self.assertEqual(r.status, 201, r)
            c.close()
            server.terminate()
            logged = "\n".join(server.stdout_lines()) + server.stderr()
            self.assertIn("PostgreSQL 127.0.0.1:", logged)
            self.assertNotIn(self.password, logged)
        self.assertFalse(os.path.exists(os.path.join(tmp, "unused")))  # no SQLite on the side
        revoke_key(self.url, "from-flag")
        listed = run_cli("keys", "list", "--store-url", self.url, "--name", "from-flag").stdout
        (row,) = [line.split("\t") for line in listed.splitlines()[1:]]
        self.assertNotEqual(row[3], "-")  # revoked_at

    def test_nodes_starting_together_on_an_empty_database_all_come_up(self):
        servers = [Server("/nonexistent", store_url=self.url) for _ in range(4)]
        errors = []

        def start(server):
            try:
                server.start()
            except AssertionError as e:
                errors.append(e)

        threads = [threading.Thread(target=start, args=(s,)) for s in servers]
        for s in servers:
            self.addCleanup(s.close)
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        self.assertEqual(errors, [])
        # Every version applied once: as many rows as versions.
        self.assertEqual(self.pg.psql("SELECT count(*) = max(version) FROM restock_schema",
                                      database=self.database), "t")

    def test_a_revoked_key_stops_working_on_every_node_within_5_s(self):
        admin = create_key(self.url, "admin", "admin")
        doomed = create_key(self.url, "storefront", "doomed")
        servers = [Server("/nonexistent", store_url=self.url) for _ in range(3)]
        for s in servers:
            self.addCleanup(s.close)
            s.start()
        clients = [Client(s.port, {"admin": admin, "doomed": doomed}) for s in servers]
        for c in clients:
            self.addCleanup(c.close)
            self.assertEqual(c.request("GET", "/v1/products", key="doomed").status, 200)
        revoke_key(self.url, "doomed")
        revoked = time.monotonic()

        def refused_everywhere():
            return all(c.request("GET", "/v1/products", key="doomed").status == 401
                       for c in clients)

        wait_until(refused_everywhere, timeout=8, interval=0.1,
                   what="the revoked key refused on every node")
        self.assertLess(time.monotonic() - revoked, 5.5)


class ReadinessTests(ServerTestCase):
    def test_readyz_says_where_the_node_stands(self):
        # On PostgreSQL a lone node takes the writer lease a moment after it listens.
        r = wait_until(lambda: (lambda r: r if r.json.get("role") == "writer" else None)(
            self.request("GET", "/readyz", key=None)), timeout=10, what="the writer role")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "ready")
        self.assertEqual(r.json["store"], STORE if STORE == "sqlite" else "postgresql")
        self.assertEqual(r.json["role"], "writer")
        r = self.request("GET", "/healthz", key=None)
        self.assertEqual(r.status, 200, r)


if __name__ == "__main__":
    unittest.main()
