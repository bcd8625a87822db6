"""Server-side search tools: conversation_search, archival_memory_insert, archival_memory_search.

`conversation_search` looks through every stored message of the agent, in every
conversation (compacted and cleared ones included); the archival tools keep and
find facts that do not fit in the memory blocks. The results of the two search
tools are stored with `noindex` so that a later search does not find old results.
Both return JSON in which `text` is the stored text exactly (never marked up);
conversation_search lists the words that matched apart, in `matches`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from letta_code.schemas.defaults import DEFAULT_TOP_K
from letta_code.service.errors import BadRequestError
from letta_code.service.llm.types import ToolSpec
from letta_code.service.store.passages import PassageRecord
from letta_code.service.store.search import MessageHit, SearchStore
from letta_code.service.store.times import parse_when


class ServerToolError(Exception):
    """Bad arguments or a failed lookup; the message goes back to the model."""


@dataclass
class ToolContext:
    agent_id: str
    conversation_id: str
    run_id: str
    tool_call_id: str = ""
    replay: bool = False  # re-run after a crash: the call may already have had its effect


ServerToolHandler = Callable[[dict[str, Any], ToolContext], str]

MAX_RESULTS = 50
MAX_PASSAGE_CHARS = 20000
_DATE = "ISO date or date-time, e.g. 2025-01-31 or 2025-01-31T14:00 (local time unless it has an offset)"
SEARCH_TOOL_SPECS = [
    ToolSpec(
        name="conversation_search",
        description=(
            "Search your whole message history (every conversation, including messages no longer in "
            "your context window) with ranked full-text search. Use it to recall what was said or done "
            'before. Words must all match first, then any; use "quotes" for a phrase and word* for a prefix. '
            'Each result\'s "text" is the message exactly as stored (a long one is clipped around the match, '
            'with a leading/trailing …); "matches" lists the words that matched.'
        ),
        parameters={
            "type": "object",
            "properties": {
                "query": {"type": "string", "description": "Words to look for (empty: newest messages)"},
                "roles": {
                    "type": "array",
                    "items": {"type": "string", "enum": ["user", "assistant", "tool", "system"]},
                    "description": "Only messages with these roles",
                },
                "limit": {
                    "type": "integer",
                    "description": f"Maximum number of results (default {DEFAULT_TOP_K}, max {MAX_RESULTS})",
                },
                "start_date": {"type": "string", "description": f"Only messages from then on; {_DATE}"},
                "end_date": {
                    "type": "string",
                    "description": f"Only messages up to then (a date includes the whole day); {_DATE}",
                },
            },
            "required": ["query"],
        },
    ),
    ToolSpec(
        name="archival_memory_insert",
        description=(
            "Store a fact, note or document in your archival memory, a searchable store for what "
            "does not fit in your memory blocks. Write self-contained text; add tags to group entries."
        ),
        parameters={
            "type": "object",
            "properties": {
                "content": {"type": "string", "description": "The text to remember"},
                "tags": {"type": "array", "items": {"type": "string"}, "description": "Optional tags"},
            },
            "required": ["content"],
        },
    ),
    ToolSpec(
        name="archival_memory_search",
        description="Search your archival memory (ranked full-text search), optionally only entries with given tags.",
        parameters={
            "type": "object",
            "properties": {
                "query": {"type": "string", "description": "Words to look for (empty: newest entries)"},
                "tags": {"type": "array", "items": {"type": "string"}, "description": "Only entries with these tags"},
                "tag_match_mode": {
                    "type": "string",
                    "enum": ["any", "all"],
                    "description": "Entries with any (default) or all of the tags",
                },
                "top_k": {
                    "type": "integer",
                    "description": f"Maximum number of results (default {DEFAULT_TOP_K}, max {MAX_RESULTS})",
                },
            },
            "required": ["query"],
        },
    ),
]
SEARCH_TOOL_NAMES = {spec.name for spec in SEARCH_TOOL_SPECS}
# Tools whose results must not be indexed for conversation_search.
UNINDEXED_RESULT_TOOLS = frozenset({"conversation_search", "archival_memory_search"})


def passage_text_problem(content: object, name: str) -> str | None:
    """What is wrong with `content` as the text of a new archival passage (None: nothing).

    The one check of `archival_memory_insert` and `POST /v1/agents/{id}/archival-memory`.
    """
    if not isinstance(content, str) or not content.strip():
        return f"{name} is required and must be non-empty text"
    if len(content) > MAX_PASSAGE_CHARS:
        return f"{name} is {len(content)} characters; split it into entries of at most {MAX_PASSAGE_CHARS}"
    return None


def _when(value: Any, name: str, *, end: bool = False) -> datetime | None:
    """A date argument (`parse_when`: naive is local time; an end date includes its day)."""
    try:
        return parse_when(value, name, end=end)
    except BadRequestError as exc:
        raise ServerToolError(exc.detail) from exc


def _count(args: dict[str, Any], name: str, default: int) -> int:
    value = args.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ServerToolError(f"{name} must be an integer")
    return max(1, min(MAX_RESULTS, int(value)))


def _strings(args: dict[str, Any], name: str) -> list[str]:
    value = args.get(name)
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ServerToolError(f"{name} must be a list of strings")
    return [v for v in value if v]


def _stamp(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()


def _results_json(query: str, order: str, results: list[dict[str, Any]]) -> str:
    """A JSON object with one result a line (readable, and no indentation to pay for)."""
    head = json.dumps({"query": query, "order": order}, ensure_ascii=False)[:-1]
    lines = ",\n".join(json.dumps(r, ensure_ascii=False) for r in results)
    return f'{head}, "results": [\n{lines}\n]}}'


def format_message_hits(query: str, hits: list[MessageHit], conversation_id: str) -> str:
    """The tool result: JSON with each message's stored text exactly, matched words apart.

    `text` is never marked up; a long message is clipped to a window around the
    matches, shown by a leading and/or trailing "…" and by `clipped`.
    """
    if not hits:
        return f"No messages found for {query!r}." if query.strip() else "No messages found."
    results = []
    for hit in hits:
        item: dict[str, Any] = {
            "message_id": hit.message_id,
            "date": _stamp(hit.created_at),
            "role": hit.role,
            "conversation_id": hit.conversation_id,
            "this_conversation": hit.conversation_id == conversation_id,
            "text": hit.snippet,
        }
        clipped = [side for side, cut in (("start", hit.clipped_start), ("end", hit.clipped_end)) if cut]
        if clipped:
            item["clipped"] = " and ".join(clipped)
        if query.strip():
            item["matches"] = hit.matches
        results.append(item)
    # Unscored hits: a listing, or a search whose words are all too common to rank by.
    order = "best match first" if any(hit.score is not None for hit in hits) else "newest first"
    return _results_json(query, order, results)


def format_passages(query: str, passages: list[PassageRecord]) -> str:
    """The tool result: JSON with each passage's stored text exactly."""
    if not passages:
        return f"No archival memories found for {query!r}." if query.strip() else "Archival memory is empty."
    results = [{"id": p.id, "date": _stamp(p.created_at), "tags": p.tags, "text": p.text} for p in passages]
    order = "best match first" if query.strip() else "newest first"
    return _results_json(query, order, results)


