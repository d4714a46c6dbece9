import { api, get, query } from "../api.js";
import { ago, when } from "../format.js";
import { announce, ErrorNote, html, Link, navigate, Table, useData, useLocation } from "../ui.js";

export function Orders() {
  const { params } = useLocation();
  const status = params.get("status") || "";
  const overdue = params.get("overdue") || "";
  const { data, error, reload } = useData(() => get("/v1/restock-orders" + query({ status, overdue, limit: 200 })), [status, overdue],
    (e) => (e.type || "").startsWith("restock."));
  const set = (next) => navigate("/orders" + query({ status, overdue, ...next }), { replace: true });
  const cancel = async (o) => {
    if (!confirm(`Cancel restock order ${o.id} (${o.qty} × ${o.sku} from ${o.factory_id})? The factory is not told.`)) return;
    try {
      await api("POST", `/v1/restock-orders/${encodeURIComponent(o.id)}/cancel`);
      announce(`Order ${o.id} cancelled`);
    } catch (err) {
      announce(`Could not cancel ${o.id}: ${err.message}`);
    }
    reload();
  };
  return html`<h1>Restock orders</h1>
    <form class="filters" onSubmit=${(e) => e.preventDefault()}>
      <div class="field"><label for="order-status">Status</label>
        <select id="order-status" value=${status} onChange=${(e) => set({ status: e.currentTarget.value })}>
          <option value="">Any</option><option value="pending,sent,acknowledged">Open</option>
          ${["pending", "sent", "acknowledged", "received", "failed", "cancelled"].map((s) => html`<option value=${s}>${s}</option>`)}
        </select></div>
      <div class="field"><label for="order-overdue">Overdue</label>
        <select id="order-overdue" value=${overdue} onChange=${(e) => set({ overdue: e.currentTarget.value })}>
          <option value="">Either</option><option value="true">Overdue only</option><option value="false">Not overdue</option>
        </select></div>
    </form>
    <${ErrorNote} error=${error} />
    ${data && html`<${Table} caption="Restock orders, newest first" rows=${data.items} rowKey=${(o) => o.id} empty="No restock orders." columns=${[
      { key: "id", label: "Order", sortable: true },
      { key: "sku", label: "SKU", sortable: true, render: (o) => html`<${Link} href=${"/products/" + encodeURIComponent(o.sku)}>${o.sku}<//>` },
      { key: "status", label: "Status", sortable: true, render: (o) => html`${o.status}${o.overdue ? html` <span class="badge out_of_stock">overdue</span>` : ""}` },
      { key: "factory_id", label: "Factory", sortable: true },
      { key: "qty", label: "Quantity", sortable: true, numeric: true },
      { key: "received_qty", label: "Received", sortable: true, numeric: true },
      { key: "created_at", label: "Age", sortable: true, sort: (o) => -Date.parse(o.created_at), render: (o) => html`<span title=${when(o.created_at)}>${ago(o.created_at)}</span>` },
      { key: "due_at", label: "Due", render: (o) => when(o.due_at) },
      { key: "attempts", label: "Attempts", numeric: true },
      { key: "last_error", label: "Last error" },
      { key: "actions", label: "Actions", render: (o) => ["pending", "sent", "acknowledged"].includes(o.status) ? html`<button type="button" onClick=${() => cancel(o)}>Cancel ${o.id}</button>` : "" },
    ]} />`}`;
}
