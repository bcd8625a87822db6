// `#/`: every agent of the server — name, model, last activity, conversations — with a search
// by name, a form for a new agent and a delete per agent. Hidden agents (subagents, reflection)
// carry the tag `hidden` and are shown only behind the "show hidden" switch.
import { api, get, query } from "./api.js";
import { ago, append, clear, count, crumbs, errorBox, h } from "./dom.js";
import { dateCell, debounce, empty, newest, pool } from "./agent_util.js";

const HIDDEN = "hidden";

export async function render(main, _params, signal) {
  crumbs(["Agents"]);
  const state = { search: "", showHidden: false, agents: [], stats: new Map(), load: null };
  const status = h("p", { class: "muted small", role: "status" });
  const list = h("div", { class: "table-wrap" });
  const hiddenToggle = h("input", { type: "checkbox", id: "show-hidden" });
  const hiddenLabel = h("label", { for: "show-hidden", class: "small muted" }, "Show hidden agents");
  const search = h("input", {
    type: "search",
    placeholder: "Search by name",
    "aria-label": "Search agents by name",
    class: "agent-search",
  });
  const form = newAgentForm(signal, (agent) => {
    state.created = agent.id;
    refresh();
  });
  const newButton = h("button", { class: "primary", type: "button" }, "New agent");
  newButton.addEventListener("click", () => {
    form.hidden = !form.hidden;
    if (!form.hidden) form.querySelector("input")?.focus();
  });

  append(main, [
    h("div", { class: "spread page-head" }, h("h1", {}, "Agents"), newButton),
    form,
    h("div", { class: "row toolbar" }, search, h("span", { class: "row" }, hiddenToggle, hiddenLabel)),
    status,
    list,
  ]);

  const draw = () => drawTable(list, status, state, remove);

  async function remove(agent) {
    if (!confirm(`Delete the agent "${agent.name}"? Its memory, conversations and runs are deleted too.`)) return;
    try {
      await api("DELETE", `/v1/agents/${encodeURIComponent(agent.id)}`, undefined, { signal });
      state.agents = state.agents.filter((a) => a.id !== agent.id);
      draw();
    } catch (error) {
      if (error?.name !== "AbortError") status.replaceChildren(errorBox(error));
    }
  }

  async function refresh() {
    state.load?.abort();
    const load = new AbortController();
    state.load = load;
    const stop = () => load.abort();
    signal.addEventListener("abort", stop, { once: true }); // one at a time: removed below
    try {
      const path = `/v1/agents${query({ limit: 1000, query_text: state.search })}`;
      const agents = await get(path, { signal: load.signal });
      if (load.signal.aborted) return;
      const needle = state.search.toLowerCase();
      state.agents = agents.filter((a) => !needle || (a.name || "").toLowerCase().includes(needle));
      draw();
      const missing = state.agents.filter((a) => !state.stats.has(a.id));
      await pool(missing, 6, (agent) => loadStats(agent, load.signal), load.signal);
    } catch (error) {
      if (error?.name !== "AbortError") list.replaceChildren(errorBox(error));
    } finally {
      signal.removeEventListener("abort", stop);
    }
  }

  async function loadStats(agent, loadSignal) {
    const convs = await get(`/v1/conversations${query({ agent_id: agent.id, limit: 1000, include_default: true })}`, { signal: loadSignal });
    const last = newest(
      agent.updated_at,
      convs.map((c) => c.last_message_at || c.updated_at),
    );
    state.stats.set(agent.id, { conversations: convs.length, last });
    const row = list.querySelector(`tr[data-id="${CSS.escape(agent.id)}"]`);
    if (row) fillStats(row, state.stats.get(agent.id));
  }

  search.addEventListener(
    "input",
    debounce(() => {
      state.search = search.value.trim();
      refresh();
    }, 200),
  );
  hiddenToggle.addEventListener("change", () => {
    state.showHidden = hiddenToggle.checked;
    draw();
  });
  await refresh();
}

