// The API reference at /docs and /redoc: this server's own /openapi.json, rendered here with
// no third-party viewer (those load their code from a CDN and show nothing offline).
// Every operation, grouped by tag: method, path, summary, parameters, request body and
// responses, with each schema as a small tree (`$ref`s resolved, depth-limited), a filter
// box, and an anchor per operation and per schema. The document is fetched through api.js,
// so on a server with an API key the page asks for the key first.
import { ApiError, enterKey, get } from "./api.js";
import { append, clear, decoded, errorBox, h } from "./dom.js";
import { constraints, descriptionOf, joined, resolve, schemaBlock, typeOf, useSpec } from "./reference_schema.js";

const METHODS = ["get", "put", "post", "patch", "delete", "head", "options", "trace"];

let spec = {};

// ---- operations ----------------------------------------------------------------------------

function operations() {
  const out = [];
  for (const [path, item] of Object.entries(spec.paths || {})) {
    for (const method of METHODS) {
      const op = item?.[method];
      if (!op) continue;
      const params = [...(item.parameters || []), ...(op.parameters || [])].map((p) => (p.$ref ? resolve(p) : p));
      const id = op.operationId || `${method}-${path}`.replace(/[^A-Za-z0-9_-]+/g, "-");
      const tags = op.tags?.length ? op.tags : ["other"];
      out.push({ path, method, op, params: params.filter(Boolean), id, tags });
    }
  }
  return out;
}

const notes = (param) => [param.deprecated ? "deprecated" : "", constraints(param.schema)].filter(Boolean).join(" · ");

function parametersTable(params) {
  const rows = params.map((p) =>
    h(
      "tr",
      {},
      h("td", {}, h("code", {}, p.name)),
      h("td", { class: "muted" }, p.in),
      h("td", { class: "prop-type" }, typeOf(p.schema)),
      h("td", {}, p.required ? h("span", { class: "badge bad" }, "required") : h("span", { class: "muted" }, "optional")),
      h("td", { class: "small" }, p.description || descriptionOf(p.schema), " ", h("span", { class: "muted" }, notes(p))),
    ),
  );
  const head = ["Name", "In", "Type", "Required", "Description"].map((label) => h("th", {}, label));
  const table = h("table", { class: "params" }, h("thead", {}, h("tr", {}, head)), h("tbody", {}, rows));
  return h("div", { class: "table-wrap" }, table);
}

function contentBlocks(content) {
  return Object.entries(content || {}).map(([type, media]) =>
    h("div", {}, h("span", { class: "muted small" }, type), schemaBlock(media?.schema)),
  );
}

function responsesBlock(responses) {
  const entries = Object.entries(responses || {}).sort(([a], [b]) => a.localeCompare(b));
  const good = entries.filter(([code]) => /^[123]/.test(code));
  const bad = entries.filter(([code]) => !/^[123]/.test(code));
  const out = good.map(([code, r]) =>
    h(
      "div",
      { class: "response" },
      h("div", { class: "row" }, h("span", { class: "badge ok" }, code), h("span", {}, r.description || "")),
      contentBlocks(r.content),
    ),
  );
  if (bad.length) {
    const rows = bad.map(([code, r]) => {
      const schemas = Object.values(r.content || {}).map((m) => typeOf(m?.schema));
      return h(
        "tr",
        {},
        h("td", {}, h("span", { class: "badge bad" }, code)),
        h("td", {}, r.description || ""),
        h("td", { class: "prop-type" }, joined(schemas, ", ")),
      );
    });
    const label = `Errors: ${bad.map(([c]) => c).join(", ")}`;
    out.push(
      h(
        "details",
        { class: "errors" },
        h("summary", { class: "muted small" }, label),
        h("div", { class: "table-wrap" }, h("table", {}, h("tbody", {}, rows))),
      ),
    );
  }
  return out;
}

function operationNode({ path, method, op, params, id, tags }) {
  const body = [];
  if (op.deprecated) body.push(h("p", {}, h("span", { class: "badge bad" }, "deprecated")));
  if (op.description) body.push(h("p", { class: "op-doc" }, op.description));
  if (params.length) body.push(h("h3", {}, "Parameters"), parametersTable(params));
  const request = op.requestBody?.$ref ? resolve(op.requestBody) : op.requestBody;
  if (request) {
    body.push(h("h3", {}, "Request body ", request.required ? h("span", { class: "badge bad" }, "required") : null));
    if (request.description) body.push(h("p", { class: "small" }, request.description));
    body.push(...contentBlocks(request.content));
  }
  body.push(h("h3", {}, "Responses"), ...responsesBlock(op.responses));
  const verb = method.toUpperCase();
  const node = h(
    "details",
    { class: "op panel", id },
    h(
      "summary",
      {},
      h("span", { class: `method m-${method}` }, verb),
      h("code", { class: "op-path" }, path),
      h("span", { class: "op-summary" }, op.summary || ""),
      h("a", { class: "anchor", href: `#${id}`, "aria-label": `Link to ${verb} ${path}` }, "#"),
    ),
    h("div", { class: "op-body" }, body),
  );
  const words = [path, op.summary, op.description, op.operationId, ...tags].join(" ").toLowerCase();
  return { node, method, words };
}

