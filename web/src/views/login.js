import { useState } from "preact/hooks";
import { session } from "../api.js";
import { html } from "../ui.js";

// The key goes to POST /v1/session once; the answer is an HttpOnly cookie the page cannot read.
export function Login({ onLogin }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const key = form.elements.api_key.value.trim();
    setBusy(true);
    setError(null);
    try {
      const user = await session.login(key);
      form.reset();
      onLogin(user);
    } catch (err) {
      setError(err.status === 401 ? "That key is not valid (unknown or revoked)." : err.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<main id="main" class="login">
    <h1>Restock</h1>
    <form onSubmit=${submit} aria-describedby="login-help">
      <p id="login-help">Log in with an API key (<code>restock keys create --role admin</code>). The key is exchanged for a session cookie and not kept by the page.</p>
      <div class="field">
        <label for="api_key">API key</label>
        <input id="api_key" name="api_key" type="password" autocomplete="off" required aria-invalid=${error ? "true" : undefined} aria-describedby=${error ? "login-error" : undefined} />
        ${error && html`<p class="field-error" id="login-error" role="alert">${error}</p>`}
      </div>
      <button type="submit" disabled=${busy}>Log in</button>
    </form>
  </main>`;
}
