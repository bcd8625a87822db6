// The Context tab: what the agent's next request holds, from GET /v1/agents/ID/context — a
// stacked bar of its parts (system prompt, each block, tool schemas, summary, messages), a
// table of their token counts and share of the window, and the system prompt itself.
// Bar widths are set through the CSSOM (`el.style.width`), which the page's
// `style-src 'self'` allows; inline style attributes in HTML it would refuse.
import { get, query } from "./api.js";
import { ago, h } from "./dom.js";
import { num, preview } from "./agent_util.js";

// The parts of the window, in the order the request holds them.
export function parts(ctx) {
  const out = [{ key: "system", label: "System prompt", tokens: ctx.num_tokens_system || 0 }];
  const blocks = ctx.blocks || [];
  let inBlocks = 0;
  for (const b of blocks) {
    out.push({ key: `block:${b.label}`, label: `Block: ${b.label}`, tokens: b.tokens || 0, note: `${num(b.chars)} / ${num(b.limit)} chars` });
    inBlocks += b.tokens || 0;
  }
  const rest = (ctx.num_tokens_core_memory || 0) - inBlocks;
  if (rest > 0) out.push({ key: "memory", label: "Memory (around the blocks)", tokens: rest });
  out.push({
    key: "tools",
    label: "Tool schemas",
    tokens: ctx.num_tokens_functions_definitions || 0,
    note: `${(ctx.functions_definitions || []).length} tools`,
  });
  if (ctx.num_tokens_summary_memory) out.push({ key: "summary", label: "Summary of older messages", tokens: ctx.num_tokens_summary_memory });
  out.push({ key: "messages", label: "Messages", tokens: ctx.num_tokens_messages || 0, note: `${num(ctx.num_messages || 0)} messages` });
  return out;
}

export async function renderTab(section, agent, signal) {
  const convs = await get(`/v1/conversations${query({ agent_id: agent.id, limit: 1000, include_default: true })}`, { signal });
  const picker = h(
    "select",
    { "aria-label": "Conversation" },
    convs.length ? null : h("option", { value: "" }, "Default conversation"),
    convs.map((c) =>
      h("option", { value: c.id }, `${c.is_default ? "Default" : c.summary ? preview(c.summary, 50) : c.id} · ${num(c.message_count)} messages · ${ago(c.last_message_at || c.updated_at)}`),
    ),
  );
  const body = h("div", { class: "context" });
  section.append(h("div", { class: "row toolbar" }, h("label", { class: "small muted" }, "Conversation "), picker), body);
  const load = async () => {
    body.replaceChildren(h("p", { class: "muted small" }, "Counting…"));
    const ctx = await get(`/v1/agents/${encodeURIComponent(agent.id)}/context${query({ conversation_id: picker.value })}`, { signal });
    body.replaceChildren(...view(ctx));
  };
  picker.addEventListener("change", () => load().catch((e) => e?.name !== "AbortError" && body.replaceChildren(h("p", { class: "error" }, e.message))));
  await load();
}

const pct = (value) => (value > 0 && value < 0.1 ? "<0.1%" : `${value.toFixed(1)}%`);

function view(ctx) {
  const max = ctx.context_window_size_max || 0;
  const current = ctx.context_window_size_current || 0;
  const all = parts(ctx);
  const ofWindow = (tokens) => (max ? (100 * tokens) / max : 0);
  const ofRequest = (tokens) => (current ? (100 * tokens) / current : 0);
  // How full the window is, then what the request is made of (scaled to the request itself,
  // so a 1M-token window does not shrink every part to a hairline).
  const meter = h("div", { class: "ctx-meter", role: "img", "aria-label": `${pct(ofWindow(current))} of the window used` });
  const fill = h("div", { class: `ctx-fill ${ofWindow(current) > 80 ? "full" : ""}`.trim() });
  fill.style.width = `${Math.min(100, Math.max(0.5, ofWindow(current)))}%`;
  meter.append(fill);
  const bar = h("div", { class: "ctx-bar", role: "img", "aria-label": "What the request is made of" });
  all.forEach((part, i) => {
    if (!part.tokens) return;
    const seg = h("div", { class: `ctx-seg seg-${i % 8}`, title: `${part.label}: ${num(part.tokens)} tokens`, dataset: { part: part.key } });
    seg.style.width = `${ofRequest(part.tokens)}%`;
    bar.append(seg);
  });
  const table = h(
    "table",
    { class: "ctx-table" },
    h(
      "thead",
      {},
      h("tr", {}, h("th", {}, "Part"), h("th", { class: "num" }, "Tokens"), h("th", { class: "num" }, "Of the request"), h("th", { class: "num hide-narrow" }, "Of the window"), h("th", { class: "hide-narrow" }, "")),
    ),
    h(
      "tbody",
      {},
      all.map((part, i) =>
        h(
          "tr",
          { dataset: { part: part.key } },
          h("td", {}, h("span", { class: `swatch seg-${i % 8}` }), part.label),
          h("td", { class: "num tokens" }, num(part.tokens)),
          h("td", { class: "num" }, pct(ofRequest(part.tokens))),
          h("td", { class: "num hide-narrow" }, pct(ofWindow(part.tokens))),
          h("td", { class: "muted small hide-narrow" }, part.note || ""),
        ),
      ),
      h(
        "tr",
        { class: "total" },
        h("td", {}, "Total"),
        h("td", { class: "num" }, num(current)),
        h("td", { class: "num" }, "100%"),
        h("td", { class: "num hide-narrow" }, pct(ofWindow(current))),
        h("td", { class: "hide-narrow" }, ""),
      ),
    ),
  );
  const tools = ctx.functions_definitions || [];
  return [
    h(
      "div",
      { class: "spread" },
      h("h2", {}, `${num(current)} of ${num(max)} tokens`),
      h("span", { class: "muted small" }, `${pct(ofWindow(current))} of the window · ${num(ctx.num_archival_memory || 0)} archival passages · ${num(ctx.num_recall_memory || 0)} messages in recall`),
    ),
    meter,
    bar,
    h("div", { class: "table-wrap" }, table),
    h("details", { class: "system-prompt" }, h("summary", {}, `System prompt (${num(ctx.num_tokens_system || 0)} tokens)`), h("pre", {}, ctx.system_prompt || "")),
    ctx.core_memory ? h("details", {}, h("summary", {}, `Core memory as the model sees it (${num(ctx.num_tokens_core_memory || 0)} tokens)`), h("pre", {}, ctx.core_memory)) : null,
    ctx.summary_memory ? h("details", {}, h("summary", {}, "Summary of older messages"), h("pre", {}, ctx.summary_memory)) : null,
    tools.length
      ? h(
          "details",
          {},
          h("summary", {}, `Tool schemas (${tools.length})`),
          h("table", { class: "ctx-tools" }, h("tbody", {}, tools.map((t) => h("tr", {}, h("td", { class: "mono small" }, t.name), h("td", { class: "num small" }, num(t.tokens)))))),
        )
      : null,
  ].filter(Boolean);
}
