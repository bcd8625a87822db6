// The one way the page reads or changes state: the server's Letta REST API.
// With an API key the server answers 401; the page then asks for the key once and
// keeps it in sessionStorage (this tab only). Closing the dialog without a key is final for
// the page's own requests (its polls go on failing quietly); the header's "Enter API key"
// button asks again and tells the page to load (the `letta:key` event).

const KEY = "letta-api-key";
const KEY_SHAPE = /^[\x21-\x7e]+$/; // what an Authorization header can carry: printable ASCII, no space

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
  }
}

// The stored key, if a request can carry it (with any other, every fetch would throw).
function storedKey() {
  const key = sessionStorage.getItem(KEY);
  return key && KEY_SHAPE.test(key) ? key : null;
}

function headers(extra) {
  const out = { Accept: "application/json", ...extra };
  const key = storedKey();
  if (key) out.Authorization = `Bearer ${key}`;
  return out;
}

// The key dialog, made on first use (every page that loads api.js shares it). A key a header
// cannot carry (a space, a line break, a letter outside ASCII) is refused in it, before it is saved.
let dialogParts = null;
function keyDialog() {
  if (dialogParts) return dialogParts;
  const make = (tag, attrs = {}, text = "") => {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    if (text) el.textContent = text;
    return el;
  };
  const dialog = make("dialog", { id: "key-dialog" });
  const form = make("form", { method: "dialog", id: "key-form" });
  const input = make("input", { id: "key-input", type: "password", autocomplete: "off", required: "", "aria-label": "API key" });
  const error = make("p", { class: "error", id: "key-error", role: "alert" }, "That key was refused.");
  error.hidden = true;
  const menu = make("menu");
  menu.append(make("button", { type: "submit", class: "primary", value: "use" }, "Use this key"));
  const note = "This server was started with an API key. Enter it once; it is kept for this browser tab only.";
  form.append(make("h2", {}, "API key"), make("p", {}, note), input, error, menu);
  dialog.append(form);
  document.body.append(dialog);
  form.addEventListener("submit", (event) => {
    if (KEY_SHAPE.test(input.value.trim())) return;
    event.preventDefault();
    error.textContent = "An API key has no spaces, line breaks or letters outside ASCII: check what was pasted.";
    error.hidden = false;
  });
  dialogParts = { dialog, input, error };
  return dialogParts;
}

let asking = null;
let declined = false; // the dialog was closed without a key: only the header button asks again

function setDeclined(value) {
  declined = value;
  const button = document.getElementById("key-button");
  if (button) button.hidden = !value;
}

// Ask for the key (one dialog even when several requests are refused at once); resolves to
// whether one was given. Escape or a close without "Use this key" declines.
function askForKey(refused) {
  if (!asking) {
    asking = new Promise((resolve) => {
      const { dialog, input, error } = keyDialog();
      error.textContent = "That key was refused.";
      error.hidden = !refused;
      input.value = "";
      dialog.returnValue = "";
      dialog.addEventListener(
        "close",
        () => {
          const value = input.value.trim();
          const given = dialog.returnValue === "use" && KEY_SHAPE.test(value);
          if (given) sessionStorage.setItem(KEY, value);
          asking = null;
          setDeclined(!given);
          resolve(given);
        },
        { once: true },
      );
      dialog.showModal();
      input.focus();
    });
  }
  return asking;
}

// "Enter API key" (the header button, or a page's own): ask, and have the page load again.
export async function enterKey() {
  if (await askForKey(Boolean(storedKey()))) window.dispatchEvent(new Event("letta:key"));
}

// A key a header cannot carry (a space, a line break, a letter outside ASCII) is refused in
// the dialog, before it is saved.
document.getElementById("key-button")?.addEventListener("click", enterKey);

async function send(method, path, body, signal) {
  const init = { method, headers: headers(body === undefined ? {} : { "Content-Type": "application/json" }), signal };
  if (body !== undefined) init.body = JSON.stringify(body);
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(path, init);
    if (response.status !== 401 || attempt > 3 || declined) return response;
    if (!(await askForKey(Boolean(storedKey())))) return response;
    init.headers = headers(body === undefined ? {} : { "Content-Type": "application/json" });
  }
}

// FastAPI's 422: [{loc: ["body", "name"], msg, type}, ...] as "name: msg; ...".
function problems(detail) {
  return detail
    .map((item) => {
      const where = Array.isArray(item?.loc) ? item.loc : [];
      const loc = where.filter((part, k) => k || !["body", "query", "path"].includes(part));
      const msg = item?.msg ?? (typeof item === "string" ? item : JSON.stringify(item));
      return loc.length ? `${loc.join(".")}: ${msg}` : msg;
    })
    .join("; ");
}

async function failure(response) {
  let detail = "";
  try {
    const data = await response.json();
    const d = data?.detail;
    if (typeof d === "string") detail = d;
    else if (Array.isArray(d)) detail = problems(d);
    else detail = d == null ? response.statusText : JSON.stringify(d);
  } catch {
    detail = response.statusText;
  }
  if (response.status === 401 && declined) detail = "This server needs its API key: use “Enter API key” at the top.";
  return new ApiError(response.status, detail);
}

// A JSON request: resolves to the parsed body (null for 204), rejects with ApiError.
export async function api(method, path, body, { signal } = {}) {
  const response = await send(method, path, body, signal);
  if (!response.ok) throw await failure(response);
  if (response.status === 204) return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

export const get = (path, opts) => api("GET", path, undefined, opts);

// A query string from an object, leaving out null/undefined/"" values.
export function query(params) {
  const parts = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === "") continue;
    for (const item of Array.isArray(v) ? v : [v]) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(item)}`);
  }
  return parts.length ? `?${parts.join("&")}` : "";
}

// A POST that answers Server-Sent Events: yields each `data:` payload parsed as JSON
// (pings and `[DONE]` are skipped). Ends when the server closes the stream or `signal` aborts.
export async function* sse(path, body, { signal } = {}) {
  const response = await send("POST", path, body, signal);
  if (!response.ok) throw await failure(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if ((done = next.done)) break;
      buffer += next.value;
      let cut;
      while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const event = buffer.slice(0, cut);
        buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
        const data = event
          .split(/\r?\n/)
          .filter((line) => line.startsWith("data:"))
          .map((line) => line.slice(5).replace(/^ /, ""))
          .join("\n");
        if (!data || data === "[DONE]") continue;
        try {
          yield JSON.parse(data);
        } catch {
          // not JSON: not ours to show
        }
      }
    }
  } finally {
    // The consumer stopped early (a break, an abort): close the stream, not just let it go.
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
