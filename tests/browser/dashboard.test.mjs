// The dashboard in a real browser: Debian's Chromium (headless) driven by playwright-core,
// against the real `restock serve` and `restock factory-sim` on loopback. Screenshots of every
// view go to SCREENSHOT_DIR (ctest: the build dir).
//   RESTOCK_BIN=build/restock node --test --test-concurrency=1 dashboard.test.mjs
import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import AxeBuilder from "@axe-core/playwright";
import { apiClient, startStore, waitFor } from "./servers.mjs";

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const SHOTS = process.env.SCREENSHOT_DIR || new URL("../../build/browser-screenshots", import.meta.url).pathname;
const LIVE_MS = 5000; // a change must show without reload well within this
const FAST = { max_receive_count: 3, backoff_base_ms: 20, backoff_max_ms: 100 };

let store, browser, admin, storefront, sim, failing;
const pages = []; // [context, page, consoleErrors]

async function newPage({ viewport = { width: 1280, height: 900 }, colorScheme = "light" } = {}) {
  const context = await browser.newContext({ viewport, colorScheme });
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  const errors = [];
  page.on("console", (m) => m.type() === "error" && errors.push(`${m.text()} ${m.location().url || ""}`.trim()));
  page.on("pageerror", (e) => errors.push("pageerror: " + e.message));
  pages.push(context);
  page.consoleErrors = errors;
  return { context, page, errors };
}

async function login(page, key) {
  await page.goto(store.url + "/");
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("button", { name: "Log out" }).waitFor();
  // The login page's own probe of GET /v1/session is a 401 before login (Chromium logs every
  // 4xx): what counts is what the views log once logged in.
  page.consoleErrors.length = 0;
}

// Every panel of the view has its data: no "Loading…" left.
const loaded = (page) => waitFor(async () => (await page.locator(".loading").count()) === 0, "the view's data");

const shot = (page, name) => page.screenshot({ path: join(SHOTS, name + ".png"), fullPage: true });

async function product(sku, fields = {}) {
  return admin("POST", "/v1/products", { sku, name: "Product " + sku, on_hand: 10, reorder_point: 2, reorder_qty: 5, factory_id: "fac-ok", ...fields });
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  store = await startStore();
  admin = apiClient(store.url, store.keys.admin);
  storefront = apiClient(store.url, store.keys.storefront);
  sim = await store.factorySim("--delay-ms", "2500");
  failing = await store.factorySim("--fail-rate", "1", "--delay-ms", "50");
  await admin("POST", "/v1/factories", { id: "fac-ok", url: sim, format: "legacy", timeout_ms: 2000 });
  await admin("POST", "/v1/factories", { id: "fac-bad", url: failing, format: "legacy", timeout_ms: 2000 });
  for (const q of ["restock-orders", "ad-control", "stock-receipts", "notifications"]) await admin("PATCH", "/v1/queues/" + q, FAST);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
});

// Each test's pages close with it: the server bounds the event streams per key.
afterEach(async () => {
  for (const context of pages.splice(0)) await context.close().catch(() => {});
});

after(async () => {
  for (const context of pages.splice(0)) await context.close().catch(() => {});
  if (browser) await browser.close();
  if (store) await store.close();
});

