"""API keys and roles: 401 without or with a bad key, 403 for the wrong role, revocation."""

import time
import unittest

from harness import ServerTestCase, create_key, revoke_key

PRODUCT = {"sku": "AUTH-NEW", "name": "New", "on_hand": 1, "reorder_point": 0,
           "reorder_qty": 1, "factory_id": "f"}


class AuthTests(ServerTestCase):

    def setUp(self):
        super().setUp()
        self.ensure_factory("f")  # the factory of PRODUCT
        self.create_product("AUTH-1", on_hand=50, reorder_point=0)

    def assertUnauthorized(self, response):
        self.assertProblem(response, 401, "unauthorized")
        self.assertEqual(response.headers.get("WWW-Authenticate"), "Bearer")

    def test_401_without_or_with_bad_key(self):
        routes = [("GET", "/v1/products/AUTH-1", None), ("GET", "/v1/products", None),
                  ("POST", "/v1/checkout", {"order_id": "o", "lines": [{"sku": "AUTH-1",
                                                                        "qty": 1}]}),
                  ("POST", "/v1/products", PRODUCT),
                  ("POST", "/v1/stock/AUTH-1/receipts", {"qty": 1, "reference": "r"}),
                  ("GET", "/v1/events", None), ("GET", "/metrics", None)]
        bad_headers = [None,  # no Authorization at all
                       {"Authorization": "Bearer"}, {"Authorization": "Bearer "},
                       {"Authorization": "Basic " + self.keys["admin"]},
                       {"Authorization": "bearer-" + self.keys["admin"]},
                       {"Authorization": self.keys["admin"]},
                       {"Authorization": "Bearer rk_definitely_not_a_key"},
                       {"Authorization": "Bearer " + self.keys["admin"] + "x"},
                       {"Authorization": "Bearer " + self.keys["admin"][:-1]}]
        for method, path, body in routes:
            for headers in bad_headers:
                r = self.request(method, path, body, key=None, headers=headers)
                self.assertUnauthorized(r)
        # Nothing happened.
        self.assertEqual(self.on_hand("AUTH-1"), 50)
        self.assertEqual([p["sku"] for p in self.all_products()], ["AUTH-1"])
        self.assertEqual(len(self.all_movements("AUTH-1")), 1)

    def test_the_bearer_scheme_is_case_insensitive(self):
        for scheme in ("Bearer", "bearer", "BEARER", "bEaReR"):
            r = self.request("GET", "/v1/products/AUTH-1", key=None,
                             headers={"Authorization": f"{scheme} {self.keys['admin']}"})
            self.assertEqual(r.status, 200, (scheme, r))

    def test_403_for_the_wrong_role(self):
        r = self.request("POST", "/v1/products", PRODUCT, key="storefront")
        self.assertProblem(r, 403, "forbidden")
        r = self.request("POST", "/v1/products", PRODUCT, key="factory")
        self.assertProblem(r, 403, "forbidden")
        r = self.checkout("o-fac", [("AUTH-1", 1)], key="factory")
        self.assertProblem(r, 403, "forbidden")
        r = self.request("POST", "/v1/stock/AUTH-1/receipts", {"qty": 5, "reference": "r1"},
                         key="storefront")
        self.assertProblem(r, 403, "forbidden")
        r = self.request("POST", "/v1/stock/AUTH-1/adjustments", {"delta": 5, "reason": "x"},
                         key="storefront")
        self.assertProblem(r, 403, "forbidden")
        r = self.request("POST", "/v1/stock/AUTH-1/adjustments", {"delta": 5, "reason": "x"},
                         key="factory")
        self.assertProblem(r, 403, "forbidden")
        r = self.request("PATCH", "/v1/products/AUTH-1", {"name": "x"}, key="storefront")
        self.assertProblem(r, 403, "forbidden")
        for path in ("/v1/stock/AUTH-1/movements", "/v1/events?type=restock.ordered",
                     "/metrics"):
            r = self.request("GET", path, key="storefront")
            self.assertProblem(r, 403, "forbidden")
        r = self.request("GET", "/v1/products/AUTH-1", key="factory")
        self.assertProblem(r, 403, "forbidden")
        # Nothing happened.
        p = self.get_product("AUTH-1")
        self.assertEqual((p["on_hand"], p["name"]), (50, "Product AUTH-1"))
        self.assertEqual([x["sku"] for x in self.all_products()], ["AUTH-1"])
        self.assertEqual(len(self.all_movements("AUTH-1")), 1)

    def test_storefront_and_factory_can_do_their_jobs(self):
        r = self.request("GET", "/v1/products/AUTH-1", key="storefront")
        self.assertEqual(r.status, 200, r)
        r = self.request("GET", "/v1/products", key="storefront")
        self.assertEqual(r.status, 200, r)
        r = self.checkout("o-sf", [("AUTH-1", 2)], key="storefront")
        self.assertEqual(r.status, 200, r)
        r = self.request("POST", "/v1/stock/AUTH-1/receipts", {"qty": 3, "reference": "f1"},
                         key="factory")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.on_hand("AUTH-1"), 51)

    def test_admin_can_do_everything(self):
        r = self.request("POST", "/v1/products", PRODUCT, key="admin")
        self.assertEqual(r.status, 201, r)
        r = self.request("PATCH", "/v1/products/AUTH-NEW", {"name": "Renamed"}, key="admin")
        self.assertEqual(r.status, 200, r)
        r = self.request("GET", "/v1/products/AUTH-NEW", key="admin")
        self.assertEqual((r.status, r.json["name"]), (200, "Renamed"))
        r = self.request("GET", "/v1/products", key="admin")
        self.assertEqual(r.status, 200, r)
        r = self.checkout("o-adm", [("AUTH-1", 5)], key="admin")
        self.assertEqual(r.status, 200, r)
        r = self.request("POST", "/v1/stock/AUTH-1/receipts", {"qty": 2, "reference": "a1"},
                         key="admin")
        self.assertEqual(r.status, 201, r)
        r = self.request("POST", "/v1/stock/AUTH-1/adjustments", {"delta": -1, "reason": "x"},
                         key="admin")
        self.assertEqual(r.status, 201, r)
        r = self.request("GET", "/v1/stock/AUTH-1/movements", key="admin")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json["items"]), 4)
        r = self.request("GET", "/v1/events", key="admin")
        self.assertEqual(r.status, 200, r)
        r = self.request("GET", "/metrics", key="admin")
        self.assertEqual(r.status, 200, r)
        self.assertIn(b"restock_engine_commands_total", r.raw)
        self.assertEqual(self.on_hand("AUTH-1"), 46)

    def test_revoked_key_stops_working(self):
        key = create_key(self.store, "storefront", "temp-storefront")
        other = create_key(self.store, "storefront", "kept-storefront")
        # Used (and cached) before revocation.
        for k in (key, other):
            r = self.request("GET", "/v1/products/AUTH-1", key=k)
            self.assertEqual(r.status, 200, r)
        revoke_key(self.store, "temp-storefront")
        revoked_at = time.monotonic()
        while True:
            r = self.request("GET", "/v1/products/AUTH-1", key=key)
            if r.status == 401:
                break
            self.assertEqual(r.status, 200, r)
            self.assertLess(time.monotonic() - revoked_at, 6.5,
                            "a revoked key still works after 6.5 s")
            time.sleep(0.1)
        self.assertUnauthorized(r)
        # Stays revoked; a checkout with it is refused and takes nothing.
        r = self.checkout("o-rev", [("AUTH-1", 1)], key=key)
        self.assertUnauthorized(r)
        self.assertEqual(self.on_hand("AUTH-1"), 50)
        # Other keys are unaffected.
        r = self.request("GET", "/v1/products/AUTH-1", key=other)
        self.assertEqual(r.status, 200, r)
        r = self.checkout("o-kept", [("AUTH-1", 1)], key=other)
        self.assertEqual(r.status, 200, r)


if __name__ == "__main__":
    unittest.main()
