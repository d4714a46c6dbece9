import { useEffect, useState } from "preact/hooks";
import { get, query } from "../api.js";
import { when } from "../format.js";
import { EVENT_TYPES, onEvent } from "../live.js";
import { ErrorNote, html, Link, navigate, Table, useLocation } from "../ui.js";

const KEEP = 200;

// The live feed: the newest events of the log matching the filter, then each new one as it comes.
export function Events({ user }) {
  const { params } = useLocation();
  const type = params.get("type") || "";
  const sku = params.get("sku") || "";
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  const [skuInput, setSkuInput] = useState(sku);
  const types = user.role === "admin" ? EVENT_TYPES : EVENT_TYPES.filter((t) => t.startsWith("stock."));
  useEffect(() => {
    let cancelled = false;
    const matches = (e) => (!type || e.type === type) && (!sku || e.sku === sku);
    (async () => {
      let after = 0;
      let kept = [];
      for (let pages = 0; pages < 50; pages++) {
        const page = await get("/v1/events" + query({ after, type, sku, limit: 500 }));
        kept = kept.concat(page.items).slice(-KEEP);
        if (page.items.length < 500 || page.next_after === after) break;
        after = page.next_after;
      }
      if (!cancelled) setItems(kept.reverse());
    })().catch((e) => setError(e));
    const off = onEvent((e) => matches(e) && setItems((list) => (list ? [e, ...list.filter((x) => x.seq !== e.seq)].slice(0, KEEP) : list)));
    return () => ((cancelled = true), off());
  }, [type, sku]);
  const set = (next) => navigate("/events" + query({ type, sku, ...next }), { replace: true });
  return html`<h1>Events</h1>
    <form class="filters" onSubmit=${(e) => (e.preventDefault(), set({ sku: skuInput.trim() }))}>
      <div class="field"><label for="event-type">Type</label>
        <select id="event-type" value=${type} onChange=${(e) => set({ type: e.currentTarget.value })}>
          <option value="">Any</option>${types.map((t) => html`<option value=${t}>${t}</option>`)}
        </select></div>
      <div class="field"><label for="event-sku">SKU</label>
        <input id="event-sku" value=${skuInput} onInput=${(e) => setSkuInput(e.currentTarget.value)} /></div>
      <button type="submit">Filter</button>
    </form>
    <${ErrorNote} error=${error} />
    ${items && html`<${Table} caption=${`The newest ${items.length} event(s), live`} rows=${items} rowKey=${(e) => e.seq} empty="No events yet." columns=${[
      { key: "seq", label: "Seq", numeric: true },
      { key: "type", label: "Type" },
      { key: "sku", label: "SKU", render: (e) => e.sku ? html`<${Link} href=${"/products/" + encodeURIComponent(e.sku)}>${e.sku}<//>` : "" },
      { key: "cause", label: "Cause" },
      { key: "data", label: "Figures", render: (e) => e.data ? (e.data.alarm ? `${e.data.alarm.kind}: ${e.data.alarm.subject}` : `available ${e.data.available ?? "—"}, on order ${e.data.on_order ?? "—"}`) : "" },
      { key: "at", label: "When", render: (e) => when(e.at) },
    ]} />`}`;
}
