// The product page's replenishment panel: GET /v1/products/{sku}/replenishment, what was
// learned and why the settings are what they are (docs/api.md, Replenishment). Admin only.
import { get } from "../api.js";
import { ErrorNote, html, Table, useData } from "../ui.js";

const num = (v, digits = 1) => (v === null || v === undefined ? "—" : Number.isInteger(v) ? String(v) : v.toFixed(digits));
const pct = (v) => (v === null || v === undefined ? "—" : (100 * v).toFixed(1) + " %");
const count = (n, one) => `${n} ${one}${n === 1 ? "" : "s"}`;
const plusMinus = (mean, sd, unit = "") => `${num(mean, 2)} ± ${num(sd, 2)}${unit}`;

// `version`: the product's updated_at, so that a saved setting shows here at once.
export function Replenishment({ sku, version }) {
  const path = `/v1/products/${encodeURIComponent(sku)}/replenishment`;
  const r = useData(() => get(path), [sku, version], (e) => e.sku === sku);
  const x = r.data;
  return html`<section class="panel" aria-labelledby="replenishment-h"><h2 id="replenishment-h">Replenishment, explained</h2>
    ${r.error && html`<${ErrorNote} error=${r.error} />`}
    ${!x ? !r.error && html`<p class="loading">Loading…</p>` : html`<${Explained} x=${x} />`}
  </section>`;
}

function Explained({ x }) {
  const settings = [
    { name: "Reorder point", key: "reorder_point" },
    { name: "Reorder quantity", key: "reorder_qty" },
  ].map((s) => ({ ...s, effective: x.effective[s.key], fixed: x.fixed[s.key], learned: x.learned[s.key] }));
  const lead = x.lead_time;
  const ltd = x.lead_time_demand;
  const d = x.demand;
  const facts = [
    ["Mode", x.mode + (x.mode === "auto" ? ` at ${pct(x.fill_rate)}` : "")],
    ["Follows learning", x.follows_learning ? "yes" : "no"],
    ["Expected fill rate", pct(x.learned.expected_fill_rate)],
    ["Safety stock", num(x.learned.safety_stock)],
    ["Demand per day", plusMinus(d.mean_per_day, d.sd_per_day)],
    ["Method", `${d.method} (${d.pattern})`],
    ["Learned from", `${count(d.days, "day")} (${d.demand_days} with demand, ${d.censored_days} censored)`],
    ["Today", `${d.today.sold} sold, ${d.today.lost} lost`],
    ["Lead time", plusMinus(lead.mean_days, lead.sd_days, " d")],
    ["Lead time from", `${lead.source} (${count(lead.receipts, "receipt")}, ${lead.censored} censored)`],
    ["Lead-time demand", `${plusMinus(ltd.mean, ltd.sd)} (${ltd.distribution})`],
  ];
  return html`<p>${x.why}</p>
    <${Table} caption="Reorder settings: in effect, given, learned" rowKey=${(s) => s.key} rows=${settings} columns=${[
      { key: "name", label: "Setting" },
      { key: "effective", label: "In effect", numeric: true },
      { key: "fixed", label: "Given", numeric: true },
      { key: "learned", label: `Learned at ${pct(x.fill_rate)}`, numeric: true },
    ]} />
    <dl class="figures learned" aria-label="What was learned">${facts.map(([k, v]) => html`<div><dt>${k}</dt><dd data-learned=${k}>${v}</dd></div>`)}</dl>
    <p class="muted">Demand: ${d.why}. Lead-time demand: ${ltd.why}.</p>`;
}
