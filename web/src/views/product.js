import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { all, api, fieldOf, get, query } from "../api.js";
import { ago, when } from "../format.js";
import { announce, ErrorNote, Field, html, Link, StatusBadge, Table, useData } from "../ui.js";
import { Replenishment } from "./replenishment.js";

const SETTINGS = ["name", "reorder_point", "reorder_qty", "order_up_to", "min_order_qty", "pack_size", "factory_id", "replenishment"];
const CHART_POINTS = 2000;

export function Product({ sku, user }) {
  const admin = user.role === "admin";
  const path = "/v1/products/" + encodeURIComponent(sku);
  const mine = (e) => e.sku === sku;
  const product = useData(() => get(path), [sku], mine);
  const p = product.data;
  if (!p) return html`<h1>${sku}</h1>${product.error ? html`<${ErrorNote} error=${product.error} />` : html`<p class="loading">Loading…</p>`}`;
  const position = p.available + p.on_order;
  const figures = [
    ["On hand", p.on_hand], ["Reserved", p.reserved], ["Available", p.available], ["On order", p.on_order],
    ["Position", position], ["Reorder point", p.reorder_point], ["Reorder quantity", p.reorder_qty],
    ["Order up to", p.order_up_to ?? "—"], ["Minimum order", p.min_order_qty], ["Pack size", p.pack_size],
    ["Factory", p.factory_id], ["Replenishment", p.replenishment.mode], ["Ad", p.ad_id ?? "—"],
    ["Updated", when(p.updated_at)],
  ];
  return html`<p class="crumbs"><${Link} href="/products">Products<//></p>
    <h1>${p.sku} <small>${p.name}</small> <${StatusBadge} status=${p.status} />${p.archived && html` <span class="badge">Archived</span>`}</h1>
    <dl class="figures" aria-label="Figures">${figures.map(([k, v]) => html`<div><dt>${k}</dt><dd data-figure=${k}>${v}</dd></div>`)}</dl>
    ${admin && html`<div class="two">
      <${Settings} product=${p} path=${path} onSaved=${product.reload} />
      <${Adjust} sku=${sku} onDone=${product.reload} />
    </div>`}
    ${admin && html`<${Replenishment} sku=${sku} version=${p.updated_at} />`}
    ${admin && html`<${History} sku=${sku} />`}`;
}

// What the settings form shows: when none of it changed on the server, a live reload leaves the
// form (and what the user typed) alone; when it did, the form starts again from the new values.
const settingsOf = (p) => JSON.stringify(SETTINGS.map((k) => p[k]));

