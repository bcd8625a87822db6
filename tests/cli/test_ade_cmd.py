"""`letta ade`, the real process: the ADE over the local database on a free loopback port."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from letta_code.testing import ModelServer, Reply
from tests.conftest import Letta, letta_executable, with_ctrl_c


@contextmanager
def ade_process(
    letta: Letta, *args: str, env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`letta ade ARGS` started as a terminal would (Ctrl-C at its default), and the URL it printed."""
    with subprocess.Popen(
        with_ctrl_c([*letta_executable(), "ade", *args]),
        cwd=letta.cwd,
        env=env or letta.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            match = re.fullmatch(r"ADE: (http://127\.0\.0\.1:\d+/)\n", line)
            assert match, f"unexpected first line {line!r}; stderr: {proc.stderr.read() if proc.stderr else ''}"
            yield proc, match.group(1)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def stop(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    """Ctrl-C, then what the process left: its exit code, the rest of stdout, stderr."""
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    return proc.returncode, out, err


def test_letta_ade_serves_the_page_and_the_local_agents_until_ctrl_c(letta: Letta, model_server: ModelServer) -> None:
    model_server.script([Reply(text="hello")])
    assert letta.run("-p", "hi", "-m", "openai/gpt-4.1").returncode == 0  # an agent in the local database
    with ade_process(letta, "--no-browser") as (proc, url):
        page = httpx.get(url)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "/ade/app.js" in page.text and "Letta Code" in page.text
        agents = httpx.get(f"{url}v1/agents").json()
        assert len(agents) == 1 and agents[0]["model"] == "openai/gpt-4.1"  # the terminal's agent
        assert httpx.get(f"{url}docs").status_code == 200
        code, out, err = stop(proc)
    assert code == 0, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert out == ""  # the URL line was all


def test_letta_ade_opens_the_browser_on_its_url(letta: Letta, tmp_path: Path) -> None:
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.py"
    # A stand-in browser (webbrowser runs $BROWSER): it loads the page, as a browser would.
    browser.write_text(
        "import sys, urllib.request\n"
        "page = urllib.request.urlopen(sys.argv[1], timeout=10).read().decode()\n"
        f"open({str(opened)!r}, 'w').write(sys.argv[1] + '\\n' + page)\n"
    )
    env = {**letta.env, "BROWSER": f"{sys.executable} {browser} %s"}
    with ade_process(letta, env=env) as (proc, url):
        deadline = time.monotonic() + 15
        while not (opened.exists() and opened.read_text().count("\n") > 1) and time.monotonic() < deadline:
            time.sleep(0.05)
        shown, page = opened.read_text().split("\n", 1)
        assert shown == url and "/ade/app.js" in page
        code, _, err = stop(proc)
    assert code == 0, err


def test_letta_ade_without_a_browser_just_prints_the_url(letta: Letta) -> None:
    # No display and no terminal browser on PATH: webbrowser finds nothing to run.
    env = {k: v for k, v in letta.env.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER")}
    env["PATH"] = str(Path(sys.executable).parent)
    with ade_process(letta, env=env) as (proc, url):
        assert httpx.get(url).status_code == 200
        code, out, err = stop(proc)
    assert (code, out) == (0, ""), err
    assert "Traceback" not in err


def fake_browsers(folder: Path, names: tuple[str, ...], marker: Path) -> None:
    """Stand-ins for browsers on PATH: each one notes its name and URL in `marker` when run."""
    folder.mkdir()
    for name in names:
        script = folder / name
        script.write_text(
            f"#!{sys.executable}\nimport sys\nopen({str(marker)!r}, 'a').write({name!r} + ' ' + sys.argv[-1] + '\\n')\n"
        )
        script.chmod(0o755)


def test_letta_ade_over_ssh_never_starts_a_console_browser(letta: Letta, tmp_path: Path) -> None:
    # No display, a terminal, console browsers on PATH: webbrowser would pick lynx or w3m and run it
    # on the server's own terminal. The URL line is all the user gets.
    ran = tmp_path / "ran.txt"
    fake_browsers(tmp_path / "bin", ("www-browser", "links", "elinks", "lynx", "w3m"), ran)
    env = {k: v for k, v in letta.env.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER")}
    env |= {"PATH": f"{tmp_path / 'bin'}:{Path(sys.executable).parent}", "TERM": "xterm-256color"}
    with ade_process(letta, env=env) as (proc, url):
        assert httpx.get(url).status_code == 200
        time.sleep(0.5)  # a browser would have been started by now
        code, out, err = stop(proc)
    assert (code, out) == (0, ""), err
    assert not ran.exists(), ran.read_text()


def test_letta_ade_with_a_display_opens_the_desktop_browser(letta: Letta, tmp_path: Path) -> None:
    ran = tmp_path / "ran.txt"
    fake_browsers(tmp_path / "bin", ("xdg-open", "lynx"), ran)
    env = {k: v for k, v in letta.env.items() if k not in ("WAYLAND_DISPLAY", "BROWSER")}
    env |= {"PATH": f"{tmp_path / 'bin'}:{Path(sys.executable).parent}", "TERM": "xterm", "DISPLAY": ":99"}
    with ade_process(letta, env=env) as (proc, url):
        deadline = time.monotonic() + 15
        while not ran.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        code, _, err = stop(proc)
    assert code == 0, err
    assert ran.read_text() == f"xdg-open {url}\n"


def test_letta_ade_on_a_busy_port_says_so_in_one_line(letta: Letta) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = letta.run("ade", "--no-browser", "--port", str(port), timeout=30)
    assert done.returncode == 1
    assert done.stderr.startswith(f"letta ade: cannot listen on 127.0.0.1:{port}:")
    assert len(done.stderr.strip().splitlines()) == 1 and done.stdout == ""


def test_letta_ade_help_and_letta_help_name_it(letta: Letta) -> None:
    ade_help = letta.run("ade", "--help")
    assert ade_help.returncode == 0 and "--no-browser" in ade_help.stdout and "--port" in ade_help.stdout
    top = letta.run("--help")
    assert re.search(r"^\s+letta ade\b", top.stdout, re.MULTILINE), top.stdout
