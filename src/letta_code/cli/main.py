"""`letta` entry point. `--version` and `--help` answer before anything heavy is imported."""

from __future__ import annotations

import sys

from letta_code import __version__


def _skip_httpx_cli() -> None:
    """httpx imports its optional command-line tool (click, rich, pygments: ~50 ms) when
    those packages are installed, as they are here. We never use it; a stand-in module
    keeps that cost off every `letta` start."""
    if "httpx" not in sys.modules:
        import types

        stub = types.ModuleType("httpx._main")

        def main() -> None:
            raise SystemExit("the httpx command-line tool is not available inside letta")

        stub.main = main  # type: ignore[attr-defined]
        sys.modules.setdefault("httpx._main", stub)


def main(argv: list[str] | None = None, *, preload: bool = True) -> int:
    """Run `letta argv`. A headless run goes to the preload server when one is up (`preload`
    is False in the run the server forked, which must not hand itself over again)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["--version"], ["-v"]):
        print(f"{__version__} (Letta Code, Python)")
        return 0
    from letta_code.cli.preload import place

    if preload and place.eligible(argv):
        from letta_code.cli.preload import client

        served = client.handoff(argv)
        if served is not None:
            return served
        code = _run(argv)
        client.start_server_after(argv)
        return code
    return _run(argv)


def _run(argv: list[str]) -> int:
    _skip_httpx_cli()
    subcommands = (["server"], ["ade"], ["memory"], ["mcp"], ["agents"], ["conversations"], ["messages"])
    prog = f"letta {argv[0]}" if argv[:1] in subcommands else "letta"
    try:
        return _dispatch(argv)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # whatever the command did not report itself: one line
        from letta_code.cli.failure import report

        return report(exc, prog)


def _dispatch(argv: list[str]) -> int:
    if argv[:1] == ["server"]:
        from letta_code.cli.server_cmd import run_server_command

        return run_server_command(argv[1:])
    if argv[:1] == ["ade"]:
        from letta_code.cli.server_cmd import run_ade_command

        return run_ade_command(argv[1:])
    if argv[:1] == ["memory"]:
        from letta_code.cli.memory_cmd import run_memory_command

        return run_memory_command(argv[1:])
    if argv[:1] == ["mcp"]:
        from letta_code.cli.mcp_cmd import run_mcp_command

        return run_mcp_command(argv[1:])
    if argv[:1] in (["agents"], ["conversations"], ["messages"]):
        from letta_code.cli.agents_cmd import run_agents_command

        return run_agents_command(argv[0], argv[1:])
    from letta_code.cli.args import CliUsageError, ignored_note, parse_args

    try:
        options = parse_args(argv)
    except CliUsageError as exc:
        from letta_code.cli.failure import report

        return report(exc)
    if note := ignored_note(options):
        print(note, file=sys.stderr)
    if options.version:
        print(f"{__version__} (Letta Code, Python)")
        return 0
    from letta_code.cli.dispatch import run

    return run(options)


if __name__ == "__main__":
    sys.exit(main())
