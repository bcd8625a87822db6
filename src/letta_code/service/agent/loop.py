"""The agent step loop: compile the prompt, call the model, run server tools, repeat.

A run ends with `end_turn` (the model answered without tool calls),
`requires_approval` (it called a client tool), `max_steps`, `cancelled` or an error.
Every chunk goes through `RunRegistry.emit` (numbered, persisted, fanned out).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from letta_code.schemas.defaults import DEFAULT_MAX_STEPS
from letta_code.schemas.messages import (
    ApprovalRequestMessage,
    AssistantMessage,
    ErrorMessage,
    EventMessage,
    ReasoningMessage,
    StopReason,
    ToolCall,
    UsageStatistics,
)
from letta_code.schemas.state import AgentState
from letta_code.service.agent.compaction import (
    Compactor,
    estimate_output,
)
from letta_code.service.agent.recovery import PartialStep, SentText, resume_steps, stream_output
from letta_code.service.agent.search_tools import ServerToolHandler
from letta_code.service.agent.server_tools import ServerTools
from letta_code.service.agent.step_prompt import StepPrompt, build_step_prompt, fit_to_window
from letta_code.service.agent.window import as_overflow, server_prompt_tokens, too_long
from letta_code.service.llm.types import (
    ChatRequest,
    ContextWindowExceededError,
    Finish,
    LLMError,
    ReasoningDelta,
    TextDelta,
    ToolCallDelta,
    ToolSpec,
    Usage,
)
from letta_code.service.runs import LiveRun, RunRegistry
from letta_code.service.store.agents import AgentStore
from letta_code.service.store.conversations import ConversationStore
from letta_code.service.store.models import Message, new_id, utcnow
from letta_code.service.store.runs import RunStore


@dataclass
class RunRequest:
    agent_id: str
    conversation_id: str
    client_tools: list[ToolSpec]
    stream_tokens: bool = False
    max_steps: int = DEFAULT_MAX_STEPS
    override_model: str | None = None
    context_window: int | None = None  # of the override model (else the agent's)
    # Skills of the client's environment ({name, description, location}), listed in the prompt.
    client_skills: list[dict[str, str]] = field(default_factory=list)


@dataclass
class StepOutput:
    message_id: str = ""  # a step redone after a crash may change it (see `recovery.stream_output`)
    text: str = ""
    reasoning: str = ""
    signature: str | None = None
    calls: dict[int, dict[str, str]] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int | None = None  # None: the provider did not report prompt caching
    cache_write_tokens: int | None = None
    usage_reported: bool = False  # the server sent usage (else the counts are estimated)
    # What a client was sent of the text and reasoning (a step redone after a crash resends only the rest).
    text_sent: SentText = field(default_factory=SentText)
    reasoning_sent: SentText = field(default_factory=SentText)

    @property
    def text_otid(self) -> str:
        return self.text_sent.otid

    @property
    def reasoning_otid(self) -> str:
        return self.reasoning_sent.otid


def unique_call_id(given: str | None, seen: set[str]) -> str:
    call_id = given if given and given not in seen else new_id("call")
    seen.add(call_id)
    return call_id


class AgentLoop:
    """Executes one run for one conversation."""

    def __init__(
        self,
        agents: AgentStore,
        conversations: ConversationStore,
        runs: RunStore,
        registry: RunRegistry,
        server_tools: list[ToolSpec],
        env: dict[str, str],
        handlers: dict[str, ServerToolHandler] | None = None,
    ) -> None:
        self.agents = agents
        self.conversations = conversations
        self.runs = runs
        self.registry = registry
        self.server_tools = server_tools
        self.env = env
        self.tools = ServerTools(agents, conversations, registry, handlers)
        self.compactor = Compactor(conversations, env)

    async def execute(self, live: LiveRun, request: RunRequest, *, resumed: dict[str, Any] | None = None) -> None:
        """Run the steps; `resumed`: the usage stored so far of a run resumed after its process died."""
        usage: dict[str, Any] = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0, "step_count": 0}
        stop, status, error = "end_turn", "completed", None
        try:
            if resumed is None:
                stop = await self._steps(live, request, usage)
            else:
                usage.update(resumed)
                stop = await resume_steps(self, live, request, usage)
            if stop == "cancelled":
                status = "cancelled"
        except LLMError as exc:
            stop, status, error = "llm_api_error", "failed", str(exc)
            self.registry.emit(live, ErrorMessage(error_type="llm_error", message=str(exc)))
        except Exception as exc:  # a bug must end the run, not leave it "running" forever
            stop, status, error = "error", "failed", f"{type(exc).__name__}: {exc}"
            self.registry.emit(live, ErrorMessage(error_type="internal_error", message=error))
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        self.registry.emit(live, StopReason(stop_reason=stop))  # type: ignore[arg-type]
        self.registry.emit(live, UsageStatistics(**usage, run_ids=[live.run_id]))
        self.registry.finish(live, status=status, stop_reason=stop, usage=usage, error=error)

    async def _steps(
        self, live: LiveRun, request: RunRequest, usage: dict[str, Any], partial: PartialStep | None = None
    ) -> str:
        """Steps until the run stops; `partial`: a step a crash interrupted, redone under its ids."""
        from letta_code.service.llm.registry import get_provider

        client_names = {t.name for t in request.client_tools}
        for _ in range(usage["step_count"], request.max_steps):
            if live.cancel.is_set():
                return "cancelled"
            agent = self.agents.get_agent(request.agent_id)
            if request.context_window:
                agent = replace(agent, context_window=request.context_window)
            provider, model_name = get_provider(request.override_model or agent.model, self.env)
            prompt = self._prompt(agent, request, model_name)
            over = self.compactor.over_threshold(agent, self.compactor.estimate(model_name, prompt.estimate))
            if over and await self._compact(live, request, agent, provider, model_name, prompt.fixed, usage):
                prompt = self._prompt(agent, request, model_name)
            chat, estimate = fit_to_window(prompt, agent, self.compactor, model_name), prompt.estimate
            step_id = partial.step_id if partial else new_id("step")
            message_id = partial.message_id if partial else new_id("message")
            emitted = len(live.chunks)
            try:
                out = await self._call_model(live, request, chat, provider, message_id, step_id, partial)
            except LLMError as exc:
                overflow = as_overflow(exc, self.compactor.estimate(model_name, estimate), agent.context_window)
                if overflow is None or len(live.chunks) > emitted:
                    raise
                # It did not fit (the server counts differently, or its window is smaller than we
                # thought): learn what the error says, compact hard and retry once.
                window = agent.context_window
                agent = self._learn_window(agent, request, model_name, estimate, overflow)
                handle = request.override_model or agent.model
                compacted = await self._compact(
                    live, request, agent, provider, model_name, prompt.fixed, usage, force=True
                )
                if not compacted and agent.context_window == window:  # nothing left to try
                    raise too_long(handle, agent.context_window, str(overflow)) from None
                prompt = self._prompt(agent, request, model_name)
                chat, estimate = fit_to_window(prompt, agent, self.compactor, model_name), prompt.estimate
                try:
                    out = await self._call_model(live, request, chat, provider, message_id, step_id, partial)
                except LLMError as again:
                    if as_overflow(again, self.compactor.estimate(model_name, estimate), agent.context_window) is None:
                        raise
                    raise too_long(handle, agent.context_window, str(again)) from None
            partial, message_id = None, out.message_id
            if out.usage_reported:
                self.compactor.calibrate(model_name, estimate, out.prompt_tokens)
            else:  # the server said nothing: count it ourselves, and say so
                out.prompt_tokens = self.compactor.estimate(model_name, estimate)
                out.completion_tokens = estimate_output(out.text, out.reasoning, out.calls)
                usage["estimated"] = True
            usage["prompt_tokens"] += out.prompt_tokens
            usage["completion_tokens"] += out.completion_tokens
            usage["step_count"] += 1
            for key, value in (
                ("cached_input_tokens", out.cached_tokens),
                ("cache_write_tokens", out.cache_write_tokens),
            ):
                if value is not None:
                    usage[key] = usage.get(key, 0) + value
            seen_ids: set[str] = set()
            calls: list[dict[str, Any]] = [
                {
                    # Some local servers repeat ids (or send none): each call needs its own.
                    "id": unique_call_id(c.get("id"), seen_ids),
                    "name": c.get("name", ""),
                    "arguments": c.get("arguments") or "{}",
                    "client": c.get("name") in client_names,
                }
                for _, c in sorted(out.calls.items())
            ]
            cancelled = live.cancel.is_set()
            if cancelled:
                calls = []  # a half-streamed call is not executed
            self.conversations.add_messages(
                [
                    Message(
                        id=message_id,
                        agent_id=request.agent_id,
                        conversation_id=request.conversation_id,
                        role="assistant",
                        content=[{"type": "text", "text": out.text}] if out.text else [],
                        reasoning=out.reasoning or None,
                        reasoning_signature=out.signature,
                        tool_calls=calls,
                        otid=out.text_otid,
                        run_id=live.run_id,
                        step_id=step_id,
                        created_at=utcnow(),
                    )
                ]
            )
            if not request.stream_tokens:
                self._emit_whole(live, out, message_id, step_id)
            self.registry.flush(live, usage=usage)
            if cancelled:
                return "cancelled"
            if not calls:
                return "end_turn"
            client_calls = [c for c in calls if c["client"]]
            for call in calls:
                if not call["client"]:
                    self.tools.run(live, request.agent_id, request.conversation_id, call, message_id, step_id)
            if client_calls:
                wire_calls = [
                    ToolCall(name=c["name"], arguments=c["arguments"], tool_call_id=c["id"]) for c in client_calls
                ]
                for wire_call in wire_calls:
                    self.registry.emit(
                        live,
                        ApprovalRequestMessage(
                            id=message_id,
                            otid=new_id("otid"),
                            step_id=step_id,
                            tool_call=wire_call,
                            tool_calls=wire_calls,
                        ),
                    )
                return "requires_approval"
        return "max_steps"

    def _prompt(self, agent: AgentState, request: RunRequest, model_name: str) -> StepPrompt:
        return build_step_prompt(
            agent,
            self.conversations,
            self.compactor,
            conversation_id=request.conversation_id,
            model_name=model_name,
            server_tools=self.server_tools,
            client_tools=request.client_tools,
            client_skills=request.client_skills,
        )

    def _learn_window(
        self,
        agent: AgentState,
        request: RunRequest,
        model_name: str,
        estimate: int,
        overflow: ContextWindowExceededError,
    ) -> AgentState:
        """What an overflow error tells: the prompt size the server counted, and its true window."""
        counted = server_prompt_tokens(overflow)
        if counted:
            self.compactor.calibrate(model_name, estimate, counted)
        window = overflow.window
        if not window or window >= agent.context_window:
            return agent
        if not request.context_window:  # the agent's own model: remember it for the next runs
            self.agents.update_agent(agent.id, context_window=window)
        return replace(agent, context_window=window)

    async def _compact(
        self,
        live: LiveRun,
        request: RunRequest,
        agent: AgentState,
        provider: Any,
        model_name: str,
        fixed_tokens: int,
        usage: dict[str, Any],
        *,
        force: bool = False,
    ) -> bool:
        result = await self.compactor.compact(
            agent,
            request.conversation_id,
            provider,
            model_name,
            fixed_tokens=fixed_tokens,
            force=force,
            run_id=live.run_id,
        )
        if result is None:
            return False
        usage["prompt_tokens"] += result.prompt_tokens
        usage["completion_tokens"] += result.completion_tokens
        event = {
            "trigger": "context_window_exceeded" if force else "post_step_context_check",
            "context_window": agent.context_window,
            "messages_count_before": result.context_before,
            "messages_count_after": result.kept + 1,
        }
        self.registry.emit(live, EventMessage(id=result.summary_message_id, event_type="compaction", event_data=event))
        return True

    async def _call_model(
        self,
        live: LiveRun,
        request: RunRequest,
        chat: ChatRequest,
        provider: Any,
        message_id: str,
        step_id: str,
        partial: PartialStep | None = None,
    ) -> StepOutput:
        out = StepOutput(message_id=message_id)
        if partial is not None:
            out.text_sent, out.reasoning_sent = partial.text.copy(), partial.reasoning.copy()
        async for event in provider.stream(chat):
            if isinstance(event, TextDelta):
                out.text += event.text
                if request.stream_tokens:
                    stream_output(self.registry, live, out, step_id)
            elif isinstance(event, ReasoningDelta):
                out.reasoning += event.text
                if event.signature:
                    out.signature = event.signature
                if request.stream_tokens:
                    stream_output(self.registry, live, out, step_id)
            elif isinstance(event, ToolCallDelta):
                call = out.calls.setdefault(event.index, {"id": "", "name": "", "arguments": ""})
                if event.id:
                    call["id"] = event.id
                if event.name:
                    call["name"] += event.name
                call["arguments"] += event.arguments
            elif isinstance(event, Usage):
                out.usage_reported = out.usage_reported or event.prompt_tokens > 0
                out.prompt_tokens = max(out.prompt_tokens, event.prompt_tokens)
                out.completion_tokens = max(out.completion_tokens, event.completion_tokens)
                if event.cached_tokens is not None:
                    out.cached_tokens = max(out.cached_tokens or 0, event.cached_tokens)
                if event.cache_write_tokens is not None:
                    out.cache_write_tokens = max(out.cache_write_tokens or 0, event.cache_write_tokens)
            elif isinstance(event, Finish):
                pass
            if live.cancel.is_set():
                break
        if request.stream_tokens:
            stream_output(self.registry, live, out, step_id, final=True)
        return out

    def _emit_whole(self, live: LiveRun, out: StepOutput, message_id: str, step_id: str) -> None:
        if out.reasoning:
            self.registry.emit(
                live,
                ReasoningMessage(
                    id=message_id,
                    otid=out.reasoning_otid,
                    step_id=step_id,
                    reasoning=out.reasoning,
                    signature=out.signature,
                ),
            )
        if out.text:
            self.registry.emit(
                live, AssistantMessage(id=message_id, otid=out.text_otid, step_id=step_id, content=out.text)
            )