function drawTable(list, status, state, remove) {
  const hidden = state.agents.filter((a) => (a.tags || []).includes(HIDDEN));
  const shown = state.showHidden ? state.agents : state.agents.filter((a) => !hidden.includes(a));
  // Most recent activity first; agents still loading their conversations keep the server's order.
  const at = (a) => state.stats.get(a.id)?.last || a.updated_at || "";
  shown.sort((a, b) => (at(a) < at(b) ? 1 : at(a) > at(b) ? -1 : 0));
  const hiddenNote = hidden.length ? ` (${hidden.length} hidden)` : "";
  status.replaceChildren(
    state.search
      ? `${count(shown.length, "agent")} matching “${state.search}”${hiddenNote}`
      : `${count(shown.length, "agent")}${hiddenNote}`,
  );
  if (!shown.length) {
    list.replaceChildren(
      empty(
        state.search
          ? `No agent's name contains “${state.search}”.`
          : "No agents yet. Run letta in a terminal to start one, or create one here with New agent.",
      ),
    );
    return;
  }
  const rows = shown.map((agent) => {
    const stats = state.stats.get(agent.id);
    const del = h("button", { type: "button", class: "danger small-button", "aria-label": `Delete ${agent.name}` }, "Delete");
    del.addEventListener("click", () => remove(agent));
    const row = h(
      "tr",
      { dataset: { id: agent.id }, class: agent.id === state.created ? "fresh" : null },
      h(
        "td",
        { class: "name-cell" },
        h("a", { href: `#/agents/${encodeURIComponent(agent.id)}` }, agent.name || agent.id),
        (agent.tags || []).includes(HIDDEN) ? h("span", { class: "badge" }, "hidden") : null,
        h("div", { class: "muted small mono show-narrow" }, modelOf(agent)),
        agent.description ? h("div", { class: "muted small clip" }, agent.description) : null,
      ),
      h("td", { class: "mono small model-cell hide-narrow" }, modelOf(agent)),
      h("td", { class: "last-cell" }, "…"),
      h("td", { class: "num conv-cell hide-narrow" }, "…"),
      h("td", { class: "actions" }, del),
    );
    if (stats) fillStats(row, stats);
    return row;
  });
  list.replaceChildren(
    h(
      "table",
      { class: "agents" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", {}, "Name"),
          h("th", { class: "hide-narrow" }, "Model"),
          h("th", {}, "Last activity"),
          h("th", { class: "num hide-narrow" }, "Conversations"),
          h("th", {}, h("span", { class: "sr-only" }, "Actions")),
        ),
      ),
      h("tbody", {}, rows),
    ),
  );
}

const modelOf = (agent) => agent.model || agent.llm_config?.handle || "";

function fillStats(row, stats) {
  row.querySelector(".last-cell").replaceChildren(dateCell(stats.last, ago(stats.last)));
  row.querySelector(".conv-cell").replaceChildren(String(stats.conversations));
}

// The "New agent" form: a name and a model from GET /v1/models (or the server's default).
function newAgentForm(signal, created) {
  const name = h("input", { name: "name", placeholder: "my-agent", "aria-label": "Agent name", autocomplete: "off" });
  const model = h("select", { name: "model", "aria-label": "Model" }, h("option", { value: "" }, "Server default"));
  const error = h("div", {});
  const submit = h("button", { type: "submit", class: "primary" }, "Create");
  const cancel = h("button", { type: "button" }, "Cancel");
  const form = h(
    "form",
    { class: "panel new-agent", hidden: true, "aria-label": "New agent" },
    h("h2", {}, "New agent"),
    h(
      "div",
      { class: "form-grid" },
      h("label", {}, h("span", { class: "small muted" }, "Name"), name),
      h("label", {}, h("span", { class: "small muted" }, "Model"), model),
    ),
    error,
    h("div", { class: "row" }, submit, cancel),
  );
  cancel.addEventListener("click", () => {
    form.hidden = true;
    clear(error);
  });
  get("/v1/models", { signal })
    .then((models) => {
      for (const m of models) model.append(h("option", { value: m.handle }, m.display_name && m.display_name !== m.name ? `${m.handle} (${m.display_name})` : m.handle));
    })
    .catch((e) => e?.name !== "AbortError" && error.replaceChildren(errorBox(e)));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(error);
    submit.disabled = true;
    const body = {};
    if (name.value.trim()) body.name = name.value.trim();
    if (model.value) body.model = model.value;
    try {
      const agent = await api("POST", "/v1/agents", body, { signal });
      name.value = "";
      form.hidden = true;
      created(agent);
    } catch (e) {
      if (e?.name !== "AbortError") error.replaceChildren(errorBox(e));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
