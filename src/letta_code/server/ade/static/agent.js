// `#/agents/ID/TAB`: one agent — its header (name, id, model, context window, created) and
// tabs. Each tab is its own module `agent_<tab>.js` exporting `renderTab(section, agent, signal)`,
// loaded when first opened.
import { get } from "./api.js";
import { append, crumbs, h, when } from "./dom.js";
import { num } from "./agent_util.js";

export const TABS = [
  ["memory", "Memory"],
  ["tools", "Tools"],
  ["skills", "Skills"],
  ["archival", "Archival"],
  ["context", "Context"],
  ["conversations", "Conversations"],
  ["search", "Search"],
  ["runs", "Runs"],
];

export async function render(main, { id, tab }, signal) {
  const agent = await get(`/v1/agents/${encodeURIComponent(id)}`, { signal });
  crumbs(["Agents", "#/"], [agent.name || agent.id]);
  const href = (name) => `#/agents/${encodeURIComponent(agent.id)}/${name}`;
  const window = agent.context_window_limit || agent.llm_config?.context_window;
  const hidden = (agent.tags || []).includes("hidden");
  const section = h("section", { class: "tab-body", "aria-label": tab });
  append(main, [
    h(
      "div",
      { class: "agent-head" },
      h("h1", {}, agent.name || agent.id, hidden ? h("span", { class: "badge" }, "hidden") : null),
      agent.description ? h("p", { class: "muted" }, agent.description) : null,
      h(
        "dl",
        { class: "facts" },
        fact("ID", h("code", { class: "agent-id" }, agent.id)),
        fact("Model", h("span", { class: "mono" }, agent.model || agent.llm_config?.handle || "")),
        fact("Context window", window ? `${num(window)} tokens` : "–"),
        fact("Created", when(agent.created_at)),
      ),
    ),
    h(
      "nav",
      { class: "tabs", "aria-label": "Agent" },
      TABS.map(([name, label]) =>
        h("a", { href: href(name), class: name === tab ? "active" : null, "aria-current": name === tab ? "page" : null }, label),
      ),
    ),
    section,
  ]);
  // On a narrow screen the tabs scroll sideways: bring the open one into view.
  const nav = main.querySelector("nav.tabs");
  const active = nav.querySelector("a.active");
  if (active && nav.scrollWidth > nav.clientWidth) nav.scrollLeft = Math.max(0, active.offsetLeft - nav.offsetLeft - nav.clientWidth / 3);
  if (!TABS.some(([name]) => name === tab)) {
    section.append(h("p", { class: "error" }, `No tab "${tab}". `), h("a", { href: href("memory") }, "Memory"));
    return;
  }
  const module = await import(`./agent_${tab}.js`);
  if (signal.aborted) return;
  await module.renderTab(section, agent, signal);
}

function fact(label, value) {
  return h("div", {}, h("dt", {}, label), h("dd", {}, value));
}
