// One Letta message view as the terminal shows it: the user's text, reasoning (muted, folded),
// assistant text as Markdown, a tool call as `Tool(key argument)` with its arguments folded,
// its result folded to the first line, approvals, errors and stop reasons. The grouping of
// calls with their results and the streaming of deltas live in conversation_transcript.js.
import { clear, h, when } from "./dom.js";
import { markdown } from "./markdown.js";

// Which argument identifies a call of each known tool (first present one wins); the same
// table as KEY_ARGS in cli/tui/render.py.
const KEY_ARGS = {
  Bash: ["command"],
  BashOutput: ["bash_id", "shell_id"],
  KillBash: ["bash_id", "shell_id"],
  Read: ["file_path"],
  Write: ["file_path"],
  Edit: ["file_path"],
  MultiEdit: ["file_path"],
  NotebookEdit: ["notebook_path"],
  Grep: ["pattern"],
  Glob: ["pattern"],
  LS: ["path"],
  WebFetch: ["url"],
  WebSearch: ["query"],
  memory_replace: ["label"],
  memory_insert: ["label"],
  memory_rethink: ["label"],
  memory: ["path", "command"],
  conversation_search: ["query"],
  archival_memory_search: ["query"],
  archival_memory_insert: ["content"],
};
const LINE_WIDTH = 120;

