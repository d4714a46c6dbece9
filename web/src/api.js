// The API client: same-origin fetch with the session cookie (never a key in page storage).
// Every 4xx/5xx is problem+json; ApiError carries it, and fieldOf() finds the field it names.

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

function idempotencyKey() {
  return "web-" + crypto.randomUUID();
}

export async function api(method, path, body, { quiet401 = false } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  // A retried click must not act twice: every unsafe request carries its own key.
  if (method !== "GET") headers["Idempotency-Key"] = idempotencyKey();
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { detail: text };
  }
  if (!response.ok) {
    if (response.status === 401 && !quiet401) onUnauthorized();
    throw new ApiError(response.status, data);
  }
  return data;
}

export const get = (path) => api("GET", path);

// A text answer (GET /metrics), or "" when refused.
export async function getText(path) {
  const r = await fetch(path, { credentials: "same-origin", cache: "no-store" });
  return r.ok ? r.text() : "";
}

// The field a problem's detail names: the first 'quoted' name that is one of `fields`, else
// the one named first ("order_up_to must be greater than reorder_point": order_up_to), or null.
export function fieldOf(error, fields) {
  const detail = (error && error.problem && error.problem.detail) || "";
  for (const match of detail.matchAll(/'([a-z_.]+)'/g)) {
    const name = match[1].split(".").reverse().find((part) => fields.includes(part)); // the deepest
    if (name) return name;
  }
  // The earliest field named; of "replenishment.fill_rate" the deepest one the form has.
  let best = null;
  let at = Infinity;
  let depth = -1;
  for (const name of fields) {
    const found = new RegExp(`(^|[^a-z_.])((?:[a-z_]+\\.)*)${name}($|[^a-z_])`).exec(detail);
    if (!found) continue;
    const start = found.index + found[1].length;
    const deep = found[2].length;
    if (start < at || (start === at && deep > depth)) (best = name), (at = start), (depth = deep);
  }
  return best;
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? "?" + s : "";
}

// Every item of a cursor-paged list (at most `max`).
export async function all(path, params = {}, max = 100000) {
  const items = [];
  let cursor;
  do {
    const page = await get(path + query({ ...params, limit: 500, cursor }));
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}

// Session: POST /v1/session exchanges the key for an HttpOnly cookie; the key is dropped.
export const session = {
  current: () => api("GET", "/v1/session", undefined, { quiet401: true }),
  login: (apiKey) => api("POST", "/v1/session", { api_key: apiKey }, { quiet401: true }),
  logout: () => api("DELETE", "/v1/session", undefined, { quiet401: true }),
};
