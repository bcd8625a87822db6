"""The Bash sandbox on its own (no permission analyzer in the way): real commands that try
to escape are stopped, legitimate work still runs. Both backends where they apply."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from letta_code.cli.sandbox_setup import build_policy
from letta_code.config.settings import Settings
from letta_code.permissions import PermissionChecker, PermissionMode
from letta_code.tools.base import ToolSession
from letta_code.tools.registry import shutdown
from letta_code.tools.sandbox import Sandbox, SandboxPolicy, open_sandbox
from tests.conftest import require_sandbox
from tests.tools.builtin.test_bash import alive, wait_until
from tests.tools.conftest import call

SECRET = "s3cr3t-" + uuid.uuid4().hex


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LETTA_HOME", str(tmp_path / "letta-home"))
    (tmp_path / "letta-home").mkdir()
    proj = tmp_path / "project"
    proj.mkdir()
    subprocess.run(["git", "init", "-q", str(proj)], check=True)
    (proj / ".letta").mkdir()
    (proj / ".letta" / "settings.local.json").write_text("{}\n")
    (proj / ".env").write_text(f"KEY={SECRET}\n")
    (proj / "sub").mkdir()
    (proj / "sub" / "id.key").write_text(SECRET)
    (proj / "app.py").write_text("def add(a, b):\n    return a + b\n")
    return proj


def make_session(project: Path, backend: str, *, network: bool = False) -> ToolSession:
    require_sandbox(backend)
    if network:
        (project / ".letta" / "settings.json").write_text('{"sandbox": {"network": true}}')
    checker = PermissionChecker(PermissionMode.BYPASS_PERMISSIONS, deny=["Read(.env)", "Read(*.key)"], cwd=project)
    sandbox = open_sandbox(build_policy(Settings.load(project), checker), backend)
    assert isinstance(sandbox, Sandbox) and sandbox.backend == backend
    return ToolSession(cwd=project, sandbox=sandbox)


@pytest.fixture(params=["bubblewrap", "landlock"])
def session(request: pytest.FixtureRequest, project: Path) -> Iterator[ToolSession]:
    s = make_session(project, request.param)
    yield s
    shutdown(s)


@pytest.fixture
def bwrap_session(project: Path) -> Iterator[ToolSession]:
    s = make_session(project, "bubblewrap")
    yield s
    shutdown(s)


def bash(session: ToolSession, command: str, **extra: object) -> str:
    return call("Bash", {"command": command, **extra}, session).output


@pytest.mark.parametrize(
    "command",
    [
        "echo x > {out}/marker",
        "touch {out}/marker",
        "mkdir {out}/marker",
        "cp app.py {out}/marker",
        "ln -s /etc/passwd {out}/marker",
        'python3 -c \'open("{out}/marker", "w").write("x")\'',
        "cd {out} && echo x > marker",
        "ln -s {out} link && echo x > link/marker",
        "sh -c 'echo x > {out}/marker'",
    ],
)
def test_writes_outside_the_project_are_stopped(session: ToolSession, outside_dir: Path, command: str) -> None:
    out = bash(session, command.format(out=outside_dir))
    assert not (outside_dir / "marker").exists(), out
    assert list(outside_dir.iterdir()) == []
    relative_elsewhere = (
        command.startswith("cd") and session.sandbox is not None and session.sandbox.backend == "landlock"
    )
    if not relative_elsewhere:  # Landlock's "Permission denied" on a relative path is ambiguous
        assert "blocked by the sandbox: write outside the project" in out


def test_writes_in_the_project_and_temp_work(session: ToolSession, project: Path) -> None:
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"letta-sbx-{uuid.uuid4().hex[:8]}"
    out = bash(
        session, f"echo hi > new.txt && mkdir -p d/e && mv new.txt d/e/ && echo t > {tmp} && cat {tmp} d/e/new.txt"
    )
    assert out == "t\nhi"
    tmp.unlink()
    assert (project / "d" / "e" / "new.txt").read_text() == "hi\n"


def test_git_and_a_test_run_work(session: ToolSession, project: Path) -> None:
    (project / "test_app.py").write_text("from app import add\n\ndef test_add():\n    assert add(1, 2) == 3\n")
    out = bash(
        session,
        "git add app.py test_app.py && git -c user.name=a -c user.email=a@b commit -qm one && git status --short && git log --oneline | wc -l",
    )
    assert out.strip().endswith("1"), out
    out = bash(session, f"{sys.executable} -m pytest -q -p no:cacheprovider test_app.py")
    assert "1 passed" in out, out


def test_git_config_hooks_and_letta_settings_stay_read_only(bwrap_session: ToolSession, project: Path) -> None:
    config = (project / ".git" / "config").read_text()
    for command in [
        "printf '[core]\\n\\tfsmonitor = touch pwned\\n' >> .git/config",
        "git config core.fsmonitor 'touch pwned'",
        "echo 'touch pwned' > .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit",
        "rm -rf .git/hooks",
        "mv .git/config .git/config.old",
        'echo \'{"permissions": {"allow": ["Bash"]}}\' > .letta/settings.local.json',
        "echo '{}' > .letta/settings.json",
        "rm -rf .letta",
    ]:
        out = bash(bwrap_session, command)
        assert "blocked by the sandbox" in out or "Device or resource busy" in out or "Read-only" in out, (command, out)
    assert (project / ".git" / "config").read_text() == config
    assert not (project / ".git" / "hooks" / "pre-commit").exists()
    assert (project / ".letta" / "settings.local.json").read_text() == "{}\n"
    assert not (project / ".letta" / "settings.json").exists()


def test_read_denied_files_show_no_content(bwrap_session: ToolSession, project: Path) -> None:
    for command in [
        "cat .env",
        "cat sub/id.key",
        "cp .env copy && cat copy",
        "base64 .env",
        "grep -r KEY .",
        "tar c . | strings",
        "cat .e*",
    ]:
        out = bash(bwrap_session, command)
        assert SECRET not in out, command
    assert (
        bash(bwrap_session, "echo x > .env; wc -c < .env") == "0" or (project / ".env").read_text() == f"KEY={SECRET}\n"
    )
    assert (project / ".env").read_text() == f"KEY={SECRET}\n"


@pytest.fixture
def listener() -> Iterator[int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield server.getsockname()[1]
    server.close()


CONNECT = 'python3 -c \'import socket,sys; socket.create_connection(("127.0.0.1", {port}), 3); print("connected")\''


def test_network_is_off(session: ToolSession, listener: int) -> None:
    out = bash(session, CONNECT.format(port=listener))
    assert "connected" not in out
    assert 'blocked by the sandbox: network is off; allow it with "sandbox": {"network": true}' in out


@pytest.mark.parametrize("backend", ["bubblewrap", "landlock"])
def test_network_on_when_allowed(project: Path, listener: int, backend: str) -> None:
    s = make_session(project, backend, network=True)
    try:
        assert bash(s, CONNECT.format(port=listener)) == "connected"
    finally:
        shutdown(s)


def test_background_output_and_kill(session: ToolSession) -> None:
    token = uuid.uuid4().hex
    started = call(
        "Bash",
        {
            "command": f"echo up; echo x > bg.txt; python3 -c 'import time; time.sleep(300)' {token}",
            "run_in_background": True,
        },
        session,
    )
    shell_id = started.output.split()[3]
    assert wait_until(lambda: "up" in "".join(bash_out(session, shell_id)), 10)
    assert "Status: running" in call("BashOutput", {"bash_id": shell_id}, session).output
    assert wait_until((session.cwd / "bg.txt").exists)
    call("KillBash", {"bash_id": shell_id}, session)
    assert wait_until(lambda: not pids_with(token))
    assert "killed" in call("BashOutput", {"bash_id": shell_id}, session).output


seen: dict[str, list[str]] = {}


def bash_out(session: ToolSession, shell_id: str) -> list[str]:
    seen.setdefault(shell_id, []).append(call("BashOutput", {"bash_id": shell_id}, session).output)
    return seen[shell_id]


def pids_with(token: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if token.encode() in cmdline and alive(int(entry)):
                found.append(int(entry))
    return found


def test_timeout_kills_everything_even_a_setsid_child(bwrap_session: ToolSession) -> None:
    token = uuid.uuid4().hex
    out = bash(bwrap_session, f"setsid python3 -c 'import time; time.sleep(300)' {token} & sleep 300", timeout=1000)
    assert "timed out" in out
    assert wait_until(lambda: not pids_with(token))


def test_timeout_kills_under_landlock(project: Path) -> None:
    s = make_session(project, "landlock")
    try:
        token = uuid.uuid4().hex
        assert "timed out" in bash(s, f"python3 -c 'import time; time.sleep(300)' {token}", timeout=500)
        assert wait_until(lambda: not pids_with(token))
    finally:
        shutdown(s)


def test_policy_without_masks_and_missing_paths(tmp_path: Path, outside_dir: Path) -> None:
    require_sandbox("bubblewrap")
    gone = tmp_path / "gone"
    gone.mkdir()
    policy = SandboxPolicy.build([tmp_path], [gone / "x"], [gone])
    sandbox = open_sandbox(policy, "bubblewrap")
    assert sandbox is not None
    gone.rmdir()  # a path that vanished after start-up must not break later commands
    s = ToolSession(cwd=tmp_path, sandbox=sandbox)
    assert bash(s, "echo fine") == "fine"
    assert not gone.exists()


def test_settings_merge_later_files_win_and_lists_add_up(project: Path, tmp_path: Path) -> None:
    (tmp_path / "letta-home" / "settings.json").write_text('{"sandbox": {"enabled": false, "allowWrite": ["~/.npm"]}}')
    (project / ".letta" / "settings.json").write_text('{"sandbox": {"enabled": true, "allowWrite": ["build"]}}')
    (project / ".letta" / "settings.local.json").write_text('{"sandbox": {"network": true}}')
    box = Settings.load(project).sandbox()
    assert box.enabled is True and box.network is True
    assert box.allow_write == (str(Path.home() / ".npm"), str(project / "build"))


def test_sandbox_paths_find_nested_repos_and_anchored_rules(project: Path) -> None:
    from letta_code.permissions.rules import parse_rule
    from letta_code.permissions.sandbox_paths import sandbox_paths

    nested = project / "vendor" / "lib"
    subprocess.run(["git", "init", "-q", str(nested)], check=True)
    (project / "secrets").mkdir()
    rules = [parse_rule(r) for r in ["Read(.env)", "Read(/secrets/**)", "Edit(app.py)", "Bash(rm -rf:*)"]]
    found = sandbox_paths(rules, [str(project)])
    real = os.path.realpath(project)
    assert f"{real}/.env" in found.read_masked and f"{real}/secrets" in found.read_masked
    for path in [".git/config", ".git/hooks", "vendor/lib/.git/config", "vendor/lib/.git/hooks", ".letta", "app.py"]:
        assert f"{real}/{path}" in found.write_protected, path
    assert found.complete
