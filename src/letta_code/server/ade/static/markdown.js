// A small Markdown renderer for agent text that builds DOM nodes: nothing it is given is ever
// parsed as HTML (a `<script>` or `<img onerror>` in a message is shown as the text it is).
// Blocks: paragraphs, ATX headings, fenced code (language as `language-X` class), block quotes,
// bullet and numbered lists (nested by indent), GFM tables, rules. Inline: code spans, bold,
// italic, strikethrough, links (only http(s), mailto and # hrefs survive; the others are dropped
// to their text), autolinks and bare URLs. A single newline inside a paragraph is a line break,
// as the terminal shows it.
// Every input renders in about linear time and never throws: quotes and lists nest 16 deep at
// most (deeper ones show as text), spans are bounded, each inline rule is searched once per
// match (not once per token), text over 50,000 characters, or any the renderer fails on, is
// shown as plain text.
import { h } from "./dom.js";

const SAFE_HREF = /^(https?:\/\/|mailto:|#)/i;
const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/;
const HEADING = /^ {0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])( *\1){2,} *$/;
const QUOTE = /^ {0,3}> ?/;
const LIST = /^( *)([-*+]|\d{1,9}[.)])(?:\s+(.*))?$/;
const MAX_CHARS = 50_000; // longer text is shown as it is
const MAX_DEPTH = 16; // quotes and lists inside each other; deeper ones are shown as their text
const MAX_INLINE_DEPTH = 8; // emphasis and links inside each other

// The href a link may carry, or null (javascript:, data:, vbscript:, relative paths...).
export function safeHref(url) {
  const href = String(url || "").trim();
  return SAFE_HREF.test(href) ? href : null;
}

// `text` as a `<div class="md">` of DOM nodes.
export function markdown(text) {
  const value = String(text ?? "").replace(/\r\n?/g, "\n");
  if (value.length <= MAX_CHARS) {
    try {
      const root = h("div", { class: "md" });
      blocks(root, value.split("\n"), 0);
      return root;
    } catch {
      // an input this renderer cannot take: shown as it is below, never a broken page
    }
  }
  return h("div", { class: "md md-plain" }, value);
}

const indentOf = (line) => line.length - line.trimStart().length;
const isList = (line) => {
  const m = line.match(LIST);
  return Boolean(m && (m[3] || "").trim() !== "" && !RULE.test(line));
};

function tableCells(line) {
  let body = line.trim();
  if (body.startsWith("|")) body = body.slice(1);
  if (body.endsWith("|") && !body.endsWith("\\|")) body = body.slice(0, -1);
  return body.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, "|"));
}

function isTable(lines, i) {
  if (i + 1 >= lines.length || !lines[i].includes("|") || !lines[i + 1].includes("-")) return false;
  const cells = tableCells(lines[i + 1]);
  return cells.length > 0 && cells.every((cell) => /^:?-+:?$/.test(cell));
}

function startsBlock(lines, i) {
  const line = lines[i];
  return (
    FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || isList(line) || isTable(lines, i)
  );
}

function blocks(parent, lines, depth) {
  if (depth > MAX_DEPTH) {
    parent.append(text(h("p"), lines.join("\n")));
    return;
  }
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    let m;
    if (!line.trim()) {
      i++;
    } else if ((m = line.match(FENCE))) {
      const closing = new RegExp(`^ {0,3}${m[1][0] === "`" ? "`" : "~"}{${m[1].length},}\\s*$`);
      const body = [];
      for (i++; i < lines.length && !closing.test(lines[i]); i++) body.push(lines[i]);
      i++;
      parent.append(h("pre", {}, h("code", m[2] ? { class: `language-${m[2]}` } : {}, body.join("\n"))));
    } else if ((m = line.match(HEADING))) {
      parent.append(inline(h(`h${m[1].length}`), m[2] || ""));
      i++;
    } else if (RULE.test(line)) {
      parent.append(h("hr"));
      i++;
    } else if (QUOTE.test(line)) {
      const body = [];
      for (; i < lines.length && QUOTE.test(lines[i]); i++) body.push(lines[i].replace(QUOTE, ""));
      const quote = h("blockquote");
      blocks(quote, body, depth + 1);
      parent.append(quote);
    } else if (isTable(lines, i)) {
      i = table(parent, lines, i);
    } else if (isList(line)) {
      i = list(parent, lines, i, depth);
    } else {
      const para = [line.trim()];
      for (i++; i < lines.length && lines[i].trim() && !startsBlock(lines, i); i++) para.push(lines[i].trim());
      parent.append(inline(h("p"), para.join("\n")));
    }
  }
}

function table(parent, lines, i) {
  const align = tableCells(lines[i + 1]).map((cell) =>
    cell.startsWith(":") && cell.endsWith(":") ? "align-center" : cell.endsWith(":") ? "align-right" : null,
  );
  const row = (line, tag) =>
    h("tr", {}, tableCells(line).map((cell, k) => inline(h(tag, { class: align[k] || null }), cell)));
  const head = h("thead", {}, row(lines[i], "th"));
  const body = h("tbody");
  for (i += 2; i < lines.length && lines[i].includes("|") && lines[i].trim(); i++) body.append(row(lines[i], "td"));
  parent.append(h("div", { class: "table-wrap" }, h("table", { class: "md-table" }, head, body)));
  return i;
}

