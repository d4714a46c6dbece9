import { useState } from "preact/hooks";
import { api, fieldOf, get } from "../api.js";
import { EVENT_TYPES } from "../live.js";
import { announce, ErrorNote, Field, html, Table, useData } from "../ui.js";

const PATH = "/v1/topics/stock-events/subscriptions";

export function Subscriptions() {
  const { data, error, reload } = useData(() => get(PATH), []);
  const [errors, setErrors] = useState({});
  const [secret, setSecret] = useState(null);
  const create = async (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const chosen = EVENT_TYPES.filter((t) => form.elements["type-" + t].checked);
    const body = { protocol: form.elements.protocol.value, endpoint: form.elements.endpoint.value.trim() };
    if (chosen.length) body.filter = { type: chosen };
    try {
      const created = await api("POST", PATH, body);
      setErrors({});
      setSecret(created.secret ? { id: created.id, secret: created.secret } : null);
      announce(`Subscription ${created.id} created`);
      form.reset();
      reload();
    } catch (err) {
      setErrors({ [fieldOf(err, ["protocol", "endpoint", "filter"]) || "_"]: err.message });
    }
  };
  const remove = async (s) => {
    if (!confirm(`Delete subscription ${s.id} (${s.protocol} ${s.endpoint})?`)) return;
    await api("DELETE", `${PATH}/${encodeURIComponent(s.id)}`);
    announce(`Subscription ${s.id} deleted`);
    reload();
  };
  return html`<h1>Subscriptions <small>topic stock-events</small></h1>
    <${ErrorNote} error=${error} />
    ${secret && html`<div class="secret" role="alert"><p>The signing secret of webhook ${secret.id}, shown this once:</p><code>${secret.secret}</code></div>`}
    ${data && html`<${Table} caption="Subscriptions of stock-events" rows=${data.items} rowKey=${(s) => s.id} columns=${[
      { key: "id", label: "Id", sortable: true },
      { key: "protocol", label: "Protocol", sortable: true },
      { key: "endpoint", label: "Endpoint", sortable: true },
      { key: "filter", label: "Event types", render: (s) => (s.filter && s.filter.type ? s.filter.type.join(", ") : "all") },
      { key: "actions", label: "Actions", render: (s) => html`<button type="button" class="danger" onClick=${() => remove(s)}>Delete ${s.id}</button>` },
    ]} />`}
    <section class="panel" aria-labelledby="new-sub"><h2 id="new-sub">Add a subscription</h2>
      <form onSubmit=${create} class="grid-form" novalidate>
        <${Field} label="Protocol" name="protocol" error=${errors.protocol}>
          <option value="webhook">webhook</option><option value="email">email</option><option value="queue">queue</option>
        <//>
        <${Field} label="Endpoint (URL, address or queue)" name="endpoint" required error=${errors.endpoint} />
        <fieldset><legend>Event types (none: all)</legend>
          ${EVENT_TYPES.map((t) => html`<label class="check"><input type="checkbox" name=${"type-" + t} /> ${t}</label>`)}
          ${errors.filter && html`<p class="field-error">${errors.filter}</p>`}
        </fieldset>
        ${errors._ && html`<p class="error" role="alert">${errors._}</p>`}
        <button type="submit">Add subscription</button>
      </form></section>`;
}
