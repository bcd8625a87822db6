// Helpers shared by the agents list and the agent page's tabs (no page of their own).
import { h } from "./dom.js";

// Run `fn` over `items` with at most `limit` calls at once; stops starting new ones once
// `signal` aborts. Resolves when every started call has settled (errors are the caller's).
export async function pool(items, limit, fn, signal) {
  const queue = [...items];
  const worker = async () => {
    while (queue.length && !signal?.aborted) {
      const item = queue.shift();
      try {
        await fn(item);
      } catch (error) {
        if (error?.name !== "AbortError") console.warn(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, worker));
}

// A function that calls `fn` `ms` after the last call.
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// Resolves after `ms`, or at once when `signal` aborts.

export const num = (n) => (typeof n === "number" ? n.toLocaleString() : "–");

// The newest of several ISO dates (nulls ignored), or null.
export function newest(...dates) {
  let best = null;
  for (const iso of dates.flat()) if (iso && (!best || new Date(iso) > new Date(best))) best = iso;
  return best;
}

// The text of a message's content: a string, or a list of parts ({type: "text", text}).
export function textOf(content) {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (typeof part === "string" ? part : part?.text || (part?.type === "image" ? "[image]" : "")))
      .filter(Boolean)
      .join(" ");
  }
  return "";
}

// One line of a message for a list: system reminders left out, whitespace folded, cut short.
export function preview(text, max = 160) {
  const plain = text
    .replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return plain.length > max ? `${plain.slice(0, max - 1)}…` : plain;
}

// A run's status as a badge: green when done, red when it failed or was cancelled.
export function statusBadge(status) {
  const kind = { completed: "ok", failed: "bad", cancelled: "bad" }[status] || "";
  return h("span", { class: `badge ${kind} status-${status}`.trim() }, status || "unknown");
}

// A relative date with the full one on hover.
export function dateCell(iso, agoText) {
  return h("time", { datetime: iso || "", title: iso ? new Date(iso).toLocaleString() : "" }, agoText);
}

// `text` as nodes with each (case-insensitive) occurrence of a word of `query` in <mark>.
export function highlight(text, query) {
  const words = query
    .split(/\s+/)
    .filter((w) => w.length > 1)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  if (!words.length) return [text];
  const parts = text.split(new RegExp(`(${words.join("|")})`, "gi"));
  return parts.map((part, i) => (i % 2 ? h("mark", {}, part) : part));
}

export function empty(text) {
  return h("p", { class: "empty muted" }, text);
}
