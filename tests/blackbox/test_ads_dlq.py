"""ad-control against a fake Ads API: pause on stock.empty, resume on stock.restored; failures
retry, land in stock-ad-dlq, and a redrive after the API recovers pauses exactly once."""

import unittest
import urllib.parse

from harness import FakeService, LoopTestCase

AD = "ad-42"
PAUSE = f"/ads/{AD}/pause"
RESUME = f"/ads/{AD}/resume"


class AdsTestCase(LoopTestCase):
    ADS_STATUS = 200

    def setUp(self):
        # The Ads API must exist before the server starts: its URL is a start-up flag.
        self.ads = FakeService(status=self.ADS_STATUS)
        self.addCleanup(self.ads.close)
        super().setUp()
        # Restock orders go to a factory that accepts and never calls back, so the restock
        # side stays quiet; stock comes back through receipts.
        self.sim = self.start_factory_sim("--no-callbacks")
        self.register_factory("fac-ads", self.sim.url)

    def server_args(self):
        return ["--ads-url", self.ads.url]

    def ads_calls(self):
        return [(r.path, status) for r, status in self.ads.recorded()]

    def product_with_ad(self, sku, on_hand=2, ad_id=AD, **extra):
        return self.create_product(sku, on_hand=on_hand, reorder_point=0, reorder_qty=5,
                                   factory_id="fac-ads", ad_id=ad_id, **extra)

    def receive(self, sku, qty, reference):
        r = self.request("POST", f"/v1/stock/{sku}/receipts",
                         {"qty": qty, "reference": reference}, key="factory")
        self.assertEqual(r.status, 201, r)
        return r.json


class AdsDlqTests(AdsTestCase):
    ADS_STATUS = 500

    def test_pause_dead_letters_then_redrive_pauses_once_and_restore_resumes_once(self):
        sku = "ADS-1"
        self.product_with_ad(sku)
        self.assertEqual(self.checkout("a1", [(sku, 2)]).status, 200)  # stock.empty
        empty = self.wait_for(lambda: self.events_for(sku, ["stock.empty"]), "stock.empty")[0]

        (dead,) = self.wait_for_dlq("stock-ad-dlq")
        self.assertEqual(dead["source_queue"], "ad-control")
        self.assertEqual(dead["receive_count"], 4)
        self.assertEqual(dead["last_error"], "ads API answered 500")
        self.assertEqual((dead["body"]["type"], dead["body"]["id"]), ("stock.empty", empty["id"]))
        self.wait_for_idle("ad-control")
        self.assertEqual(self.ads_calls(), [(PAUSE, 500)] * 4)
        first = self.ads.recorded()[0][0]
        self.assertEqual(first.method, "POST")
        self.assertEqual(first.headers.get("Content-Type"), "application/json")
        self.assertEqual(first.json, {"sku": sku, "event_id": empty["id"]})

        # The API recovers; redrive: exactly one more pause, which succeeds.
        self.ads.set_status(200)
        self.assertEqual(self.redrive("stock-ad-dlq"), 1)
        self.wait_for(lambda: (PAUSE, 200) in self.ads_calls(), "a successful pause",
                      describe=self.ads_calls)
        self.wait_for_idle("ad-control")
        self.settle(0.3)
        self.assertEqual(self.ads_calls(), [(PAUSE, 500)] * 4 + [(PAUSE, 200)])
        self.assertEqual(self.queue_messages("stock-ad-dlq"), [])

        # Stock comes back above the reorder point: stock.restored, exactly one resume.
        self.receive(sku, 5, "ship-1")
        restored = self.wait_for(lambda: self.events_for(sku, ["stock.restored"]),
                                 "stock.restored")[0]
        self.wait_for(lambda: (RESUME, 200) in self.ads_calls(), "a resume",
                      describe=self.ads_calls)
        self.wait_for_idle("ad-control")
        self.settle(0.3)
        self.assertEqual(self.ads_calls(), [(PAUSE, 500)] * 4 + [(PAUSE, 200), (RESUME, 200)])
        self.assertEqual(self.ads.recorded()[-1][0].json, {"sku": sku, "event_id": restored["id"]})

        # Selling out again pauses again (the API is healthy now: first try).
        self.assertEqual(self.checkout("a2", [(sku, 5)]).status, 200)
        self.wait_for(lambda: len(self.ads_calls()) == 7, "a second pause",
                      describe=self.ads_calls)
        self.assertEqual(self.ads_calls()[-1], (PAUSE, 200))
        self.assertEqual(self.queue_messages("stock-ad-dlq"), [])

    def test_redriven_stale_pause_does_not_leave_a_restocked_ad_paused(self):
        sku = "ADS-2"
        self.product_with_ad(sku)
        self.assertEqual(self.checkout("s1", [(sku, 2)]).status, 200)  # empty: pause fails
        self.wait_for_dlq("stock-ad-dlq")
        self.ads.set_status(200)
        self.receive(sku, 5, "ship-1")  # restored: resume succeeds
        self.wait_for(lambda: (RESUME, 200) in self.ads_calls(), "a resume",
                      describe=self.ads_calls)
        self.assertEqual(self.get_product(sku)["status"], "in_stock")
        # An operator redrives the DLQ: the old stock.empty must not pause an ad whose product
        # is in stock (or, if it does, it must be resumed again).
        self.assertEqual(self.redrive("stock-ad-dlq"), 1)
        self.wait_for_idle("ad-control", "stock-ad-dlq")
        self.settle(0.3)
        ok_calls = [path for path, status in self.ads_calls() if status == 200]
        self.assertEqual(ok_calls[-1], RESUME, f"the ad ends paused: {self.ads_calls()}")


