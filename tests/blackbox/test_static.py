"""The dashboard served by the real binary: the page at / and at every client route, hashed
assets cached for a year, the page revalidated by ETag (304), gzip when asked and smaller, the
CSP and nosniff on every page, HEAD, and the first load's size (printed: it must stay < 150 KB)."""

import gzip
import re
import unittest

from harness import ServerTestCase

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
IMMUTABLE = "public, max-age=31536000, immutable"
FIRST_LOAD_LIMIT = 150 * 1024
CLIENT_ROUTES = ("/", "/products", "/products/SKU-1", "/orders", "/queues",
                 "/queues/stock-empty-dlq", "/events", "/subscriptions", "/factories", "/login")


class StaticTests(ServerTestCase):
    STORES = ("sqlite",)  # nothing here touches the store

    def get(self, path, method="GET", **headers):
        return self.request(method, path, key=None, headers=headers)

    def page_assets(self, html):
        """The assets the page names: its script, style sheet and icon."""
        return re.findall(r'(?:src|href)="(/assets/[^"]+)"', html)

    def test_page_at_every_client_route_with_security_headers(self):
        first = self.get("/")
        for path in CLIENT_ROUTES:
            r = self.get(path)
            self.assertEqual(r.status, 200, path)
            self.assertEqual(r.content_type, "text/html; charset=utf-8", path)
            self.assertEqual(r.raw, first.raw, path)
            self.assertEqual(r.headers["Cache-Control"], "no-cache", path)
            self.assertEqual(r.headers["Content-Security-Policy"], CSP, path)
            self.assertEqual(r.headers["X-Content-Type-Options"], "nosniff", path)
            self.assertRegex(r.headers["ETag"], r'^"[0-9a-f]{32}"$')
        html = first.raw.decode()
        self.assertIn('<div id="app">', html)
        # No inline script or style: everything the page runs comes from /assets/.
        self.assertNotRegex(html, r"<script(?![^>]*\bsrc=)")
        self.assertNotIn("<style", html)
        self.assertNotRegex(html, r"\sstyle=")
        self.assertNotRegex(html, r"\son[a-z]+=")
        self.assertEqual(len([a for a in self.page_assets(html) if a.endswith((".js", ".css"))]), 2)
        # The API and the operational routes are untouched.
        self.assertEqual(self.get("/healthz").json, {"status": "ok"})
        self.assertEqual(self.get("/v1/products").status, 401)
        self.assertEqual(self.request("GET", "/v1/products").status, 200)
        self.assertEqual(self.get("/nowhere").status, 404)
        self.assertEqual(self.get("/nowhere").content_type, "application/problem+json")

    def test_hashed_assets_are_immutable_and_gzipped(self):
        html = self.get("/").raw.decode()
        for path in self.page_assets(html):
            self.assertRegex(path, r"^/assets/[a-z]+\.[0-9a-f]{12}\.(js|css|svg)$")
            plain = self.get(path)
            self.assertEqual(plain.status, 200, path)
            self.assertEqual(plain.headers["Cache-Control"], IMMUTABLE, path)
            self.assertEqual(plain.headers["Content-Security-Policy"], CSP)
            self.assertIsNone(plain.headers.get("Content-Encoding"))
            expected_type = {"js": "text/javascript; charset=utf-8",
                             "css": "text/css; charset=utf-8", "svg": "image/svg+xml"}
            self.assertEqual(plain.content_type, expected_type[path.rsplit(".", 1)[1]])
            zipped = self.get(path, **{"Accept-Encoding": "gzip, deflate, br"})
            if zipped.headers.get("Content-Encoding") == "gzip":
                self.assertEqual(gzip.decompress(zipped.raw), plain.raw, path)
                self.assertLess(len(zipped.raw), len(plain.raw))
                self.assertEqual(zipped.headers["Vary"], "Accept-Encoding")
                self.assertNotEqual(zipped.headers["ETag"], plain.headers["ETag"])
            else:
                self.assertEqual(zipped.raw, plain.raw)
            if path.endswith(".js"):  # the bundle compresses: it must come gzipped
                self.assertEqual(zipped.headers.get("Content-Encoding"), "gzip")
        missing = self.get("/assets/app.000000000000.js")
        self.assertEqual(missing.status, 404)
        self.assertEqual(missing.content_type, "application/problem+json")

    def test_page_revalidates_with_etag(self):
        first = self.get("/products", **{"Accept-Encoding": "gzip"})
        etag = first.headers["ETag"]
        again = self.get("/products", **{"If-None-Match": etag, "Accept-Encoding": "gzip"})
        self.assertEqual(again.status, 304)
        self.assertEqual(again.raw, b"")
        self.assertEqual(again.headers["ETag"], etag)
        self.assertEqual(self.get("/", **{"If-None-Match": '"other"'}).status, 200)

    def test_head_and_other_methods(self):
        head = self.get("/orders", method="HEAD")
        self.assertEqual(head.status, 200)
        self.assertEqual(head.raw, b"")
        self.assertEqual(head.headers["Content-Security-Policy"], CSP)
        self.assertEqual(int(head.headers["Content-Length"]), len(self.get("/orders").raw))
        post = self.get("/", method="POST")
        self.assertEqual(post.status, 405)
        self.assertEqual(post.headers["Allow"], "GET, HEAD")

    def test_first_load_is_under_150_kb(self):
        """What a browser with an empty cache transfers for the page and what it names (bodies,
        gzipped as a browser asks; headers counted too)."""
        total = 0
        parts = []
        page = self.get("/", **{"Accept-Encoding": "gzip, deflate, br"})
        for path, r in [("/", page)] + [
                (p, self.get(p, **{"Accept-Encoding": "gzip, deflate, br"}))
                for p in self.page_assets(gzip.decompress(page.raw).decode()
                                          if page.headers.get("Content-Encoding") == "gzip"
                                          else page.raw.decode())]:
            self.assertEqual(r.status, 200, path)
            header_bytes = sum(len(k) + len(v) + 4 for k, v in r.headers.items()) + 17
            total += len(r.raw) + header_bytes
            parts.append(f"{path} {len(r.raw)} B{' gzip' if r.headers.get('Content-Encoding') else ''}")
        print(f"\nfirst load: {total} bytes ({total / 1024:.1f} KiB) transferred: {', '.join(parts)}")
        self.assertLess(total, FIRST_LOAD_LIMIT)


if __name__ == "__main__":
    unittest.main()
