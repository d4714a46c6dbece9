"""Cancelling a restock order by hand (POST /v1/restock-orders/{id}/cancel): the factory that
never ships is replaced, the order is cancelled, the loop orders again from the new factory, and
a late shipment of the cancelled order is still booked. Also the refusals and a restart."""

import os
import unittest

from harness import LoopTestCase, run_cli

SILENT = "fac-silent"  # accepts orders, never ships
WORKING = "fac-working"


class CancelOrderTests(LoopTestCase):

    def setUp(self):
        super().setUp()
        self.silent = self.start_factory_sim("--no-callbacks", "--seed", "11")
        self.register_factory(SILENT, self.silent.url)

    def cancel(self, order_id, key="admin", headers=None, body=None):
        return self.request("POST", f"/v1/restock-orders/{order_id}/cancel", body, key=key,
                            headers=headers)

    def drained(self, sku):
        """A product sold down to its reorder point: one order of 6 at the silent factory."""
        self.create_product(sku, on_hand=3, reorder_point=1, reorder_qty=6, factory_id=SILENT)
        self.assertEqual(self.checkout("drain-" + sku, [(sku, 2)]).status, 200)
        return self.wait_for_order(sku, "acknowledged")

    def test_cancel_moves_the_order_to_another_factory(self):
        sku = "CANCEL-1"
        stuck = self.drained(sku)
        self.assertEqual(self.get_product(sku)["on_order"], 6)

        # The operator points the product at a factory that works, then cancels the stuck order.
        working = self.start_factory_sim("--delay-ms", "50", "--seed", "12")
        self.register_factory(WORKING, working.url)
        r = self.request("PATCH", f"/v1/products/{sku}", {"factory_id": WORKING})
        self.assertEqual(r.status, 200, r)
        seq = self.last_seq()
        r = self.cancel(stuck["id"], headers={"Idempotency-Key": "cancel-1"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["id"], r.json["status"], r.json["qty"], r.json["factory_id"]),
                         (stuck["id"], "cancelled", 6, SILENT))
        replayed = self.cancel(stuck["id"], headers={"Idempotency-Key": "cancel-1"})
        self.assertEqual((replayed.status, replayed.raw), (200, r.raw))
        self.assertEqual(replayed.headers.get("idempotent-replayed"), "true")

        # restock.cancelled, then stock.low again (nothing on order), then the new order.
        events = self.events_for(sku, after=seq)
        self.assertEqual([(e["type"], e["cause"], e.get("order_id")) for e in events[:2]],
                         [("restock.cancelled", "cancelled", stuck["id"]),
                          ("stock.low", "order-cancelled-still-low", None)])
        self.assertEqual(events[0]["data"]["on_order"], 0)
        self.wait_for_on_hand(sku, 1 + 6)
        received = self.wait_for_order(sku, "received")
        self.assertNotEqual(received["id"], stuck["id"])
        self.assertEqual(received["factory_id"], WORKING)
        self.assertEqual([o["product_id"] for o in working.orders()], [sku])
        self.assertEqual(len(self.silent.orders()), 1)

        # The silent factory ships after all: the goods are booked, the order stays cancelled.
        self.assertEqual(self.silent.replay(1).status, 202)
        self.wait_for_on_hand(sku, 1 + 6 + 6)
        late = self.restock_order(stuck["id"])
        self.assertEqual((late["status"], late["received_qty"]), ("received", 6))
        self.assertEqual(self.get_product(sku)["on_order"], 0)

    def test_refusals_change_nothing(self):
        sku = "CANCEL-2"
        order = self.drained(sku)

        self.assertProblem(self.cancel(order["id"], key="storefront"), 403, "forbidden")
        self.assertProblem(self.cancel(order["id"], key="factory"), 403, "forbidden")
        self.assertProblem(self.cancel("ro_999"), 404, "order-not-found")
        self.assertProblem(self.cancel(order["id"], body={"reason": "too many"}), 400,
                           "invalid-request")
        self.assertProblem(self.request("GET", f"/v1/restock-orders/{order['id']}/cancel"), 405,
                           "method-not-allowed")
        self.assertEqual(self.restock_order(order["id"])["status"], "acknowledged")
        self.assertEqual(self.get_product(sku)["on_order"], 6)
        self.assertEqual(self.events_for(sku, ["restock.cancelled"]), [])

        # An order that is complete cannot be cancelled.
        self.assertEqual(self.silent.replay(1).status, 202)
        self.wait_for_order(sku, "received")
        r = self.cancel(order["id"])
        self.assertProblem(r, 409, "order-closed")
        self.assertIn("received", r.json["detail"])
        self.assertEqual(self.restock_order(order["id"])["status"], "received")

    def test_a_cancel_is_durable_and_repeating_it_changes_nothing(self):
        sku = "CANCEL-3"
        order = self.drained(sku)
        # Nothing more is needed once stock is counted in: the cancel raises no new stock.low.
        r = self.request("POST", f"/v1/stock/{sku}/adjustments", {"delta": 10, "reason": "found"})
        self.assertEqual(r.status, 201, r)
        first = self.cancel(order["id"])  # no Idempotency-Key: answered, then kill -9
        self.assertEqual(first.status, 200, first)
        self.server.kill()
        self.start_server()

        again = self.cancel(order["id"])
        self.assertEqual(again.status, 200, again)
        self.assertEqual(again.json, first.json)
        self.assertEqual(self.get_product(sku)["on_order"], 0)
        self.assertEqual(len(self.events_for(sku, ["restock.cancelled"])), 1)
        self.assertEqual(len(self.events_for(sku, ["stock.low"])), 1)
        self.wait_for_idle("restock-orders")
        self.assertEqual([o["id"] for o in self.restock_orders(sku)], [order["id"]])

    def orders_cli(self, *args, check=True):
        return run_cli("orders", *args, "--url", self.public_url, "--key", self.keys["admin"],
                       check=check)

    def test_orders_cli_list_show_cancel(self):
        sku = "CANCEL-4"
        order = self.drained(sku)
        header = "id\tsku\tqty\treceived\tstatus\tfactory\tattempts\tlast_error"

        row = f"{order['id']}\t{sku}\t6\t0\tacknowledged\t{SILENT}\t1\t"  # no last_error
        listed = self.orders_cli("list").stdout.splitlines()
        self.assertEqual(listed[0], header)
        self.assertIn(row, listed[1:])
        self.assertEqual(self.orders_cli("show", order["id"]).stdout.splitlines(), [header, row])
        cancelled = self.orders_cli("cancel", order["id"]).stdout.splitlines()
        self.assertEqual(cancelled[1].split("\t")[4], "cancelled")
        self.assertEqual(self.restock_order(order["id"])["status"], "cancelled")

        # Refusals: the server's problem detail and exit 1; usage errors exit 2.
        self.assertCliFails(self.orders_cli("cancel", "ro_999", check=False), 1,
                            "HTTP 404: no restock order 'ro_999'")
        self.assertCliFails(self.orders_cli("show", check=False), 2, "show needs an order id")
        # An id is sent as the one path segment it is, whatever it holds.
        for odd in (f"{order['id']}?x", f"{order['id']}/cancel", "ro 1#"):
            self.assertCliFails(self.orders_cli("show", odd, check=False), 1,
                                f"HTTP 404: no restock order '{odd}'")
        self.assertCliFails(self.orders_cli("list", "--limit", "0", check=False), 1, "HTTP 400")
        self.assertCliFails(run_cli("orders", "list", "--url", self.public_url,
                                    "--key", self.keys["storefront"], check=False), 1, "HTTP 403")
        self.assertCliFails(run_cli("orders", "list", "--url", self.public_url, check=False,
                                    env=dict(os.environ, RESTOCK_KEY="")), 2, "admin key")


if __name__ == "__main__":
    unittest.main()
