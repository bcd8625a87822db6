// The Conversations tab: the agent's conversations, most recent first, each with its first
// user message (fetched once its row is on screen, a few at a time), its size and last
// activity; "New conversation" creates one and opens it. The list refreshes every 3 s, so a
// conversation a terminal starts on this server appears, and its count grows, as it runs.
import { api, get, query } from "./api.js";
import { ago, count, errorBox, h, sleep } from "./dom.js";
import { dateCell, empty, num, preview, textOf } from "./agent_util.js";

const AT_ONCE = 4;
const EVERY_MS = 3000;

export async function renderTab(section, agent, signal) {
  const list = () => get(`/v1/conversations${query({ agent_id: agent.id, limit: 1000, include_default: true })}`, { signal });
  const previews = lazyPreviews(signal);
  const body = h("div", {});
  const total = h("span", { class: "muted small" });
  let shown = "";
  const show = (convs) => {
    const key = JSON.stringify(convs.map((c) => [c.id, c.message_count, c.last_message_at || c.updated_at]));
    if (key === shown) return;
    shown = key;
    total.textContent = count(convs.length, "conversation");
    body.replaceChildren(table(convs, previews));
  };
  const convs = await list();
  const create = h("button", { type: "button", class: "primary" }, "New conversation");
  const error = h("div", {});
  create.addEventListener("click", async () => {
    create.disabled = true;
    try {
      const conv = await api("POST", `/v1/conversations${query({ agent_id: agent.id })}`, {}, { signal });
      location.hash = `#/conversations/${encodeURIComponent(conv.id)}`;
    } catch (e) {
      create.disabled = false;
      if (e?.name !== "AbortError") error.replaceChildren(errorBox(e));
    }
  });
  section.append(h("div", { class: "spread toolbar" }, total, create), error, body);
  show(convs);
  (async () => {
    while (!signal.aborted) {
      await sleep(EVERY_MS, signal);
      if (signal.aborted) return;
      try {
        show(await list());
        error.replaceChildren();
      } catch (e) {
        if (e?.name === "AbortError") return;
        error.replaceChildren(errorBox(e));
      }
    }
  })();
}

function table(convs, previews) {
  if (!convs.length) return empty("No conversations yet.");
  const at = (c) => c.last_message_at || c.updated_at || "";
  convs.sort((a, b) => (at(a) < at(b) ? 1 : at(a) > at(b) ? -1 : 0));
  const rows = convs.map((c) => {
    const href = `#/conversations/${encodeURIComponent(c.id)}`;
    const first = h("a", { href, class: "preview" }, "…");
    const row = h(
      "tr",
      { dataset: { id: c.id } },
      h("td", { class: "conv-main" }, first, c.is_default ? h("span", { class: "badge" }, "default") : null,
        c.summary ? h("div", { class: "small clip" }, preview(c.summary, 120)) : null,
        h("div", { class: "muted small mono hide-narrow" }, c.id)),
      h("td", { class: "num" }, num(c.message_count)),
      h("td", {}, dateCell(at(c), ago(at(c)))),
    );
    previews.watch(row, c, first);
    return row;
  });
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "conversations" },
      h("thead", {}, h("tr", {}, h("th", {}, "First message"), h("th", { class: "num" }, "Messages"), h("th", {}, "Last activity"))),
      h("tbody", {}, rows),
    ),
  );
}

// Fetch a conversation's first user message when its row scrolls into view, AT_ONCE at a time.
function lazyPreviews(signal) {
  const waiting = [];
  let running = 0;
  const targets = new Map();
  const known = new Map(); // conversation id -> its first user text, once fetched
  const next = () => {
    while (running < AT_ONCE && waiting.length && !signal.aborted) {
      const [conv, link] = waiting.shift();
      running++;
      firstUserText(conv, signal)
        .then((text) => {
          if (text) known.set(conv.id, text);
          if (text) link.textContent = preview(text);
          else if (link.textContent === "…") link.replaceChildren(h("span", { class: "muted" }, conv.message_count ? "(no user message)" : "(empty)"));
        })
        .catch(() => {
          if (link.textContent === "…") link.textContent = conv.id;
        })
        .finally(() => {
          running--;
          next();
        });
    }
  };
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      observer.unobserve(entry.target);
      waiting.push(targets.get(entry.target));
    }
    next();
  });
  signal.addEventListener("abort", () => observer.disconnect());
  return {
    watch(row, conv, link) {
      if (known.has(conv.id)) {
        link.textContent = preview(known.get(conv.id));
        return;
      }
      if (!conv.message_count) {
        link.replaceChildren(h("span", { class: "muted" }, "(no messages yet)"));
        return;
      }
      targets.set(row, [conv, link]);
      observer.observe(row);
    },
  };
}

async function firstUserText(conv, signal) {
  const path = `/v1/conversations/${encodeURIComponent(conv.id)}/messages${query({ limit: 4, order: "asc" })}`;
  const messages = await get(path, { signal });
  const user = messages.find((m) => m.message_type === "user_message" && textOf(m.content).trim());
  return user ? textOf(user.content) : "";
}
