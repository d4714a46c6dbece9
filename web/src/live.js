// Live updates: GET /v1/events/stream (Server-Sent Events; admin) with the native EventSource,
// which resumes with Last-Event-ID by itself. While the stream is down the page says so and
// polls GET /v1/events?after= meanwhile (a storefront key, which may not stream, always polls),
// so every view still hears of each change; both paths deliver each seq once, in order.
import { get, query } from "./api.js";

const POLL_MS = 1000;
const listeners = new Set();
const stateListeners = new Set();
let state = "connecting"; // "live" | "polling" | "disconnected" | "connecting"
let lastSeq = null;
let source = null;
let pollTimer = null;
let retryTimer = null;
let stopped = true;
let canStream = false;

export function onEvent(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
export function onState(fn) {
  stateListeners.add(fn);
  fn(state);
  return () => stateListeners.delete(fn);
}
export const liveState = () => state;

function setState(next) {
  if (next === state) return;
  state = next;
  for (const fn of stateListeners) fn(state);
}

function deliver(event) {
  if (lastSeq !== null && event.seq <= lastSeq) return; // seen already (stream and poll overlap)
  lastSeq = event.seq;
  for (const fn of listeners) {
    try {
      fn(event);
    } catch (e) {
      console.warn("live listener failed", e);
    }
  }
}

// The seq to resume after: the end of the log when the page starts (nothing is replayed), in
// one request however long the log is.
async function head() {
  const page = await get("/v1/events?after=latest");
  return page.next_after;
}

async function poll() {
  pollTimer = null;
  if (stopped) return;
  try {
    for (;;) {
      const page = await get("/v1/events" + query({ after: lastSeq ?? 0, limit: 500 }));
      page.items.forEach(deliver);
      if (page.next_after !== undefined && page.next_after !== null && page.next_after > (lastSeq ?? 0)) {
        lastSeq = page.next_after;
      }
      if (page.items.length < 500) break;
    }
    if (state !== "live") setState(canStream ? "disconnected" : "polling");
  } catch {
    setState("disconnected");
  }
  if (!stopped && state !== "live") pollTimer = setTimeout(poll, POLL_MS);
}

function openStream() {
  retryTimer = null;
  if (stopped) return;
  source = new EventSource("/v1/events/stream" + query({ after: lastSeq ?? 0 }));
  source.onopen = () => {
    setState("live");
    if (pollTimer) clearTimeout(pollTimer), (pollTimer = null);
  };
  source.onmessage = null;
  const handle = (message) => {
    try {
      deliver(JSON.parse(message.data));
    } catch (e) {
      console.warn("bad event", e);
    }
  };
  // Events arrive named by their type; listen to every type the log has.
  for (const type of EVENT_TYPES) source.addEventListener(type, handle);
  source.addEventListener("message", handle);
  source.onerror = () => {
    setState("disconnected");
    if (!pollTimer) pollTimer = setTimeout(poll, 0);
    // EventSource reconnects by itself after a dropped connection; after a refused one
    // (CLOSED) it gives up, so try again later.
    if (source.readyState === EventSource.CLOSED) {
      source.close();
      source = null;
      retryTimer = setTimeout(openStream, 3000);
    }
  };
}

export const EVENT_TYPES = [
  "stock.low", "stock.empty", "stock.short", "stock.restored",
  "restock.ordered", "restock.accepted", "restock.received", "restock.failed", "restock.cancelled",
  "restock.overdue", "alarm.raised", "alarm.cleared",
];

// Resolves once the cursor is known: views that load their data after it miss no change.
export async function start(role) {
  stop();
  stopped = false;
  canStream = role === "admin";
  setState("connecting");
  try {
    lastSeq = await head();
  } catch {
    lastSeq = 0;
  }
  if (stopped) return;
  if (canStream) openStream();
  else poll();
}

export function stop() {
  stopped = true;
  if (source) source.close(), (source = null);
  if (pollTimer) clearTimeout(pollTimer), (pollTimer = null);
  if (retryTimer) clearTimeout(retryTimer), (retryTimer = null);
  setState("connecting");
}
