"""The agent service facade: everything the embedded backend and the server call."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from letta_code.schemas.chunks import ClientSkillSchema, ClientToolSchema, CompactionReport, StreamChunk
from letta_code.schemas.defaults import DEFAULT_MAX_STEPS
from letta_code.schemas.state import AgentState, BlockState, ConversationState, NewBlock, ReflectionStart, RunState
from letta_code.service import archival
from letta_code.service.agent.compaction import CompactionResult, context_size
from letta_code.service.agent.loop import AgentLoop, RunRequest
from letta_code.service.agent.memory_tools import MEMORY_TOOL_NAMES, MEMORY_TOOL_SPECS
from letta_code.service.agent.prompt import base_instructions
from letta_code.service.agent.reflection import REFLECTION_MAX_STEPS, Reflections
from letta_code.service.agent.search_tools import (
    SEARCH_TOOL_NAMES,
    SEARCH_TOOL_SPECS,
    make_search_handlers,
)
from letta_code.service.archival import PassagePage, PassageSearch
from letta_code.service.blocks import RevisionDiff, block_revisions, revert_block
from letta_code.service.context_window import ContextOverview, context_overview, next_prompt, run_model
from letta_code.service.errors import BadRequestError, ConflictError, NotFoundError
from letta_code.service.inputs import RequestMessage, build_input_messages
from letta_code.service.live_runs import RunRegistry
from letta_code.service.llm.types import ToolSpec
from letta_code.service.message_search import SEARCH_LIMIT, search_messages
from letta_code.service.run_requests import request_json, request_of
from letta_code.service.store.agents import AgentStore
from letta_code.service.store.conversations import ConversationStore
from letta_code.service.store.db import open_database
from letta_code.service.store.models import Message, utcnow
from letta_code.service.store.passages import PassageRecord
from letta_code.service.store.revisions import RevisionStore
from letta_code.service.store.runs import Orphan, RunStore
from letta_code.service.store.search import MessageHit, SearchStore
from letta_code.service.store.text import check_text

SERVER_TOOL_NAMES = sorted(MEMORY_TOOL_NAMES | SEARCH_TOOL_NAMES)
# A background run interrupted longer ago than this is failed rather than resumed.
RESUME_WINDOW = timedelta(hours=1)


class AgentService:
    def __init__(self, db_path: Path, env: Mapping[str, str] | None = None) -> None:
        self.db_path = db_path
        self.env = dict(env if env is not None else os.environ)
        sessions = open_database(db_path)
        self.agents = AgentStore(sessions)
        self.conversations = ConversationStore(sessions)
        self.runs = RunStore(sessions)
        self.search = SearchStore(sessions)  # conversation search and archival passages
        self.revisions = RevisionStore(sessions)  # block history
        self.registry = RunRegistry(self.runs)
        self.reflections = Reflections(self.agents, self.conversations)
        self.loop = AgentLoop(
            self.agents,
            self.conversations,
            self.runs,
            self.registry,
            [*MEMORY_TOOL_SPECS, *SEARCH_TOOL_SPECS],
            self.env,
            handlers=make_search_handlers(self.search),
        )

    # -- agents & blocks ----------------------------------------------------
    def create_agent(
        self,
        *,
        name: str,
        model: str,
        system: str | None = None,
        block_ids: list[str] | None = None,
        memory_blocks: Sequence[NewBlock] = (),
        tools: list[str] | None = None,
        description: str | None = None,
        tags: list[str] | None = None,
        metadata: Mapping[str, object] | None = None,
        context_window: int | None = None,
    ) -> AgentState:
        blocks = [{"label": b.label, "value": b.value, "description": b.description} for b in memory_blocks]
        given = {"name": name, "system": system, "description": description, "memory_blocks": blocks}
        check_text(
            {**given, "tools": tools, "tags": tags, "metadata": metadata}, "the agent"
        )  # before any block is stored
        ids = list(block_ids or [])
        for spec in memory_blocks:
            block = self.agents.create_block(
                spec.label, spec.value, description=spec.description, limit=spec.limit, read_only=spec.read_only
            )
            ids.append(block.id)
        if context_window is None:
            context_window = self.context_window_for(model)
        tool_names = list(dict.fromkeys([*SERVER_TOOL_NAMES, *(tools or [])]))
        return self.agents.create_agent(
            name=name,
            system=system or base_instructions(),
            model=model,
            context_window=context_window,
            block_ids=ids,
            tools=tool_names,
            description=description,
            tags=tags,
            metadata=dict(metadata) if metadata is not None else None,
        )

    def get_agent(self, agent_id: str) -> AgentState:
        return self.agents.get_agent(agent_id)

    def context_window_for(self, model: str) -> int:
        """The window of `model` when no one set one: what its server says, else the built-in table.

        Explicit windows (the API's `context_window_limit`, `llm_config.context_window`)
        are the caller's and win; see `registry.window_for` for which servers are asked.
        """
        from letta_code.service.llm.registry import window_for

        return window_for(model, self.env)

    def find_block(self, block_id: str) -> BlockState | None:
        return self.agents.find_block(block_id)

    def block_revisions(self, block_id: str) -> list[RevisionDiff]:
        return block_revisions(self.agents, self.revisions, block_id)

    def revert_block(self, block_id: str, version: int) -> BlockState:
        """The block's value set back to what it was right after `version`, as a new revision."""
        return revert_block(self.agents, self.revisions, block_id, version)

    # -- conversations ------------------------------------------------------
    def resolve_conversation(self, conversation_id: str | None, agent_id: str | None) -> ConversationState:
        """`None` or "default" (with an agent id) is the agent's primary conversation."""
        if conversation_id in (None, "default"):
            if not agent_id:
                raise BadRequestError("the default conversation needs an agent_id")
            self.agents.get_agent(agent_id)
            return self.conversations.default_for(agent_id)
        conv = self.conversations.get(conversation_id)
        if agent_id and conv.agent_id != agent_id:
            raise NotFoundError(f"conversation {conversation_id} does not belong to agent {agent_id}")
        return conv

    def delete_conversation(self, conversation_id: str) -> None:
        """Delete a conversation that is not running (409 while a run has it)."""
        self._refuse_busy(conversation_id)
        self.conversations.delete(conversation_id)

    def _refuse_busy(self, conversation_id: str) -> None:
        """409 while a run has the conversation: one active run per conversation."""
        active = self.runs.active_for(conversation_id)
        if active is not None:
            raise ConflictError(
                f"conversation {conversation_id} is busy with run {active.id}; wait for it or cancel it"
            )

    def create_conversation(
        self,
        agent_id: str,
        summary: str | None = None,
        *,
        model: str | None = None,
        context_window_limit: int | None = None,
    ) -> ConversationState:
        """A new conversation; with `model` (and `context_window_limit`) it runs on that model."""
        self.agents.get_agent(agent_id)
        return self.conversations.create(
            agent_id, summary=summary, model=model, context_window_limit=context_window_limit
        )

    # -- messages & runs ----------------------------------------------------
    def start_run(
        self,
        *,
        agent_id: str | None,
        conversation_id: str | None,
        messages: Sequence[RequestMessage],
        client_tools: Sequence[ClientToolSchema] = (),
        client_skills: Sequence[ClientSkillSchema] = (),
        stream_tokens: bool = False,
        max_steps: int = DEFAULT_MAX_STEPS,
        background: bool = False,
        override_model: str | None = None,
    ) -> RunState:
        """Store the input, start the run as a task on the running loop, return it.

        Text that cannot be stored and sent on (lone surrogates) is refused first, before
        anything is written: stored, it would break every later request of the conversation.
        """
        check_text(messages, "messages")
        check_text(client_tools, "client_tools")
        check_text(client_skills, "client_skills")
        conv = self.resolve_conversation(conversation_id, agent_id)
        self._refuse_busy(conv.id)
        pending = self.conversations.pending_approval(conv.id)
        specs = [
            ToolSpec(t["name"], t["description"], t["parameters"] or {"type": "object", "properties": {}})
            for t in client_tools
        ]
        # The model: the request's, else the conversation's, else the agent's (and its window).
        model, window = run_model(conv, override_model, self.context_window_for)
        request = RunRequest(
            agent_id=conv.agent_id,
            conversation_id=conv.id,
            client_tools=specs,
            stream_tokens=stream_tokens,
            max_steps=max_steps,
            override_model=model,
            context_window=window,
            client_skills=list(client_skills),
        )
        run = self.runs.create(conv.agent_id, conv.id, background=background, request=request_json(request))
        try:
            rows = build_input_messages(
                messages, agent_id=conv.agent_id, conversation_id=conv.id, run_id=run.id, pending=pending
            )
        except Exception as exc:
            self.runs.finish(run.id, status="failed", stop_reason="error", usage={}, error=str(exc))
            raise
        self.conversations.add_messages(rows)
        live = self.registry.open(run.id, conv.id)
        live.task = asyncio.get_running_loop().create_task(self.loop.execute(live, request))
        return run

    def reflect(
        self, agent_id: str, *, min_user_turns: int = 1, model: str | None = None, background: bool = False
    ) -> ReflectionStart | None:
        """Start a reflection pass over the agent's messages since its last one, as a run of its
        reflection agent (`service/agent/reflection.py`); None when fewer than `min_user_turns`
        user turns came since, or a pass of this agent is still running."""
        parent = self.agents.get_agent(agent_id)
        reflector = self.reflections.reflector(parent)
        if self.runs.active_for(self.conversations.default_for(reflector.id).id) is not None:
            return None
        job = self.reflections.prepare(agent_id, min_user_turns=min_user_turns, model=model)
        if job is None:
            return None
        run = self.start_run(
            agent_id=job.reflector.id,
            conversation_id=job.conversation_id,
            messages=[{"role": "user", "content": job.prompt}],
            max_steps=REFLECTION_MAX_STEPS,
            background=background,
            override_model=job.model,
        )
        return ReflectionStart(
            run_id=run.id,
            reflection_agent_id=job.reflector.id,
            messages=job.transcript.messages,
            user_turns=job.transcript.user_turns,
        )

    def resume_interrupted_runs(self) -> list[str]:
        """Resume the background runs a dead process left running; fail the others (`letta server` start).

        Call on the running event loop. Returns the ids of the runs resumed; see
        `service/agent/recovery.py` for how a run picks up where it was.
        """
        resumed = []
        for orphan in self.runs.orphans():
            reason = self._not_resumable(orphan)
            if reason is not None:
                self.runs.fail_orphan(orphan.id, orphan.owner, reason)
                continue
            if not self.runs.claim(orphan.id, orphan.owner):
                continue  # another process resumed or failed it meanwhile
            assert orphan.request is not None
            stored = [data for _, data in self.runs.chunks_after(orphan.id, 0)]
            live = self.registry.open(orphan.id, orphan.conversation_id, stored)
            if orphan.cancel_requested:
                live.cancel.set()
            request = request_of(orphan.request, orphan.agent_id, orphan.conversation_id)
            task = self.loop.execute(live, request, resumed=orphan.usage)
            live.task = asyncio.get_running_loop().create_task(task)
            resumed.append(orphan.id)
        return resumed

    def _not_resumable(self, orphan: Orphan) -> str | None:
        stopped = "the process running it ended before the run finished"
        if not orphan.background:
            return f"{stopped}; only background runs are resumed"
        if orphan.request is None:
            return f"{stopped}; it was started by a version of letta that cannot resume runs"
        created = orphan.created_at if orphan.created_at.tzinfo else orphan.created_at.replace(tzinfo=UTC)
        if utcnow() - created > RESUME_WINDOW:
            return f"{stopped}; it was started too long ago to be resumed"
        if not self.conversations.run_messages(orphan.id):
            return f"{stopped}, before its input was stored"
        return None

    def follow_run(self, run_id: str, starting_after: int = 0) -> AsyncIterator[StreamChunk]:
        self.runs.get(run_id)
        return self.registry.follow(run_id, starting_after)

    def cancel(
        self, *, conversation_id: str | None = None, agent_id: str | None = None, run_ids: Iterable[str] | None = None
    ) -> list[str]:
        """Cancel the active runs of a conversation, or (no conversation named) of all the
        agent's conversations; only those in `run_ids` when given. The ids cancelled."""
        active = ["created", "running"]
        if conversation_id is None and agent_id is not None:
            self.get_agent(agent_id)
            candidates = self.runs.list(agent_id=agent_id, statuses=active)
        else:
            conv = self.resolve_conversation(conversation_id, agent_id)
            candidates = self.runs.list(conversation_id=conv.id, statuses=active)
        wanted = set(run_ids) if run_ids else None
        return [r.id for r in candidates if (wanted is None or r.id in wanted) and self.registry.request_cancel(r.id)]

    def context_messages(self, conversation_id: str) -> list[Message]:
        return self.conversations.context_messages(conversation_id)

    def search_messages(
        self,
        query: str,
        *,
        agent_id: str | None = None,
        conversation_id: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = SEARCH_LIMIT,
    ) -> list[MessageHit]:
        """conversation_search over one conversation, one agent or (neither named) every agent
        not hidden; `start` on, `end` inclusive (`service/message_search.py`)."""
        if conversation_id:
            conv = self.resolve_conversation(conversation_id, agent_id)
            agent_id, conversation_id = conv.agent_id, conv.id
        elif agent_id:
            self.get_agent(agent_id)
        return search_messages(self.search, query, agent_id, conversation_id, start=start, end=end, limit=limit)

    # -- archival memory (`service/archival.py`) ----------------------------
    def add_passage(
        self, agent_id: str, text: str, *, tags: Sequence[str] | None = None, created_at: datetime | None = None
    ) -> PassageRecord:
        return archival.add_passage(self.agents, self.search, agent_id, text, tags=tags, created_at=created_at)

    def list_passages(self, agent_id: str, page: PassagePage) -> list[PassageRecord]:
        return archival.list_passages(self.agents, self.search, agent_id, page)

    def delete_passage(self, agent_id: str, passage_id: str) -> None:
        archival.delete_passage(self.agents, self.search, agent_id, passage_id)

    def search_passages(self, agent_id: str, search: PassageSearch) -> list[PassageRecord]:
        return archival.search_passages(self.agents, self.search, agent_id, search)

    async def compact(self, conversation_id: str | None, agent_id: str | None = None) -> CompactionResult | None:
        """`/compact`: summarize all but the last turn now (None: nothing to compact)."""
        from letta_code.service.llm.registry import get_provider

        conv = self.resolve_conversation(conversation_id, agent_id)
        self._refuse_busy(conv.id)
        agent = self.agents.get_agent(conv.agent_id)
        provider, model_name = get_provider(agent.model, self.env)
        return await self.loop.compactor.compact(agent, conv.id, provider, model_name, force=True)

    async def compact_report(self, conversation_id: str | None, agent_id: str | None = None) -> CompactionReport:
        """`compact`, reported as the Letta API's CompactionResponse.

        `num_messages_before`/`_after` count the history messages the model sees (the
        newest summary included); `num_messages_summarized` (ours) is how many moved
        out of the context, 0 when there was nothing to compact.
        """
        conv = self.resolve_conversation(conversation_id, agent_id)
        before = context_size(self.conversations.context_messages(conv.id))
        tokens_before = self.prompt_estimate(conv.id)
        result = await self.compact(conv.id)
        after = context_size(self.conversations.context_messages(conv.id))
        return {
            "num_messages_before": before,
            "num_messages_after": after,
            "summary": result.summary if result else "",
            "num_messages_summarized": result.summarized if result else 0,
            "context_tokens_before": tokens_before,
            "context_tokens_after": self.prompt_estimate(conv.id),
        }

    def prompt_estimate(self, conversation_id: str) -> int:
        """About how many tokens the conversation's next model call sends (the loop's
        calibrated estimate), leaving out client tools: only a run knows those."""
        nxt = next_prompt(self.loop, self.conversations.get(conversation_id), self.context_window_for)
        return self.loop.compactor.estimate(nxt.model_name, nxt.prompt.estimate)

    def context_overview(self, conversation_id: str) -> ContextOverview:
        """The conversation's next model request, part by part, with the client tools and skills
        of its latest run (`service/context_window.py`)."""
        conv = self.conversations.get(conversation_id)
        data = self.runs.latest_request(conv.id)
        last = request_of(data, conv.agent_id, conv.id) if data else None
        tools, skills = (last.client_tools, last.client_skills) if last else ([], [])
        return context_overview(self.loop, self.search, conv, self.context_window_for, tools, skills)
