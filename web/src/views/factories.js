import { useState } from "preact/hooks";
import { api, fieldOf, get } from "../api.js";
import { announce, ErrorNote, Field, html, Table, useData } from "../ui.js";

const FIELDS = ["id", "url", "timeout_ms", "lead_time_days"];

export function Factories() {
  const { data, error, reload } = useData(() => get("/v1/factories"), []);
  const [errors, setErrors] = useState({});
  const create = async (e) => {
    e.preventDefault();
    const f = e.currentTarget.elements;
    const body = { id: f.id.value.trim(), url: f.url.value.trim(), format: "legacy", timeout_ms: Number(f.timeout_ms.value) };
    if (f.lead_time_days.value !== "") body.lead_time_days = Number(f.lead_time_days.value);
    try {
      await api("POST", "/v1/factories", body);
      setErrors({});
      announce(`Factory ${body.id} saved`);
      e.currentTarget.reset();
      reload();
    } catch (err) {
      setErrors({ [fieldOf(err, FIELDS) || "_"]: err.message });
    }
  };
  const [removeError, setRemoveError] = useState(null);
  const remove = async (f) => {
    if (!confirm(`Delete factory ${f.id} (${f.url})?`)) return;
    try {
      await api("DELETE", `/v1/factories/${encodeURIComponent(f.id)}`);
      setRemoveError(null);
      announce(`Factory ${f.id} deleted`);
      reload();
    } catch (err) {
      setRemoveError(err);  // factory-in-use names the product or order that still needs it
    }
  };
  return html`<h1>Factories</h1>
    <${ErrorNote} error=${error} />
    <${ErrorNote} error=${removeError} />
    ${data && html`<${Table} caption="Factories restock orders go to" rows=${data.items} rowKey=${(f) => f.id} columns=${[
      { key: "id", label: "Id", sortable: true },
      { key: "url", label: "URL", sortable: true },
      { key: "format", label: "Format" },
      { key: "timeout_ms", label: "Timeout (ms)", numeric: true, sortable: true },
      { key: "lead_time_days", label: "Lead time (days)", numeric: true, render: (f) => f.lead_time_days ?? "default" },
      { key: "actions", label: "Actions", render: (f) => html`<button type="button" class="danger" onClick=${() => remove(f)}>Delete ${f.id}</button>` },
    ]} />`}
    <section class="panel" aria-labelledby="new-factory"><h2 id="new-factory">Add or replace a factory</h2>
      <p>Saving an existing id replaces it. A factory a product names, or an open order goes to, cannot be deleted.</p>
      <form onSubmit=${create} class="grid-form" novalidate>
        <${Field} label="Id" name="id" required error=${errors.id} />
        <${Field} label="URL" name="url" type="url" required error=${errors.url} />
        <${Field} label="Timeout (ms)" name="timeout_ms" type="number" defaultValue="5000" error=${errors.timeout_ms} />
        <${Field} label="Lead time (days)" name="lead_time_days" type="number" hint="empty: the store's default" error=${errors.lead_time_days} />
        ${errors._ && html`<p class="error" role="alert">${errors._}</p>`}
        <button type="submit">Save factory</button>
      </form></section>`;
}
