"""What clients can see while a commit waits for its sync. The server runs with an LD_PRELOAD
shim (sync_gate/sync_gate.cpp) that holds every fsync/fdatasync while a file exists, so a
checkout is written but not yet durable: it must not be answered, and neither its event nor its
movement may be listed (docs/api.md). The product's figures may already show it. Once the
sync returns, the answer, the event and the movement all appear."""

import threading
import time
import unittest

from harness import ServerTestCase, SyncGateMixin, wait_until

SKU = "DUR-1"


class DurableReadsTests(SyncGateMixin, ServerTestCase):
    # The shim holds this process's own syncs: on PostgreSQL the sync happens in the server,
    # and every committed row is durable before anyone can read it.
    STORES = ("sqlite",)

    def test_a_checkout_waiting_for_its_sync_is_neither_answered_nor_listed(self):
        self.create_product(SKU, on_hand=2, reorder_point=0)
        events_before = self.all_events()
        movements_before = self.all_movements(SKU)

        answer = {}
        buyer = self.new_client()
        thread = threading.Thread(target=lambda: answer.update(r=buyer.request(
            "POST", "/v1/checkout", {"order_id": "held-1", "lines": [{"sku": SKU, "qty": 2}]},
            key="storefront")))
        # Cleanups run last-in first-out: on a failure the gate is removed before the join.
        self.addCleanup(lambda: thread.is_alive() and thread.join(10))
        self.hold_syncs()
        thread.start()

        # Written: a product read sees it (committed, not yet durable).
        wait_until(lambda: self.get_product(SKU)["on_hand"] == 0, timeout=5,
                   what="the checkout written", describe=lambda: self.get_product(SKU))
        time.sleep(0.3)
        self.assertTrue(thread.is_alive(), f"answered before its sync: {answer}")
        self.assertEqual(self.all_events(), events_before)
        self.assertEqual(self.all_movements(SKU), movements_before)
        r = self.request("GET", "/v1/events?after=0&limit=500")
        self.assertEqual(r.json["next_after"], events_before[-1]["seq"] if events_before else 0)

        self.release_syncs()
        thread.join(10)
        self.assertFalse(thread.is_alive())
        self.assertEqual(answer["r"].status, 200, answer["r"])
        movement_id = answer["r"].json["lines"][0]["movement_id"]
        # Answered only after the sync, so everything is listed by now.
        self.assertEqual([m["id"] for m in self.all_movements(SKU)][0], movement_id)
        empty = [e for e in self.all_events(["stock.empty"]) if e["sku"] == SKU]
        self.assertEqual(len(empty), 1)
        self.assertEqual(empty[0]["cause"], "checkout")


if __name__ == "__main__":
    unittest.main()
