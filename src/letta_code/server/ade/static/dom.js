// Small DOM helpers shared by the pages. Text always goes in as text nodes, never as HTML.

// h("a", {href: "#/", class: "x", onclick: fn}, "text", child, [more children])
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// decodeURIComponent, or null for a malformed %-escape (a link cut short or typed by hand).
export function decoded(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

// Resolves after `ms`, or at once when `signal` aborts (polls use it between rounds).
export function sleep(ms, signal) {
  return new Promise((resolve) => {
    const stop = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", stop);
      resolve();
    }, ms);
    signal?.addEventListener("abort", stop, { once: true });
  });
}

// "3 minutes ago", or the date for anything older than a week.
export function ago(iso) {
  if (!iso) return "never";
  const then = new Date(iso);
  const seconds = Math.round((Date.now() - then.getTime()) / 1000);
  if (seconds < 45) return "just now";
  const units = [
    [60, "minute"],
    [3600, "hour"],
    [86400, "day"],
  ];
  if (seconds < 7 * 86400) {
    let [size, name] = units[0];
    for (const unit of units) if (seconds >= unit[0]) [size, name] = unit;
    const n = Math.round(seconds / size);
    return `${n} ${name}${n === 1 ? "" : "s"} ago`;
  }
  return then.toLocaleDateString();
}

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "";
}

export function duration(ns) {
  if (ns === null || ns === undefined) return "";
  const ms = ns / 1e6;
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function count(n, noun) {
  return `${n.toLocaleString()} ${noun}${n === 1 ? "" : "s"}`;
}

// An error box for a failed load or action; `error` is an ApiError or any Error.
export function errorBox(error) {
  return h("p", { class: "error", role: "alert" }, error?.message || String(error));
}

// The breadcrumb trail in the header: [[label, href], ..., [label]].
export function crumbs(...trail) {
  const nav = clear(document.getElementById("crumbs"));
  trail.forEach(([label, href], i) => {
    if (i) nav.append(h("span", { class: "sep" }, "/"));
    nav.append(href ? h("a", { href }, label) : h("span", {}, label));
  });
}
