import { useEffect, useRef, useState } from "preact/hooks";
import { get, getText, query } from "../api.js";
import { ago } from "../format.js";
import { html, Link, useData, ErrorNote } from "../ui.js";

const CAP = 500;
const count = async (path, params) => {
  const page = await get(path + query({ ...params, limit: CAP }));
  return { n: page.items.length, more: !!page.next_cursor, items: page.items };
};
const shown = (c) => (c.more ? `${c.n}+` : String(c.n));

// Checkouts in the last minute: restock_checkouts_total sampled from /metrics.
function useCheckoutRate(enabled) {
  const samples = useRef([]);
  const [rate, setRate] = useState(null);
  useEffect(() => {
    if (!enabled) return;
    let timer;
    const sample = async () => {
      try {
        const text = await getText("/metrics");
        const m = text.match(/^restock_checkouts_total\{result="completed"\} (\d+)/m);
        if (m) {
          const now = Date.now();
          samples.current.push([now, Number(m[1])]);
          samples.current = samples.current.filter(([t]) => now - t <= 65000);
          const [t0, v0] = samples.current[0];
          setRate({ n: Number(m[1]) - v0, seconds: Math.round((now - t0) / 1000) });
        }
      } catch {}
      timer = setTimeout(sample, 5000);
    };
    sample();
    return () => clearTimeout(timer);
  }, [enabled]);
  return rate;
}

function Tile({ label, value, href, tone }) {
  return html`<li class=${"tile " + (tone || "")}><${Link} href=${href}><span class="value">${value}</span><span class="label">${label}</span><//></li>`;
}

export function Overview({ user }) {
  const admin = user.role === "admin";
  const { data, error } = useData(async () => {
    const [out, low] = await Promise.all([count("/v1/products", { status: "out_of_stock" }), count("/v1/products", { status: "low" })]);
    if (!admin) return { out, low };
    const [open, overdue, failed, queues, alarms] = await Promise.all([
      count("/v1/restock-orders", { status: "pending,sent,acknowledged" }),
      count("/v1/restock-orders", { overdue: "true" }),
      count("/v1/restock-orders", { status: "failed" }),
      get("/v1/queues"),
      get("/v1/alarms").catch(() => ({ items: [] })),
    ]);
    return { out, low, open, overdue, failed, queues: queues.items, alarms: alarms.items };
  }, [], () => true);
  const rate = useCheckoutRate(admin);

  if (!data) return html`<h1>Overview</h1>${error ? html`<${ErrorNote} error=${error} />` : html`<p class="loading">Loading…</p>`}`;
  const dlqs = (data.queues || []).filter((q) => q.name.endsWith("-dlq"));
  const ordered = new Set((data.open ? data.open.items : []).map((o) => o.sku));
  const needs = [];
  for (const a of data.alarms || []) needs.push({ key: "a" + a.id, text: `Alarm: ${a.kind.replaceAll("_", " ")} — ${a.subject}${a.detail ? ": " + a.detail : ""}`, href: a.kind === "order_overdue" ? "/orders?overdue=true" : a.kind === "dlq_message" || a.kind === "queue_stale" ? "/queues/" + encodeURIComponent(a.subject) : "/" });
  for (const q of dlqs) if (q.visible > 0) needs.push({ key: "q" + q.name, text: `${q.visible} message(s) in ${q.name}`, href: "/queues/" + q.name });
  for (const o of data.overdue ? data.overdue.items : []) needs.push({ key: "o" + o.id, text: `Restock order ${o.id} for ${o.sku} is overdue (due ${ago(o.due_at)} ago)`, href: "/products/" + encodeURIComponent(o.sku) });
  for (const o of data.failed ? data.failed.items.slice(0, 10) : []) needs.push({ key: "f" + o.id, text: `Restock order ${o.id} for ${o.sku} failed: ${o.last_error || ""}`, href: "/products/" + encodeURIComponent(o.sku) });
  for (const p of data.out.items.slice(0, 20)) if (!admin || !ordered.has(p.sku)) needs.push({ key: "p" + p.sku, text: `${p.sku} (${p.name}) is out of stock${admin ? " with no open restock order" : ""}`, href: "/products/" + encodeURIComponent(p.sku) });

  return html`<h1>Overview</h1>
    <${ErrorNote} error=${error} />
    <ul class="tiles" aria-label="Store at a glance">
      <${Tile} label="Out of stock" value=${shown(data.out)} href="/products?status=out_of_stock" tone=${data.out.n ? "bad" : ""} />
      <${Tile} label="Low" value=${shown(data.low)} href="/products?status=low" tone=${data.low.n ? "warn" : ""} />
      ${admin && html`
        <${Tile} label="Open restock orders" value=${shown(data.open)} href="/orders?status=pending,sent,acknowledged" />
        <${Tile} label="Overdue orders" value=${shown(data.overdue)} href="/orders?overdue=true" tone=${data.overdue.n ? "bad" : ""} />
        ${dlqs.map((q) => html`<${Tile} key=${q.name} label=${"In " + q.name} value=${q.visible} href=${"/queues/" + q.name} tone=${q.visible ? "bad" : ""} />`)}
        <${Tile} label=${rate && rate.seconds >= 5 && rate.seconds < 60 ? `Checkouts in the last ${rate.seconds} s` : "Checkouts in the last minute"} value=${rate && rate.seconds >= 5 ? rate.n : "…"} href="/events" />`}
    </ul>
    <section aria-labelledby="needs">
      <h2 id="needs">Needs action</h2>
      ${needs.length === 0 ? html`<p>Nothing needs action.</p>` : html`<ul class="needs">${needs.map((n) => html`<li key=${n.key}><${Link} href=${n.href}>${n.text}<//></li>`)}</ul>`}
    </section>`;
}
