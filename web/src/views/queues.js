import { useState } from "preact/hooks";
import { api, fieldOf, get, getText, query } from "../api.js";
import { ago, when } from "../format.js";
import { announce, ErrorNote, Field, html, Link, Table, useData } from "../ui.js";

// Oldest visible message age per queue, from /metrics (the gauge the alarms use).
async function oldestAges() {
  const ages = {};
  for (const m of (await getText("/metrics")).matchAll(/^restock_queue_oldest_message_age_seconds\{queue="([^"]+)"[^}]*\} ([0-9.e+]+)/gm)) ages[m[1]] = Number(m[2]);
  return ages;
}
const age = (s) => (s === undefined ? "—" : s < 60 ? `${Math.round(s)} s` : s < 3600 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`);
const touchesQueues = (e) => /^(restock|stock|alarm)\./.test(e.type || "");

export function Queues() {
  const { data, error } = useData(async () => {
    const [queues, ages] = await Promise.all([get("/v1/queues"), oldestAges()]);
    return { items: queues.items, ages };
  }, [], touchesQueues);
  return html`<h1>Queues</h1><${ErrorNote} error=${error} />
    ${data && html`<${Table} caption="Queues and their dead-letter queues" rows=${data.items} rowKey=${(q) => q.name} columns=${[
      { key: "name", label: "Queue", sortable: true, render: (q) => html`<${Link} href=${"/queues/" + encodeURIComponent(q.name)}>${q.name}<//>` },
      { key: "visible", label: "Depth", sortable: true, numeric: true },
      { key: "in_flight", label: "In flight", sortable: true, numeric: true },
      { key: "delayed", label: "Delayed", sortable: true, numeric: true },
      { key: "oldest", label: "Oldest message", sortable: true, sort: (q) => data.ages[q.name] ?? -1, render: (q) => (q.visible + q.in_flight + q.delayed === 0 ? "—" : age(data.ages[q.name])) },
      { key: "dlq", label: "Dead-letter queue", render: (q) => q.dlq ? html`<${Link} href=${"/queues/" + encodeURIComponent(q.dlq)}>${q.dlq}<//>` : "—" },
      { key: "max_receive_count", label: "Max receives", numeric: true },
      { key: "visibility_timeout_s", label: "Visibility (s)", numeric: true },
    ]} />`}`;
}

const POLICY = ["max_receive_count", "visibility_timeout_s", "backoff_base_ms", "backoff_max_ms"];

