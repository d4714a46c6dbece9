// The dashboard's static mapping (adapters/http/static_assets.h) over a table of fake assets,
// and the real embedded table's invariants.
#include "adapters/http/static_assets.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace restock::http {
namespace {

const std::string kBigBody(2000, 'a');  // compresses well: its gzip twin is smaller
const WebAsset kAssets[] = {
    {"/assets/app.0123456789ab.js", "text/javascript; charset=utf-8", kBigBody, "GZ", "\"js1\""},
    {"/assets/tiny.abc.svg", "image/svg+xml", "<svg/>", "a longer gzip form", "\"svg1\""},
    {"/index.html", "text/html; charset=utf-8", "<!doctype html>", "", "\"page1\""},
};

std::string header(const Reply& reply, std::string_view name) {
    for (const auto& [key, value] : reply.headers) {
        if (key == name) return value;
    }
    return "";
}

StaticAnswer get(std::string_view path, std::string_view inm = "", std::string_view ae = "") {
    return serve_static({"GET", path, inm, ae}, kAssets);
}

TEST(StaticAssets, ApiAndOperationalPathsAreNotStatic) {
    for (std::string_view path :
         {"/v1/products", "/healthz", "/readyz", "/metrics", "/internal/v1/commands",
          "/v1/openapi.json", "/productsx", "/v1", "/favicon.ico"}) {
        EXPECT_EQ(get(path).kind, StaticKind::kNotStatic) << path;
    }
}

TEST(StaticAssets, PageAndClientRoutesGetIndexRevalidated) {
    for (std::string_view path :
         {"/", "/index.html", "/products", "/products/SKU-1", "/orders", "/queues",
          "/queues/stock-empty-dlq", "/events", "/subscriptions", "/factories", "/login"}) {
        const StaticAnswer answer = get(path);
        ASSERT_EQ(answer.kind, StaticKind::kServed) << path;
        EXPECT_EQ(answer.reply.status, 200);
        EXPECT_EQ(answer.reply.body, "<!doctype html>");
        EXPECT_EQ(answer.reply.content_type, "text/html; charset=utf-8");
        EXPECT_EQ(answer.reply.cache_control, "no-cache");
        EXPECT_EQ(header(answer.reply, "ETag"), "\"page1\"");
        EXPECT_EQ(header(answer.reply, "Content-Security-Policy"), kContentSecurityPolicy);
        EXPECT_EQ(header(answer.reply, "Content-Encoding"), "");
    }
}

TEST(StaticAssets, HashedAssetsAreImmutableAndGzippedWhenAccepted) {
    const StaticAnswer plain = get("/assets/app.0123456789ab.js");
    ASSERT_EQ(plain.kind, StaticKind::kServed);
    EXPECT_EQ(plain.reply.cache_control, "public, max-age=31536000, immutable");
    EXPECT_EQ(plain.reply.body, kBigBody);
    EXPECT_EQ(header(plain.reply, "Vary"), "Accept-Encoding");
    EXPECT_EQ(header(plain.reply, "ETag"), "\"js1\"");

    const StaticAnswer gz = get("/assets/app.0123456789ab.js", "", "br, gzip;q=0.8");
    EXPECT_EQ(gz.reply.body, "GZ");
    EXPECT_EQ(header(gz.reply, "Content-Encoding"), "gzip");
    EXPECT_EQ(header(gz.reply, "ETag"), "\"js1-gz\"");
    EXPECT_EQ(header(gz.reply, "Vary"), "Accept-Encoding");

    EXPECT_EQ(get("/assets/app.0123456789ab.js", "", "gzip;q=0").reply.body, kBigBody);
}

TEST(StaticAssets, GzipNotUsedWhenItIsNotSmaller) {
    const StaticAnswer answer = get("/assets/tiny.abc.svg", "", "gzip");
    EXPECT_EQ(answer.reply.body, "<svg/>");
    EXPECT_EQ(header(answer.reply, "Content-Encoding"), "");
    EXPECT_EQ(header(answer.reply, "Vary"), "");
}

TEST(StaticAssets, MatchingEtagIsNotModified) {
    const StaticAnswer page = get("/products", "\"page1\"");
    EXPECT_EQ(page.reply.status, 304);
    EXPECT_TRUE(page.reply.body.empty());
    EXPECT_EQ(header(page.reply, "ETag"), "\"page1\"");
    EXPECT_EQ(get("/", "W/\"page1\"").reply.status, 304);
    EXPECT_EQ(get("/", "\"x\", \"page1\"").reply.status, 304);
    EXPECT_EQ(get("/", "*").reply.status, 304);
    EXPECT_EQ(get("/", "\"page2\"").reply.status, 200);
    // The gzip form's tag validates too (a cache that stored it revalidates with it).
    EXPECT_EQ(get("/assets/app.0123456789ab.js", "\"js1-gz\"", "gzip").reply.status, 304);
}

TEST(StaticAssets, UnknownAssetIsMissingAndOtherMethodsAreRefused) {
    EXPECT_EQ(get("/assets/app.ffffffffffff.js").kind, StaticKind::kMissing);
    EXPECT_EQ(serve_static({"POST", "/", "", ""}, kAssets).kind, StaticKind::kWrongMethod);
    EXPECT_EQ(serve_static({"DELETE", "/assets/app.0123456789ab.js", "", ""}, kAssets).kind,
              StaticKind::kWrongMethod);
    EXPECT_EQ(serve_static({"POST", "/v1/checkout", "", ""}, kAssets).kind, StaticKind::kNotStatic);
}

TEST(StaticAssets, AcceptEncodingParsing) {
    EXPECT_TRUE(accepts_gzip("gzip"));
    EXPECT_TRUE(accepts_gzip("gzip, deflate, br"));
    EXPECT_TRUE(accepts_gzip("GZIP;q=0.5"));
    EXPECT_TRUE(accepts_gzip("*"));
    EXPECT_FALSE(accepts_gzip(""));
    EXPECT_FALSE(accepts_gzip("br, deflate"));
    EXPECT_FALSE(accepts_gzip("gzip;q=0"));
    EXPECT_FALSE(accepts_gzip("gzip;q=0.000, *"));
    EXPECT_FALSE(accepts_gzip("*;q=0"));
}

// The table the binary was built with: sorted, an index page naming hashed assets, no inline
// script, and every gzip twin smaller or absent.
TEST(StaticAssets, EmbeddedTableIsServable) {
    const auto assets = web_assets();
    ASSERT_FALSE(assets.empty());
    EXPECT_TRUE(
        std::is_sorted(assets.begin(), assets.end(),
                       [](const WebAsset& a, const WebAsset& b) { return a.path < b.path; }));
    const auto index = std::find_if(assets.begin(), assets.end(),
                                    [](const WebAsset& a) { return a.path == "/index.html"; });
    ASSERT_NE(index, assets.end());
    const std::string page(index->body);
    EXPECT_EQ(page.find("<script>"), std::string::npos);
    EXPECT_EQ(page.find("<style"), std::string::npos);
    EXPECT_EQ(page.find(" style="), std::string::npos);
    int named = 0;
    for (const WebAsset& asset : assets) {
        EXPECT_FALSE(asset.body.empty()) << asset.path;
        EXPECT_EQ(asset.etag.front(), '"');
        if (asset.path.starts_with("/assets/")) {
            EXPECT_NE(page.find(std::string(asset.path)), std::string::npos)
                << asset.path << " is not named by the page";
            ++named;
        }
        const StaticAnswer answer = serve_static({"GET", asset.path, "", "gzip"}, assets);
        EXPECT_EQ(answer.kind, StaticKind::kServed);
        EXPECT_LE(answer.reply.body.size(), asset.body.size());
    }
    EXPECT_GE(named, 2);  // the script and the style sheet at least
}

}  // namespace
}  // namespace restock::http
