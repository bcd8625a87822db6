"""Rendering helpers of the TUI: one-liners, summaries, diffs, status line, NO_COLOR."""

from __future__ import annotations

import io
import re
from pathlib import Path

from rich.console import Console, RenderableType

from letta_code.cli.tui import render
from letta_code.cli.tui.diffs import FileSnapshots, proposed_diff
from letta_code.schemas.state import BlockState

# SGR parameters that set a colour: 30-37/39, 40-47/49, 90-97, 100-107, 38;..., 48;...
COLOUR_SGR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9;]*)?m")


def rendered(renderable: RenderableType, *, width: int = 80, color: bool = True) -> str:
    buf = io.StringIO()
    console = Console(
        file=buf,
        width=width,
        force_terminal=True,
        color_system="truecolor" if color else None,
        no_color=not color,
        legacy_windows=False,
    )
    console.print(renderable)
    return buf.getvalue()


def plain(renderable: RenderableType, width: int = 80) -> str:
    buf = io.StringIO()
    Console(file=buf, width=width, force_terminal=False, color_system=None).print(renderable)
    return buf.getvalue()


# ------------------------------------------------------------------ one-liners
def test_tool_line_shows_the_key_argument(tmp_path: Path) -> None:
    assert render.tool_line("Bash", {"command": "ls -la"}, 80) == "Bash(ls -la)"
    assert render.tool_line("Read", {"file_path": str(tmp_path / "src" / "a.py")}, 80, tmp_path) == "Read(src/a.py)"
    assert render.tool_line("Grep", {"pattern": "TODO", "path": "src"}, 80, tmp_path) == "Grep(TODO in src)"
    assert render.tool_line("TodoWrite", {"todos": [{}, {}]}, 80) == "TodoWrite(2 todos)"
    assert render.tool_line("Whatever", {"flag": True, "target": "x"}, 80) == "Whatever(x)"
    assert render.tool_line("LS", {}, 80) == "LS"


def test_tool_line_fits_the_width_and_keeps_one_line() -> None:
    line = render.tool_line("Bash", {"command": "echo " + "x" * 200 + "\nsecond line"}, 40)
    assert len(line) <= 40
    assert "\n" not in line
    assert line.startswith("Bash(echo ") and line.endswith("…)")


def test_result_summary() -> None:
    assert render.result_summary("Bash", "one\ntwo\nthree\n", "success", 80) == "one (+2 lines)"
    assert render.result_summary("Bash", "", "success", 80) == "(no output)"
    assert render.result_summary("Read", "1\ta\n2\tb\n", "success", 80) == "Read 2 lines"
    assert render.result_summary("Bash", "(no output)\nCommand was killed.", "error", 80) == "Command was killed."
    long = render.result_summary("Bash", "y" * 300, "success", 50)
    assert len(long) <= 50


def test_format_helpers() -> None:
    assert render.format_elapsed(1.25) == "1.2s" or render.format_elapsed(1.25) == "1.3s"
    assert render.format_elapsed(125) == "2m 05s"
    assert render.format_tokens(999) == "999"
    assert render.format_tokens(12_300) == "12.3k"
    assert render.format_tokens(128_000) == "128k"
    assert render.format_tokens(1_000_000) == "1M"


