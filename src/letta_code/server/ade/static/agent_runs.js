// The Runs tab: the agent's 50 most recent runs — status, stop reason, steps, tokens, duration,
// when, and their conversation. Refreshes every 3 s while any of them is still active.
import { get, query } from "./api.js";
import { ago, duration, errorBox, h, sleep } from "./dom.js";
import { dateCell, empty, num, statusBadge } from "./agent_util.js";

const ACTIVE = new Set(["created", "running"]);
const EVERY_MS = 3000;

export async function renderTab(section, agent, signal) {
  const status = h("p", { class: "muted small", role: "status" });
  const body = h("div", { class: "table-wrap" });
  section.append(status, body);
  const load = async () => {
    const runs = await get(`/v1/runs${query({ agent_id: agent.id, limit: 50 })}`, { signal });
    body.replaceChildren(runs.length ? table(runs) : empty("No runs yet: a run starts each time a message is sent to the agent."));
    const active = runs.filter((r) => ACTIVE.has(r.status)).length;
    status.replaceChildren(
      active ? `${active} active · refreshing every ${EVERY_MS / 1000} s` : `${runs.length} most recent run${runs.length === 1 ? "" : "s"}`,
    );
    return active;
  };
  let active = await load();
  // Keep polling in the background while a run is active; the signal ends it on leaving.
  (async () => {
    while (active && !signal.aborted) {
      await sleep(EVERY_MS, signal);
      if (signal.aborted) return;
      try {
        active = await load();
      } catch (e) {
        if (e?.name === "AbortError") return;
        status.replaceChildren(errorBox(e));
      }
    }
  })();
}

function table(runs) {
  return h(
    "table",
    { class: "runs" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, "Status"),
        h("th", {}, "Stop reason"),
        h("th", { class: "num" }, "Steps"),
        h("th", { class: "num hide-narrow" }, "Tokens"),
        h("th", { class: "num" }, "Duration"),
        h("th", {}, "Started"),
        h("th", { class: "hide-narrow" }, "Conversation"),
      ),
    ),
    h("tbody", {}, runs.map(row)),
  );
}

function row(run) {
  const usage = run.usage || {};
  const ns = run.total_duration_ns ?? (ACTIVE.has(run.status) && run.created_at ? (Date.now() - new Date(run.created_at).getTime()) * 1e6 : null);
  const conv = run.conversation_id;
  return h(
    "tr",
    { dataset: { id: run.id, status: run.status } },
    h("td", {}, statusBadge(run.status), run.background ? h("span", { class: "badge" }, "background") : null),
    h("td", { class: "small" }, run.stop_reason || "", run.error ? h("div", { class: "error small clip", title: run.error }, run.error) : null),
    h("td", { class: "num steps" }, usage.step_count !== undefined ? num(usage.step_count) : "–"),
    h("td", { class: "num hide-narrow", title: usage.estimated ? "estimated" : "" }, usage.total_tokens ? num(usage.total_tokens) : usage.prompt_tokens ? num(usage.prompt_tokens + (usage.completion_tokens || 0)) : "–"),
    h("td", { class: "num" }, ns === null ? "–" : duration(ns)),
    h("td", {}, conv ? h("a", { href: `#/conversations/${encodeURIComponent(conv)}` }, dateCell(run.created_at, ago(run.created_at))) : dateCell(run.created_at, ago(run.created_at))),
    h("td", { class: "hide-narrow" }, conv ? h("a", { href: `#/conversations/${encodeURIComponent(conv)}`, class: "mono small" }, conv.slice(0, 13) + "…") : ""),
  );
}
