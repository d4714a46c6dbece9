"""`restock demo` starts a factory simulator as a child process. Regression (issue 16, item 6):
SIGINT at its default (as under a terminal) killed the demo outright and left the factory-sim
running. The demo must stop cleanly on SIGINT and SIGTERM, and never leave its child behind,
even when it is killed with kill -9."""

import os
import signal
import subprocess
import tempfile
import threading
import time
import unittest

from harness import RESTOCK_BIN, STORE, wait_until


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is not alive
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False


@unittest.skipUnless(STORE == "sqlite", "the demo's own process handling; the store is SQLite")
class DemoProcessTests(unittest.TestCase):
    def start_demo(self):
        tmp = tempfile.mkdtemp(prefix="restock-demo-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", tmp]))
        proc = subprocess.Popen(
            [RESTOCK_BIN, "demo", "--data-dir", tmp + "/data", "--listen", "127.0.0.1:0",
             "--no-access-log"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        lines = []
        threading.Thread(target=lambda: [lines.append(l) for l in proc.stdout],
                         daemon=True).start()
        wait_until(lambda: any("admin key:" in l for l in lines), timeout=20,
                   what="the demo's keys", describe=lambda: lines)
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], stdout=subprocess.PIPE,
                                  text=True).stdout.split()
        self.assertEqual(len(children), 1, f"one factory-sim child, not {children}")
        child = int(children[0])
        with open(f"/proc/{child}/cmdline") as f:
            self.assertIn("factory-sim", f.read())
        return proc, child

    def assertStopsCleanly(self, sig):
        proc, child = self.start_demo()
        proc.send_signal(sig)
        self.assertEqual(proc.wait(timeout=20), 0, f"exit status after {sig.name}")
        wait_until(lambda: not alive(child), timeout=5, what="the factory-sim gone")

    def test_sigint_stops_the_demo_and_its_child(self):
        self.assertStopsCleanly(signal.SIGINT)

    def test_sigterm_stops_the_demo_and_its_child(self):
        self.assertStopsCleanly(signal.SIGTERM)

    def test_kill_9_of_the_demo_takes_its_child_along(self):
        proc, child = self.start_demo()
        proc.kill()
        proc.wait(timeout=10)
        wait_until(lambda: not alive(child), timeout=5, what="the orphaned factory-sim gone")


if __name__ == "__main__":
    unittest.main()
