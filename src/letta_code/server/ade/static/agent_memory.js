// The Memory tab: each core-memory block with its size against its limit, edited in place
// (PATCH by label), and its revision history with diffs and "Revert to this".
import { api, get } from "./api.js";
import { ago, clear, count, errorBox, h, when } from "./dom.js";
import { dateCell, empty, num } from "./agent_util.js";

export async function renderTab(section, agent, signal) {
  const blocks = await get(`/v1/agents/${encodeURIComponent(agent.id)}/core-memory/blocks`, { signal });
  if (!blocks.length) {
    section.append(empty("This agent has no memory blocks."));
    return;
  }
  section.append(h("p", { class: "muted small" }, `${count(blocks.length, "block")}, shared by all of the agent's conversations.`));
  for (const block of blocks) section.append(blockPanel(agent, block, signal));
}

function blockPanel(agent, initial, signal) {
  let block = initial;
  const panel = h("article", { class: "panel block", dataset: { label: block.label } });
  const historyBox = h("div", { class: "history", hidden: true });
  const path = () => `/v1/agents/${encodeURIComponent(agent.id)}/core-memory/blocks/${encodeURIComponent(block.label)}`;

  const show = () => {
    const edit = h("button", { type: "button" }, "Edit");
    const history = h("button", { type: "button", "aria-expanded": String(!historyBox.hidden) }, "History");
    edit.addEventListener("click", () => editing());
    history.addEventListener("click", () => {
      historyBox.hidden = !historyBox.hidden;
      history.setAttribute("aria-expanded", String(!historyBox.hidden));
      if (!historyBox.hidden) loadHistory();
    });
    panel.replaceChildren(
      head(block, true, edit, history),
      block.value ? h("pre", { class: "block-value" }, block.value) : h("p", { class: "muted empty-value" }, "(empty)"),
      historyBox,
    );
  };

  const editing = () => {
    const area = h("textarea", { class: "mono", rows: String(Math.min(24, Math.max(4, block.value.split("\n").length + 1))), "aria-label": `Value of ${block.label}` }, block.value);
    const counter = h("span", { class: "small muted chars" });
    const error = h("div", {});
    const save = h("button", { type: "button", class: "primary" }, "Save");
    const cancel = h("button", { type: "button" }, "Cancel");
    const recount = () => {
      counter.textContent = `${num(area.value.length)} / ${num(block.limit)} chars`;
      counter.classList.toggle("error", area.value.length > block.limit);
    };
    area.addEventListener("input", recount);
    recount();
    cancel.addEventListener("click", show);
    save.addEventListener("click", async () => {
      save.disabled = true;
      clear(error);
      try {
        block = await api("PATCH", path(), { value: area.value }, { signal });
        show();
        if (!historyBox.hidden) loadHistory();
      } catch (e) {
        if (e?.name !== "AbortError") error.replaceChildren(errorBox(e));
        save.disabled = false;
      }
    });
    panel.replaceChildren(
      head(block, false),
      area,
      h("div", { class: "spread" }, h("div", { class: "row" }, save, cancel), counter),
      error,
      historyBox,
    );
    area.focus();
  };

  async function loadHistory() {
    historyBox.replaceChildren(h("p", { class: "muted small" }, "Loading history…"));
    try {
      const revisions = await get(`/v1/blocks/${encodeURIComponent(block.id)}/revisions`, { signal });
      historyBox.replaceChildren(...historyView(revisions, block, revert));
    } catch (e) {
      if (e?.name !== "AbortError") historyBox.replaceChildren(errorBox(e));
    }
  }

  async function revert(version, button) {
    button.disabled = true;
    try {
      block = await api("POST", `/v1/blocks/${encodeURIComponent(block.id)}/revert`, { version }, { signal });
      // The revert answers the shared block; re-read it by label for the agent's view of it.
      block = await get(path(), { signal });
      show();
      loadHistory();
    } catch (e) {
      if (e?.name === "AbortError") return;
      button.disabled = false;
      button.after(errorBox(e));
    }
  }

  show();
  return panel;
}

// The label, badges and (unless the value is being edited) its size against its limit.
function head(block, withSize, ...buttons) {
  const over = block.value.length > block.limit;
  return h(
    "header",
    { class: "spread block-head" },
    h(
      "div",
      { class: "row" },
      h("h3", { class: "block-label" }, block.label),
      block.read_only ? h("span", { class: "badge", title: "The agent's memory tools cannot change this block" }, "read-only") : null,
      withSize ? h("span", { class: `small chars ${over ? "error" : "muted"}` }, `${num(block.value.length)} / ${num(block.limit)} chars`) : null,
    ),
    buttons.length ? h("div", { class: "row" }, buttons) : null,
    block.description ? h("p", { class: "muted small block-description" }, block.description) : null,
  );
}

// Revisions newest first; the newest is the current value. Older versions, and the value
// before the first recorded change, can be restored.
function historyView(revisions, _block, revert) {
  if (!revisions.length) return [h("p", { class: "muted small" }, "No changes recorded yet: this is the block's first version.")];
  const newestFirst = [...revisions].reverse();
  const items = newestFirst.map((rev) => {
    const current = rev === newestFirst[0]; // its new value is the block's value now
    return h(
      "li",
      { class: "revision", dataset: { version: String(rev.version) } },
      h(
        "div",
        { class: "spread" },
        h(
          "div",
          { class: "row small" },
          h("strong", {}, `v${rev.version}`),
          dateCell(rev.created_at, ago(rev.created_at)),
          h("span", { class: "badge" }, rev.source || "unknown"),
          rev.conversation_id ? h("a", { href: `#/conversations/${encodeURIComponent(rev.conversation_id)}`, class: "small" }, "conversation") : null,
        ),
        current ? h("span", { class: "small muted" }, "current") : revertButton(rev.version, revert),
      ),
      diffView(rev),
    );
  });
  const first = revisions[0];
  if (first.version > 1) {
    items.push(
      h(
        "li",
        { class: "revision original", dataset: { version: String(first.version - 1) } },
        h(
          "div",
          { class: "spread" },
          h("div", { class: "row small" }, h("strong", {}, `v${first.version - 1}`), h("span", { class: "muted" }, "the value before these changes")),
          revertButton(first.version - 1, revert),
        ),
        h("pre", { class: "old-value" }, first.old_value || "(empty)"),
      ),
    );
  }
  return [h("h4", {}, "History"), h("ol", { class: "revisions" }, items)];
}

function revertButton(version, revert) {
  const button = h("button", { type: "button", class: "small-button" }, "Revert to this");
  button.addEventListener("click", () => revert(version, button));
  return button;
}

// A unified diff as lines, added and removed ones marked; without one, old and new whole.
export function diffView(rev) {
  const text = rev.diff || "";
  // The file headers (the `---`/`+++` lines before the first hunk: a removed line "-- x" starts
  // with "---" too) and "\ No newline at end of file" say nothing about a block.
  const lines = text
    .slice(Math.max(text.search(/^@@/m), 0))
    .replace(/\n+$/, "")
    .split("\n")
    .filter((line) => !line.startsWith("\\"));
  if (!text.trim()) {
    return h("pre", { class: "diff" }, h("span", { class: "del" }, rev.old_value || ""), "\n", h("span", { class: "add" }, rev.new_value || ""));
  }
  return h(
    "pre",
    { class: "diff", title: when(rev.created_at) },
    lines.map((line) => {
      const kind = line.startsWith("@@") ? "hunk" : line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : "ctx";
      return h("span", { class: `line ${kind}` }, line || " ");
    }),
  );
}
