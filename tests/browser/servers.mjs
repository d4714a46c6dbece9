// Starts the real `restock serve` (fresh temporary data dir, port 0) and `restock factory-sim`
// processes on loopback, learns their ports from their "listening" log lines, and stops them.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

export const RESTOCK_BIN = process.env.RESTOCK_BIN || new URL("../../build/restock", import.meta.url).pathname;
const START_TIMEOUT_MS = 15000;

const children = new Set();
function stopAll() {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
}
process.on("exit", stopAll);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => (stopAll(), process.exit(1)));

function start(args) {
  const child = spawn(RESTOCK_BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  const stderr = [];
  child.stderr.on("data", (d) => stderr.push(d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not listen within ${START_TIMEOUT_MS} ms: ${Buffer.concat(stderr)}`)), START_TIMEOUT_MS);
    child.on("exit", (code) => reject(new Error(`${args[0]} exited ${code}: ${Buffer.concat(stderr)}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      try {
        const record = JSON.parse(line);
        if (record.msg === "listening") {
          clearTimeout(timer);
          resolve({ child, url: "http://" + record.address });
        }
      } catch {}
    });
  });
}

async function stop(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
  children.delete(child);
}

export async function startStore() {
  const dir = mkdtempSync(join(tmpdir(), "restock-browser-"));
  const dataDir = join(dir, "data");
  const key = (role, name) => {
    const out = execFileSync(RESTOCK_BIN, ["keys", "create", "--data-dir", dataDir, "--role", role, "--name", name], { encoding: "utf8" });
    return out.trim().split("\n").pop().trim();
  };
  const keys = { admin: key("admin", "browser-admin"), storefront: key("storefront", "browser-storefront") };
  let server = await start(["serve", "--data-dir", dataDir, "--listen", "127.0.0.1:0", "--no-access-log"]);
  const sims = [];
  return {
    url: server.url,
    // Stops the server, then starts it again on the same data dir and port (sessions survive).
    async stopServer() {
      await stop(server.child);
    },
    async startServerAgain() {
      server = await start(["serve", "--data-dir", dataDir, "--listen", server.url.slice("http://".length), "--no-access-log"]);
    },
    keys,
    dataDir,
    async factorySim(...flags) {
      const sim = await start(["factory-sim", "--listen", "127.0.0.1:0", ...flags]);
      sims.push(sim);
      return sim.url;
    },
    revoke(name) {
      execFileSync(RESTOCK_BIN, ["keys", "revoke", "--data-dir", dataDir, "--name", name]);
    },
    async close() {
      for (const sim of sims) await stop(sim.child);
      await stop(server.child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// The API from the test's side, with a Bearer key (never the page's way).
export function apiClient(base, key) {
  return async (method, path, body, { expect } = {}) => {
    const headers = { Authorization: "Bearer " + key };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const r = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    const data = text ? JSON.parse(text) : null;
    if (expect !== undefined ? r.status !== expect : !r.ok) throw new Error(`${method} ${path} → ${r.status} ${text}`);
    return data;
  };
}

export async function waitFor(probe, what, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