function Settings({ product, path, onSaved }) {
  const [errors, setErrors] = useState({});
  const [saved, setSaved] = useState(false);
  const [factories, setFactories] = useState([]);
  const [mode, setMode] = useState(product.replenishment.mode);
  // Each save starts the form again from the product as saved, even when (mode auto, once
  // learned) the settings in effect did not change with it.
  const [saves, setSaves] = useState(0);
  const shown = settingsOf(product) + "#" + saves;
  useEffect(() => setMode(product.replenishment.mode), [shown]);
  useEffect(() => {
    get("/v1/factories").then((f) => setFactories(f.items), () => {});
  }, []);
  const submit = async (e) => {
    e.preventDefault();
    const form = e.currentTarget.elements;
    const num = (n) => (form[n].value === "" ? null : Number(form[n].value));
    const patch = {};
    const next = {
      name: form.name.value, reorder_point: num("reorder_point"), reorder_qty: num("reorder_qty"), order_up_to: num("order_up_to"),
      min_order_qty: num("min_order_qty"), pack_size: num("pack_size"), factory_id: form.factory_id.value,
    };
    for (const [k, v] of Object.entries(next)) if (v !== product[k]) patch[k] = v;
    const replenishment = mode === "auto" ? { mode, fill_rate: num("fill_rate") } : { mode };
    if (replenishment.mode !== product.replenishment.mode || replenishment.fill_rate !== product.replenishment.fill_rate) patch.replenishment = replenishment;
    setSaved(false);
    if (!Object.keys(patch).length) return setErrors({ _: "Nothing changed." });
    try {
      await api("PATCH", path, patch);
      setErrors({});
      setSaves((n) => n + 1);
      setSaved(true);
      announce("Settings saved");
      onSaved();
    } catch (err) {
      const field = fieldOf(err, [...SETTINGS, "fill_rate"]) || ((err.problem.type || "").endsWith("unknown-factory") ? "factory_id" : "_");
      setErrors({ [field]: err.message });
      const input = document.getElementById("f-" + field);
      if (input) input.focus();
    }
  };
  const ids = new Set(factories.map((f) => f.id).concat(product.factory_id));
  const learned = product.replenishment.mode === "auto" ? "mode auto: learning sets it each day, once ready" : null;
  // Uncontrolled fields (defaultValue): a re-render never overwrites what the user typed.
  return html`<section class="panel" aria-labelledby="settings-h"><h2 id="settings-h">Settings</h2>
    <form onSubmit=${submit} class="grid-form" novalidate key=${shown}>
      <${Field} label="Name" name="name" defaultValue=${product.name} error=${errors.name} />
      <${Field} label="Reorder point" name="reorder_point" type="number" defaultValue=${product.reorder_point} hint=${learned} error=${errors.reorder_point} />
      <${Field} label="Reorder quantity" name="reorder_qty" type="number" defaultValue=${product.reorder_qty} error=${errors.reorder_qty} />
      <${Field} label="Order up to" name="order_up_to" type="number" defaultValue=${product.order_up_to ?? ""} hint="empty: none" error=${errors.order_up_to} />
      <${Field} label="Minimum order" name="min_order_qty" type="number" defaultValue=${product.min_order_qty} error=${errors.min_order_qty} />
      <${Field} label="Pack size" name="pack_size" type="number" defaultValue=${product.pack_size} error=${errors.pack_size} />
      <${Field} label="Factory" name="factory_id" error=${errors.factory_id}>
        ${[...ids].map((id) => html`<option value=${id} selected=${id === product.factory_id}>${id}</option>`)}
      <//>
      <${Field} label="Replenishment" name="replenishment" error=${errors.replenishment} onChange=${(e) => setMode(e.currentTarget.value)}>
        ${["fixed", "auto", "none"].map((m) => html`<option value=${m} selected=${m === product.replenishment.mode}>${m}</option>`)}
      <//>
      ${mode === "auto" && html`<${Field} label="Fill rate" name="fill_rate" type="number" step="0.001" min="0.5" max="0.999"
        defaultValue=${product.replenishment.fill_rate ?? 0.95} hint="share of demanded units served from stock, 0.5 to 0.999" error=${errors.fill_rate} />`}
      ${errors._ && html`<p class="error" role="alert">${errors._}</p>`}
      <button type="submit">Save settings</button> ${saved && html`<span class="ok">Saved.</span>`}
    </form></section>`;
}

function Adjust({ sku, onDone }) {
  const [errors, setErrors] = useState({});
  const submit = async (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const delta = Number(form.elements.delta.value);
    const reason = form.elements.reason.value.trim();
    if (!reason) return setErrors({ reason: "A reason is required." });
    try {
      await api("POST", `/v1/stock/${encodeURIComponent(sku)}/adjustments`, { delta, reason });
      setErrors({});
      form.reset();
      announce(`Stock of ${sku} adjusted by ${delta}`);
      onDone();
    } catch (err) {
      setErrors({ [fieldOf(err, ["delta", "reason"]) || (err.status === 409 ? "delta" : "_")]: err.message });
    }
  };
  return html`<section class="panel" aria-labelledby="adjust-h"><h2 id="adjust-h">Adjust stock</h2>
    <form onSubmit=${submit} class="grid-form" novalidate>
      <${Field} label="Change (±units)" name="delta" type="number" required error=${errors.delta} />
      <${Field} label="Reason" name="reason" required error=${errors.reason} />
      ${errors._ && html`<p class="error" role="alert">${errors._}</p>`}
      <button type="submit">Adjust</button>
    </form></section>`;
}