export function Queue({ name }) {
  const enc = encodeURIComponent(name);
  const { data, error, reload } = useData(async () => {
    const [queues, messages] = await Promise.all([get("/v1/queues"), get(`/v1/queues/${enc}/messages` + query({ limit: 100 }))]);
    const queue = queues.items.find((q) => q.name === name);
    if (!queue) throw new Error(`No queue named ${name}.`);
    const source = queues.items.find((q) => q.dlq === name);
    return { queue, source, messages: messages.items };
  }, [name], touchesQueues);
  const [note, setNote] = useState(null);
  const act = async (what, fn) => {
    try {
      const r = await fn();
      setNote(what(r));
      announce(what(r));
    } catch (err) {
      setNote(err.message);
      announce(err.message);
    }
    reload();
  };
  if (!data) return html`<h1>${name}</h1>${error ? html`<${ErrorNote} error=${error} />` : html`<p class="loading">Loading…</p>`}`;
  const { queue, source, messages } = data;
  const isDlq = !!source;
  const total = queue.visible + queue.in_flight + queue.delayed;
  const redriveAll = () => {
    if (!confirm(`Move ${queue.visible} message(s) from ${name} back to ${source.name}?`)) return;
    act((r) => `${r.redriven} message(s) moved to ${source.name}`, () => api("POST", `/v1/queues/${enc}/redrive`));
  };
  const redriveOne = (m) => {
    if (!confirm(`Move message ${m.id} back to ${m.source_queue || source.name}?`)) return;
    act(() => `Message ${m.id} moved to ${m.source_queue || source.name}`, () => api("POST", `/v1/queues/${enc}/messages/${m.id}/redrive`));
  };
  const deleteOne = (m) => {
    if (!confirm(`Delete message ${m.id} from ${name}? It cannot be brought back.`)) return;
    act(() => `Message ${m.id} deleted`, () => api("DELETE", `/v1/queues/${enc}/messages/${m.id}`));
  };
  return html`<p class="crumbs"><${Link} href="/queues">Queues<//></p>
    <h1>${name} <small>${isDlq ? `dead-letter queue of ${source.name}` : "queue"}</small></h1>
    <dl class="figures">
      <div><dt>Depth</dt><dd>${queue.visible}</dd></div><div><dt>In flight</dt><dd>${queue.in_flight}</dd></div>
      <div><dt>Delayed</dt><dd>${queue.delayed}</dd></div>${queue.dlq && html`<div><dt>Dead-letter queue</dt><dd><${Link} href=${"/queues/" + queue.dlq}>${queue.dlq}<//></dd></div>`}
    </dl>
    ${note && html`<p class="note">${note}</p>`}
    <div class="actions">
      ${isDlq && html`<button type="button" disabled=${queue.visible === 0} onClick=${redriveAll}>Redrive all ${queue.visible} to ${source.name}</button>`}
    </div>
    ${!isDlq && html`<${Policy} queue=${queue} onSaved=${reload} />`}
    <${Table} caption=${`Messages in ${name} (first ${messages.length})`} rows=${messages} rowKey=${(m) => m.id} empty="No messages." columns=${[
      { key: "id", label: "Message", sortable: true, numeric: true },
      { key: "body", label: "Body", render: (m) => html`<pre class="body">${JSON.stringify(m.body, null, 1)}</pre>` },
      { key: "receive_count", label: "Receives", sortable: true, numeric: true },
      { key: "last_error", label: "Last error" },
      { key: "created_at", label: "Age", sortable: true, render: (m) => html`<span title=${when(m.created_at)}>${ago(m.created_at)}</span>` },
      { key: "actions", label: "Actions", render: (m) => html`<div class="row-actions">
        ${isDlq && html`<button type="button" onClick=${() => redriveOne(m)}>Redrive ${m.id}</button>`}
        <button type="button" class="danger" disabled=${m.in_flight} onClick=${() => deleteOne(m)}>Delete ${m.id}</button></div>` },
    ]} />
    <${Purge} name=${name} total=${total} onPurge=${() => act((r) => `${r.purged} message(s) purged from ${name}`, () => api("DELETE", `/v1/queues/${enc}/messages`))} />`;
}

// Purge behind a typed confirmation: the button works only once the queue's name is typed.
function Purge({ name, total, onPurge }) {
  const [typed, setTyped] = useState("");
  const submit = (e) => {
    e.preventDefault();
    if (typed !== name) return;
    setTyped("");
    onPurge();
  };
  return html`<section class="panel danger-zone" aria-labelledby="purge-h"><h2 id="purge-h">Purge</h2>
    <form onSubmit=${submit}>
      <p id="purge-help">Deletes all ${total} message(s) of ${name}. Type the queue's name to confirm.</p>
      <div class="field"><label for="purge-confirm">Queue name to purge</label>
        <input id="purge-confirm" autocomplete="off" value=${typed} aria-describedby="purge-help" onInput=${(e) => setTyped(e.currentTarget.value)} /></div>
      <button type="submit" class="danger" disabled=${typed !== name}>Purge ${name}</button>
    </form></section>`;
}

function Policy({ queue, onSaved }) {
  const [errors, setErrors] = useState({});
  const submit = async (e) => {
    e.preventDefault();
    const form = e.currentTarget.elements;
    const patch = {};
    for (const k of POLICY) if (Number(form[k].value) !== queue[k]) patch[k] = Number(form[k].value);
    if (!Object.keys(patch).length) return setErrors({ _: "Nothing changed." });
    try {
      await api("PATCH", "/v1/queues/" + encodeURIComponent(queue.name), patch);
      setErrors({});
      announce("Retry policy saved");
      onSaved();
    } catch (err) {
      setErrors({ [fieldOf(err, POLICY) || "_"]: err.message });
    }
  };
  return html`<details class="panel"><summary>Retry policy</summary>
    <form onSubmit=${submit} class="grid-form" novalidate key=${POLICY.map((k) => queue[k]).join()}>
      <${Field} label="Max receives" name="max_receive_count" type="number" value=${queue.max_receive_count} error=${errors.max_receive_count} />
      <${Field} label="Visibility timeout (s)" name="visibility_timeout_s" type="number" value=${queue.visibility_timeout_s} error=${errors.visibility_timeout_s} />
      <${Field} label="Backoff base (ms)" name="backoff_base_ms" type="number" value=${queue.backoff_base_ms} error=${errors.backoff_base_ms} />
      <${Field} label="Backoff max (ms)" name="backoff_max_ms" type="number" value=${queue.backoff_max_ms} error=${errors.backoff_max_ms} />
      ${errors._ && html`<p class="error" role="alert">${errors._}</p>`}
      <button type="submit">Save policy</button>
    </form></details>`;
}
