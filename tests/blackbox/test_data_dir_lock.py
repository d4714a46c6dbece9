"""One process owns a SQLite data dir (issue 16, item 1).

Before the lock, a second `restock serve` on the same data dir started, served a stale snapshot
and could write its stale figures over the first's (a lost update). Now it refuses to start with
one line naming the process that holds the dir, while the key commands keep working beside the
running server, and the dir is free again once its owner is gone (even after kill -9)."""

import subprocess
import unittest

from harness import RESTOCK_BIN, Server, ServerTestCase, create_key, revoke_key, run_cli


class DataDirLockTests(ServerTestCase):
    STORES = ("sqlite",)  # a PostgreSQL store is shared by design
    def second_serve(self, *extra):
        """`restock serve` on the same data dir; it must stop at once. Returns its stderr."""
        proc = subprocess.run(
            [RESTOCK_BIN, "serve", "--data-dir", self.data_dir, "--listen", "127.0.0.1:0",
             "--no-access-log", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
        self.assertNotEqual(proc.returncode, 0, proc)
        self.assertNotIn("listening", proc.stdout)
        return proc.stderr

    def test_a_second_server_refuses_the_data_dir_naming_its_owner(self):
        self.create_product("LOCKED", on_hand=10)
        stderr = self.second_serve()
        lines = [line for line in stderr.splitlines() if line.strip()]
        self.assertEqual(len(lines), 1, stderr)
        self.assertIn(f"pid {self.server.proc.pid} (restock serve)", lines[0])
        self.assertIn(self.data_dir, lines[0])
        # The owner is untouched and still the only writer: sell everything, then change the
        # name; nothing can set on_hand back.
        r = self.checkout("o-all", [("LOCKED", 10)])
        self.assertEqual(r.status, 200, r)
        r = self.request("PATCH", "/v1/products/LOCKED", {"name": "Renamed"})
        self.assertEqual(r.status, 200, r)
        product = self.get_product("LOCKED")
        self.assertEqual((product["on_hand"], product["name"]), (0, "Renamed"))
        ledger = sum(m["delta"] for m in self.all_movements("LOCKED"))
        self.assertEqual(ledger, 0)

    def test_the_demo_is_refused_too(self):
        proc = subprocess.run(
            [RESTOCK_BIN, "demo", "--data-dir", self.data_dir, "--listen", "127.0.0.1:0",
             "--no-access-log"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
        self.assertNotEqual(proc.returncode, 0, proc)
        self.assertIn(f"pid {self.server.proc.pid} (restock serve)", proc.stderr)

    def test_key_commands_work_beside_the_running_server(self):
        key = create_key(self.data_dir, "storefront", "beside")
        r = self.request("GET", "/v1/products", key=key)
        self.assertEqual(r.status, 200, r)
        def row(name):
            listed = run_cli("keys", "list", "--data-dir", self.data_dir, "--name", name).stdout
            rows = [line.split("\t") for line in listed.splitlines()[1:]]
            self.assertEqual(len(rows), 1, listed)
            return rows[0]
        self.assertEqual(row("beside")[3], "-")  # not revoked
        revoke_key(self.data_dir, "beside")
        self.assertNotEqual(row("beside")[3], "-")

    def test_the_dir_is_free_once_its_owner_is_gone(self):
        self.create_product("KEPT", on_hand=3)
        self.server.kill()  # kill -9: the kernel releases the lock with the process
        self.start_server()
        self.assertEqual(self.on_hand("KEPT"), 3)
        self.server.terminate()
        self.start_server()
        self.assertEqual(self.on_hand("KEPT"), 3)


if __name__ == "__main__":
    unittest.main()
