"""`restock demo` starts a factory simulator as a child process. Regression (issue 16, item 6):
SIGINT at its default (as under a terminal) killed the demo outright and left the factory-sim
running. The demo must stop cleanly on SIGINT and SIGTERM, and never leave its child behind,
even when it is killed with kill -9. Its status line (issue 16, item 15) starts with a timestamp,
follows a legend printed once, and names the open restock orders and each dead-letter queue's
depth."""

import datetime
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

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


class DemoTestCase(unittest.TestCase):
    def start_demo(self):
        tmp = tempfile.mkdtemp(prefix="restock-demo-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", tmp]))
        proc = subprocess.Popen(
            [RESTOCK_BIN, "demo", "--data-dir", tmp + "/data", "--listen", "127.0.0.1:0",
             "--no-access-log"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        self.lines = lines = []
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


@unittest.skipUnless(STORE == "sqlite", "the demo's own process handling; the store is SQLite")
class DemoProcessTests(DemoTestCase):
    def assertStopsCleanly(self, sig):
        proc, child = self.start_demo()
        proc.send_signal(sig)
        self.assertEqual(proc.wait(timeout=20), 0, f"exit status after {sig.name}")
        wait_until(lambda: not alive(child), timeout=5, what="the factory-sim gone")

    def test_sigint_stops_the_demo_and_its_child(self):
        self.assertStopsCleanly(signal.SIGINT)

    def test_sigterm_stops_the_demo_and_its_child(self):
        self.assertStopsCleanly(signal.SIGTERM)

    def test_the_banner_names_the_port_actually_bound(self):
        proc, _ = self.start_demo()
        banner = next(l for l in self.lines if "serving" in l)
        match = re.search(r"serving http://127\.0\.0\.1:(\d+)", banner)
        self.assertIsNotNone(match, banner)
        port = int(match.group(1))
        self.assertNotEqual(port, 0, banner)
        key = next(l.split(":", 1)[1].strip() for l in self.lines if "admin key:" in l)
        request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/products",
                                         headers={"Authorization": "Bearer " + key})
        with urllib.request.urlopen(request, timeout=10) as answer:
            self.assertEqual(answer.status, 200)
        urls = re.findall(r"http://[0-9.]+:\d+/v1/", "".join(self.lines))
        self.assertGreaterEqual(len(urls), 4, self.lines)  # the curl lines to try
        self.assertEqual(set(urls), {f"http://127.0.0.1:{port}/v1/"}, self.lines)
        proc.terminate()
        proc.wait(timeout=20)

    def test_kill_9_of_the_demo_takes_its_child_along(self):
        proc, child = self.start_demo()
        proc.kill()
        proc.wait(timeout=10)
        wait_until(lambda: not alive(child), timeout=5, what="the orphaned factory-sim gone")


STATUS = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) ok=(\d+) refused=(\d+) \| (.*) \| "
                    r"orders open=(\d+) received=(\d+) \| dlq (.*)$")


@unittest.skipUnless(STORE == "sqlite", "the demo's output; the store is SQLite")
class DemoStatusTests(DemoTestCase):
    def test_status_lines_have_a_timestamp_a_legend_orders_and_dlq_depths(self):
        proc, _ = self.start_demo()
        statuses = wait_until(
            lambda: (lambda s: s if len(s) >= 2 else None)(
                [l for l in self.lines if STATUS.match(l.rstrip("\n"))]),
            timeout=20, what="two status lines", describe=lambda: self.lines)
        text = [l.rstrip("\n") for l in self.lines]
        first = text.index(statuses[0].rstrip("\n"))
        legend = [i for i, l in enumerate(text) if l.startswith("Status, every 5 s:")]
        self.assertEqual(len(legend), 1, "the legend is printed once")
        self.assertLess(legend[0], first, "the legend comes before the first status line")
        for part in ("TIME", "ok, refused", "SKU=A+O", "orders", "dlq"):
            self.assertTrue(any(l.lstrip().startswith(part) for l in text[legend[0]:first]),
                            part)
        for line in statuses:
            at, ok, refused, stock, open_orders, received, dlqs = STATUS.match(
                line.rstrip("\n")).groups()
            taken = datetime.datetime.strptime(at, "%Y-%m-%dT%H:%M:%SZ")
            now = datetime.datetime.utcnow()
            self.assertLess(abs((now - taken).total_seconds()), 60, line)
            self.assertEqual(sorted(s.split("=")[0] for s in stock.split()),
                             ["CAP-RED", "MUG-LOGO", "SOCKS-3PK", "TSHIRT-BLK-M"], line)
            self.assertEqual(sorted(d.split("=")[0] for d in dlqs.split()),
                             ["stock-ad-dlq", "stock-empty-dlq", "stock-error-dlq"], line)
            for depth in dlqs.split():
                self.assertRegex(depth, r"=\d+$")
        # SOCKS-3PK starts at 0: its order went out at start, and is open or received by now.
        last = STATUS.match(statuses[-1].rstrip("\n")).groups()
        self.assertGreaterEqual(int(last[4]) + int(last[5]), 1, statuses[-1])
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=20), 0)


if __name__ == "__main__":
    unittest.main()
