"""`letta memory`: list, show, log, diff, revert, export and import memory blocks.

Works on the agent of the current directory (or `--agent ID`) in the local database or,
with `LETTA_BASE_URL`, on that server (a reflection pass runs on the local database).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from letta_code.cli.failure import report
from letta_code.client.backend import Backend, BackendError
from letta_code.config import paths
from letta_code.config.settings import Settings
from letta_code.errors import UserError
from letta_code.schemas.state import BlockState


class MemoryCommandError(UserError):
    """A `letta memory` request that cannot be done; one line for stderr."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise MemoryCommandError(f"{message} (see 'letta memory --help')")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="letta memory", description="Inspect and manage the agent's memory blocks.")
    p.add_argument("--agent", metavar="ID", help="agent id (default: this directory's agent)")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the memory blocks")
    for name, text in (("show", "print a block's value"), ("log", "list a block's revisions")):
        sub.add_parser(name, help=text).add_argument("label")
    diff = sub.add_parser("diff", help="show what a revision changed (default: the latest)")
    diff.add_argument("label")
    diff.add_argument("rev", nargs="?", type=int)
    revert = sub.add_parser("revert", help="set a block back to its value at a revision")
    revert.add_argument("label")
    revert.add_argument("rev", type=int)
    sub.add_parser("export", help="write one Markdown file per block").add_argument("dir")
    sub.add_parser("import", help="update blocks from Markdown files").add_argument("dir")
    reflect = sub.add_parser("reflect", help="review the work since the last reflection and update memory now")
    reflect.add_argument("--if-due", action="store_true", help="only when the reflection setting says one is due")
    return p


def run_memory_command(argv: list[str]) -> int:
    try:
        args = build_parser().parse_args(argv)
        return _dispatch(args)
    except Exception as exc:  # the store's, the settings', an unwritable home: one line each
        return report(exc, "letta memory")


def _dispatch(args: argparse.Namespace) -> int:
    import asyncio
    import os

    from letta_code.cli.session import make_backend

    settings = Settings.load()
    agent_id = args.agent or settings.local.get("lastAgent")
    if not agent_id:
        raise MemoryCommandError("no agent in this directory yet: run letta here first, or pass --agent ID")
    if args.command == "reflect":
        return _reflect(agent_id, settings, if_due=args.if_due)
    backend = make_backend(dict(os.environ))

    async def run() -> int:
        try:
            return await _on_backend(args, backend, agent_id)
        except BackendError as exc:
            raise MemoryCommandError(str(exc)) from exc
        finally:
            await backend.close()

    return asyncio.run(run())


async def _on_backend(args: argparse.Namespace, backend: Backend, agent_id: str) -> int:
    agent = await backend.find_agent(agent_id)
    if agent is None:
        raise MemoryCommandError(f"agent {agent_id} not found")
    blocks = {b.label: b for b in agent.blocks}

    def block(label: str) -> BlockState:
        if label not in blocks:
            raise MemoryCommandError(f"no block labelled '{label}' (blocks: {', '.join(blocks) or 'none'})")
        return blocks[label]

    if args.command == "list":
        print(f"{'label':12} {'chars':>12} {'rev':>4}  id")
        for b in agent.blocks:
            print(f"{b.label:12} {len(b.value):>5}/{b.limit:<6} {b.version:>4}  {b.id}")
        if "instructions" in blocks:  # which AGENTS.md / CLAUDE.md files the agent sees
            from letta_code.harness.instructions import instructions_line

            print(instructions_line(blocks["instructions"].value))
    elif args.command == "show":
        print(block(args.label).value)
    elif args.command == "log":
        b = block(args.label)
        history = await backend.block_revisions(b.id)
        if not history:
            print(f"{b.label}: no changes since it was created (rev {b.version})")
        for rev in reversed(history):
            delta = len(rev.new_value) - len(rev.old_value)
            who = " ".join(x for x in (rev.agent_id, rev.conversation_id) if x) or "-"
            when = f"{rev.created_at:%Y-%m-%d %H:%M:%S}" if rev.created_at else "-"
            print(f"rev {rev.version:<4} {when}  {rev.source:15} {delta:+6d} chars  {who}")
    elif args.command == "diff":
        b = block(args.label)
        diffs = await backend.block_revisions(b.id)
        if not diffs:
            raise MemoryCommandError(f"block '{b.label}' has no revisions")
        wanted = args.rev or diffs[-1].version
        chosen = next((d for d in diffs if d.version == wanted), None)
        if chosen is None:
            raise MemoryCommandError(f"block '{b.label}' has no revision {wanted}")
        sys.stdout.write(chosen.diff)
    elif args.command == "revert":
        b = block(args.label)
        await backend.revert_block(b.id, args.rev)
        print(f"{b.label}: reverted to rev {args.rev}")
    elif args.command == "export":
        _export(agent.blocks, Path(args.dir))
    elif args.command == "import":
        for label, value in _read_dir(Path(args.dir)):
            if label in blocks:
                if blocks[label].value != value:
                    await backend.update_block(blocks[label].id, value, source="import")
                    print(f"{label}: updated")
                else:
                    print(f"{label}: unchanged")
            else:
                new = await backend.create_block(label, value)
                await backend.attach_block(agent.id, new.id)
                print(f"{label}: created")
    return 0


