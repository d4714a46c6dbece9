"""kill -9 under load: every acknowledged checkout survives, and the ledger stays consistent."""

import os
import threading
import time
import unittest

from harness import ServerTestCase

SKU = "CRASH-1"
INITIAL = 1_000_000
CLIENTS = 16
LOAD_SECONDS = 1.5


class CrashTests(ServerTestCase):

    def test_sigkill_under_load_loses_no_acknowledged_checkout(self):
        self.create_product(SKU, on_hand=INITIAL, reorder_point=0)
        clients = [self.new_client() for _ in range(CLIENTS)]
        stop = threading.Event()
        lock = threading.Lock()
        acked = set()  # order ids answered 200
        unknown = set()  # sent, but the connection failed: may or may not have committed
        unexpected = []

        def worker(index):
            client = clients[index]
            n = 0
            while not stop.is_set():
                n += 1
                order_id = f"crash-{index}-{n}"
                try:
                    r = client.request("POST", "/v1/checkout",
                                       {"order_id": order_id,
                                        "lines": [{"sku": SKU, "qty": 1}]},
                                       key="storefront")
                except Exception:  # noqa: BLE001 - the server died under us
                    with lock:
                        unknown.add(order_id)
                    return
                with lock:
                    if r.status == 200:
                        acked.add(order_id)
                    else:
                        # 503 (engine stopping) would be legitimate: nothing taken. Anything
                        # else is a failure.
                        if r.status != 503:
                            unexpected.append(repr(r))
                        unknown.add(order_id)

        threads = [threading.Thread(target=worker, args=(i,), daemon=True)
                   for i in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(LOAD_SECONDS)
        with lock:
            acked_before_kill = len(acked)
        self.server.kill()  # SIGKILL while the load runs
        stop.set()
        for t in threads:
            t.join(timeout=30)
        self.assertFalse(any(t.is_alive() for t in threads), "clients hung after the kill")
        self.assertEqual(unexpected, [])
        self.assertGreater(acked_before_kill, 50, "the load did not get going")
        for c in clients:
            c.close()

        # Restart on the same data directory (new port, same keys).
        self.start_server()
        moves = self.all_movements(SKU)
        if os.environ.get("RESTOCK_BB_VERBOSE"):
            print(f"\nacked={len(acked)} unknown={len(unknown)} ledger={len(moves)}")
        checkouts = [m for m in moves if m["kind"] == "checkout"]
        refs = [m["reference"] for m in checkouts]
        self.assertEqual(len(refs), len(set(refs)), "an order was booked twice")
        missing = acked - set(refs)
        self.assertEqual(missing, set(), f"{len(missing)} acknowledged checkouts were lost")
        phantom = set(refs) - acked - unknown
        self.assertEqual(phantom, set(), "the ledger holds checkouts nobody sent")
        self.assertTrue(all(m["delta"] == -1 for m in checkouts))

        product = self.get_product(SKU)
        self.assertEqual(product["on_hand"], INITIAL - len(checkouts))
        self.assertEqual(product["available"], product["on_hand"])

        # The chain: oldest first, each on_hand_after == previous + delta; ids increase.
        chain = list(reversed(moves))
        self.assertEqual((chain[0]["kind"], chain[0]["delta"], chain[0]["on_hand_after"]),
                         ("initial", INITIAL, INITIAL))
        for previous, current in zip(chain, chain[1:]):
            self.assertGreater(current["id"], previous["id"])
            self.assertEqual(current["on_hand_after"], previous["on_hand_after"] + current["delta"],
                             (previous, current))
        self.assertEqual(chain[-1]["on_hand_after"], product["on_hand"])

        # And the restarted server keeps working on top of the recovered state.
        r = self.checkout("after-restart", [(SKU, 5)])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.on_hand(SKU), INITIAL - len(checkouts) - 5)
        head = self.request("GET", f"/v1/stock/{SKU}/movements?limit=1").json["items"][0]
        self.assertEqual((head["reference"], head["delta"], head["on_hand_after"]),
                         ("after-restart", -5, INITIAL - len(checkouts) - 5))
        self.assertGreater(head["id"], chain[-1]["id"])

    def test_sigterm_under_load_stops_cleanly(self):
        self.create_product(SKU, on_hand=INITIAL, reorder_point=0)
        clients = [self.new_client() for _ in range(4)]
        stop = threading.Event()
        lock = threading.Lock()
        acked = set()

        def worker(index):
            n = 0
            while not stop.is_set():
                n += 1
                order_id = f"term-{index}-{n}"
                try:
                    r = clients[index].request("POST", "/v1/checkout",
                                               {"order_id": order_id,
                                                "lines": [{"sku": SKU, "qty": 1}]},
                                               key="storefront")
                except Exception:  # noqa: BLE001 - the server is going away
                    return
                if r.status == 200:
                    with lock:
                        acked.add(order_id)

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        started = time.monotonic()
        rc = self.server.terminate(timeout=10)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        self.assertEqual(rc, 0, self.server.stderr())
        self.assertLess(time.monotonic() - started, 10)
        self.assertTrue(acked)

        self.start_server()
        refs = {m["reference"] for m in self.all_movements(SKU) if m["kind"] == "checkout"}
        self.assertEqual(acked - refs, set())
        self.assertEqual(self.on_hand(SKU), INITIAL - len(refs))


if __name__ == "__main__":
    unittest.main()
