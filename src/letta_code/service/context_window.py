"""What the next request to the model will contain, part by part, with token counts.

`GET /v1/agents/{id}/context` renders it (the ADE's context window page). It is the
loop's own compile (`build_step_prompt`: instructions, memory, the newest summary,
the history, the tools) for the model and window a run of the conversation would
use, sized with the loop's own estimate (`Compactor.raw_estimate` and the functions
it sums, scaled by what the provider reported for this model: `Compactor.ratio`).
Client tools and skills are those of the conversation's latest run: a client sends
them with every run, so they are what its next run will most likely send again.

Each part is scaled and rounded on its own and the total is their sum, so it can
differ from `AgentService.prompt_estimate` (one rounding of the whole) by a few tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from letta_code.schemas.chunks import ClientSkillSchema
from letta_code.schemas.state import AgentState, BlockState, ConversationState
from letta_code.service.agent.compaction import estimate_text, tools_tokens
from letta_code.service.agent.loop import AgentLoop
from letta_code.service.agent.prompt import render_block
from letta_code.service.agent.small_window import compact_memory, is_small
from letta_code.service.agent.step_prompt import StepPrompt, build_step_prompt
from letta_code.service.llm.types import ToolSpec
from letta_code.service.store.search import SearchStore


@dataclass
class BlockTokens:
    id: str
    label: str
    tokens: int
    chars: int
    limit: int


@dataclass
class FunctionTokens:
    name: str
    tokens: int
    client: bool  # sent by the client with its runs (else a server-side tool)


@dataclass
class ContextOverview:
    """The next request of a conversation: each part's text or size, in estimated tokens."""

    agent_id: str
    conversation_id: str
    model: str
    context_window: int
    system_prompt: str  # the stable instructions
    system_tokens: int
    core_memory: str  # memory blocks, skills and metadata, as the model reads them
    core_memory_tokens: int
    summary: str | None  # the newest compaction summary in the context, as the model reads it
    summary_tokens: int
    num_messages: int  # history messages the request holds after the summary
    messages_tokens: int
    blocks: list[BlockTokens] = field(default_factory=list)  # each block's share of core_memory_tokens
    functions: list[FunctionTokens] = field(default_factory=list)
    num_archival: int = 0  # the agent's archival passages
    num_recall: int = 0  # the agent's stored messages, in every conversation

    @property
    def functions_tokens(self) -> int:
        return sum(f.tokens for f in self.functions)

    @property
    def total(self) -> int:
        parts = (self.system_tokens, self.core_memory_tokens, self.summary_tokens, self.messages_tokens)
        return sum(parts) + self.functions_tokens


@dataclass
class NextPrompt:
    agent: AgentState  # with the window the run would use
    model: str  # the handle
    model_name: str  # the provider's name of it (what calibration is keyed by)
    prompt: StepPrompt


def run_model(
    conv: ConversationState, override_model: str | None, window_for: Callable[[str], int]
) -> tuple[str | None, int | None]:
    """The model of a run (the request's, else the conversation's; None: the agent's) and its window."""
    model = override_model or conv.model
    window = conv.context_window_limit
    if model and window is None:
        window = window_for(model)
    return model, window


def model_name_of(handle: str) -> str:
    """The provider's model name of a handle (no API key needed, unlike `get_provider`)."""
    from letta_code.service.llm.registry import resolve_handle
    from letta_code.service.llm.types import LLMError

    try:
        return resolve_handle(handle).partition("/")[2]
    except LLMError:
        return handle.partition("/")[2] or handle


def next_prompt(
    loop: AgentLoop,
    conv: ConversationState,
    window_for: Callable[[str], int],
    client_tools: Sequence[ToolSpec] = (),
    client_skills: Sequence[ClientSkillSchema] = (),
) -> NextPrompt:
    """The request the loop would compile now for a run of `conv` that names no model."""
    model, window = run_model(conv, None, window_for)
    agent = loop.agents.get_agent(conv.agent_id)
    if window:
        agent = replace(agent, context_window=window)
    handle = model or agent.model
    model_name = model_name_of(handle)
    prompt = build_step_prompt(
        agent,
        loop.conversations,
        loop.compactor,
        conversation_id=conv.id,
        model_name=model_name,
        server_tools=loop.server_tools,
        client_tools=list(client_tools),
        client_skills=list(client_skills),
    )
    return NextPrompt(agent, handle, model_name, prompt)


def _block_tokens(block: BlockState, small: bool) -> int:
    """The estimated size of the block as it is rendered into the memory part."""
    if small:
        return estimate_text(compact_memory([block], skills=())) - estimate_text(compact_memory([], skills=()))
    return estimate_text(render_block(block))


def context_overview(
    loop: AgentLoop,
    search: SearchStore,
    conv: ConversationState,
    window_for: Callable[[str], int],
    client_tools: Sequence[ToolSpec] = (),
    client_skills: Sequence[ClientSkillSchema] = (),
) -> ContextOverview:
    """What the next request of `conv` holds, with the loop's token estimate of each part."""
    nxt = next_prompt(loop, conv, window_for, client_tools, client_skills)
    ratio = loop.compactor.ratio(nxt.model_name)

    def scaled(raw: int) -> int:
        return int(raw * ratio)

    prompt = nxt.prompt
    chat = prompt.chat
    stable, memory = chat.messages[0].content, chat.messages[1].content
    client_names = {t.name for t in client_tools}
    small = is_small(nxt.agent.context_window)
    agent = nxt.agent
    return ContextOverview(
        agent_id=agent.id,
        conversation_id=conv.id,
        model=nxt.model,
        context_window=agent.context_window,
        system_prompt=stable,
        system_tokens=scaled(estimate_text(stable)),
        core_memory=memory,
        core_memory_tokens=scaled(estimate_text(memory)),
        summary=chat.messages[2].content if prompt.head > 2 else None,
        summary_tokens=scaled(prompt.summary),
        num_messages=len(chat.messages) - prompt.head,
        messages_tokens=scaled(prompt.estimate - prompt.fixed),
        blocks=[
            BlockTokens(b.id, b.label, scaled(_block_tokens(b, small)), len(b.value), b.limit) for b in agent.blocks
        ],
        functions=[FunctionTokens(t.name, scaled(tools_tokens([t])), t.name in client_names) for t in chat.tools],
        num_archival=search.count_passages(agent.id),
        num_recall=loop.conversations.count_messages(agent_id=agent.id),
    )
