// The Skills tab: the skills the terminal wrote into the agent's `skills` block (the catalog:
// "## Category" headings, then "- id: name - description [tags: a, b]" lines) and which of
// them are loaded (`<skill id="...">` sections of the `loaded_skills` block).
import { get } from "./api.js";
import { count, h } from "./dom.js";
import { empty } from "./agent_util.js";

const SKILLS = "skills";
const LOADED = "loaded_skills";
const LINE = /^- ([^:\s][^:]*?): (.*?) - (.*?)(?: \[tags: ([^\]]*)\])?$/;

// The catalog as [{category, skills: [{id, name, description, tags}]}]; [] if nothing parses.
export function parseCatalog(value) {
  const groups = [];
  let group = null;
  for (const raw of value.split("\n")) {
    const line = raw.trimEnd();
    if (line.startsWith("## ")) {
      group = { category: line.slice(3).trim(), skills: [] };
      groups.push(group);
      continue;
    }
    const m = line.match(LINE);
    if (!m) continue;
    if (!group) {
      group = { category: "", skills: [] };
      groups.push(group);
    }
    const tags = m[4] ? m[4].split(",").map((t) => t.trim()).filter(Boolean) : [];
    group.skills.push({ id: m[1].trim(), name: m[2].trim(), description: m[3].trim(), tags });
  }
  return groups.filter((g) => g.skills.length);
}

export function loadedIds(value) {
  return [...value.matchAll(/<skill id="([^"]+)"/g)].map((m) => m[1]);
}

export async function renderTab(section, agent, signal) {
  const blocks = await get(`/v1/agents/${encodeURIComponent(agent.id)}/core-memory/blocks`, { signal });
  const catalog = blocks.find((b) => b.label === SKILLS);
  const loaded = new Set(loadedIds(blocks.find((b) => b.label === LOADED)?.value || ""));
  const groups = catalog ? parseCatalog(catalog.value) : [];
  if (!groups.length) {
    const text = (catalog?.value || "").trim();
    if (text && !text.startsWith("(No skills")) {
      section.append(h("p", { class: "muted small" }, "The skills block, as the agent sees it:"), h("pre", {}, text));
      return;
    }
    section.append(
      empty("No skills. Skills are SKILL.md files in .skills/ of a project, ~/.letta/skills/, or --skills DIR; the terminal lists them here when a session starts."),
    );
    return;
  }
  const total = groups.reduce((n, g) => n + g.skills.length, 0);
  section.append(
    h("p", { class: "muted small" }, `${count(total, "skill")}, ${loaded.size} loaded. The agent loads a skill's full instructions with its Skill tool.`),
  );
  for (const group of groups) {
    if (group.category) section.append(h("h3", {}, group.category));
    section.append(
      h(
        "ul",
        { class: "cards skills" },
        group.skills.map((skill) =>
          h(
            "li",
            { class: "panel skill", dataset: { id: skill.id } },
            h(
              "div",
              { class: "row" },
              h("strong", {}, skill.name),
              h("code", { class: "small" }, skill.id),
              loaded.has(skill.id) ? h("span", { class: "badge ok" }, "loaded") : null,
              skill.tags.map((t) => h("span", { class: "badge tag" }, t)),
            ),
            h("p", { class: "small" }, skill.description),
          ),
        ),
      ),
    );
  }
}
