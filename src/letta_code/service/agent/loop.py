"""The agent step loop: compile the prompt, call the model, run server tools, repeat.

A run ends with `end_turn` (the model answered without tool calls),
`requires_approval` (it called a client tool), `max_steps`, `cancelled` or an error.
Every chunk goes through `RunRegistry.emit` (numbered, persisted, fanned out).
A run resumed after a crash carries out the plan `recovery.plan_resume` makes,
then goes on with the steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from letta_code.schemas.chunks import ClientSkillSchema
from letta_code.schemas.defaults import DEFAULT_MAX_STEPS
from letta_code.schemas.messages import ErrorMessage, EventMessage, StopReason, StopReasonType
from letta_code.schemas.state import AgentState
from letta_code.service.agent.compaction import Compactor, estimate_output
from letta_code.service.agent.model_call import StepOutput, call_model, whole_chunks
from letta_code.service.agent.prompt_history import PromptHistories
from letta_code.service.agent.recovery import AwaitApproval, EndTurn, PartialStep, ReplayCall, SentStep, plan_resume
from letta_code.service.agent.run_usage import RunUsage
from letta_code.service.agent.search_tools import ServerToolHandler
from letta_code.service.agent.server_tools import ServerTools
from letta_code.service.agent.step_calls import approval_requests, step_calls
from letta_code.service.agent.step_prompt import StepPrompt, build_step_prompt, fit_to_window
from letta_code.service.agent.window import as_overflow, server_prompt_tokens, too_long
from letta_code.service.live_runs import LiveRun, RunRegistry
from letta_code.service.llm.base import Provider
from letta_code.service.llm.types import ChatRequest, ContextWindowExceededError, LLMError, ToolSpec
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
    client_skills: list[ClientSkillSchema] = field(default_factory=list)  # listed in the prompt


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
        self.histories = PromptHistories()

    async def execute(self, live: LiveRun, request: RunRequest, *, resumed: Mapping[str, Any] | None = None) -> None:
        """Run the steps; `resumed`: the usage stored so far (`Run.usage`) of a run resumed after its process died."""
        usage = RunUsage() if resumed is None else RunUsage.from_stored(resumed)
        stop: StopReasonType = "end_turn"
        status, error = "completed", None
        try:
            stop = await (self._steps(live, request, usage) if resumed is None else self._resume(live, request, usage))
            if stop == "cancelled":
                status = "cancelled"
        except LLMError as exc:
            stop, status, error = "llm_api_error", "failed", str(exc)
            self.registry.emit(live, ErrorMessage(error_type="llm_error", message=str(exc)))
        except Exception as exc:  # a bug must end the run, not leave it "running" forever
            stop, status, error = "error", "failed", f"{type(exc).__name__}: {exc}"
            self.registry.emit(live, ErrorMessage(error_type="internal_error", message=error))
        usage.close()
        self.registry.emit(live, StopReason(stop_reason=stop))
        self.registry.emit(live, usage.statistics(live.run_id))
        self.registry.finish(live, status=status, stop_reason=stop, usage=usage.to_stored(), error=error)

    async def _resume(self, live: LiveRun, request: RunRequest, usage: RunUsage) -> StopReasonType:
        """Carry out the plan of a run resumed after its process died (see `recovery.py`), then go on."""
        messages = self.conversations.run_messages(live.run_id)
        plan = plan_resume(messages, live.chunks, stream_tokens=request.stream_tokens)
        usage.step_count = max(usage.step_count, plan.steps_done)
        for item in plan.resend:
            if isinstance(item, ReplayCall):
                self.tools.run(
                    live,
                    request.agent_id,
                    request.conversation_id,
                    item.call,
                    item.message_id,
                    item.step_id,
                    announce=item.announce,
                    replay=True,
                )
            else:
                self.registry.emit(live, item)
        if live.cancel.is_set():
            return "cancelled"
        if isinstance(plan.then, EndTurn):
            return "end_turn"
        if isinstance(plan.then, AwaitApproval):
            for approval in plan.then.requests:
                self.registry.emit(live, approval)
            return "requires_approval"
        return await self._steps(live, request, usage, plan.then.partial)

    async def _steps(
        self, live: LiveRun, request: RunRequest, usage: RunUsage, partial: PartialStep | None = None
    ) -> StopReasonType:
        """Steps until the run stops; `partial`: a step a crash interrupted, redone under its ids."""
        from letta_code.service.llm.registry import get_provider

        client_names = {t.name for t in request.client_tools}
        for _ in range(usage.step_count, request.max_steps):
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
            partial = None
            stop = self._end_step(live, request, out, step_id, usage, client_names, model_name, estimate)
            if stop is not None:
                return stop
        return "max_steps"

    def _end_step(
        self,
        live: LiveRun,
        request: RunRequest,
        out: StepOutput,
        step_id: str,
        usage: RunUsage,
        client_names: set[str],
        model_name: str,
        estimate: int,
    ) -> StopReasonType | None:
        """Count, store and stream a step's answer, run its server tools; the stop reason, if the run stops."""
        reply, message_id = out.reply, out.message_id
        if reply.usage_reported:
            self.compactor.calibrate(model_name, estimate, reply.usage.prompt_tokens)
            usage.add_step(reply.usage)
        else:  # the server said nothing: count it ourselves, and say so
            prompt_tokens = self.compactor.estimate(model_name, estimate)
            completion_tokens = estimate_output(reply.text, reply.reasoning, reply.partial_calls())
            usage.add_step(replace(reply.usage, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens))
            usage.estimated = True
        cancelled = live.cancel.is_set()
        calls = [] if cancelled else step_calls(reply.partial_calls(), client_names)  # a half-streamed call is not run
        self.conversations.add_messages(
            [
                Message(
                    id=message_id,
                    agent_id=request.agent_id,
                    conversation_id=request.conversation_id,
                    role="assistant",
                    content=[{"type": "text", "text": reply.text}] if reply.text else [],
                    reasoning=reply.reasoning or None,
                    reasoning_signature=reply.signature,
                    tool_calls=[c.to_stored() for c in calls],
                    otid=out.sent.text.otid,
                    run_id=live.run_id,
                    step_id=step_id,
                    created_at=utcnow(),
                )
            ]
        )
        if not request.stream_tokens:
            for chunk in whole_chunks(out, step_id):
                self.registry.emit(live, chunk)
        self.registry.flush(live, usage=usage.to_stored())
        if cancelled:
            return "cancelled"
        if not calls:
            return "end_turn"
        for call in calls:
            if not call.client:
                self.tools.run(live, request.agent_id, request.conversation_id, call, message_id, step_id)
        approvals = approval_requests(message_id, step_id, calls)
        for approval in approvals:
            self.registry.emit(live, approval)
        return "requires_approval" if approvals else None

    async def _call_model(
        self,
        live: LiveRun,
        request: RunRequest,
        chat: ChatRequest,
        provider: Provider,
        message_id: str,
        step_id: str,
        partial: PartialStep | None,
    ) -> StepOutput:
        """One attempt at a step; `partial`: the interrupted step it redoes.

        Every attempt (a retry after an overflow too) starts from what clients hold of the step.
        """
        sent = partial.sent() if partial else SentStep(message_id)
        return await call_model(self.registry, live, provider, chat, sent, step_id, stream_tokens=request.stream_tokens)

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
            histories=self.histories,
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
        provider: Provider,
        model_name: str,
        fixed_tokens: int,
        usage: RunUsage,
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
        usage.add_call(result.prompt_tokens, result.completion_tokens)
        event = {
            "trigger": "context_window_exceeded" if force else "post_step_context_check",
            "context_window": agent.context_window,
            "messages_count_before": result.context_before,
            "messages_count_after": result.kept + 1,
        }
        self.registry.emit(live, EventMessage(id=result.summary_message_id, event_type="compaction", event_data=event))
        return True