# ------------------------------------------------------------------ diffs
def test_proposed_edit_diff_against_the_file(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\ny = 2\nz = 3\n")
    diff = proposed_diff("Edit", {"file_path": "a.py", "old_string": "y = 2", "new_string": "y = 20"}, tmp_path)
    assert diff is not None
    assert "--- a/a.py" in diff and "+++ b/a.py" in diff
    assert "-y = 2" in diff and "+y = 20" in diff
    assert render.diff_stats(diff) == (1, 1)


def test_proposed_diffs_for_write_multiedit_and_missing_text(tmp_path: Path) -> None:
    write = proposed_diff("Write", {"file_path": "new.txt", "content": "a\nb\n"}, tmp_path)
    assert write is not None and render.diff_stats(write) == (2, 0)
    (tmp_path / "m.txt").write_text("one\ntwo\n")
    multi = proposed_diff(
        "MultiEdit",
        {
            "file_path": "m.txt",
            "edits": [{"old_string": "one", "new_string": "1"}, {"old_string": "two", "new_string": "2"}],
        },
        tmp_path,
    )
    assert multi is not None and render.diff_stats(multi) == (2, 2)
    missing = proposed_diff("Edit", {"file_path": "m.txt", "old_string": "nope", "new_string": "yes"}, tmp_path)
    assert missing is not None and "-nope" in missing and "+yes" in missing
    assert proposed_diff("Bash", {"command": "ls"}, tmp_path) is None


def test_file_snapshots_report_created_and_updated(tmp_path: Path) -> None:
    snaps = FileSnapshots(tmp_path)
    snaps.before("c1", "Write", {"file_path": "f.txt"})
    (tmp_path / "f.txt").write_text("hello\n")
    diff, created = snaps.after("c1") or ([], False)
    assert created and "+hello" in diff
    snaps.before("c2", "Edit", {"file_path": "f.txt"})
    (tmp_path / "f.txt").write_text("hullo\n")
    diff, created = snaps.after("c2") or ([], True)
    assert not created and "-hello" in diff and "+hullo" in diff
    assert snaps.after("unknown") is None


def test_diff_is_coloured_and_plain_under_no_color() -> None:
    diff = ["--- a/f", "+++ b/f", "@@ -1 +1 @@", "-old", "+new", " same"]
    coloured = rendered(render.render_diff(diff))
    assert COLOUR_SGR.search(coloured), coloured
    no_color = rendered(render.render_diff(diff), color=False)
    assert not COLOUR_SGR.search(no_color), repr(no_color)
    assert "+new" in no_color and "-old" in no_color


def test_long_diffs_are_cut() -> None:
    diff = ["@@ -1,100 +1,100 @@"] + [f"+line {i}" for i in range(100)]
    text = plain(render.render_diff(diff, max_lines=10))
    assert "… 91 more diff lines" in text
    assert "+line 50" not in text


# ------------------------------------------------------------------ messages
def test_reasoning_is_truncated_unless_full() -> None:
    text = "\n".join(f"thought {i}" for i in range(10))
    short = plain(render.reasoning_text(text, full=False))
    assert "thought 2" in short and "thought 3" not in short
    assert "+7 more lines" in short and "/reasoning" in short
    full = plain(render.reasoning_text(text, full=True))
    assert "thought 9" in full and "more line" not in full


def test_assistant_markdown_highlights_code_and_respects_no_color() -> None:
    md = "Some **bold** text.\n\n```python\ndef f(x):\n    return x\n```\n"
    out = rendered(render.assistant_markdown(md))
    assert "def" in out and "bold" in out and "**" not in out
    assert COLOUR_SGR.search(out)
    no_color = rendered(render.assistant_markdown(md), color=False)
    assert not COLOUR_SGR.search(no_color), repr(no_color)
    assert "return x" in no_color


def test_tool_header_and_result_line_under_no_color(tmp_path: Path) -> None:
    header = render.tool_header("Bash", {"command": "false"}, 80, tmp_path, "error")
    line = render.result_line("exit code 1", "error", "0.1s")
    out = rendered(header, color=False) + rendered(line, color=False)
    assert not COLOUR_SGR.search(out)
    assert "● Bash(false)" in out and "⎿  exit code 1 0.1s" in out


# ------------------------------------------------------------------ status line
def test_status_line_fits_80_columns() -> None:
    line = render.status_line(
        80,
        agent_name="my-project-agent",
        model="anthropic/claude-sonnet-4-5",
        mode="acceptEdits",
        context_tokens=45_000,
        context_window=200_000,
        total_tokens=123_456,
    )
    assert len(line) <= 80
    assert "my-project-agent" in line and "acceptEdits" in line and "ctx 22%" in line


def test_status_line_shows_everything_when_wide_and_drops_parts_when_narrow() -> None:
    kwargs = dict(
        agent_name="agent",
        model="openai/gpt-4.1",
        mode="default",
        context_tokens=1000,
        context_window=100_000,
        total_tokens=2500,
    )
    wide = render.status_line(200, **kwargs)  # type: ignore[arg-type]
    for part in ("agent", "openai/gpt-4.1", "default", "ctx 1% (1k/100k)", "2.5k tokens", "shift+tab"):
        assert part in wide
    narrow = render.status_line(40, **kwargs)  # type: ignore[arg-type]
    assert len(narrow) <= 40 and "agent" in narrow and "default" in narrow
    tiny = render.status_line(10, **kwargs)  # type: ignore[arg-type]
    assert len(tiny) <= 10
    hinted = render.status_line(80, hint="Press Ctrl-C again to exit", **kwargs)  # type: ignore[arg-type]
    assert hinted.startswith(" Press Ctrl-C again to exit")


def test_session_stats_and_memory_blocks() -> None:
    stats = plain(render.session_stats(seconds=65, turns=3, prompt_tokens=1000, completion_tokens=234, tool_calls=4))
    assert "1m 05s" in stats and "Turns:       3" in stats and "1,234" in stats and "Tool calls:  4\n" in stats + "\n"
    stats = plain(
        render.session_stats(seconds=1, turns=1, prompt_tokens=1, completion_tokens=1, tool_calls=4, denied=1)
    )
    assert "Tool calls:  4 (1 denied)" in stats
    blocks = [
        BlockState(id="block-1", label="persona", value="I am helpful.\nVery.", limit=5000, description="Who I am"),
        BlockState(id="block-2", label="human", value="", limit=100),
    ]
    text = plain(render.memory_blocks(blocks), width=80)
    assert "persona  19/5,000 chars" in text
    assert "I am helpful." in text and "Very." in text and "Who I am" in text
    assert "human  0/100 chars" in text
    assert "no memory blocks" in plain(render.memory_blocks([]))


def test_status_line_marks_estimated_counts() -> None:
    kwargs = dict(
        agent_name="a", model="m", mode="default", context_tokens=3100, context_window=8192, total_tokens=4000
    )
    assert "~" not in render.status_line(200, **kwargs)  # type: ignore[arg-type]
    line = render.status_line(200, estimated=True, **kwargs)  # type: ignore[arg-type]
    assert "ctx ~37% (~3.1k/8.2k)" in line and "~4k tokens" in line
    line = render.status_line(200, context_estimated=True, **kwargs)  # type: ignore[arg-type]
    assert "ctx ~37% (~3.1k/8.2k)" in line and " 4k tokens" in line  # only the context is estimated
    kwargs["context_tokens"] = None
    assert "ctx ? (?/8.2k)" in render.status_line(200, **kwargs)  # type: ignore[arg-type]  # not known yet