function History({ sku }) {
  const mine = (e) => e.sku === sku;
  const enc = encodeURIComponent(sku);
  const chart = useData(async () => {
    const [moves, orders] = await Promise.all([all(`/v1/stock/${enc}/movements`, {}, CHART_POINTS), all("/v1/restock-orders", { sku }, 500)]);
    return { moves, orders };
  }, [sku], mine);
  const [cursors, setCursors] = useState([null]);
  const ledger = useData(() => get(`/v1/stock/${enc}/movements` + query({ limit: 20, cursor: cursors[cursors.length - 1] })), [sku, cursors.length], mine);
  const cancel = async (o) => {
    if (!confirm(`Cancel restock order ${o.id} for ${o.qty} × ${o.sku}? The factory is not told.`)) return;
    await api("POST", `/v1/restock-orders/${encodeURIComponent(o.id)}/cancel`);
    announce(`Order ${o.id} cancelled`);
  };
  return html`
    <section class="panel" aria-labelledby="chart-h"><h2 id="chart-h">On hand over time</h2>
      ${chart.data ? html`<${Chart} moves=${chart.data.moves} orders=${chart.data.orders} />` : html`<p class="loading">Loading…</p>`}
    </section>
    <section aria-labelledby="orders-h"><h2 id="orders-h">Restock orders</h2>
      ${chart.data && html`<${Table} caption=${`Restock orders for ${sku}`} rowKey=${(o) => o.id} rows=${chart.data.orders} empty="No restock orders yet." columns=${[
        { key: "id", label: "Order", sortable: true },
        { key: "status", label: "Status", sortable: true },
        { key: "qty", label: "Quantity", numeric: true },
        { key: "received_qty", label: "Received", numeric: true },
        { key: "created_at", label: "Age", sortable: true, render: (o) => ago(o.created_at) },
        { key: "last_error", label: "Last error" },
        { key: "actions", label: "Actions", render: (o) => ["pending", "sent", "acknowledged"].includes(o.status) ? html`<button type="button" onClick=${() => cancel(o)}>Cancel order ${o.id}</button>` : "" },
      ]} />`}
    </section>
    <section aria-labelledby="ledger-h"><h2 id="ledger-h">Ledger</h2>
      <${ErrorNote} error=${ledger.error} />
      ${ledger.data && html`<${Table} caption=${`Movements of ${sku}, newest first (page ${cursors.length})`} rowKey=${(m) => m.id} rows=${ledger.data.items} columns=${[
        { key: "id", label: "Movement" }, { key: "kind", label: "Kind" }, { key: "delta", label: "Change", numeric: true },
        { key: "on_hand_after", label: "On hand after", numeric: true }, { key: "reference", label: "Reference" }, { key: "at", label: "When", render: (m) => when(m.at) },
      ]} />
      <nav class="pager" aria-label="Ledger pages">
        <button type="button" disabled=${cursors.length === 1} onClick=${() => setCursors(cursors.slice(0, -1))}>Newer</button>
        <button type="button" disabled=${!ledger.data.next_cursor} onClick=${() => setCursors([...cursors, ledger.data.next_cursor])}>Older</button>
      </nav>`}
    </section>`;
}

// uPlot: on_hand_after of each movement (a step line), restock orders as vertical marks.
function Chart({ moves, orders }) {
  const box = useRef(null);
  useEffect(() => {
    if (!box.current || moves.length === 0) return;
    const points = [...moves].reverse();
    const xs = points.map((m) => Date.parse(m.at) / 1000);
    const ys = points.map((m) => m.on_hand_after);
    const marks = orders.map((o) => ({ t: Date.parse(o.created_at) / 1000, label: o.id }));
    const css = getComputedStyle(document.documentElement);
    const ink = css.getPropertyValue("--ink").trim() || "#222";
    const accent = css.getPropertyValue("--accent").trim() || "#1f6f5c";
    const warn = css.getPropertyValue("--warn").trim() || "#b45309";
    const width = () => Math.max(280, box.current.clientWidth);
    const plot = new uPlot({
      width: width(), height: 240,
      scales: { x: { time: true } },
      axes: [{ stroke: ink, grid: { stroke: "rgba(128,128,128,.2)" } }, { stroke: ink, grid: { stroke: "rgba(128,128,128,.2)" } }],
      series: [{}, { label: "On hand", stroke: accent, width: 2, paths: uPlot.paths.stepped({ align: 1 }), points: { show: points.length < 60 } }],
      hooks: {
        draw: [(u) => {
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = warn;
          ctx.setLineDash([4, 3]);
          ctx.lineWidth = 1.5 * devicePixelRatio;
          for (const m of marks) {
            const x = u.valToPos(m.t, "x", true);
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
          }
          ctx.restore();
        }],
      },
    }, [xs, ys], box.current);
    const resize = () => plot.setSize({ width: width(), height: 240 });
    addEventListener("resize", resize);
    return () => (removeEventListener("resize", resize), plot.destroy());
  }, [moves, orders]);
  if (moves.length === 0) return html`<p>No movements yet.</p>`;
  const low = Math.min(...moves.map((m) => m.on_hand_after));
  const high = Math.max(...moves.map((m) => m.on_hand_after));
  return html`<figure class="chart">
    <div ref=${box} role="img" aria-label=${`On hand over ${moves.length} movements, from ${low} to ${high}; ${orders.length} restock order(s) marked`}></div>
    <figcaption>Solid line: on hand after each movement. Dashed marks: restock orders placed (${orders.length}).</figcaption>
  </figure>`;
}
