"""Two processes on one LETTA_HOME: nothing is corrupted or lost."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from letta_code.service.service import AgentService

WORKER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from letta_code.service.agent.memory_tools import run_memory_tool
    from letta_code.service.service import AgentService
    from letta_code.service.store.models import Message, new_id

    db, agent_id, block_label, tag, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    service = AgentService(Path(db), {})
    conv = service.create_conversation(agent_id)
    for i in range(count):
        run_memory_tool(service.agents, tool_name="memory_insert",
                        args={"label": block_label, "new_str": f"{tag}-{i}"},
                        agent_id=agent_id, conversation_id=conv.id)
        service.conversations.add_messages([Message(id=new_id("message"), agent_id=agent_id,
            conversation_id=conv.id, role="user", content=[{"type": "text", "text": f"{tag}-{i}"}])])
    """
)


def test_two_processes_edit_one_block_and_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "letta.db"
    service = AgentService(db, {})
    block = service.agents.create_block("notes", "", limit=100000)
    agent = service.create_agent(name="a", model="openai/gpt-4.1", block_ids=[block.id], context_window=1000)
    count = 40
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER, str(db), agent.id, "notes", tag, str(count)])
        for tag in ("left", "right")
    ]
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    lines = service.agents.get_block(block.id).value.split("\n")
    for tag in ("left", "right"):
        assert sorted(line for line in lines if line.startswith(tag)) == sorted(f"{tag}-{i}" for i in range(count))
    assert service.conversations.count_messages(agent_id=agent.id) == 2 * count
    # Every write left a revision behind.
    from sqlalchemy import func, select

    from letta_code.service.store.models import BlockRevision

    with service.agents.sessions() as session:
        revisions = session.scalar(
            select(func.count()).select_from(BlockRevision).where(BlockRevision.block_id == block.id)
        )
    assert revisions == 2 * count


def test_migrations_run_once_and_reopen_is_cheap(tmp_path: Path) -> None:
    from letta_code.service.store.db import HEAD_REVISION, create_sqlite_engine, current_revision

    db = tmp_path / "letta.db"
    AgentService(db, {})
    engine = create_sqlite_engine(db)
    assert current_revision(engine) == HEAD_REVISION
    with engine.connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
    assert mode == "wal"
    AgentService(db, {})  # reopening an up-to-date database does not fail
