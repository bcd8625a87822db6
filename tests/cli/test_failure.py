"""Every entry point reports a failure in one line: a read-only, full or impossible
LETTA_HOME under `letta -p` and `letta memory` (real processes; the read-only and full
homes are mounts in a private mount namespace, which needs root and `unshare`), and the
formatting of errors that are not the user's to read."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from letta_code.cli.failure import error_line, report
from letta_code.errors import UserError
from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta, letta_executable

MODEL = ["-m", "openai/gpt-4.1"]
READ_ONLY = 'mount --bind "$H" "$H" && mount -o remount,bind,ro "$H" "$H" && exec "$@"'
FULL = (
    'cp -a "$H" "$H.copy" && mount -t tmpfs -o size=1m tmpfs "$H" && cp -a "$H.copy/." "$H/" && '
    '{ dd if=/dev/zero of="$H/filler" bs=4k 2>/dev/null; exec "$@"; }'
)


def in_mount_namespace(letta: Letta, setup: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `letta ARGS` after `setup` (a shell line, `$H` is the home) in a private mount namespace."""
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode:
        pytest.fail("these tests mount a read-only and a full home: they need root and unshare (util-linux)")
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", setup, "sh", *letta_executable(), *args],
        cwd=letta.cwd,
        env={**letta.env, "H": str(letta.home)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def one_line_exit_1(proc: subprocess.CompletedProcess[str], prog: str, *words: str) -> None:
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{prog}: "), proc.stderr
    assert "Traceback" not in proc.stderr and "unexpected error" not in proc.stderr, proc.stderr
    assert all(word in lines[0] for word in words), proc.stderr


@pytest.fixture
def used_home(letta: Letta, model_server: ModelServer) -> Letta:
    """A home with an agent in it, as a user's is."""
    model_server.script([Reply(text="ok")])
    assert letta.run("-p", "hi", *MODEL).returncode == 0
    return letta


@pytest.mark.parametrize("setup", [READ_ONLY, FULL], ids=["read-only", "full"])
def test_an_unusable_home_is_one_line_for_memory_and_headless(used_home: Letta, setup: str) -> None:
    one_line_exit_1(in_mount_namespace(used_home, setup, "memory", "list"), "letta memory", "letta.db")
    one_line_exit_1(in_mount_namespace(used_home, setup, "-p", "hi", *MODEL), "letta", "letta.db")
    one_line_exit_1(in_mount_namespace(used_home, setup, "memory", "show", "human"), "letta memory")


def test_a_home_that_cannot_be_made_is_one_line(letta: Letta) -> None:
    blocker = letta.home / "a-file"
    blocker.write_text("")
    letta.env["LETTA_HOME"] = str(blocker / "home")
    for args, prog in ((["memory", "list"], "letta memory"), (["-p", "hi", *MODEL], "letta")):
        one_line_exit_1(letta.run(*args), prog, "Not a directory")


def test_server_reports_an_unusable_home_in_one_line(letta: Letta) -> None:
    blocker = letta.home / "a-file"
    blocker.write_text("")
    letta.env["LETTA_HOME"] = str(blocker / "home")
    proc = letta.run("server", "--port", "0", timeout=30)
    one_line_exit_1(proc, "letta server", "Not a directory")


def test_unexpected_errors_name_their_type_only() -> None:
    internal = RuntimeError("(sqlite3.OperationalError) no such column\n[SQL: SELECT secret FROM keys WHERE x = ?]")
    assert error_line(internal) == "unexpected error (RuntimeError) (set LETTA_DEBUG=1 for details)"
    assert error_line(UserError("first line\nsecond line")) == "first line second line"
    assert error_line(UserError("x" * 5000)).endswith("...") and len(error_line(UserError("x" * 5000))) == 2000
    assert error_line(PermissionError(13, "Permission denied", "/etc/x")) == "/etc/x: Permission denied"


def test_report_prints_one_line_and_debug_raises(capsys: pytest.CaptureFixture[str]) -> None:
    assert report(UserError("bad thing"), "letta memory", env={}) == 1
    assert capsys.readouterr().err == "letta memory: bad thing\n"
    with pytest.raises(KeyError):
        report(KeyError("x"), env={"LETTA_DEBUG": "1"})
    assert report(UserError("still one line"), env={"LETTA_DEBUG": "1"}) == 1  # a user error never raises
