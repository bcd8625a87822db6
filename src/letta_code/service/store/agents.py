"""Agents, memory blocks and the links between them (blocks are shared by id)."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from letta_code.schemas.defaults import DEFAULT_BLOCK_LIMIT
from letta_code.schemas.state import AgentState, BlockState
from letta_code.service.errors import ConflictError, NotFoundError
from letta_code.service.store.models import Agent, AgentBlock, Block, BlockRevision, new_id, utcnow
from letta_code.service.store.text import check_text

_Row = TypeVar("_Row", Agent, Block)


def block_state(block: Block) -> BlockState:
    return BlockState(
        id=block.id,
        label=block.label,
        value=block.value,
        description=block.description,
        limit=block.limit,
        read_only=block.read_only,
        version=block.version,
        metadata=block.metadata_ or {},
        created_at=block.created_at,
        updated_at=block.updated_at,
    )


def _require(session: Session, model: type[_Row], row_id: str) -> _Row:
    """The row with this id, or NotFoundError ("agent agent-... not found")."""
    row = session.get(model, row_id)
    if row is None:
        raise NotFoundError(f"{model.__tablename__.rstrip('s')} {row_id} not found")
    return row


class AgentStore:
    """Repository of agents and blocks over one sessionmaker."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    # -- blocks -------------------------------------------------------------
    def create_block(
        self,
        label: str,
        value: str = "",
        *,
        description: str | None = None,
        limit: int = DEFAULT_BLOCK_LIMIT,
        read_only: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> BlockState:
        block = Block(
            id=new_id("block"),
            label=label,
            value=value,
            description=description,
            limit=limit,
            read_only=read_only,
            version=1,
            metadata_=metadata or {},
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        with self.sessions.begin() as session:
            session.add(block)
        return block_state(block)

    def get_block(self, block_id: str) -> BlockState:
        with self.sessions() as session:
            block = _require(session, Block, block_id)
            return block_state(block)

    def find_block(self, block_id: str) -> BlockState | None:
        with self.sessions() as session:
            block = session.get(Block, block_id)
            return block_state(block) if block else None

    def list_blocks(self, label: str | None = None) -> list[BlockState]:
        with self.sessions() as session:
            query = select(Block).order_by(Block.created_at)
            if label:
                query = query.where(Block.label == label)
            return [block_state(b) for b in session.scalars(query)]

    def write_block(
        self,
        block_id: str,
        new_value: str,
        *,
        expected_version: int | None = None,
        agent_id: str | None = None,
        conversation_id: str | None = None,
        source: str = "api",
        tool_call_id: str | None = None,
        **fields: Any,
    ) -> BlockState | None:
        """Write a block's value (and other fields), recording a revision.

        With `expected_version`, the write happens only if nobody wrote in between;
        otherwise None is returned and the caller re-reads and retries.
        """
        check_text({"value": new_value, **fields}, "block")  # the update below bypasses the flush hook
        attrs = {("metadata_" if key == "metadata" else key): val for key, val in fields.items()}
        with self.sessions.begin() as session:
            old = session.execute(select(Block.value, Block.version).where(Block.id == block_id)).first()
            if old is None:
                raise NotFoundError(f"block {block_id} not found")
            version = expected_version if expected_version is not None else old.version
            # The version check and the write are one statement, so it is atomic
            # across connections and processes.
            result = session.execute(
                update(Block)
                .where(Block.id == block_id, Block.version == version)
                .values(value=new_value, version=version + 1, updated_at=utcnow())
                .values({getattr(Block, k): v for k, v in attrs.items()})
            )
            if result.rowcount == 0:  # type: ignore[attr-defined]
                if expected_version is not None:
                    return None
                raise ConflictError(f"block {block_id} changed while it was being written; try again")
            old_value = old.value  # the update matched `version`, so this was the value replaced
            if old_value != new_value:
                session.add(
                    BlockRevision(
                        block_id=block_id,
                        version=version + 1,
                        old_value=old_value,
                        new_value=new_value,
                        agent_id=agent_id,
                        conversation_id=conversation_id,
                        source=source,
                        tool_call_id=tool_call_id,
                        created_at=utcnow(),
                    )
                )
        return self.get_block(block_id)

    def edit_by_tool_call(self, tool_call_id: str) -> tuple[str, str] | None:
        """(block id, value written) of the edit a tool call made, if it made one."""
        with self.sessions() as session:
            row = session.execute(
                select(BlockRevision.block_id, BlockRevision.new_value).where(
                    BlockRevision.tool_call_id == tool_call_id
                )
            ).first()
            return (row.block_id, row.new_value) if row else None

    def delete_block(self, block_id: str) -> None:
        with self.sessions.begin() as session:
            block = _require(session, Block, block_id)
            session.delete(block)

    # -- agents -------------------------------------------------------------
    def _agent_state(self, session: Session, agent: Agent) -> AgentState:
        blocks = session.scalars(
            select(Block)
            .join(AgentBlock, AgentBlock.block_id == Block.id)
            .where(AgentBlock.agent_id == agent.id)
            .order_by(AgentBlock.position, Block.label)
        )
        return AgentState(
            id=agent.id,
            name=agent.name,
            description=agent.description,
            system=agent.system,
            model=agent.model,
            context_window=agent.context_window,
            tools=list(agent.tools or []),
            tags=list(agent.tags or []),
            metadata=agent.metadata_ or {},
            blocks=[block_state(b) for b in blocks],
            created_at=agent.created_at,
            updated_at=agent.updated_at,
        )

    def create_agent(
        self,
        *,
        name: str,
        system: str,
        model: str,
        context_window: int,
        block_ids: list[str],
        tools: list[str],
        description: str | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> AgentState:
        with self.sessions.begin() as session:
            agent = Agent(
                id=new_id("agent"),
                name=name,
                description=description,
                system=system,
                model=model,
                context_window=context_window,
                tools=tools,
                tags=tags or [],
                metadata_=metadata or {},
                created_at=utcnow(),
                updated_at=utcnow(),
            )
            session.add(agent)
            session.flush()
            for position, block_id in enumerate(block_ids):
                _require(session, Block, block_id)
                session.add(AgentBlock(agent_id=agent.id, block_id=block_id, position=position))
            session.flush()
            return self._agent_state(session, agent)

    def get_agent(self, agent_id: str) -> AgentState:
        with self.sessions() as session:
            agent = _require(session, Agent, agent_id)
            return self._agent_state(session, agent)

    def find_agent(self, agent_id: str) -> AgentState | None:
        with self.sessions() as session:
            agent = session.get(Agent, agent_id)
            return self._agent_state(session, agent) if agent else None

    def list_agents(
        self, *, name: str | None = None, tags: list[str] | None = None, limit: int | None = None
    ) -> list[AgentState]:
        with self.sessions() as session:
            query = select(Agent).order_by(Agent.created_at)
            if name:
                query = query.where(Agent.name == name)
            agents = list(session.scalars(query))
            if tags:
                agents = [a for a in agents if set(tags) <= set(a.tags or [])]
            if limit:
                agents = agents[:limit]
            return [self._agent_state(session, a) for a in agents]

    def update_agent(self, agent_id: str, **fields: Any) -> AgentState:
        with self.sessions.begin() as session:
            agent = _require(session, Agent, agent_id)
            for key, val in fields.items():
                setattr(agent, "metadata_" if key == "metadata" else key, val)
            agent.updated_at = utcnow()
            session.flush()
            return self._agent_state(session, agent)

    def delete_agent(self, agent_id: str) -> None:
        with self.sessions.begin() as session:
            agent = _require(session, Agent, agent_id)
            session.delete(agent)

    def attach_block(self, agent_id: str, block_id: str) -> AgentState:
        with self.sessions.begin() as session:
            agent = _require(session, Agent, agent_id)
            _require(session, Block, block_id)
            if session.get(AgentBlock, (agent_id, block_id)) is None:
                count = len(list(session.scalars(select(AgentBlock).where(AgentBlock.agent_id == agent_id))))
                session.add(AgentBlock(agent_id=agent_id, block_id=block_id, position=count))
            session.flush()
            return self._agent_state(session, agent)

    def detach_block(self, agent_id: str, block_id: str) -> AgentState:
        with self.sessions.begin() as session:
            agent = _require(session, Agent, agent_id)
            session.execute(delete(AgentBlock).where(AgentBlock.agent_id == agent_id, AgentBlock.block_id == block_id))
            session.flush()
            return self._agent_state(session, agent)
