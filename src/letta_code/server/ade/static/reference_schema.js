// The schema trees of the API reference (reference.js): `$ref`s followed to the schema they
// name (a broken or looping chain stops), objects shown as their properties with type,
// constraints and description, nested objects to a depth limit and a link past it.
import { append, h } from "./dom.js";

const MAX_DEPTH = 3; // nested objects shown inside a schema tree; deeper ones link to their schema
const REF_PREFIX = "#/components/schemas/";

let spec = {};

// The OpenAPI document the trees resolve `$ref`s in.
export function useSpec(document) {
  spec = document;
}

const refName = (ref) => (ref.startsWith(REF_PREFIX) ? decodeURIComponent(ref.slice(REF_PREFIX.length)) : ref);

function lookup(ref) {
  if (!ref.startsWith("#/")) return null;
  let node = spec;
  for (const part of ref.slice(2).split("/")) {
    node = node?.[decodeURIComponent(part).replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return node && typeof node === "object" ? node : null;
}

// Follow `$ref`s to the schema they name (a broken or looping chain gives null).
export function resolve(schema) {
  for (let hops = 0; schema?.$ref && hops < 20; hops++) schema = lookup(schema.$ref);
  return schema?.$ref ? null : schema;
}

const isNull = (schema) => schema?.type === "null";
const variantsOf = (schema) => schema?.anyOf || schema?.oneOf || null;

// The object (with properties) a schema stands for, seen through refs, `X | null` and arrays.
function objectOf(schema, trail = new Set()) {
  if (!schema || typeof schema !== "object") return null;
  if (schema.$ref) {
    const name = refName(schema.$ref);
    if (trail.has(name)) return null;
    return objectOf(resolve(schema), new Set([...trail, name]));
  }
  const variants = variantsOf(schema);
  if (variants) {
    const real = variants.filter((v) => !isNull(v));
    return real.length === 1 ? objectOf(real[0], trail) : null;
  }
  if (schema.allOf?.length === 1) return objectOf(schema.allOf[0], trail);
  if (schema.items) return objectOf(schema.items, trail);
  return schema.properties && Object.keys(schema.properties).length ? schema : null;
}

// The named schema an expandable schema comes from (to link past the depth limit).
function refOf(schema) {
  if (schema?.$ref) return refName(schema.$ref);
  const variants = variantsOf(schema);
  if (variants) {
    const real = variants.filter((v) => !isNull(v));
    return real.length === 1 ? refOf(real[0]) : null;
  }
  return schema?.items ? refOf(schema.items) : null;
}

export function joined(parts, sep) {
  const out = [];
  parts.forEach((part, i) => {
    if (i) out.push(sep);
    out.push(...part);
  });
  return out;
}

const schemaLink = (name) => h("a", { href: `#schema-${name}`, class: "ref-name" }, name);

// A short type label: "string", "AgentCreate", "string[] | null", "\"asc\" | \"desc\"".
export function typeOf(schema) {
  if (!schema || typeof schema !== "object" || !Object.keys(schema).length) return ["any"];
  if (schema.$ref) return [schemaLink(refName(schema.$ref))];
  const variants = variantsOf(schema);
  if (variants) return joined(variants.map(typeOf), " | ");
  if (schema.allOf) return joined(schema.allOf.map(typeOf), " & ");
  if (schema.enum) return [schema.enum.map((v) => JSON.stringify(v)).join(" | ")];
  if ("const" in schema) return [JSON.stringify(schema.const)];
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : schema.type;
  if (type === "array" || (!type && schema.items)) {
    const inner = typeOf(schema.items);
    return variantsOf(schema.items) ? ["(", ...inner, ")[]"] : [...inner, "[]"];
  }
  if (!type) return [schema.properties ? "object" : "any"];
  if (type === "object" && !schema.properties && schema.additionalProperties) {
    const values = schema.additionalProperties === true ? ["any"] : typeOf(schema.additionalProperties);
    return ["object<string, ", ...values, ">"];
  }
  return [schema.format ? `${type} (${schema.format})` : type];
}

// Bounds, lengths, patterns and the default, from the schema and its non-null variants.
export function constraints(schema) {
  const own = resolve(schema) || {};
  const all = [own, ...(variantsOf(own) || []).filter((v) => !isNull(v)).map((v) => resolve(v) || {})];
  const out = [];
  const add = (label, key) => {
    const found = all.find((s) => s[key] !== undefined);
    if (found) out.push(`${label} ${typeof found[key] === "string" ? found[key] : JSON.stringify(found[key])}`);
  };
  add("≥", "minimum");
  add(">", "exclusiveMinimum");
  add("≤", "maximum");
  add("<", "exclusiveMaximum");
  add("min length", "minLength");
  add("max length", "maxLength");
  add("min items", "minItems");
  add("max items", "maxItems");
  add("pattern", "pattern");
  if (own.default !== undefined) out.push(`default ${JSON.stringify(own.default)}`);
  if (own.deprecated) out.push("deprecated");
  return out.join(" · ");
}

export function descriptionOf(schema) {
  const own = schema?.description;
  if (own) return own;
  const real = (variantsOf(schema) || []).filter((v) => !isNull(v));
  return real.length === 1 ? resolve(real[0])?.description || "" : "";
}

// One property's line, with its own tree below when it is an object (up to MAX_DEPTH).
function propertyItem(name, schema, required, depth, trail) {
  const line = h(
    "div",
    { class: "prop" },
    h("code", { class: "prop-name" }, name),
    h("span", { class: "prop-type" }, typeOf(schema)),
    required ? h("span", { class: "badge bad" }, "required") : null,
    constraints(schema) ? h("span", { class: "muted small" }, constraints(schema)) : null,
  );
  const item = h("li", {}, line);
  const text = descriptionOf(schema);
  if (text) item.append(h("div", { class: "muted small prop-doc" }, text));
  const ref = refOf(schema);
  if (objectOf(schema, trail)) {
    if (depth >= MAX_DEPTH || (ref && trail.has(ref))) {
      item.append(h("div", { class: "muted small" }, "… ", ref ? schemaLink(ref) : "deeper fields not shown"));
    } else {
      item.append(tree(schema, depth + 1, ref ? new Set([...trail, ref]) : trail));
    }
  }
  return item;
}

function tree(schema, depth = 0, trail = new Set()) {
  const object = objectOf(schema, new Set());
  const required = new Set(object?.required || []);
  const list = h("ul", { class: "schema-tree" });
  for (const [name, prop] of Object.entries(object?.properties || {})) {
    list.append(propertyItem(name, prop, required.has(name), depth, trail));
  }
  const extra = object?.additionalProperties;
  if (extra && typeof extra === "object" && Object.keys(extra).length) {
    const key = h("code", { class: "prop-name" }, "<any key>");
    list.append(h("li", {}, h("div", { class: "prop" }, key, h("span", { class: "prop-type" }, typeOf(extra)))));
  }
  return list;
}

// A body or response schema: its type label, then its fields.
export function schemaBlock(schema) {
  const block = h("div", { class: "ref-schema" }, h("div", { class: "prop-type" }, typeOf(schema)));
  if (objectOf(schema)) block.append(tree(schema, 0, new Set(refOf(schema) ? [refOf(schema)] : [])));
  return block;
}
