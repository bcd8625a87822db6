"""`letta agents`, `letta conversations` and `letta messages`: manage agents from the command line.

`letta agents list|show|rename|delete|export|import` (agent files, `.af`),
`letta conversations list [--agent ID]` and
`letta messages search QUERY [--agent ID | --all-agents]`, on the local database or,
with `LETTA_BASE_URL`, on that server (the same `Backend` a session uses).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import NoReturn

from letta_code.cli.agent_flags import read_agent_file
from letta_code.cli.failure import report
from letta_code.client.backend import Backend, BackendError
from letta_code.config.settings import Settings
from letta_code.errors import UserError
from letta_code.harness.agent_setup import agent_named
from letta_code.schemas.state import AgentState

SEARCH_LIMIT = 10


class AgentsCommandError(UserError):
    """A request of these commands that cannot be done; one line for stderr."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise AgentsCommandError(f"{message} (see '{self.prog} --help')")


def build_parser(command: str) -> argparse.ArgumentParser:
    p = _Parser(prog=f"letta {command}", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="action", required=True)
    if command == "agents":
        sub.add_parser("list", help="list the agents")
        sub.add_parser("show", help="an agent's model, memory blocks and conversations").add_argument("agent")
        rename = sub.add_parser("rename", help="give an agent a new name")
        rename.add_argument("agent")
        rename.add_argument("name")
        delete = sub.add_parser("delete", help="delete an agent with its conversations and messages")
        delete.add_argument("agent")
        delete.add_argument("--yes", action="store_true", help="do not ask first")
        export = sub.add_parser("export", help="write an agent file (.af): the agent, its memory and its conversation")
        export.add_argument("agent")
        export.add_argument("file", nargs="?", help="where to write it (default: stdout)")
        load = sub.add_parser("import", help="create the agents of an agent file (.af)")
        load.add_argument("file")
        load.add_argument("--name", help="the new agent's name (default: the file's)")
    elif command == "conversations":
        listing = sub.add_parser("list", help="an agent's conversations, most recent first")
        listing.add_argument("--agent", metavar="ID", help="agent id or name (default: this directory's agent)")
    else:
        search = sub.add_parser("search", help="search messages (what the conversation_search tool finds)")
        search.add_argument("query")
        whose = search.add_mutually_exclusive_group()
        whose.add_argument("--agent", metavar="ID", help="agent id or name (default: this directory's agent)")
        whose.add_argument("--all-agents", action="store_true", help="every agent's messages")
        search.add_argument("--limit", type=int, default=SEARCH_LIMIT, help=f"results ({SEARCH_LIMIT})")
    return p


def run_agents_command(command: str, argv: list[str]) -> int:
    """`letta agents|conversations|messages ARGV`."""
    from letta_code.cli.session import make_backend

    try:
        args = build_parser(command).parse_args(argv)
        return asyncio.run(_run(command, args, make_backend(dict(os.environ))))
    except Exception as exc:  # the backend's, the settings': one line each
        return report(exc, f"letta {command}")


async def _run(command: str, args: argparse.Namespace, backend: Backend) -> int:
    try:
        if command == "agents":
            return await _agents(args, backend)
        if command == "conversations":
            agent = await _agent(backend, args.agent)
            for conv in await backend.list_conversations(agent.id):
                label = "default" if conv.is_default else (conv.summary or "")
                print(f"{conv.id}  {_when(conv.updated_at)}  {conv.message_count:>6} messages  {label}".rstrip())
            return 0
        if args.limit < 1:
            raise AgentsCommandError("--limit must be at least 1")
        agent_id = None if args.all_agents else (await _agent(backend, args.agent)).id
        hits = await backend.search_messages(args.query, agent_id=agent_id, limit=args.limit)
        if not hits:
            print(f"No messages found for {args.query!r}.")
        for hit in hits:
            where = f"{hit.agent_id} {hit.conversation_id}" if agent_id is None else hit.conversation_id
            print(f"{_when(hit.created_at)}  {hit.role:9}  {where}  {hit.message_id}")
            print("    " + " ".join(hit.text.split())[:300])
        return 0
    finally:
        await backend.close()


async def _agents(args: argparse.Namespace, backend: Backend) -> int:
    if args.action == "import":
        for agent_id in await backend.import_agent_file(read_agent_file(args.file), name=args.name):
            print(f"Imported {agent_id}")
        return 0
    if args.action == "list":
        agents = await backend.list_agents()
        if not agents:
            print("No agents yet: run letta in a project to make one.")
        for a in agents:
            print(f"{a.id}  {a.name:24}  {a.model:28}  {_when(a.updated_at)}")
        return 0
    agent = await _agent(backend, args.agent)
    if args.action == "show":
        conversations = await backend.list_conversations(agent.id)
        print(f"id:             {agent.id}")
        print(f"name:           {agent.name}")
        print(f"model:          {agent.model} (context window {agent.context_window:,} tokens)")
        print(f"tools:          {len(agent.tools)}")
        print(f"conversations:  {len(conversations)}")
        print(f"updated:        {_when(agent.updated_at)}")
        for block in agent.blocks:
            print(f"  block {block.label:16} {len(block.value):>7,} / {block.limit:,} chars")
        return 0
    if args.action == "export":
        text = json.dumps(await backend.export_agent(agent.id), indent=2, ensure_ascii=False) + "\n"
        if args.file is None:
            sys.stdout.write(text)
        else:
            Path(args.file).write_text(text, encoding="utf-8")
            print(f"Wrote {args.file}")
        return 0
    if args.action == "rename":
        renamed = await backend.update_agent(agent.id, name=args.name)
        print(f"Renamed {agent.id}: {agent.name} -> {renamed.name}")
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            raise AgentsCommandError(f"deleting {agent.id} ({agent.name}) needs --yes when not run in a terminal")
        answer = input(f"Delete agent {agent.id} ({agent.name}), its conversations and messages? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing deleted.")
            return 1
    await backend.delete_agent(agent.id)
    print(f"Deleted {agent.id} ({agent.name}).")
    return 0


async def _agent(backend: Backend, given: str | None) -> AgentState:
    """The agent named by id or name, or this directory's agent."""
    if given is None:
        last = Settings.load().local.get("lastAgent")
        if not isinstance(last, str):
            raise AgentsCommandError("no agent in this directory yet: run letta here first, or pass --agent ID")
        given = last
    try:
        found = await backend.find_agent(given)
    except BackendError as exc:
        raise AgentsCommandError(str(exc)) from exc
    found = found or await agent_named(backend, given)
    if found is None:
        raise AgentsCommandError(f"no agent {given!r} (an id or a name)")
    return found


def _when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "-"