export function parseArgs(text) {
  if (text && typeof text === "object") return text;
  try {
    const value = JSON.parse(text || "{}");
    return value && typeof value === "object" && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

export function clip(text, width) {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

// The first line of `text`, with an ellipsis when more followed or it was cut.
export function oneLine(text, width) {
  const lines = String(text).trim().split("\n");
  return clip(lines[0] + (lines.length > 1 ? " …" : ""), width);
}

export function keyArgument(name, args) {
  const keys =
    KEY_ARGS[name] ||
    Object.keys(args).filter((k) => ["string", "number"].includes(typeof args[k]));
  for (const key of keys) {
    const value = args[key];
    if (value === null || value === undefined || value === "") continue;
    let text = String(value);
    if ((name === "Grep" || name === "Glob") && args.path) text += ` in ${args.path}`;
    return text;
  }
  if (name === "TodoWrite" && Array.isArray(args.todos)) return `${args.todos.length} todos`;
  return "";
}

// `Bash(ls -la)`: the tool and its key argument on one line.
export function toolLine(name, args) {
  const key = keyArgument(name, args);
  return key ? `${name}(${oneLine(key, Math.max(LINE_WIDTH - name.length - 2, 1))})` : name;
}

// The folded line of a tool's result: its first line and how many lines followed.
export function resultSummary(name, output, status) {
  const text = String(output || "").trim();
  const lines = text ? text.split("\n") : [];
  if (status === "error") {
    const shown = lines.map((l) => l.trim()).filter((l) => l && l !== "(no output)");
    if (!shown.length) return "Error";
    return clip(shown[0], LINE_WIDTH) + (shown.length > 1 ? ` (+${shown.length - 1} lines)` : "");
  }
  if (!text) return "(no output)";
  if (name === "Read") return `Read ${lines.length} line${lines.length === 1 ? "" : "s"}`;
  if (name === "Glob" && lines.length > 1) return `Found ${lines.length} files`;
  return clip(lines[0].trim(), LINE_WIDTH) + (lines.length > 1 ? ` (+${lines.length - 1} lines)` : "");
}

// User content: a string, or parts ({type: "text", text} / images).
export function contentText(content) {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part) => (typeof part === "string" ? part : part?.type === "text" ? part.text : "[image]"))
    .join("");
}

// The tool calls a view carries: `tool_call` (ours, one per view) or `tool_calls`.
export function callsOf(view) {
  if (view.tool_call) return [view.tool_call];
  return Array.isArray(view.tool_calls) ? view.tool_calls : [];
}

function stamp(view) {
  return view.date ? h("time", { class: "stamp", datetime: view.date, title: when(view.date) }, when(view.date)) : null;
}

// Each builder returns {el, set(value)}: `set` re-renders the growing text of a streamed message.
export function userItem(view) {
  const body = h("div", { class: "msg-text" });
  const who = h("div", { class: "msg-who" }, "User", stamp(view));
  const el = h("div", { class: "msg user", "data-id": view.id || null }, who, body);
  const set = (value) => (body.textContent = value);
  set(contentText(view.content));
  return { el, set };
}

export function systemItem(view) {
  const body = h("pre", { class: "msg-text" });
  const summary = h("summary", {}, "System message");
  const el = h("details", { class: "msg system", "data-id": view.id || null }, summary, body);
  const set = (value) => (body.textContent = value);
  set(contentText(view.content));
  return { el, set };
}

export function reasoningItem(view) {
  const preview = h("span", { class: "think-preview" });
  const body = h("div", { class: "msg-text" });
  const label = view.message_type === "hidden_reasoning_message" ? "Thinking (hidden)" : "Thinking";
  const el = h(
    "details",
    { class: "msg reasoning", "data-id": view.id || null },
    h("summary", {}, h("span", { class: "mark" }, "✻ "), preview, h("span", { class: "think-label" }, label)),
    body,
  );
  const set = (value) => {
    body.textContent = value;
    preview.textContent = value ? oneLine(value, 90) : "";
  };
  set(view.reasoning || "");
  return { el, set };
}

export function assistantItem(view) {
  const body = h("div", { class: "msg-md" });
  const el = h("div", { class: "msg assistant", "data-id": view.id || null }, body);
  const set = (value) => clear(body).append(markdown(value));
  set(contentText(view.content));
  return { el, set };
}

// A tool call: `● Tool(key)`, its arguments folded, a slot for the result and the approval note.
export function callItem(view, call) {
  const line = h("span", { class: "tool-name" });
  const args = h("pre", { class: "tool-args-body" });
  const client = view.message_type === "approval_request_message" ? " client" : "";
  const attrs = { class: `msg tool${client}`, "data-id": view.id || null, "data-call": call.tool_call_id || null };
  const summary = h("summary", { class: "mono" }, h("span", { class: "bullet" }, "● "), line);
  const el = h("div", attrs, h("details", { class: "tool-call" }, summary, args));
  const approval = h("div", { class: "approval", hidden: true });
  const slot = h("div", { class: "tool-result" });
  el.append(approval, slot);
  const set = (value) => {
    const parsed = parseArgs(value);
    line.textContent = toolLine(call.name || "tool", parsed);
    args.textContent = Object.keys(parsed).length ? JSON.stringify(parsed, null, 2) : String(value || "");
  };
  set(call.arguments || "");
  return { el, set, slot, approval, name: call.name || "tool" };
}

// A tool's result, folded: `└ first line (+N lines)` and the status; the whole output inside.
export function returnItem(view, name) {
  const output = h("pre", { class: "tool-output" });
  const summary = h("span", { class: "tool-summary" });
  const el = h(
    "details",
    { class: `msg tool-return ${view.status === "error" ? "failed" : "succeeded"}`, "data-id": view.id || null },
    h(
      "summary",
      { class: "mono" },
      h("span", { class: "elbow" }, "└ "),
      summary,
      " ",
      h("span", { class: `badge ${view.status === "error" ? "bad" : "ok"}` }, view.status === "error" ? "error" : "ok"),
    ),
    output,
  );
  const set = (value) => {
    output.textContent = value || "(no output)";
    summary.textContent = resultSummary(name, value, view.status);
  };
  set(view.tool_return ?? view.func_response ?? "");
  return { el, set };
}

// The waiting note and Deny button of a client tool call nobody has answered yet.
export function fillApproval(box, pending, onDeny) {
  clear(box);
  box.hidden = !pending;
  if (!pending) return;
  box.append(
    h("span", { class: "waiting" }, "Waiting for approval in the terminal that owns it."),
    " ",
    h("button", { type: "button", class: "danger small", onclick: () => onDeny() }, "Deny"),
  );
}

export function noteItem(kind, text) {
  return { el: h("div", { class: `msg note ${kind}`, role: kind === "error" ? "alert" : null }, text), set() {} };
}

export function eventText(view) {
  const data = view.event_data || {};
  if (view.event_type === "compaction") {
    const before = data.messages_count_before;
    const counts = before !== undefined ? ` (${before} → ${data.messages_count_after} messages)` : "";
    return `Context compacted${counts}`;
  }
  return `Event: ${view.event_type || "unknown"}`;
}

const STOPS = {
  cancelled: "Stopped: the run was cancelled.",
  max_steps: "Stopped: the run reached its step limit.",
  max_tokens_exceeded: "Stopped: the model's answer hit its token limit.",
  error: "Stopped: the run failed.",
  llm_api_error: "Stopped: the model server answered with an error.",
  invalid_llm_response: "Stopped: the model's answer could not be read.",
  invalid_tool_call: "Stopped: the model made an invalid tool call.",
};

// The note for a run's stop reason, or null for the ordinary ends.
export function stopText(reason) {
  if (!reason || reason === "end_turn" || reason === "requires_approval" || reason === "no_tool_call") return null;
  return STOPS[reason] || `Stopped: ${reason}.`;
}