function list(parent, lines, i, depth) {
  const first = lines[i].match(LIST);
  const indent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const start = ordered ? parseInt(first[2], 10) : 1;
  const el = h(ordered ? "ol" : "ul", start !== 1 ? { start } : {});
  let loose = false;
  const sameList = (m) => m && m[1].length === indent && /\d/.test(m[2]) === ordered;
  while (i < lines.length) {
    const m = lines[i].match(LIST);
    if (!sameList(m) || !isList(lines[i])) break;
    const content = indent + m[2].length + 1;
    const body = [m[3]];
    for (i++; i < lines.length; ) {
      const line = lines[i];
      if (!line.trim()) {
        let j = i;
        while (j < lines.length && !lines[j].trim()) j++;
        if (j < lines.length && indentOf(lines[j]) > indent) {
          for (; i < j; i++) body.push("");
          continue;
        }
        break;
      }
      if (indentOf(line) > indent) body.push(line.slice(Math.min(content, indentOf(line))));
      else if (startsBlock(lines, i)) break;
      else body.push(line.trim()); // a lazy continuation line
      i++;
    }
    const li = h("li");
    blocks(li, body, depth + 1);
    el.append(li);
    let j = i;
    while (j < lines.length && !lines[j].trim()) j++;
    if (j > i && j < lines.length && sameList(lines[j].match(LIST))) {
      loose = true;
      i = j;
    }
  }
  if (!loose) {
    for (const p of el.querySelectorAll(":scope > li > p")) p.replaceWith(...p.childNodes);
  }
  parent.append(el);
  return i;
}

// Inline rules, tried at each point; the earliest match wins, ties go to the first listed.
// Each one is bounded (a span, a label, a URL) so a failed search costs at most that much per
// starting point, and `inline` keeps each rule's next match until the text passes it.
const INLINE = [
  ["escape", /\\([\\`*_{}[\]()#+\-.!|~<>])/g],
  ["code", /(`{1,32})([^`]|[^`][\s\S]{0,2000}?[^`])\1(?!`)/g],
  ["autolink", /<((?:https?:\/\/|mailto:)[^\s<>]{1,2000})>/g],
  [
    "image",
    /!\[([^\]\n]{0,500})\]\(\s{0,32}<?((?:[^\s<>()]|\([^\s<>()]{0,500}\)){0,2000})>?(?:\s{1,32}"[^"\n]{0,500}")?\s{0,32}\)/g,
  ],
  [
    "link",
    /\[((?:[^[\]\n]|\[[^[\]\n]{0,500}\]){0,500})\]\(\s{0,32}<?((?:[^\s<>()]|\([^\s<>()]{0,500}\)){0,2000})>?(?:\s{1,32}"[^"\n]{0,500}")?\s{0,32}\)/g,
  ],
  ["strongem", /\*\*\*(?=\S)([\s\S]{0,1000}?\S)\*\*\*/g],
  ["strong", /\*\*(?=\S)([\s\S]{0,1000}?\S)\*\*|(?<![\w_])__(?=\S)([\s\S]{0,1000}?\S)__(?![\w_])/g],
  ["em", /\*(?=[^\s*])([\s\S]{0,1000}?[^\s*])\*(?!\*)|(?<![\w_])_(?=[^\s_])([\s\S]{0,1000}?[^\s_])_(?![\w_])/g],
  ["del", /~~(?=\S)([\s\S]{0,1000}?\S)~~/g],
  ["url", /\bhttps?:\/\/[^\s<>"]{0,2000}[^\s<>"().,;:!?'\]]/g],
];

function text(parent, value) {
  value.split("\n").forEach((part, k) => {
    if (k) parent.append(h("br"));
    if (part) parent.append(document.createTextNode(part));
  });
  return parent;
}

function link(href, label) {
  const safe = safeHref(href);
  if (!safe) return null;
  const attrs = { href: safe, rel: "noopener noreferrer" };
  if (!safe.startsWith("#")) attrs.target = "_blank";
  return h("a", attrs, label);
}

function token(kind, m, depth) {
  const inner = (tag, value) => inline(h(tag), value, depth + 1);
  if (kind === "escape") return m[1];
  if (kind === "code") return h("code", {}, m[2].replace(/^ (.*) $/s, "$1"));
  if (kind === "autolink" || kind === "url") return link(m[1] || m[0], m[1] || m[0]) || m[0];
  if (kind === "image") return link(m[2], `[image: ${m[1] || m[2]}]`) || `[image: ${m[1]}]`;
  if (kind === "link") {
    const label = inner("span", m[1]);
    return link(m[2], label) || label;
  }
  if (kind === "strongem") return h("strong", {}, inner("em", m[1]));
  if (kind === "strong") return inner("strong", m[1] ?? m[2]);
  if (kind === "em") return inner("em", m[1] ?? m[2]);
  return inner("del", m[1]);
}

export function inline(parent, value, depth = 0) {
  if (depth > MAX_INLINE_DEPTH) return text(parent, value);
  const next = INLINE.map(() => undefined); // each rule's next match; null once it has none left
  let at = 0;
  for (;;) {
    let best = -1;
    INLINE.forEach(([, re], k) => {
      if (next[k] === undefined || (next[k] && next[k].index < at)) {
        re.lastIndex = at;
        next[k] = re.exec(value);
      }
      if (next[k] && (best < 0 || next[k].index < next[best].index)) best = k;
    });
    if (best < 0) break;
    const m = next[best];
    text(parent, value.slice(at, m.index));
    at = m.index + m[0].length;
    parent.append(token(INLINE[best][0], m, depth));
  }
  return text(parent, value.slice(at));
}
