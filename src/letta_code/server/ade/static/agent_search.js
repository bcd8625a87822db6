// The Search tab: conversation_search over all of the agent's conversations
// (POST /v1/messages/search); each hit links to its message in its conversation.
import { api } from "./api.js";
import { ago, errorBox, h } from "./dom.js";
import { dateCell, empty, highlight, preview, textOf } from "./agent_util.js";

const ROLES = {
  user_message: "user",
  assistant_message: "assistant",
  reasoning_message: "reasoning",
  tool_call_message: "tool call",
  tool_return_message: "tool result",
  system_message: "system",
};

export async function renderTab(section, agent, signal) {
  const input = h("input", { type: "search", placeholder: "Search this agent's messages", "aria-label": "Search messages", class: "grow" });
  const form = h("form", { class: "row toolbar", role: "search" }, input, h("button", { type: "submit", class: "primary" }, "Search"));
  const results = h("div", { class: "search-results" });
  section.append(form, results);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const q = input.value.trim();
    if (!q) return;
    results.replaceChildren(h("p", { class: "muted small" }, "Searching…"));
    try {
      const hits = await api("POST", "/v1/messages/search", { query: q, agent_id: agent.id, limit: 50 }, { signal });
      results.replaceChildren(
        hits.length ? h("p", { class: "muted small" }, `${hits.length} message${hits.length === 1 ? "" : "s"} found`) : empty(`No message mentions “${q}”.`),
        h("ul", { class: "hits" }, hits.map((hit) => hitItem(hit, q))),
      );
    } catch (e) {
      if (e?.name !== "AbortError") results.replaceChildren(errorBox(e));
    }
  });
  input.focus();
}

function hitItem(hit, q) {
  const text = textOf(hit.content) || hit.reasoning || "";
  const href = `#/conversations/${encodeURIComponent(hit.conversation_id)}/${encodeURIComponent(hit.message_id)}`;
  return h(
    "li",
    { class: "panel hit" },
    h(
      "div",
      { class: "row small" },
      h("span", { class: `badge role-${(ROLES[hit.message_type] || "other").replace(" ", "-")}` }, ROLES[hit.message_type] || hit.message_type),
      dateCell(hit.created_at, ago(hit.created_at)),
      h("a", { href }, "open in conversation"),
    ),
    h("a", { href, class: "hit-text" }, highlight(preview(text, 400), q)),
  );
}
