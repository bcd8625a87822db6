"""Protocol checks the fake model server applies to each request (strict mode).

The real OpenAI and Anthropic APIs reject malformed conversations with a 400; so
does the fake server, so a bug in how the agent builds its history fails a test
instead of slipping through to users. Each check returns a list of problems
(empty when the request is fine), worded like the real APIs word them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def check_openai(body: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if not isinstance(body.get("model"), str) or not body["model"]:
        problems.append("you must provide a model parameter")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return [*problems, "'messages' must be a non-empty array"]
    pending: list[str] = []  # tool_call ids still waiting for a tool message
    for i, msg in enumerate(messages):
        role = msg.get("role") if isinstance(msg, dict) else None
        if role not in ("system", "developer", "user", "assistant", "tool"):
            problems.append(f"messages[{i}]: invalid role {role!r}")
            continue
        if role == "tool":
            call_id = msg.get("tool_call_id")
            if call_id not in pending:
                problems.append(
                    f"messages[{i}]: messages with role 'tool' must be a response to a "
                    f"preceding message with 'tool_calls' (unknown tool_call_id {call_id!r})"
                )
            else:
                pending.remove(call_id)
            if not isinstance(msg.get("content"), str | list):
                problems.append(f"messages[{i}].content: expected a string")
            continue
        if pending:
            problems.append(
                "An assistant message with 'tool_calls' must be followed by tool messages "
                f"responding to each 'tool_call_id'. Missing: {', '.join(pending)} (before messages[{i}])"
            )
            pending = []
        if role == "assistant":
            for j, call in enumerate(msg.get("tool_calls") or []):
                fn = call.get("function") or {}
                if not call.get("id") or call.get("type") != "function":
                    problems.append(f"messages[{i}].tool_calls[{j}]: needs an id and type 'function'")
                if not isinstance(fn.get("arguments"), str):
                    problems.append(f"messages[{i}].tool_calls[{j}].function.arguments: expected a string")
                if not _TOOL_NAME.match(str(fn.get("name", ""))):
                    problems.append(f"messages[{i}].tool_calls[{j}].function.name: invalid name")
                pending.append(call.get("id"))
            if msg.get("content") is None and not msg.get("tool_calls"):
                problems.append(f"messages[{i}]: assistant content is required without tool_calls")
        elif msg.get("content") is None:
            problems.append(f"messages[{i}].content: expected a string or an array of parts")
    if pending:
        problems.append(
            "An assistant message with 'tool_calls' must be followed by tool messages "
            f"responding to each 'tool_call_id'. Missing: {', '.join(pending)}"
        )
    for k, tool in enumerate(body.get("tools") or []):
        fn = tool.get("function") if isinstance(tool, dict) else None
        if tool.get("type") != "function" or not isinstance(fn, dict):
            problems.append(f"tools[{k}]: expected {{'type': 'function', 'function': {{...}}}}")
        elif not _TOOL_NAME.match(str(fn.get("name", ""))):
            problems.append(f"tools[{k}].function.name: must match ^[a-zA-Z0-9_-]{{1,64}}$")
    if body.get("parallel_tool_calls") is not None and not body.get("tools"):
        problems.append("parallel_tool_calls is only allowed when 'tools' are specified")
    return problems


def check_anthropic(body: dict[str, Any], signature_ok: Callable[[str, str], bool]) -> list[str]:
    problems: list[str] = []
    if not isinstance(body.get("model"), str) or not body["model"]:
        problems.append("model: Field required")
    if not isinstance(body.get("max_tokens"), int):
        problems.append("max_tokens: Field required")
    thinking = body.get("thinking")
    if isinstance(thinking, dict) and thinking.get("type") == "enabled":
        budget = thinking.get("budget_tokens")
        if not isinstance(budget, int) or budget < 1024:
            problems.append("thinking.budget_tokens: must be >= 1024")
        elif isinstance(body.get("max_tokens"), int) and budget >= body["max_tokens"]:
            problems.append("`max_tokens` must be greater than `thinking.budget_tokens`")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return [*problems, "messages: at least one message is required"]
    previous_tool_ids: list[str] = []
    for i, msg in enumerate(messages):
        role = msg.get("role") if isinstance(msg, dict) else None
        if role not in ("user", "assistant"):
            problems.append(
                f'messages.{i}.role: Input should be "user" or "assistant" (got {role!r}; '
                "use the top-level system parameter for a system prompt)"
            )
            continue
        content = msg.get("content")
        if isinstance(content, str):
            blocks: list[Any] = [{"type": "text", "text": content}]
        elif isinstance(content, list):
            blocks = content
        else:
            problems.append(f"messages.{i}.content: expected a string or a list of blocks")
            continue
        if not blocks and not (role == "assistant" and i == len(messages) - 1):
            problems.append(f"messages.{i}: all messages must have non-empty content")
        results = [b.get("tool_use_id") for b in blocks if b.get("type") == "tool_result"]
        if previous_tool_ids:
            missing = [t for t in previous_tool_ids if t not in results]
            if role != "user" or missing:
                problems.append(
                    f"messages.{i}: `tool_use` ids were found without `tool_result` blocks "
                    f"immediately after: {', '.join(missing or previous_tool_ids)}"
                )
        for tid in results:
            if tid not in previous_tool_ids:
                problems.append(
                    f"messages.{i}.content: unexpected `tool_use_id` found in `tool_result` "
                    f"blocks: {tid}. Each `tool_result` block must have a corresponding "
                    "`tool_use` block in the previous message."
                )
        seen_other = False
        for j, b in enumerate(blocks):
            kind = b.get("type") if isinstance(b, dict) else None
            where = f"messages.{i}.content.{j}"
            if kind == "text":
                empty = not isinstance(b.get("text"), str) or not b["text"]
                if empty and not (role == "assistant" and i == len(messages) - 1):
                    problems.append(f"{where}: text content blocks must be non-empty")
                seen_other = True
            elif kind == "tool_result":
                if seen_other:
                    problems.append(f"{where}: tool_result blocks must come first in the message")
            elif kind == "tool_use":
                if role != "assistant":
                    problems.append(f"{where}: tool_use blocks belong in assistant messages")
                if not isinstance(b.get("input"), dict):
                    problems.append(f"{where}.input: Input should be a valid dictionary")
                if not _TOOL_NAME.match(str(b.get("name", ""))):
                    problems.append(f"{where}.name: invalid tool name")
            elif kind == "thinking":
                if role != "assistant":
                    problems.append(f"{where}: thinking blocks belong in assistant messages")
                elif not signature_ok(str(b.get("thinking", "")), str(b.get("signature", ""))):
                    problems.append(f"{where}: Invalid `signature` in `thinking` block")
            elif kind == "image":
                src = b.get("source") or {}
                if src.get("type") != "base64" or not src.get("media_type") or not src.get("data"):
                    problems.append(f"{where}.source: expected base64 with media_type and data")
                seen_other = True
            elif kind == "redacted_thinking":
                pass
            else:
                problems.append(f"{where}.type: unknown content block type {kind!r}")
        previous_tool_ids = [b.get("id") for b in blocks if b.get("type") == "tool_use"] if role == "assistant" else []
    if previous_tool_ids:
        problems.append(
            "`tool_use` ids were found without `tool_result` blocks immediately after: " + ", ".join(previous_tool_ids)
        )
    system = body.get("system")
    if system is not None and not isinstance(system, str | list):
        problems.append("system: expected a string or a list of text blocks")
    for k, tool in enumerate(body.get("tools") or []):
        if not _TOOL_NAME.match(str(tool.get("name", ""))):
            problems.append(f"tools.{k}.name: must match ^[a-zA-Z0-9_-]{{1,64}}$")
        if not isinstance(tool.get("input_schema"), dict) and not tool.get("type"):
            problems.append(f"tools.{k}.input_schema: Field required")
    return problems
