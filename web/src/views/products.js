import { useEffect, useState } from "preact/hooks";
import { all, api, fieldOf, get, query } from "../api.js";
import { csv, download } from "../format.js";
import { announce, ErrorNote, Field, html, Link, navigate, StatusBadge, Table, useData, useLocation } from "../ui.js";

const PAGE = 50;
const CSV_COLUMNS = ["sku", "name", "status", "on_hand", "reserved", "available", "on_order", "reorder_point", "reorder_qty", "order_up_to", "min_order_qty", "pack_size", "factory_id", "ad_id", "archived", "updated_at"];

export function Products({ user }) {
  const { params } = useLocation();
  const q = params.get("q") || "";
  const status = params.get("status") || "";
  const [cursors, setCursors] = useState([null]); // the cursor of each page seen so far
  const cursor = cursors[cursors.length - 1];
  const [search, setSearch] = useState(q);
  const [exporting, setExporting] = useState(false);
  const setFilter = (next) => {
    const merged = { q, status, ...next };
    setCursors([null]);
    navigate("/products" + query(merged), { replace: true });
  };
  useEffect(() => {
    const t = setTimeout(() => search !== q && setFilter({ q: search }), 250);
    return () => clearTimeout(t);
  }, [search]);

  const { data, error, reload } = useData(
    () => get("/v1/products" + query({ q, status, limit: PAGE, cursor })),
    [q, status, cursor],
    (e) => e.sku && data && data.items.some((p) => p.sku === e.sku) || (e.type || "").startsWith("stock."),
  );
  // Announce what changed on this page when a live reload brings it.
  const [previous, setPrevious] = useState(null);
  useEffect(() => {
    if (!data) return;
    if (previous) {
      const before = new Map(previous.items.map((p) => [p.sku, p.status]));
      for (const p of data.items) if (before.has(p.sku) && before.get(p.sku) !== p.status) announce(`${p.sku} is now ${p.status.replaceAll("_", " ")}`);
    }
    setPrevious(data);
  }, [data]);

  const exportCsv = async () => {
    setExporting(true);
    try {
      const items = await all("/v1/products", { q, status });
      download(`products${status ? "-" + status : ""}${q ? "-" + q : ""}.csv`, csv(items, CSV_COLUMNS));
      announce(`Exported ${items.length} products`);
    } finally {
      setExporting(false);
    }
  };

  const columns = [
    { key: "sku", label: "SKU", sortable: true, render: (p) => html`<${Link} href=${"/products/" + encodeURIComponent(p.sku)}>${p.sku}<//>` },
    { key: "name", label: "Name", sortable: true },
    { key: "status", label: "Status", sortable: true, render: (p) => html`<${StatusBadge} status=${p.status} />` },
    { key: "on_hand", label: "On hand", sortable: true, numeric: true },
    { key: "reserved", label: "Reserved", sortable: true, numeric: true },
    { key: "available", label: "Available", sortable: true, numeric: true },
    { key: "on_order", label: "On order", sortable: true, numeric: true },
    { key: "reorder_point", label: "Reorder point", sortable: true, numeric: true },
    { key: "factory_id", label: "Factory", sortable: true },
  ];
  return html`<h1>Products</h1>
    <form class="filters" role="search" onSubmit=${(e) => (e.preventDefault(), setFilter({ q: search }))}>
      <div class="field"><label for="product-search">Search SKU or name</label>
        <input id="product-search" type="search" value=${search} onInput=${(e) => setSearch(e.currentTarget.value)} /></div>
      <div class="field"><label for="product-status">Status</label>
        <select id="product-status" value=${status} onChange=${(e) => setFilter({ status: e.currentTarget.value })}>
          <option value="">Any</option><option value="in_stock">In stock</option><option value="low">Low</option><option value="out_of_stock">Out of stock</option>
        </select></div>
      <button type="button" onClick=${exportCsv} disabled=${exporting}>${exporting ? "Exporting…" : "Export CSV"}</button>
    </form>
    <${ErrorNote} error=${error} />
    ${data && html`<${Table} caption=${`Products${status ? ", " + status.replaceAll("_", " ") : ""}${q ? `, matching “${q}”` : ""} (page ${cursors.length})`} columns=${columns} rows=${data.items} rowKey=${(p) => p.sku} empty="No products match." />
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled=${cursors.length === 1} onClick=${() => setCursors(cursors.slice(0, -1))}>Previous page</button>
        <button type="button" disabled=${!data.next_cursor} onClick=${() => setCursors([...cursors, data.next_cursor])}>Next page</button>
      </nav>`}
    ${user.role === "admin" && html`<${CreateProduct} onCreated=${reload} />`}`;
}

const NEW_FIELDS = ["sku", "name", "on_hand", "reorder_point", "reorder_qty", "factory_id"];

function CreateProduct({ onCreated }) {
  const [errors, setErrors] = useState({});
  const [factories, setFactories] = useState([]);
  useEffect(() => {
    get("/v1/factories").then((f) => setFactories(f.items), () => {});
  }, []);
  const submit = async (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const v = (n) => form.elements[n].value;
    const body = { sku: v("sku"), name: v("name"), on_hand: Number(v("on_hand")), reorder_point: Number(v("reorder_point")), reorder_qty: Number(v("reorder_qty")), factory_id: v("factory_id") };
    try {
      await api("POST", "/v1/products", body);
      setErrors({});
      announce(`Product ${body.sku} created`);
      form.reset();
      onCreated();
    } catch (err) {
      setErrors({ [fieldOf(err, NEW_FIELDS) || (err.problem.type || "").endsWith("product-exists") && "sku" || (err.problem.type || "").endsWith("unknown-factory") && "factory_id" || "_"]: err.message });
    }
  };
  return html`<details class="panel"><summary>Create a product</summary>
    <form onSubmit=${submit} class="grid-form" novalidate>
      <${Field} label="SKU" name="sku" required error=${errors.sku} />
      <${Field} label="Name" name="name" required error=${errors.name} />
      <${Field} label="On hand" name="on_hand" type="number" defaultValue="0" error=${errors.on_hand} />
      <${Field} label="Reorder point" name="reorder_point" type="number" defaultValue="5" error=${errors.reorder_point} />
      <${Field} label="Reorder quantity" name="reorder_qty" type="number" defaultValue="20" error=${errors.reorder_qty} />
      <${Field} label="Factory" name="factory_id" error=${errors.factory_id}>
        ${factories.map((f) => html`<option value=${f.id}>${f.id}</option>`)}
      <//>
      ${errors._ && html`<p class="error" role="alert">${errors._}</p>`}
      <button type="submit">Create product</button>
    </form></details>`;
}
