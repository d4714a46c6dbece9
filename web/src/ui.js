// Shared view pieces: htm bound to Preact, the router, the live region, sortable tables.
import { h } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import htm from "htm";
import { onEvent } from "./live.js";

export const html = htm.bind(h);

// --- routing: history.pushState, so back and forward work and every view has its URL.
const routeListeners = new Set();
export function navigate(url, { replace = false } = {}) {
  if (url === location.pathname + location.search) return;
  history[replace ? "replaceState" : "pushState"](null, "", url);
  for (const fn of routeListeners) fn();
}
export function useLocation() {
  const [, setTick] = useState(0);
  useEffect(() => {
    const fn = () => setTick((t) => t + 1);
    routeListeners.add(fn);
    addEventListener("popstate", fn);
    return () => {
      routeListeners.delete(fn);
      removeEventListener("popstate", fn);
    };
  }, []);
  return { path: location.pathname, params: new URLSearchParams(location.search) };
}
export function Link({ href, children, ...rest }) {
  const click = (e) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return html`<a href=${href} onClick=${click} ...${rest}>${children}</a>`;
}

// --- the live region: one role="status" element announces what changed.
let announceFn = () => {};
export function announce(text) {
  announceFn(text);
}
export function LiveRegion() {
  const [text, setText] = useState("");
  useEffect(() => {
    announceFn = (t) => setText(t);
  }, []);
  return html`<div role="status" aria-live="polite" class="live-region" id="announcer">${text}</div>`;
}

// Re-runs `load` whenever `deps` change and whenever a live event matches `filter`.
export function useData(load, deps, filter = () => false) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const loadRef = useRef(load);
  loadRef.current = load;
  const filterRef = useRef(filter);
  filterRef.current = filter;
  const seq = useRef(0);
  const run = () => {
    const mine = ++seq.current;
    loadRef.current().then(
      (data) => mine === seq.current && setState({ data, error: null, loading: false }),
      (error) => mine === seq.current && setState((s) => ({ ...s, error, loading: false })),
    );
  };
  useEffect(run, deps);
  useEffect(() => {
    let pending = null;
    const off = onEvent((event) => {
      if (!filterRef.current(event)) return;
      // Several events of one commit arrive together: one reload for them all.
      if (!pending) pending = setTimeout(() => ((pending = null), run()), 50);
    });
    return () => {
      off();
      if (pending) clearTimeout(pending);
    };
  }, []);
  return { ...state, reload: run };
}

export function ErrorNote({ error }) {
  if (!error) return null;
  return html`<p class="error" role="alert">${error.message}</p>`;
}

// A real table: <th scope="col">, sortable headers hold a button and carry aria-sort.
// columns: [{key, label, sort?: (row) => value, render?: (row) => vnode, numeric?}]
export function Table({ caption, columns, rows, rowKey, empty = "Nothing here.", initialSort }) {
  const [sort, setSort] = useState(initialSort || null); // {key, dir: 1|-1}
  let sorted = rows;
  if (sort) {
    const col = columns.find((c) => c.key === sort.key);
    const value = col.sort || ((r) => r[col.key]);
    sorted = [...rows].sort((a, b) => {
      const x = value(a), y = value(b);
      return (x < y ? -1 : x > y ? 1 : 0) * sort.dir;
    });
  }
  const header = (col) => {
    if (!col.sortable) return html`<th scope="col" class=${col.numeric ? "num" : ""}>${col.label}</th>`;
    const active = sort && sort.key === col.key;
    const ariaSort = active ? (sort.dir === 1 ? "ascending" : "descending") : "none";
    const toggle = () => setSort({ key: col.key, dir: active ? -sort.dir : 1 });
    return html`<th scope="col" aria-sort=${ariaSort} class=${col.numeric ? "num" : ""}>
      <button type="button" class="sort" onClick=${toggle}>${col.label}<span aria-hidden="true" class="arrow">${active ? (sort.dir === 1 ? "▲" : "▼") : "↕"}</span></button>
    </th>`;
  };
  return html`<div class="table-wrap"><table>
    <caption>${caption}</caption>
    <thead><tr>${columns.map(header)}</tr></thead>
    <tbody>
      ${sorted.length === 0
        ? html`<tr><td colspan=${columns.length} class="empty">${empty}</td></tr>`
        : sorted.map((row) => html`<tr key=${rowKey(row)} data-key=${rowKey(row)}>
            ${columns.map((col, i) => {
              const content = col.render ? col.render(row) : row[col.key];
              return i === 0
                ? html`<th scope="row" class=${col.numeric ? "num" : ""}>${content}</th>`
                : html`<td class=${col.numeric ? "num" : ""} data-col=${col.key}>${content}</td>`;
            })}
          </tr>`)}
    </tbody>
  </table></div>`;
}

// A labelled input; `error` shows the API's complaint right at the field.
export function Field({ label, name, error, hint, children, ...input }) {
  const id = "f-" + name;
  const describedBy = [error ? id + "-error" : null, hint ? id + "-hint" : null].filter(Boolean).join(" ");
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${children
      ? html`<select id=${id} name=${name} aria-invalid=${error ? "true" : undefined} aria-describedby=${describedBy || undefined} ...${input}>${children}</select>`
      : html`<input id=${id} name=${name} aria-invalid=${error ? "true" : undefined} aria-describedby=${describedBy || undefined} ...${input} />`}
    ${hint && html`<small id=${id + "-hint"}>${hint}</small>`}
    ${error && html`<p class="field-error" id=${id + "-error"}>${error}</p>`}
  </div>`;
}

export function StatusBadge({ status }) {
  const label = { in_stock: "In stock", low: "Low", out_of_stock: "Out of stock" }[status] || status;
  return html`<span class=${"badge " + status}>${label}</span>`;
}
