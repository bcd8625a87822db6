"""The request of one step: system prompt, memory, tools and history, sized for the model's window.

`build_step_prompt` compiles what the model sees (in cache order: tools, the
stable instructions, then memory and metadata, then the newest summary and the
history) and estimates its size. When the window is small (local models often
run with 2,048–8,192 tokens) the prompt adapts: a compact system prompt and
memory, and compact tool schemas (see `small_window`). `fit_to_window` is the
last step before the call: if the history still does not fit, its largest
messages are clipped in the request (never in the store).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from letta_code.schemas.chunks import ClientSkillSchema
from letta_code.schemas.state import AgentState
from letta_code.service.agent.compaction import Compactor, summary_chat_message
from letta_code.service.agent.memory_tools import MEMORY_TOOL_NAMES
from letta_code.service.agent.prompt import compile_system_parts
from letta_code.service.agent.prompt_history import PromptHistories
from letta_code.service.agent.small_window import (
    compact_memory,
    compact_tools,
    is_small,
    small_instructions,
)
from letta_code.service.agent.window import clip_history
from letta_code.service.llm.types import ChatMessage, ChatRequest, ToolSpec
from letta_code.service.store.conversations import ConversationStore


@dataclass
class StepPrompt:
    chat: ChatRequest
    estimate: int  # raw (characters / 4) estimate of the whole request
    fixed: int  # the part of `estimate` that is not history: system prompt, summary, tools
    head: int  # leading messages of `chat.messages` that are not history
    summary: int = 0  # the part of `fixed` that is the newest summary (0: none)


def build_step_prompt(
    agent: AgentState,
    conversations: ConversationStore,
    compactor: Compactor,
    *,
    conversation_id: str,
    model_name: str,
    server_tools: list[ToolSpec],
    client_tools: list[ToolSpec],
    client_skills: list[ClientSkillSchema],
    histories: PromptHistories | None = None,
) -> StepPrompt:
    """The request for this step and its estimated size (`histories`: the loop's, which
    carries the history's compile on from the conversation's last step)."""
    history = (histories or PromptHistories()).compile(conversations, conversation_id)
    summary = history.summary
    stable, memory = compile_system_parts(
        agent.system,
        agent.blocks,
        context_messages=history.context_size,
        total_messages=conversations.count_messages(agent_id=agent.id),
        now=datetime.now().astimezone(),
        skills=client_skills,
    )
    tools = [t for t in server_tools if t.name in agent.tools or t.name in MEMORY_TOOL_NAMES]
    tools += client_tools
    if is_small(agent.context_window):
        stable = small_instructions(stable)
        memory = compact_memory(agent.blocks, skills=client_skills)
        tools = compact_tools(tools, agent.context_window)
    head = [
        ChatMessage(role="system", content=stable, cache_breakpoint=True),
        ChatMessage(role="system", content=memory),
    ]
    if summary is not None:
        head.append(summary_chat_message(summary))
    chat = ChatRequest(model=model_name, messages=[*head, *history.messages], tools=tools)
    summary_size = compactor.raw_estimate("", [summary], []) if summary else 0
    fixed = compactor.raw_estimate(f"{stable}\n\n{memory}", [], tools) + summary_size
    return StepPrompt(chat, fixed + history.tokens, fixed, len(head), summary_size)


def fit_to_window(prompt: StepPrompt, agent: AgentState, compactor: Compactor, model_name: str) -> ChatRequest:
    """The request with its history clipped, if even after compaction it is over the threshold."""
    ratio = compactor.ratio(model_name)
    limit = compactor.threshold(agent) * agent.context_window
    if prompt.estimate * ratio <= limit:
        return prompt.chat
    history = prompt.chat.messages[prompt.head :]
    budget = max(0, int(limit / ratio) - prompt.fixed)
    clipped = clip_history(history, budget, tokens_per_char=ratio / 4)
    return replace(prompt.chat, messages=[*prompt.chat.messages[: prompt.head], *clipped])
