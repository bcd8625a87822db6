// The Tools tab: the tools attached to the agent, each with its description and JSON schema.
import { get } from "./api.js";
import { count, h } from "./dom.js";
import { empty } from "./agent_util.js";

export async function renderTab(section, agent, signal) {
  const tools = await get(`/v1/agents/${encodeURIComponent(agent.id)}/tools`, { signal });
  if (!tools.length) {
    section.append(empty("No tools are attached to this agent."));
    return;
  }
  const server = tools.filter((t) => t.source_type !== "client").length;
  section.append(
    h(
      "p",
      { class: "muted small" },
      `${count(tools.length, "tool")}: ${server} run by the server, ${tools.length - server} by the client that sends them (the terminal).`,
    ),
    h(
      "ul",
      { class: "cards tools" },
      tools.map((tool) =>
        h(
          "li",
          { class: "panel tool", dataset: { name: tool.name } },
          h(
            "div",
            { class: "row" },
            h("h3", { class: "mono" }, tool.name),
            h("span", { class: `badge ${tool.source_type === "client" ? "" : "ok"}`.trim() }, tool.source_type === "client" ? "client" : "server"),
            tool.default_requires_approval ? h("span", { class: "badge warn-badge" }, "asks approval") : null,
          ),
          tool.description ? h("p", { class: "tool-description" }, tool.description) : null,
          h(
            "details",
            {},
            h("summary", { class: "small" }, "JSON schema"),
            h("pre", { class: "schema" }, JSON.stringify(tool.json_schema ?? tool.args_json_schema ?? {}, null, 2)),
          ),
        ),
      ),
    ),
  );
}
