// The Archival tab: the agent's archival memory, newest first and paged ("Load more"), a search
// over it, a form to add a passage (text and comma-separated tags) and a delete per passage.
import { api, get, query } from "./api.js";
import { ago, clear, errorBox, h } from "./dom.js";
import { dateCell, highlight } from "./agent_util.js";

const PAGE = 25;

export async function renderTab(section, agent, signal) {
  const base = `/v1/agents/${encodeURIComponent(agent.id)}/archival-memory`;
  const seen = new Set();
  let last = null;
  const list = h("ul", { class: "passages" });
  const more = h("button", { type: "button", hidden: true }, "Load more");
  const status = h("p", { class: "muted small", role: "status" });
  const results = h("div", { class: "search-results" });

  const text = h("textarea", { rows: "3", placeholder: "Something the agent should be able to look up later", "aria-label": "Passage text", required: true });
  const tags = h("input", { placeholder: "tags, comma, separated", "aria-label": "Tags" });
  const addError = h("div", {});
  const add = h("button", { type: "submit", class: "primary" }, "Add to archival memory");
  const form = h("form", { class: "panel archival-add", "aria-label": "Add a passage" }, text, h("div", { class: "row" }, tags, add), addError);

  const search = h("input", { type: "search", placeholder: "Search archival memory", "aria-label": "Search archival memory" });
  const searchForm = h("form", { class: "row toolbar", role: "search" }, search, h("button", { type: "submit" }, "Search"));

  section.append(searchForm, results, form, h("h3", {}, "Passages, newest first"), status, list, more);

  function passageItem(p) {
    const del = h("button", { type: "button", class: "danger small-button", "aria-label": "Delete passage" }, "Delete");
    const item = h(
      "li",
      { class: "panel passage", dataset: { id: p.id } },
      h("div", { class: "passage-text" }, p.text ?? p.content ?? ""),
      h(
        "div",
        { class: "spread small" },
        h("div", { class: "row" }, dateCell(p.created_at || p.timestamp, ago(p.created_at || p.timestamp)), (p.tags || []).map((t) => h("span", { class: "badge tag" }, t))),
        del,
      ),
    );
    del.addEventListener("click", async () => {
      if (!confirm("Delete this passage from archival memory?")) return;
      del.disabled = true;
      try {
        await api("DELETE", `${base}/${encodeURIComponent(p.id)}`, undefined, { signal });
        for (const el of section.querySelectorAll(`.passage[data-id="${CSS.escape(p.id)}"]`)) el.remove();
        seen.delete(p.id);
        if (!list.children.length) status.replaceChildren("Archival memory is empty.");
      } catch (e) {
        del.disabled = false;
        if (e?.name !== "AbortError") item.append(errorBox(e));
      }
    });
    return item;
  }

  async function loadPage() {
    more.disabled = true;
    try {
      const page = await get(`${base}${query({ limit: PAGE, ascending: false, after: last })}`, { signal });
      const fresh = page.filter((p) => !seen.has(p.id));
      for (const p of fresh) {
        seen.add(p.id);
        list.append(passageItem(p));
      }
      if (page.length) last = page[page.length - 1].id;
      more.hidden = page.length < PAGE || !fresh.length;
      status.replaceChildren(list.children.length ? "" : "Archival memory is empty. The agent adds to it with archival_memory_insert, or add a passage here.");
    } catch (e) {
      if (e?.name !== "AbortError") status.replaceChildren(errorBox(e));
    } finally {
      more.disabled = false;
    }
  }

  more.addEventListener("click", loadPage);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(addError);
    if (!text.value.trim()) return;
    add.disabled = true;
    const body = { text: text.value };
    const tagList = tags.value.split(",").map((t) => t.trim()).filter(Boolean);
    if (tagList.length) body.tags = tagList;
    try {
      const created = await api("POST", base, body, { signal });
      for (const p of Array.isArray(created) ? created : [created]) {
        seen.add(p.id);
        list.prepend(passageItem(p));
      }
      status.replaceChildren("");
      text.value = "";
      tags.value = "";
    } catch (e) {
      if (e?.name !== "AbortError") addError.replaceChildren(errorBox(e));
    } finally {
      add.disabled = false;
    }
  });

  searchForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const q = search.value.trim();
    if (!q) {
      clear(results);
      return;
    }
    results.replaceChildren(h("p", { class: "muted small" }, "Searching…"));
    try {
      const found = await get(`${base}/search${query({ query: q, top_k: 20 })}`, { signal });
      const hits = found.results || [];
      const close = h("button", { type: "button", class: "small-button" }, "Clear");
      close.addEventListener("click", () => {
        clear(results);
        search.value = "";
      });
      results.replaceChildren(
        h("div", { class: "spread" }, h("h3", {}, `${hits.length ? hits.length : "No"} result${hits.length === 1 ? "" : "s"} for “${q}”`), close),
        hits.length
          ? h(
              "ul",
              { class: "passages hits" },
              hits.map((hit) => {
                const item = passageItem({ ...hit, text: "" });
                item.querySelector(".passage-text").replaceChildren(...highlight(hit.content || "", q));
                return item;
              }),
            )
          : null,
      );
    } catch (e) {
      if (e?.name !== "AbortError") results.replaceChildren(errorBox(e));
    }
  });

  await loadPage();
}