def _reflect(agent_id: str, settings: Settings, *, if_due: bool) -> int:
    """One reflection pass on the local database, waited for; with `if_due`, only when the
    setting says one is due (how `letta -p` runs a due pass without waiting for it)."""
    import asyncio
    import os

    from letta_code.cli.reflection_setup import reflection_settings
    from letta_code.client.embedded import EmbeddedBackend
    from letta_code.config.settings import settings_env
    from letta_code.harness.agent_setup import SessionTarget
    from letta_code.harness.reflection import ReflectionOutcome, Reflector
    from letta_code.harness.team_memory import TeamMemory

    env = {**settings_env(), **os.environ}
    config = reflection_settings(settings, env)

    async def run() -> ReflectionOutcome | None:
        backend = EmbeddedBackend(paths.database_path(), env)
        reflector = Reflector(backend, lambda: agent_id, config)
        if if_due and not await reflector.due():
            return None
        outcome = await reflector.reflect_now()
        agent = await backend.find_agent(agent_id) if outcome.changes else None
        if agent is not None:  # its edits into the team memory file, as a session's are
            target = SessionTarget(agent, await backend.default_conversation(agent_id), created_agent=False)
            await TeamMemory(backend, settings, target, lambda line: print(f"warning: {line}", file=sys.stderr)).sync()
        return outcome

    outcome = asyncio.run(run())
    if outcome is None:
        print(f"reflection: not due (a pass every {config.every} user turns; 0 = off)")
        return 0
    if outcome.error:
        raise MemoryCommandError(outcome.summary())
    print(outcome.summary().removesuffix(" — /memory to see"))
    return 0


def _export(blocks: list[BlockState], target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    import yaml

    for b in blocks:
        front = {"label": b.label, "description": b.description, "limit": b.limit, "read_only": b.read_only, "id": b.id}
        text = f"---\n{yaml.safe_dump(front, sort_keys=False)}---\n{b.value}\n"
        (target / f"{b.label}.md").write_text(text, encoding="utf-8")
        print(f"wrote {target / (b.label + '.md')}")


def _read_dir(source: Path) -> list[tuple[str, str]]:
    import yaml

    if not source.is_dir():
        raise MemoryCommandError(f"{source} is not a directory")
    out = []
    for path in sorted(source.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        label, body = path.stem, text
        if text.startswith("---\n") and "\n---\n" in text[4:]:
            head, body = text[4:].split("\n---\n", 1)
            try:
                meta = yaml.safe_load(head) or {}
            except yaml.YAMLError as exc:
                raise MemoryCommandError(f"{path}: bad frontmatter: {exc}") from exc
            label = str(meta.get("label") or label)
        out.append((label, body[:-1] if body.endswith("\n") else body))
    return out
