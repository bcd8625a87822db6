// The ADE's router: `#/` agents, `#/agents/ID[/TAB]` an agent, `#/conversations/ID[/MESSAGE_ID]`
// a conversation. Each page module exports `render(main, params, signal)`; the signal aborts
// when the user leaves the page, so its live streams and polls stop. A hash that is not one
// of these (a malformed %-escape among them) is "No such page"; an API key entered from the
// header (api.js's `letta:key` event) loads the page again.
import { clear, errorBox, h } from "./dom.js";

const ROUTES = [
  [/^#?\/?$/, "./agents.js", () => ({})],
  [/^#\/agents\/([^/]+)(?:\/([a-z-]+))?$/, "./agent.js", (m) => ({ id: decodeURIComponent(m[1]), tab: m[2] || "memory" })],
  [
    /^#\/conversations\/([^/]+)(?:\/([^/]+))?$/,
    "./conversation.js",
    (m) => ({ id: decodeURIComponent(m[1]), message: m[2] ? decodeURIComponent(m[2]) : null }),
  ],
];

let current = null;

async function route() {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const main = document.getElementById("app");
  const hash = location.hash || "#/";
  for (const [pattern, module, params] of ROUTES) {
    const match = hash.match(pattern);
    if (!match) continue;
    let args;
    try {
      args = params(match);
    } catch {
      break; // decodeURIComponent: not an id any page of ours links to
    }
    try {
      const page = await import(module);
      if (controller.signal.aborted) return;
      clear(main);
      await page.render(main, args, controller.signal);
    } catch (error) {
      if (controller.signal.aborted || error?.name === "AbortError") return;
      clear(main).append(errorBox(error));
    }
    return;
  }
  clear(main).append(h("p", { class: "error" }, "No such page. "), h("a", { href: "#/" }, "All agents"));
}

window.addEventListener("hashchange", route);
window.addEventListener("letta:key", route);
route();
