// The conversation's messages on the page. Each part of a message has a key: `ID:TYPE` for
// text (an assistant turn stores its reasoning, text and calls under one id), `call:TOOL_CALL_ID`
// for a tool call, `ret:TOOL_CALL_ID` for its result, which goes inside its call. Stored pages
// and live chunks meet on those keys, so nothing shows twice: a live chunk whose part is already
// stored is skipped (the stored text is whole), a delta of a live part is appended to it, and
// when the run ends the stored messages replace the live parts in place.
import {
  assistantItem,
  callItem,
  callsOf,
  eventText,
  fillApproval,
  noteItem,
  reasoningItem,
  returnItem,
  stopText,
  systemItem,
  userItem,
} from "./messages.js";

const TEXT = {
  user_message: "content",
  system_message: "content",
  assistant_message: "content",
  reasoning_message: "reasoning",
  hidden_reasoning_message: "hidden_reasoning",
};
const BUILDERS = {
  user_message: userItem,
  system_message: systemItem,
  assistant_message: assistantItem,
  reasoning_message: reasoningItem,
  hidden_reasoning_message: reasoningItem,
};

function textOf(value) {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map((p) => (typeof p === "string" ? p : p?.text || "")).join("");
  return "";
}

function isWhole(args) {
  try {
    const value = JSON.parse(args);
    return Boolean(value) && typeof value === "object";
  } catch {
    return false;
  }
}

// The parts of one view: [{key, kind, view, call?, callId?, text}].
function entriesOf(view, lastCall) {
  const type = view.message_type;
  if (type === "tool_call_message" || type === "approval_request_message") {
    return callsOf(view).map((call, k) => {
      const key = call.tool_call_id ? `call:${call.tool_call_id}` : lastCall.get(view.id) || `call:${view.id}:${k}`;
      return { key, kind: "call", view, call, callId: call.tool_call_id, text: call.arguments || "" };
    });
  }
  if (type === "tool_return_message") {
    const returns = !view.tool_call_id && Array.isArray(view.tool_returns) ? view.tool_returns : [view];
    return returns.map((r) => {
      const ret = { ...view, ...r, tool_return: r.tool_return ?? r.func_response ?? "" };
      const text = textOf(ret.tool_return);
      return { key: `ret:${r.tool_call_id}`, kind: "return", view: ret, callId: r.tool_call_id, text };
    });
  }
  if (type in TEXT) return [{ key: `${view.id}:${type}`, kind: type, view, text: textOf(view[TEXT[type]]) }];
  return [];
}

export class Transcript {
  constructor(list, { onDeny, onChange }) {
    this.list = list;
    this.onDeny = onDeny;
    this.onChange = onChange || (() => {});
    this.items = new Map(); // key -> {el, set, text, stored, kind, view, anchor (its top-level element), ...}
    this.lastCall = new Map(); // message id -> key of its last tool call (deltas without a tool_call_id)
    this.pending = new Set(); // tool_call_ids waiting for approval
    this.dirty = new Set();
    this.serial = 0;
    this.frame = 0;
    this.calm = 0; // no re-render before this time (performance.now())
  }

  build(entry, stored) {
    let item;
    if (entry.kind === "call") item = callItem(entry.view, { ...entry.call, arguments: entry.text });
    else if (entry.kind === "return") item = returnItem(entry.view, this.items.get(`call:${entry.callId}`)?.name || "");
    else item = BUILDERS[entry.kind]({ ...entry.view, [TEXT[entry.kind]]: entry.text });
    const { key, kind, view, callId, text } = entry;
    return Object.assign(item, { key, kind, view, callId, text, stored });
  }

  // Put a new item in the page: a result into its call, a call takes in a result shown before it.
  place(item, insert) {
    const call = item.kind === "return" ? this.items.get(`call:${item.callId}`) : null;
    if (call) {
      call.slot.append(item.el);
      item.anchor = call.el;
      this.approval(call);
      return;
    }
    insert(item.el);
    item.anchor = item.el;
    this.adoptReturn(item);
  }

  // A tool call just placed takes in its result, if that came first, and shows its approval state.
  adoptReturn(item) {
    if (item.kind !== "call") return;
    const ret = this.items.get(`ret:${item.callId}`);
    if (ret) {
      item.slot.append(ret.el);
      ret.anchor = item.el;
    }
    this.approval(item);
  }

  approval(call) {
    const client = call.view.message_type === "approval_request_message";
    const waiting = client && this.pending.has(call.callId) && !this.items.has(`ret:${call.callId}`);
    fillApproval(call.approval, waiting, this.onDeny);
  }

  // An older page of stored views (oldest first), above everything shown.
  prepend(views) {
    const first = this.list.firstChild;
    for (const view of views) {
      for (const entry of entriesOf(view, this.lastCall)) {
        if (this.items.has(entry.key)) continue;
        const item = this.build(entry, true);
        this.items.set(entry.key, item);
        this.place(item, (el) => this.list.insertBefore(el, first));
      }
    }
    this.onChange();
  }