class AdsHealthyTests(AdsTestCase):

    def test_only_products_with_an_ad_and_only_empty_or_restored(self):
        self.product_with_ad("ADS-3", on_hand=10, ad_id="ad-3")
        self.create_product("ADS-NOAD", on_hand=2, reorder_point=0, reorder_qty=5,
                            factory_id="fac-ads")
        r = self.request("PATCH", "/v1/products/ADS-3", {"reorder_point": 4})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.checkout("h1", [("ADS-3", 6)]).status, 200)  # low: no ad call
        self.assertEqual(self.checkout("h2", [("ADS-NOAD", 2)]).status, 200)  # empty, no ad
        self.wait_for(lambda: len(self.events_for("ADS-NOAD", ["stock.empty"])) == 1, "empty")
        self.wait_for_idle("ad-control")
        self.settle(0.3)
        self.assertEqual(self.ads_calls(), [])
        self.assertEqual(self.checkout("h3", [("ADS-3", 4)]).status, 200)  # empty: pause
        self.wait_for(lambda: self.ads_calls() == [("/ads/ad-3/pause", 200)], "pause ad-3",
                      describe=self.ads_calls)
        self.receive("ADS-3", 3, "part")  # 3 <= 4: merely low, not restored: no resume
        self.wait_for_idle("ad-control")
        self.settle(0.3)
        self.assertEqual(self.ads_calls(), [("/ads/ad-3/pause", 200)])
        self.receive("ADS-3", 2, "rest")  # 5 > 4: restored
        self.wait_for(lambda: len(self.ads_calls()) == 2, "resume ad-3", describe=self.ads_calls)
        self.assertEqual(self.ads_calls()[-1], ("/ads/ad-3/resume", 200))
        self.assertEqual(self.queue_messages("stock-ad-dlq"), [])

    def test_ad_id_changed_by_patch_is_used(self):
        self.product_with_ad("ADS-4", on_hand=1, ad_id="ad-old")
        r = self.request("PATCH", "/v1/products/ADS-4", {"ad_id": "ad-new"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["ad_id"], "ad-new")
        self.assertEqual(self.checkout("p1", [("ADS-4", 1)]).status, 200)
        self.wait_for(lambda: self.ads_calls() == [("/ads/ad-new/pause", 200)], "pause ad-new",
                      describe=self.ads_calls)


class AdIdEncodingTests(AdsTestCase):

    def test_ad_id_with_reserved_characters_is_one_path_segment(self):
        # ad_id is "1 to 64 printable ASCII characters". Either the server refuses ids it
        # cannot put in a URL, or it percent-encodes them: the Ads API must see exactly
        # POST /ads/{ad_id}/pause with the id as one path segment.
        ad_ids = ["promo?evil=1", "a/../../b", "x#y", "spring sale", "50%2Foff"]
        expected = {}
        for n, ad_id in enumerate(ad_ids):
            sku = f"ADX-{n}"
            r = self.request("POST", "/v1/products",
                             {"sku": sku, "name": sku, "on_hand": 1, "reorder_point": 0,
                              "reorder_qty": 5, "factory_id": "fac-ads", "ad_id": ad_id})
            if r.status == 400:
                continue  # refused up front: fine
            self.assertEqual(r.status, 201, r)
            self.assertEqual(self.checkout(f"x{n}", [(sku, 1)]).status, 200)
            expected[sku] = ad_id
        self.wait_for_idle("ad-control")
        self.settle(0.3)
        seen = {}
        for request, status in self.ads.recorded():
            parts = request.path.split("/")
            seen[request.json["sku"]] = (
                urllib.parse.unquote(parts[2]) if len(parts) == 4 and parts[1] == "ads"
                and parts[3] == "pause" and "?" not in request.path else request.path)
        self.assertEqual(seen, expected)
        self.assertEqual(self.queue_messages("stock-ad-dlq"), [])


class NoAdsUrlTests(LoopTestCase):
    """Without --ads-url, ad-control has nothing to call: messages are settled, no DLQ."""

    def test_ads_not_managed(self):
        self.create_product("ADS-5", on_hand=1, reorder_point=0, reorder_qty=5,
                            factory_id="none", ad_id="ad-5")
        self.assertEqual(self.checkout("n1", [("ADS-5", 1)]).status, 200)
        self.wait_for(lambda: self.events_for("ADS-5", ["stock.empty"]), "stock.empty")
        self.wait_for_idle("ad-control")
        self.settle(0.3)
        self.assertEqual(self.queue_messages("stock-ad-dlq"), [])


if __name__ == "__main__":
    unittest.main()
