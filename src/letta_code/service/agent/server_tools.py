"""Running one server-side tool call of a step: execute it, store its result, stream both.

Memory tools edit the agent's blocks; the other server tools (search, archival) are
handlers by name. With `replay` (a run resumed after a crash, see `recovery.py`) a
tool that has an effect first looks for the effect its tool call id already had,
so it is not applied twice.
"""

from __future__ import annotations

import json

from letta_code.schemas.messages import ToolCallMessage, ToolReturnMessage
from letta_code.service.agent.memory_tools import (
    MEMORY_TOOL_NAMES,
    MemoryToolError,
    run_memory_tool,
)
from letta_code.service.agent.search_tools import (
    UNINDEXED_RESULT_TOOLS,
    ServerToolError,
    ServerToolHandler,
    ToolContext,
)
from letta_code.service.agent.step_calls import StepCall
from letta_code.service.live_runs import LiveRun, RunRegistry
from letta_code.service.store.agents import AgentStore
from letta_code.service.store.conversations import ConversationStore
from letta_code.service.store.models import Message, new_id, utcnow


class ServerTools:
    """The server tools of one service: memory edits, and handlers by name."""

    def __init__(
        self,
        agents: AgentStore,
        conversations: ConversationStore,
        registry: RunRegistry,
        handlers: dict[str, ServerToolHandler] | None = None,
    ) -> None:
        self.agents = agents
        self.conversations = conversations
        self.registry = registry
        # Server tools other than the memory tools: name -> handler(args, context) -> result text.
        self.handlers = dict(handlers or {})

    def run(
        self,
        live: LiveRun,
        agent_id: str,
        conversation_id: str,
        call: StepCall,
        message_id: str,
        step_id: str,
        *,
        announce: bool = True,
        replay: bool = False,
    ) -> None:
        """Run one server tool, store and stream its result. `replay`: the call may have run before a crash."""
        if announce:
            self.registry.emit(
                live, ToolCallMessage(id=message_id, otid=new_id("otid"), step_id=step_id, tool_call=call.wire())
            )
        status, result = "success", ""
        try:
            args = json.loads(call.arguments or "{}")
            if not isinstance(args, dict):
                raise ValueError("arguments must be a JSON object")
        except ValueError as exc:
            status, result = "error", f"Error: invalid JSON arguments for {call.name}: {exc}"
            args = None
        if args is not None:
            if call.name in MEMORY_TOOL_NAMES:
                try:
                    result = run_memory_tool(
                        self.agents,
                        tool_name=call.name,
                        args=args,
                        agent_id=agent_id,
                        conversation_id=conversation_id,
                        tool_call_id=call.id,
                        replay=replay,
                    )
                except MemoryToolError as exc:
                    status, result = "error", f"Error: {exc}"
            elif call.name in self.handlers:
                try:
                    context = ToolContext(agent_id, conversation_id, live.run_id, call.id, replay)
                    result = self.handlers[call.name](args, context)
                except ServerToolError as exc:
                    status, result = "error", f"Error: {exc}"
            else:
                status, result = "error", f"Error: unknown tool '{call.name}'"
        tool_message_id = new_id("message")
        self.conversations.add_messages(
            [
                Message(
                    id=tool_message_id,
                    agent_id=agent_id,
                    conversation_id=conversation_id,
                    role="tool",
                    content=[
                        {"type": "text", "text": result}
                        | ({"noindex": True} if call.name in UNINDEXED_RESULT_TOOLS else {})
                    ],
                    tool_call_id=call.id,
                    tool_status=status,
                    run_id=live.run_id,
                    step_id=step_id,
                    created_at=utcnow(),
                )
            ]
        )
        self.registry.emit(
            live,
            ToolReturnMessage(
                id=tool_message_id,
                otid=new_id("otid"),
                step_id=step_id,
                tool_return=result,
                status=status,  # type: ignore[arg-type]
                tool_call_id=call.id,
            ),
        )
