// The Restock dashboard: a Preact + htm single-page app served by `restock serve` at /.
import "./app.css";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { session, setUnauthorizedHandler } from "./api.js";
import * as live from "./live.js";
import { html, Link, LiveRegion, navigate, useLocation } from "./ui.js";
import { Login } from "./views/login.js";
import { Overview } from "./views/overview.js";
import { Products } from "./views/products.js";
import { Product } from "./views/product.js";
import { Orders } from "./views/orders.js";
import { Queues, Queue } from "./views/queues.js";
import { Events } from "./views/events.js";
import { Subscriptions } from "./views/subscriptions.js";
import { Factories } from "./views/factories.js";

const NAV = [
  { href: "/", label: "Overview" },
  { href: "/products", label: "Products" },
  { href: "/orders", label: "Restock orders", admin: true },
  { href: "/queues", label: "Queues", admin: true },
  { href: "/events", label: "Events" },
  { href: "/subscriptions", label: "Subscriptions", admin: true },
  { href: "/factories", label: "Factories", admin: true },
];

function route(path, user) {
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const admin = user.role === "admin";
  switch (parts[0]) {
    case undefined: return [Overview, {}, "Overview"];
    case "products": return parts[1] ? [Product, { sku: parts[1] }, parts[1]] : [Products, {}, "Products"];
    case "orders": if (admin) return [Orders, {}, "Restock orders"]; break;
    case "queues": if (admin) return parts[1] ? [Queue, { name: parts[1] }, parts[1]] : [Queues, {}, "Queues"]; break;
    case "events": return [Events, {}, "Events"];
    case "subscriptions": if (admin) return [Subscriptions, {}, "Subscriptions"]; break;
    case "factories": if (admin) return [Factories, {}, "Factories"]; break;
  }
  return [NotFound, { admin }, "Not found"];
}

function NotFound({ admin }) {
  return html`<h1>Not found</h1><p>${admin ? "No such page." : "No such page, or it needs an admin key."} <${Link} href="/">Overview<//></p>`;
}

function LiveIndicator() {
  const [state, setState] = useState(live.liveState());
  useEffect(() => live.onState(setState), []);
  const text = { live: "Live", polling: "Live (polling)", disconnected: "Disconnected, reconnecting…", connecting: "Connecting…" }[state];
  return html`<span class=${"live " + state} data-state=${state}>${text}</span>`;
}

function Shell({ user, onLogout, children, path }) {
  const [open, setOpen] = useState(false);
  return html`
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <${Link} href="/" class="brand">Restock<//>
      <button type="button" class="menu" aria-expanded=${open} aria-controls="nav" onClick=${() => setOpen(!open)}>Menu</button>
      <nav id="nav" aria-label="Main" class=${open ? "open" : ""}>
        <ul>${NAV.filter((n) => !n.admin || user.role === "admin").map((n) => {
          const current = n.href === "/" ? path === "/" : path.startsWith(n.href);
          return html`<li><${Link} href=${n.href} aria-current=${current ? "page" : undefined} onClick=${() => setOpen(false)}>${n.label}<//></li>`;
        })}</ul>
      </nav>
      <div class="who">
        <${LiveIndicator} />
        <span class="role">${user.name} (${user.role})</span>
        <button type="button" onClick=${onLogout}>Log out</button>
      </div>
    </header>
    <main id="main" tabindex="-1">${children}</main>`;
}

function App() {
  const { path } = useLocation();
  const [user, setUser] = useState(undefined); // undefined: asking; null: logged out
  // The views load their data once the live cursor is taken: a change between the two is heard.
  const [liveReady, setLiveReady] = useState(false);

  useEffect(() => {
    setUnauthorizedHandler(() => setUser(null));
    session.current().then(setUser, () => setUser(null));
  }, []);
  useEffect(() => {
    setLiveReady(false);
    if (!user) return live.stop();
    let current = true;
    live.start(user.role).then(() => current && setLiveReady(true));
    return () => (current = false);
  }, [user && user.role, user && user.name]);

  const [View, props, title] = user ? route(path, user) : [null, {}, "Log in"];
  useEffect(() => {
    document.title = `${title} · Restock`;
  }, [title]);
  // A new view: move focus to it, so keyboard and screen reader users start there.
  useEffect(() => {
    const main = document.getElementById("main");
    if (main && document.activeElement && document.activeElement.closest("nav")) main.focus();
  }, [path]);

  if (user === undefined) return html`<${LiveRegion} /><p class="loading">Loading…</p>`;
  if (user === null) {
    return html`<${LiveRegion} /><${Login} onLogin=${(u) => {
      setUser(u);
      if (path === "/login") navigate("/", { replace: true });
    }} />`;
  }
  if (path === "/login") {
    navigate("/", { replace: true });
    return null;
  }
  const logout = async () => {
    try {
      await session.logout();
    } finally {
      setUser(null);
      navigate("/login");
    }
  };
  return html`<${LiveRegion} /><${Shell} user=${user} path=${path} onLogout=${logout}>${liveReady
    ? html`<${View} key=${path} user=${user} ...${props} />`
    : html`<p class="loading">Loading…</p>`}<//>`;
}

render(html`<${App} />`, document.getElementById("app"));