def make_search_handlers(store: SearchStore) -> dict[str, ServerToolHandler]:
    """The handlers of the search tools, by tool name."""

    def conversation_search(args: dict[str, Any], ctx: ToolContext) -> str:
        query = args.get("query") or ""
        if not isinstance(query, str):
            raise ServerToolError("query must be a string")
        roles = _strings(args, "roles")
        bad = [r for r in roles if r not in ("user", "assistant", "tool", "system")]
        if bad:
            raise ServerToolError(f"unknown role(s) {', '.join(bad)}: use user, assistant, tool or system")
        start = _when(args.get("start_date"), "start_date")
        end = _when(args.get("end_date"), "end_date", end=True)
        hits = store.search_messages(
            ctx.agent_id,
            query,
            roles=roles or None,
            limit=_count(args, "limit", DEFAULT_TOP_K),
            start=start,
            end=end,
            exclude_run_id=ctx.run_id,
        )
        return format_message_hits(query, hits, ctx.conversation_id)

    def archival_memory_insert(args: dict[str, Any], ctx: ToolContext) -> str:
        content = args.get("content")
        problem = passage_text_problem(content, "content")
        if problem is not None or not isinstance(content, str):
            raise ServerToolError(problem or "content must be text")
        passage = store.passage_by_tool_call(ctx.agent_id, ctx.tool_call_id) if ctx.replay else None
        if passage is None:
            metadata = {"conversation_id": ctx.conversation_id, "tool_call_id": ctx.tool_call_id}
            passage = store.insert_passage(ctx.agent_id, content, tags=_strings(args, "tags"), metadata=metadata)
        total = store.count_passages(ctx.agent_id)
        return f"Stored in archival memory as {passage.id} ({total} entries in total)."

    def archival_memory_search(args: dict[str, Any], ctx: ToolContext) -> str:
        query = args.get("query") or ""
        if not isinstance(query, str):
            raise ServerToolError("query must be a string")
        mode = args.get("tag_match_mode") or "any"
        if mode not in ("any", "all"):
            raise ServerToolError("tag_match_mode must be 'any' or 'all'")
        passages = store.search_passages(
            ctx.agent_id,
            query,
            tags=_strings(args, "tags"),
            match_all_tags=mode == "all",
            top_k=_count(args, "top_k", DEFAULT_TOP_K),
        )
        return format_passages(query, passages)

    return {
        "conversation_search": conversation_search,
        "archival_memory_insert": archival_memory_insert,
        "archival_memory_search": archival_memory_search,
    }