describe("dashboard", { concurrency: 1 }, () => {
  test("log in with an API key: an HttpOnly session cookie, the key kept nowhere the page can read", async () => {
    const { page, context } = await newPage();
    await page.goto(store.url + "/orders");
    await shot(page, "login");
    await login(page, store.keys.admin);
    await page.getByRole("heading", { level: 1 }).waitFor();
    const cookies = await context.cookies();
    const sessionCookie = cookies.find((c) => c.name === "restock_session");
    assert.ok(sessionCookie, "a restock_session cookie: " + JSON.stringify(cookies));
    assert.equal(sessionCookie.httpOnly, true);
    assert.equal(sessionCookie.sameSite, "Strict");
    const readable = await page.evaluate(() => JSON.stringify([document.cookie, { ...localStorage }, { ...sessionStorage }]));
    assert.ok(!readable.includes(store.keys.admin), "the key is readable by page scripts: " + readable);
    assert.ok(!(await page.content()).includes(store.keys.admin));
    const r = await page.request.get(store.url + "/v1/session");
    assert.equal(r.status(), 200);
    assert.equal((await r.json()).role, "admin");
  });

  test("products listed, searched, sorted by keyboard, paged", async () => {
    for (let i = 0; i < 55; i++) await product("LIST-" + String(i).padStart(3, "0"), { on_hand: 100 - i });
    const { page } = await newPage();
    await login(page, store.keys.admin);
    await page.getByRole("link", { name: "Products", exact: true }).click();
    await page.waitForURL(/\/products$/);
    const rows = page.locator("tbody tr");
    await waitFor(async () => (await rows.count()) === 50, "a page of 50 products");
    await page.getByRole("button", { name: "Next page" }).click();
    await waitFor(async () => (await page.locator("tbody tr[data-key='LIST-054']").count()) === 1, "the second page");
    await page.getByLabel("Search SKU or name").fill("LIST-01");
    await waitFor(async () => (await rows.count()) === 10, "10 matches of LIST-01");
    // Sort by on hand from the keyboard: focus the header's button and press Enter twice.
    const header = page.locator("th", { has: page.getByRole("button", { name: /On hand/ }) });
    assert.equal(await header.getAttribute("aria-sort"), "none");
    await page.getByRole("button", { name: /On hand/ }).focus();
    await page.keyboard.press("Enter");
    assert.equal(await header.getAttribute("aria-sort"), "ascending");
    await page.keyboard.press("Enter");
    assert.equal(await header.getAttribute("aria-sort"), "descending");
    assert.equal(await rows.first().getAttribute("data-key"), "LIST-010");
    // The focused button shows a visible focus ring.
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, "none");
    // CSV export of the current filter, built from the API's pages.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV" }).click()]);
    const text = await (await download.createReadStream()).toArray().then((c) => Buffer.concat(c).toString());
    const lines = text.trim().split("\r\n");
    assert.equal(lines.length, 11);
    assert.ok(lines[0].startsWith("sku,name,status,on_hand"));
  });

  test("checkouts drain a product: its row turns out of stock without reload, an order appears, stock comes back", async () => {
    await product("LIVE-1", { on_hand: 3, reorder_point: 1, reorder_qty: 6 });
    const { page } = await newPage();
    await login(page, store.keys.admin);
    await page.goto(store.url + "/products?q=LIVE-1");
    const status = page.locator("tbody tr[data-key='LIVE-1'] td[data-col='status']");
    await status.getByText("In stock").waitFor();
    await page.evaluate(() => (window.__noReload = true));
    await storefront("POST", "/v1/checkout", { order_id: "web-o1", lines: [{ sku: "LIVE-1", qty: 2 }] });
    await status.getByText("Low").waitFor({ timeout: LIVE_MS });
    await storefront("POST", "/v1/checkout", { order_id: "web-o2", lines: [{ sku: "LIVE-1", qty: 1 }] });
    await status.getByText("Out of stock").waitFor({ timeout: LIVE_MS });
    await page.locator("tbody tr[data-key='LIVE-1'] td[data-col='on_order']").getByText("6").waitFor({ timeout: LIVE_MS });
    await page.locator("#announcer").getByText(/LIVE-1 is now/).waitFor({ timeout: LIVE_MS });
    await shot(page, "products-live");
    await page.getByRole("link", { name: "LIVE-1" }).click();
    await page.waitForURL(/\/products\/LIVE-1$/);
    await page.getByRole("table", { name: /Restock orders for LIVE-1/ }).locator("tbody tr").first().waitFor();
    await page.locator("[data-figure='On hand']").getByText("6", { exact: true }).waitFor({ timeout: 15000 });
    await page.locator("h1 .badge").getByText("In stock").waitFor({ timeout: LIVE_MS });
    assert.equal(await page.evaluate(() => window.__noReload), true, "the page was reloaded");
    await page.locator(".chart canvas").first().waitFor();
    await shot(page, "product");
    await page.goBack();
    await page.waitForURL(/\/products\?q=LIVE-1$/);
    await status.getByText("In stock").waitFor();
  });

  test("an invalid setting shows the API's error at its field", async () => {
    await product("SET-1", { replenishment: { mode: "none" } }); // stock events, and no order
    const expected = await admin("PATCH", "/v1/products/SET-1", { reorder_qty: 0 }, { expect: 400 });
    const { page } = await newPage();
    await login(page, store.keys.admin);
    await page.goto(store.url + "/products/SET-1");
    await page.getByLabel("Reorder quantity").fill("0");
    // A checkout while the user types: the page reloads the product live, and keeps what was typed.
    await storefront("POST", "/v1/checkout", { order_id: "web-set1", lines: [{ sku: "SET-1", qty: 8 }] });
    await page.locator("[data-figure='On hand']").getByText("2", { exact: true }).waitFor({ timeout: LIVE_MS });
    assert.equal(await page.getByLabel("Reorder quantity").inputValue(), "0");
    await page.getByRole("button", { name: "Save settings" }).click();
    const field = page.getByLabel("Reorder quantity");
    await waitFor(async () => (await field.getAttribute("aria-invalid")) === "true", "aria-invalid on the field");
    const describedBy = await field.getAttribute("aria-describedby");
    const message = await page.locator("#" + describedBy.split(" ")[0]).textContent();
    assert.equal(message, expected.detail);
    await shot(page, "product-invalid-setting");
  });

  test("replenishment mode auto: set from the page, its fill rate kept, a bad one shown at its field", async () => {
    await product("AUTO-1");
    const { page } = await newPage();
    await login(page, store.keys.admin);
    await page.goto(store.url + "/products/AUTO-1");
    await page.getByLabel("Replenishment", { exact: true }).selectOption("auto");
    const fillRate = page.getByLabel("Fill rate");
    await fillRate.fill("1.5");
    await page.getByRole("button", { name: "Save settings" }).click();
    await waitFor(async () => (await fillRate.getAttribute("aria-invalid")) === "true", "aria-invalid on the fill rate");
    const expected = await admin("PATCH", "/v1/products/AUTO-1", { replenishment: { mode: "auto", fill_rate: 1.5 } }, { expect: 400 });
    const describedBy = await fillRate.getAttribute("aria-describedby");
    assert.equal(await page.locator("#" + describedBy.split(" ")[0]).textContent(), expected.detail);
    assert.equal((await admin("GET", "/v1/products/AUTO-1")).replenishment.mode, "fixed");
    await fillRate.fill("0.97");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Saved.").waitFor();
    assert.deepEqual((await admin("GET", "/v1/products/AUTO-1")).replenishment, { mode: "auto", fill_rate: 0.97 });
    // The panel explains it, from GET /v1/products/AUTO-1/replenishment.
    const explained = await admin("GET", "/v1/products/AUTO-1/replenishment");
    const panel = page.getByRole("region", { name: "Replenishment, explained" });
    await panel.locator("[data-learned='Mode']").getByText("auto at 97.0 %").waitFor({ timeout: LIVE_MS });
    await panel.getByText(explained.why).waitFor();
    const row = panel.getByRole("row", { name: /Reorder point/ });
    assert.deepEqual(await row.locator("td").allTextContents(), [
      String(explained.effective.reorder_point), String(explained.fixed.reorder_point), String(explained.learned.reorder_point)]);
    // Saving another setting leaves the product in mode auto at its fill rate.
    await page.locator("[data-figure='Replenishment']").getByText("auto", { exact: true }).waitFor({ timeout: LIVE_MS });
    assert.equal(await page.getByLabel("Fill rate").inputValue(), "0.97");
    await page.getByLabel("Name").fill("Renamed AUTO-1");
    await page.getByRole("button", { name: "Save settings" }).click();
    await waitFor(async () => (await admin("GET", "/v1/products/AUTO-1")).name === "Renamed AUTO-1", "the new name");
    assert.deepEqual((await admin("GET", "/v1/products/AUTO-1")).replenishment, { mode: "auto", fill_rate: 0.97 });
    await shot(page, "product-auto");
  });

  test("a factory failing until the DLQ fills; redrive from the page delivers exactly one order", async () => {
    await product("DLQ-1", { on_hand: 2, reorder_point: 1, reorder_qty: 4, factory_id: "fac-bad" });
    const { page } = await newPage();
    await login(page, store.keys.admin);
    await page.goto(store.url + "/queues/stock-empty-dlq");
    await page.getByText("No messages.").waitFor();
    await storefront("POST", "/v1/checkout", { order_id: "web-dlq1", lines: [{ sku: "DLQ-1", qty: 2 }] });
    const message = page.locator("tbody tr", { hasText: "DLQ-1" });
    await message.waitFor({ timeout: 15000 });
    await message.getByText("answered 500").waitFor();
    await shot(page, "queue-dlq");
    await fetch(failing + "/control", { method: "POST", body: JSON.stringify({ fail_rate: 0 }) });
    let dialogText = "";
    page.once("dialog", (d) => ((dialogText = d.message()), d.accept()));
    await page.getByRole("button", { name: /Redrive all 1 to restock-orders/ }).click();
    await page.locator(".note").getByText("1 message(s) moved to restock-orders").waitFor();
    assert.match(dialogText, /Move 1 message\(s\) from stock-empty-dlq back to restock-orders/);
    const orders = async () => (await (await fetch(failing + "/api/orders")).json()).orders.filter((o) => o.product_id === "DLQ-1");
    await waitFor(async () => (await orders()).length === 1, "one order at the factory");
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await orders()).length, 1);
    await page.getByText("No messages.").waitFor();
  });

  test("purge demands its typed confirmation", async () => {
    await fetch(failing + "/control", { method: "POST", body: JSON.stringify({ fail_rate: 1 }) });
    await product("DLQ-2", { on_hand: 1, reorder_point: 0, reorder_qty: 4, factory_id: "fac-bad" });
    await storefront("POST", "/v1/checkout", { order_id: "web-dlq2", lines: [{ sku: "DLQ-2", qty: 1 }] });
    await waitFor(async () => (await admin("GET", "/v1/queues/stock-empty-dlq/messages")).items.length === 1, "a DLQ message");
    const { page } = await newPage();
    await login(page, store.keys.admin);
    await page.goto(store.url + "/queues/stock-empty-dlq");
    await page.locator("tbody tr", { hasText: "DLQ-2" }).waitFor();
    const purge = page.getByRole("button", { name: "Purge stock-empty-dlq" });
    assert.equal(await purge.isDisabled(), true);
    await page.getByLabel("Queue name to purge").fill("stock-empty");
    assert.equal(await purge.isDisabled(), true);
    assert.equal((await admin("GET", "/v1/queues/stock-empty-dlq/messages")).items.length, 1);
    await page.getByLabel("Queue name to purge").fill("stock-empty-dlq");
    await purge.click();
    await page.locator(".note").getByText("1 message(s) purged from stock-empty-dlq").waitFor();
    assert.equal((await admin("GET", "/v1/queues/stock-empty-dlq/messages")).items.length, 0);
  });

  test("a storefront key sees and offers no admin action", async () => {
    const { page, errors } = await newPage();
    await login(page, store.keys.storefront);
    const nav = page.getByRole("navigation", { name: "Main" });
    for (const name of ["Restock orders", "Queues", "Subscriptions", "Factories"]) assert.equal(await nav.getByRole("link", { name }).count(), 0, name);
    await page.goto(store.url + "/products");
    await page.locator("tbody tr").first().waitFor();
    assert.equal(await page.getByText("Create a product").count(), 0);
    await page.goto(store.url + "/products/SET-1");
    await page.locator("[data-figure='On hand']").waitFor();
    for (const name of ["Save settings", "Adjust"]) assert.equal(await page.getByRole("button", { name }).count(), 0, name);
    await page.goto(store.url + "/queues");
    await page.getByRole("heading", { name: "Not found" }).waitFor();
    await shot(page, "storefront-product");
    assert.deepEqual(errors, []);
  });

  test("every view: no console error, no serious or critical axe violation, a screenshot", async () => {
    await product("TOUR-1", { on_hand: 4 });
    await admin("POST", "/v1/stock/TOUR-1/adjustments", { delta: -3, reason: "breakage" });
    const views = [
      ["overview", "/"], ["products", "/products"], ["product", "/products/TOUR-1"], ["orders", "/orders"],
      ["queues", "/queues"], ["queue", "/queues/restock-orders"], ["events", "/events"],
      ["subscriptions", "/subscriptions"], ["factories", "/factories"],
    ];
    for (const scheme of ["light", "dark"]) {
      const { page, errors } = await newPage({ colorScheme: scheme });
      await login(page, store.keys.admin);
      for (const [name, path] of views) {
        await page.goto(store.url + path);
        await page.locator("main h1").waitFor();
        await loaded(page);
        await page.locator("table, .tiles").first().waitFor();
        const results = await new AxeBuilder({ page }).analyze();
        const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
        assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(" ")})`), [], `${scheme} ${name}`);
        await shot(page, `${name}${scheme === "dark" ? "-dark" : ""}`);
      }
      assert.deepEqual(errors, [], scheme);
    }
  });

  test("usable at 375 px wide: nothing wider than the screen but tables, which scroll", async () => {
    const { page } = await newPage({ viewport: { width: 375, height: 800 } });
    await login(page, store.keys.admin);
    for (const path of ["/", "/products", "/products/TOUR-1", "/queues/stock-empty-dlq"]) {
      await page.goto(store.url + path);
      await page.locator("main h1").waitFor();
      await loaded(page);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 375, `${path} is ${width} px wide`);
    }
    await page.getByRole("button", { name: "Menu" }).click();
    await page.getByRole("link", { name: "Products", exact: true }).click();
    await page.waitForURL(/\/products$/);
    await shot(page, "products-375");
  });

  test("the live indicator shows a lost connection, and it reconnects by itself", async () => {
    const own = await startStore(); // a server of its own, to stop and start again
    try {
      const { page } = await newPage();
      await page.goto(own.url + "/");
      await page.getByLabel("API key").fill(own.keys.admin);
      await page.getByRole("button", { name: "Log in" }).click();
      const live = page.locator(".live");
      await waitFor(async () => (await live.getAttribute("data-state")) === "live", "live");
      await own.stopServer();
      await waitFor(async () => (await live.getAttribute("data-state")) === "disconnected", "disconnected");
      await page.getByText(/Disconnected/).waitFor();
      await own.startServerAgain();
      await waitFor(async () => (await live.getAttribute("data-state")) === "live", "live again", 20000);
      // And it hears of changes again, without reload.
      const api = apiClient(own.url, own.keys.admin);
      await api("POST", "/v1/factories", { id: "fac-x", url: "http://127.0.0.1:9", format: "legacy", timeout_ms: 1000 });
      await api("POST", "/v1/products", { sku: "BACK-1", name: "Back", on_hand: 5, reorder_point: 1, reorder_qty: 5, factory_id: "fac-x" });
      await page.getByRole("link", { name: "Products", exact: true }).click();
      await page.locator("tbody tr[data-key='BACK-1']").waitFor();
      await api("POST", "/v1/stock/BACK-1/adjustments", { delta: -5, reason: "test" });
      await page.locator("tbody tr[data-key='BACK-1'] td[data-col='status']").getByText("Out of stock").waitFor({ timeout: LIVE_MS });
    } finally {
      await own.close();
    }
  });

  test("logout ends the session", async () => {
    const { page } = await newPage();
    await login(page, store.keys.admin);
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByLabel("API key").waitFor();
    assert.equal((await page.request.get(store.url + "/v1/session")).status(), 401);
    assert.equal((await page.request.get(store.url + "/v1/products")).status(), 401);
    await page.reload();
    await page.getByLabel("API key").waitFor();
  });
});
