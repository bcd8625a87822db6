"""The interactive session (`letta` without -p): prompt, turns, approvals, interrupts.

Drawing is inline: the prompt (prompt_toolkit) and the turn view (rich) print into the
normal screen, so everything stays in the terminal's scrollback.

Interrupts: Esc or Ctrl-C while a turn runs cancels the run on the service and stops
waiting for local tools (reported as interrupted); calls left without an answer are then
answered "interrupted" so the conversation can go on. A second Ctrl-C within two seconds,
or Ctrl-D on an empty prompt, exits. Each turn holds its conversation's lock, so a
`letta -p` started meanwhile works in a new conversation (`cli/conversation_lock.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.text import Text

from letta_code.cli import conversation_lock
from letta_code.cli.args import CliOptions
from letta_code.cli.reflection_setup import make_reflector
from letta_code.cli.sandbox_setup import sandbox_state
from letta_code.cli.session import SessionContext, close_session, open_session
from letta_code.cli.session_hooks import session_ended
from letta_code.cli.tui import images, mcp_view, render
from letta_code.cli.tui.approval import Approver
from letta_code.cli.tui.background import BackgroundWaker, Wake
from letta_code.cli.tui.command_env import CommandEnv
from letta_code.cli.tui.commands import completions, is_command, print_stats, run_command
from letta_code.cli.tui.conversations import pick_conversation, replay_on_start
from letta_code.cli.tui.hook_events import hook_stop_line, notifying, start_hooks
from letta_code.cli.tui.interrupts import INTERRUPTED_REASON, InterruptibleBackend
from letta_code.cli.tui.pending import offer_pending_calls
from letta_code.cli.tui.prompt import InputPrompt, TuiCompleter
from letta_code.cli.tui.questions import QuestionPicker
from letta_code.cli.tui.reflection_view import after_turn, announce, reflect_before_exit
from letta_code.cli.tui.shell import run_shell_command
from letta_code.cli.tui.state import TuiState
from letta_code.cli.tui.subagents_view import subagent_status
from letta_code.cli.tui.view import TurnView
from letta_code.cli.tui.widgets import INTERRUPT, KeyWatcher, ask_text, choose
from letta_code.client.backend import BackendError
from letta_code.config import paths
from letta_code.harness.executor import ToolExecutor
from letta_code.harness.memory_prompts import remember_prompt
from letta_code.harness.turn import TurnResult, TurnRunner, answer_without_running

CANCEL_WAIT = 5.0


def make_console() -> Console:
    return Console(highlight=False, soft_wrap=False)


class Tui:
    def __init__(self, ctx: SessionContext, env: dict[str, str], console: Console | None = None) -> None:
        self.console = console or make_console()
        self.state = TuiState(ctx, env, stream=ctx.args.stream)
        self.cwd = ctx.tool_session.cwd
        self.watcher = KeyWatcher()
        self.commands = CommandEnv(self.state, self.console, choose, send=self.run_turn)
        self.reflector = self.state.reflector = make_reflector(ctx, env, lambda o: announce(self.console, o, ctx))
        self.prompt = InputPrompt(
            history_path=paths.letta_home() / "history",
            completer=TuiCompleter(lambda: completions(ctx.prompt_commands), self.cwd),
            toolbar=self.toolbar_text,
            cycle_mode=self.cycle_mode,
        )
        # Background commands and subagent tasks that end wake the agent.
        self.background = BackgroundWaker(self.console, self.prompt, ctx.tool_session, ctx.subagents)
        self.view: TurnView | None = None
        self.runner: TurnRunner | None = None
        self.backend: InterruptibleBackend | None = None
        self.turn_task: asyncio.Future[TurnResult | None] | None = None
        self.interrupted = self.maybe_pending = False
        self.cancelling: asyncio.Future[None] | None = None
        ctx.questions.asker = QuestionPicker(  # AskUserQuestion: the user answers in a picker
            self.console,
            choose=self._choose_in_turn,
            ask_text=ask_text,
            suspend=self._suspended,
            on_interrupt=lambda: self._on_key("c-c"),
        )

    # ------------------------------------------------------------ chrome
    def toolbar_text(self) -> str:
        agent = self.state.agent
        return render.status_line(
            self.console.width,
            agent_name=agent.name,
            model=agent.model,
            mode=self.state.mode_name,
            context_tokens=self.state.context_tokens if self.state.context_known else None,
            context_window=agent.context_window,
            total_tokens=self.state.stats.total_tokens,
            hint=self.prompt.hint,
            sandbox=sandbox_state(self.state.ctx.tool_session.sandbox),
            estimated=self.state.usage_estimated,
            context_estimated=self.state.context_estimated,
        )

    def cycle_mode(self) -> None:
        from letta_code.permissions import next_mode

        self.state.ctx.checker.mode = next_mode(self.state.ctx.checker.mode)

    def banner(self) -> None:
        target = self.state.ctx.target
        self.console.print(
            render.session_banner(
                self.state.agent,
                self.state.conversation.id,
                self.cwd,
                created_agent=target.created_agent,
                switched_from=target.model_switched_from,
            )
        )

    # ------------------------------------------------------------ main loop
    async def run(self) -> int:
        self.banner()
        if self.state.ctx.args.resume:
            await pick_conversation(self.commands)
        else:  # an existing conversation (plain `letta`, --continue, --agent): where it left off
            await replay_on_start(self.commands)
        await start_hooks(self.state.ctx, self.console)  # notices as dim lines, then SessionStart
        await self.offer_pending()
        typeahead = ""
        while not self.state.exit_requested:
            try:
                text = await self.background.read(typeahead)  # or a background command's end
            except EOFError:
                break
            except KeyboardInterrupt:
                continue
            if isinstance(text, Wake):  # the agent hears of it in a turn of its own
                await self.run_turn(text.message, typed=False)  # no image paths in a notification
                typeahead = self.watcher.take_typeahead().lstrip()
                continue
            line = text.strip()
            if not line:
                typeahead = ""
                continue
            if line.startswith("!"):
                await self.run_shell(line[1:].strip())
            elif is_command(line):
                await run_command(self.commands, line)
            elif line.startswith("#") and line[1:].strip():  # `#text`: remember it (as /remember)
                await self.run_turn(remember_prompt(line[1:]))
            else:
                if self.maybe_pending:
                    await self.offer_pending()
                await self.run_turn(text)
            typeahead = self.watcher.take_typeahead().lstrip()
        await reflect_before_exit(self.reflector, self.console, self.state.ctx)  # what no pass reviewed yet
        print_stats(self.commands)
        return self.state.exit_code

    # ------------------------------------------------------------ turns
    def make_runner(self, view: TurnView) -> TurnRunner:
        ctx = self.state.ctx
        self.backend = InterruptibleBackend(ctx.backend)
        approver = Approver(
            self.console,
            self.cwd,
            choose=self._choose_in_turn,
            ask_text=ask_text,
            suspend=self._suspended,
            on_interrupt=lambda: self._on_key("c-c"),
            on_denied=view.mark_answered,
            on_declined=view.mark_declined,
        )
        executor = ToolExecutor(
            ctx.tool_session,
            ctx.checker,
            notifying(approver, ctx.hooks),  # hooks: Notification before the prompt
            view.on_tool,
            on_allow_always=self._save_rule,
            on_plan_approved=self._plan_approved,
            special_tools=ctx.special_tools,
            external_tools=ctx.external_tools,
            hooks=ctx.hooks,
            on_file_touched=ctx.instructions.touched,
        )
        return TurnRunner(
            self.backend,
            executor,
            conversation_id=self.state.conversation.id,
            client_tools=ctx.client_tools,
            stream_tokens=self.state.stream,
            on_chunk=view.on_chunk,
            max_steps=ctx.args.max_steps,
            hooks=ctx.hooks,
        )

    def new_view(self) -> TurnView:
        def count_tool() -> None:
            self.state.stats.tool_calls += 1

        def count_denied() -> None:
            self.state.stats.denied_calls += 1

        return TurnView(
            self.console,
            cwd=self.cwd,
            full_reasoning=self.state.full_reasoning,
            on_usage=self.state.absorb_usage,
            on_tool_count=count_tool,
            on_tool_denied=count_denied,
            on_reasoning=lambda text: setattr(self.state, "last_reasoning", text),
            on_compaction=self.state.absorb_compaction,
            typeahead=lambda: self.watcher.typeahead,
            subagent_tool=subagent_status(self.state.ctx.subagents, self.cwd),
        )

    def busy(self, by: str) -> None:
        self.console.print(Text(f"This conversation is busy with {by}: wait for it, or /new.", style="yellow"))

    async def run_turn(self, text: str, *, model: str | None = None, typed: bool = True) -> None:
        with conversation_lock.held(paths.letta_home(), self.state.conversation.id) as taken_by:
            if taken_by:  # a `letta -p` is working in it
                return self.busy(taken_by)
            view = self.new_view()
            runner = self.make_runner(view)
            hidden = self.state.ctx.tool_session.is_hidden  # a path the Read deny rules keep from the agent
            message = (
                images.with_images(text, self.cwd, self.console, self.background.attach, hidden) if typed else text
            )
            hook_stop_line(self.console, await self.drive(view, runner, runner.run(message, model=model)))
        self.state.stats.turns += 1
        self.console.print()
        await after_turn(self.state.ctx, self.reflector)  # the team memory file, then a pass when one is due

    async def drive(self, view: TurnView, runner: TurnRunner, work: Any) -> TurnResult | None:
        self.view, self.runner, self.interrupted = view, runner, False
        task: asyncio.Future[TurnResult | None] = asyncio.ensure_future(work)
        self.turn_task = task
        view.start()
        self.watcher.start(self._on_key, view.refresh)
        ticker = asyncio.ensure_future(self._tick(view))
        result: TurnResult | None = None
        try:
            result = await task
        except asyncio.CancelledError:
            if not task.cancelled():
                raise
        except BackendError as exc:
            view.print(Text(f"Error: {exc}", style="bold red"))
            self.maybe_pending = True
        except Exception as exc:  # keep the session alive; the user can retry or /exit
            if self.state.env.get("LETTA_DEBUG"):
                raise
            view.print(Text(f"Error ({type(exc).__name__}): {exc}", style="bold red"))
            self.maybe_pending = True
        finally:
            ticker.cancel()
            self.watcher.stop()
            view.finish_message()
            view.stop()
            self.turn_task = None
        if self.cancelling is not None:
            with contextlib.suppress(Exception):
                await self.cancelling  # done, or about to be: the turn is over
            self.cancelling = None
        if self.interrupted:
            view.interrupted()
            await self._settle_after_interrupt()
        elif result is not None and result.stop_reason == "requires_approval":
            self.maybe_pending = True
        return result

    async def _tick(self, view: TurnView) -> None:
        while True:
            await asyncio.sleep(0.1)
            view.refresh()

    # ------------------------------------------------------------ interrupts
    def _on_key(self, key: str) -> None:
        if key == "c-c" and self.prompt.note_ctrl_c() and self.interrupted:
            self.state.exit_requested = True
        self.interrupt()

    def interrupt(self) -> None:
        if self.turn_task is None or self.interrupted:
            return
        self.interrupted = True
        if self.backend is not None:
            self.backend.interrupted = True
        if self.view is not None:
            self.view.status_text = "Interrupting…"
            self.view.cancelling = True
        self.cancelling = asyncio.ensure_future(self._cancel_turn(self.turn_task))

    async def _cancel_turn(self, task: asyncio.Future[Any]) -> None:
        if self.runner is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.runner.cancel(), CANCEL_WAIT)
        if not task.done():
            with contextlib.suppress(Exception):
                from letta_code.tools.registry import interrupt as interrupt_tools

                interrupt_tools(self.state.ctx.tool_session)  # kills foreground Bash commands
        # Give the stream its `cancelled` stop and a killed command its result; tools that
        # still run after that are abandoned and answered "interrupted".
        deadline = time.monotonic() + CANCEL_WAIT
        while not task.done() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if not task.done():
            task.cancel()

    async def _settle_after_interrupt(self) -> None:
        """Answer tool calls the interrupted turn left open, so the next message is accepted."""
        with contextlib.suppress(Exception):
            await self.state.ctx.backend.cancel(self.state.conversation.id)
        await self.answer_waiting_calls(INTERRUPTED_REASON)

    async def answer_waiting_calls(self, reason: str) -> bool:
        """Answer the calls waiting in the conversation without running them (the harness
        tells the model what is known of each); False when that failed."""
        ctx = self.state.ctx
        try:
            await answer_without_running(ctx.backend, self.state.conversation.id, reason, client_tools=ctx.client_tools)
        except Exception:  # the calls stay waiting: offered again before the next turn
            self.maybe_pending = True
            return False
        self.maybe_pending = False
        return True

    # ------------------------------------------------------------ approvals
    @contextlib.contextmanager
    def _suspended(self) -> Iterator[None]:
        view = self.view
        if view is not None:
            view.finish_message()
            view.stop()
        self.watcher.stop()
        try:
            yield
        finally:
            if view is not None and self.turn_task is not None:
                view.start()
                self.watcher.start(self._on_key, view.refresh)

    async def _choose_in_turn(self, title: str, options: list[str], *, default: int = 0) -> int | None:
        if self.interrupted:
            return INTERRUPT
        return await choose(title, options, default=default)

    def _save_rule(self, rule: str) -> None:
        try:
            from letta_code.permissions import save_allow_rule

            save_allow_rule(rule, self.cwd)
            self.console.print(Text(f"  Saved {rule} to .letta/settings.local.json", style="dim"))
        except Exception as exc:
            self.console.print(Text(f"  Could not save {rule}: {exc} (allowed for this session)", style="yellow"))

    def _plan_approved(self) -> None:
        from letta_code.permissions import parse_mode

        self.state.ctx.checker.mode = parse_mode("default")

    # ------------------------------------------------------------ pending calls
    async def offer_pending(self) -> None:
        """Tool calls waiting since an earlier (crashed or interrupted) session: run or discard."""
        await offer_pending_calls(self)

    # ------------------------------------------------------------ shell
    async def run_shell(self, command: str) -> None:
        await run_shell_command(command, self.cwd, self.console, self.watcher)


async def run_tui(args: CliOptions, env: dict[str, str]) -> int:
    """Entry point used by `letta` when stdin is a terminal and there is no -p."""
    from letta_code.tools.registry import shutdown

    ctx = await open_session(args, env, ask_mcp=mcp_view.ask_project_server)  # asks about new .mcp.json servers
    try:
        return await Tui(ctx, env).run()
    finally:
        with contextlib.suppress(Exception):
            shutdown(ctx.tool_session)
        await session_ended(ctx, "prompt_input_exit")  # hooks: SessionEnd
        await close_session(ctx)  # the MCP servers, then the backend