  // Stored views newer than the last stored one shown (oldest first): they take the place of
  // the live parts they are, or go in after the stored ones; with `drop` (the run has ended)
  // the live parts left over go.
  merge(views, drop = true) {
    let cursor = null;
    const seen = new Set();
    const live = [...this.items.values()].find((i) => !i.stored && i.kind !== "note" && i.anchor === i.el);
    const insertAt = (el) => (cursor ? cursor.after(el) : live ? live.el.before(el) : this.list.append(el));
    for (const view of views) {
      for (const entry of entriesOf(view, this.lastCall)) {
        seen.add(entry.key);
        const old = this.items.get(entry.key);
        if (old?.stored) {
          cursor = old.anchor;
          continue;
        }
        const item = this.build(entry, true);
        this.items.set(entry.key, item);
        this.dirty.delete(old);
        if (old) {
          old.el.replaceWith(item.el);
          item.anchor = old.anchor === old.el ? item.el : old.anchor;
          this.adoptReturn(item);
        } else {
          this.place(item, insertAt);
        }
        cursor = item.anchor;
      }
    }
    for (const [key, item] of this.items) {
      if (drop && !item.stored && item.kind !== "note" && !seen.has(key)) this.remove(key);
    }
    this.onChange();
  }

  remove(key) {
    const item = this.items.get(key);
    if (!item) return;
    item.el.remove();
    this.items.delete(key);
    this.dirty.delete(item);
  }

  // One chunk of a live run.
  apply(chunk) {
    const type = chunk.message_type;
    if (type === "stop_reason") {
      const text = stopText(chunk.stop_reason);
      const last = [...this.items.values()].pop();
      const failed = chunk.stop_reason === "error" || chunk.stop_reason === "llm_api_error";
      if (text && !(failed && last?.el.classList.contains("error"))) this.note("stop", text);
      return;
    }
    if (type === "error_message" || type === "error") {
      this.note("error", chunk.message || chunk.detail || "The run failed.");
      return;
    }
    if (type === "event_message") {
      if (chunk.event_type === "message_superseded") {
        const gone = chunk.event_data?.message_id;
        for (const [key, item] of this.items) if (!item.stored && item.view?.id === gone) this.remove(key);
      } else {
        this.note("event", eventText(chunk));
      }
      this.onChange();
      return;
    }
    for (const entry of entriesOf(chunk, this.lastCall)) {
      const old = this.items.get(entry.key);
      if (entry.kind === "call") this.lastCall.set(chunk.id, entry.key);
      if (old?.stored) continue;
      if (old) {
        // A delta is appended; a whole value (a result, a call's complete arguments sent
        // again, say as its approval request) takes the place of the old one.
        const whole = entry.kind === "return" || (entry.kind === "call" && isWhole(entry.text));
        old.text = whole ? entry.text : old.text + entry.text;
        if (entry.kind === "call" && entry.view.message_type === "approval_request_message") {
          old.view = entry.view;
          old.el.classList.add("client");
          this.approval(old);
        }
        this.redraw(old);
        continue;
      }
      const item = this.build(entry, false);
      this.items.set(entry.key, item);
      this.place(item, (el) => this.list.append(el));
    }
    this.onChange();
  }

  // Re-render a growing part at most once a frame (a long reply streams thousands of deltas),
  // and after a slow render wait four times as long as it took: a reply is parsed whole each time.
  redraw(item) {
    this.dirty.add(item);
    if (this.frame) return;
    const draw = () => {
      const start = performance.now();
      for (const dirty of this.dirty) dirty.set(dirty.text);
      this.dirty.clear();
      this.onChange();
      const end = performance.now();
      this.calm = end + 4 * (end - start);
      this.frame = 0;
    };
    const wait = this.calm - performance.now();
    this.frame = wait > 16 ? setTimeout(() => requestAnimationFrame(draw), wait) : requestAnimationFrame(draw);
  }

  // The user's message typed on this page, until the stored one replaces it.
  local(text) {
    const view = { message_type: "user_message", id: null, content: text, date: new Date().toISOString() };
    const item = this.build({ key: `local:${++this.serial}`, kind: "user_message", view, text }, false);
    this.items.set(item.key, item);
    this.place(item, (el) => this.list.append(el));
    this.onChange();
  }

  // A line about the run (a stop reason, an error, a compaction); it stays until the page is left.
  note(kind, text) {
    const item = Object.assign(noteItem(kind, text), { key: `note:${++this.serial}`, kind: "note", stored: false });
    this.items.set(item.key, item);
    this.place(item, (el) => this.list.append(el));
    this.onChange();
  }

  setPending(ids) {
    this.pending = new Set(ids);
    for (const item of this.items.values()) if (item.kind === "call") this.approval(item);
    this.onChange();
  }

  element(messageId) {
    return this.list.querySelector(`[data-id="${CSS.escape(messageId)}"]`);
  }
}