// ---- the page ------------------------------------------------------------------------------

// "post agents": every word must match; a word that is a method name matches the method only.
function matches(entry, terms) {
  return terms.every((term) => (METHODS.includes(term) ? entry.method === term : entry.words.includes(term)));
}

function schemasSection() {
  const entries = Object.entries(spec.components?.schemas || {}).sort(([a], [b]) => a.localeCompare(b));
  const items = entries.map(([name, schema]) => {
    const node = h(
      "details",
      { class: "op panel", id: `schema-${name}` },
      h(
        "summary",
        {},
        h("code", { class: "op-path" }, name),
        h("span", { class: "op-summary" }, schema.description || ""),
        h("a", { class: "anchor", href: `#schema-${name}`, "aria-label": `Link to schema ${name}` }, "#"),
      ),
      h("div", { class: "op-body" }, schemaBlock(schema)),
    );
    const words = [name, schema.description, ...Object.keys(schema.properties || {})].join(" ").toLowerCase();
    return { node, method: null, words };
  });
  const section = h("section", { id: "schemas" }, h("h2", {}, "Schemas"), items.map((i) => i.node));
  return { section, entries: items };
}

function tagGroups(ops) {
  const names = [];
  for (const { tags } of ops) if (!names.includes(tags[0])) names.push(tags[0]); // under its first tag only
  const docs = Object.fromEntries((spec.tags || []).map((t) => [t.name, t.description]));
  return names.map((tag) => {
    const entries = ops.filter((o) => o.tags[0] === tag).map(operationNode);
    const section = h(
      "section",
      { id: `tag-${tag}`, class: "tag-group" },
      h("h2", {}, tag),
      docs[tag] ? h("p", { class: "muted" }, docs[tag]) : null,
      entries.map((e) => e.node),
    );
    return { tag, section, entries };
  });
}

// The filter box (hides what does not match, and groups left empty), expand/collapse, the count.
function toolbar(main, groups, total) {
  const shown = h("span", { class: "muted small", "aria-live": "polite" }, `${total} operations`);
  const none = h("p", { class: "muted", hidden: true }, "No operation matches the filter.");
  const filter = h("input", {
    type: "search",
    class: "ref-filter",
    placeholder: "Filter: get agents, /v1/blocks, stream…",
    "aria-label": "Filter operations",
  });
  filter.addEventListener("input", () => {
    const terms = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    let count = 0;
    for (const group of groups) {
      let any = false;
      for (const entry of group.entries) {
        const hit = matches(entry, terms);
        entry.node.hidden = !hit;
        any ||= hit;
        if (hit && entry.method) count++;
      }
      group.section.hidden = !any;
    }
    shown.textContent = terms.length ? `${count} of ${total} operations` : `${total} operations`;
    none.hidden = count > 0 || !terms.length;
  });
  const toggle = h("button", { type: "button" }, "Expand all");
  toggle.addEventListener("click", () => {
    const open = toggle.textContent === "Expand all";
    for (const details of main.querySelectorAll("details.op")) if (!details.hidden) details.open = open;
    toggle.textContent = open ? "Collapse all" : "Expand all";
  });
  return [h("div", { class: "row ref-toolbar" }, filter, toggle, shown), none];
}

function render(main) {
  const groups = tagGroups(operations());
  const schemas = schemasSection();
  const total = groups.reduce((n, g) => n + g.entries.length, 0);
  const info = spec.info || {};
  const tagLinks = groups.map((g) => h("a", { href: `#tag-${g.tag}` }, `${g.tag} (${g.entries.length})`));
  append(clear(main), [
    h(
      "div",
      { class: "spread" },
      h("h1", {}, info.title || "API reference"),
      h("span", { class: "badge" }, `version ${info.version || "?"}`),
    ),
    info.description ? h("p", { class: "muted" }, info.description) : null,
    h("nav", { class: "ref-tags", "aria-label": "Tags" }, tagLinks, h("a", { href: "#schemas" }, "schemas")),
    toolbar(main, [...groups, schemas], total),
    groups.map((g) => g.section),
    schemas.section,
  ]);
  document.title = `${info.title || "API"} · API reference`;
}

// Open and show the operation or schema the URL's #fragment names.
function reveal() {
  const id = decoded(location.hash.slice(1)); // null for a malformed %-escape: nothing to open
  const target = id && document.getElementById(id);
  if (!target) return;
  if (target instanceof HTMLDetailsElement) target.open = true;
  target.scrollIntoView({ block: "start" });
}

async function load() {
  const main = document.getElementById("app");
  try {
    spec = await get("/openapi.json");
    useSpec(spec);
    render(main);
    reveal();
  } catch (error) {
    const refused = error instanceof ApiError && error.status === 401;
    const retry = refused && h("button", { type: "button", class: "primary", onclick: enterKey }, "Enter the key");
    append(clear(main), [h("h1", {}, "API reference"), errorBox(error), retry]);
  }
}

window.addEventListener("hashchange", reveal);
window.addEventListener("letta:key", load);
load();
