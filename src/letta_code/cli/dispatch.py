"""Dispatch a parsed `letta` command line: headless mode or the terminal UI.

The session bootstrap both of them use lives in `cli/session.py`; this module imports
them, and only `cli/main.py` imports this module (so no import cycle comes back).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys

from letta_code.cli.args import CliOptions
from letta_code.cli.failure import report
from letta_code.cli.session import EXIT_OUTPUT_CLOSED, silence_stdout
from letta_code.config.settings import SettingsError


def _apply_settings_env() -> None:
    """Variables from the global settings' `env` map, where the real environment has none."""
    from letta_code.config.settings import settings_env

    for name, value in settings_env().items():
        os.environ.setdefault(name, value)


def run(options: CliOptions) -> int:
    with contextlib.suppress(SettingsError):  # the session's Settings.load reports it, in the output format
        _apply_settings_env()
    env = dict(os.environ)
    if options.input_format == "stream-json":  # a host drives the session (args.py checks -p)
        from letta_code.cli.stream_session import run_stream_session

        runner = run_stream_session
    elif options.prompt is not None:
        from letta_code.cli.headless import run_headless

        runner = run_headless
    else:
        if sys.stdin is None or not sys.stdin.isatty():
            # Piped input without -p: treat it as a headless prompt.
            from letta_code.cli.headless import run_headless

            options = options._replace(prompt="")
            runner = run_headless
        else:
            from letta_code.cli.tui import run_tui

            runner = run_tui
    try:
        return asyncio.run(runner(options, env))
    except KeyboardInterrupt:
        print("letta: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of our output has gone: quietly, as Unix tools end
        silence_stdout()
        return EXIT_OUTPUT_CLOSED
    except Exception as exc:  # never a traceback for the user: one line (cli/failure.py)
        return report(exc, env=env)
