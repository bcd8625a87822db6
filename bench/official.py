"""The official Letta Code CLI (PyPI `letta`), installed in its own venv under bench/.envs/.

Its command is also `letta`, so it never shares an environment with ours. The wheel is a
Python launcher around a bundled Node.js and the CLI's JavaScript bundle (`letta_code/
_payload`); it `exec`s node, so the measured process is the CLI itself.

How it is pointed at the scripted model server (read from its `--help`, `letta connect
--help` and its bundled source): the local backend (`letta backend local`, agents stored
under `~/.letta/lc-local-backend`) with an OpenAI-compatible provider saved by
`letta connect openai-compatible --base-url URL --api-key KEY`; the model handle is then
`openai-compatible/<model>`. It reads no `OPENAI_BASE_URL` for its `openai/` provider (a
run with only that set retried "Connection error." against the real endpoint), and its
state lives under `$HOME/.letta`, so every benchmark gives it a fresh HOME.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENVS = ROOT / "bench" / ".envs"
OFFICIAL_VENV = ENVS / "official"
OFFICIAL_PACKAGE = "letta"
OFFICIAL_VERSION = "0.34.12"  # pinned so reruns compare against the same release


def official_letta() -> Path:
    return OFFICIAL_VENV / "bin" / "letta"


def installed_version() -> str | None:
    python = OFFICIAL_VENV / "bin" / "python"
    if not python.exists() or not official_letta().exists():
        return None
    probe = "import importlib.metadata as m; print(m.version('letta'))"
    proc = subprocess.run([str(python), "-c", probe], capture_output=True, text=True)
    return proc.stdout.strip() if proc.returncode == 0 else None


def ensure_official(log: Callable[[str], None] = print) -> Path:
    """Install the pinned official CLI into bench/.envs/official unless it is already there."""
    if installed_version() == OFFICIAL_VERSION:
        return official_letta()
    ENVS.mkdir(parents=True, exist_ok=True)
    if not (OFFICIAL_VENV / "bin" / "python").exists():
        log(f"creating {OFFICIAL_VENV.relative_to(ROOT)}")
        subprocess.run([sys.executable, "-m", "venv", str(OFFICIAL_VENV)], check=True)
    log(f"installing {OFFICIAL_PACKAGE}=={OFFICIAL_VERSION} into {OFFICIAL_VENV.relative_to(ROOT)}")
    pip = [
        str(OFFICIAL_VENV / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
    ]
    proc = subprocess.run([*pip, f"{OFFICIAL_PACKAGE}=={OFFICIAL_VERSION}"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"pip install {OFFICIAL_PACKAGE} failed: {proc.stderr.strip()[-800:]}")
    if installed_version() != OFFICIAL_VERSION:
        raise RuntimeError(f"{official_letta()} is missing after installing {OFFICIAL_PACKAGE}")
    return official_letta()


def node_version() -> str:
    """The Node.js version bundled in the official wheel (from its manifest)."""
    import json

    for manifest in OFFICIAL_VENV.glob("lib/python*/site-packages/letta_code/_payload/manifest.json"):
        return str(json.loads(manifest.read_text()).get("node", "?"))
    return "?"


def configure(letta: Path, env: dict[str, str], cwd: Path, model_base_url: str) -> None:
    """Local backend by default, and the scripted server as its OpenAI-compatible provider."""
    steps = [
        [str(letta), "backend", "local"],
        [
            str(letta),
            "connect",
            "openai-compatible",
            "--base-url",
            model_base_url,
            "--api-key",
            "bench",
        ],
    ]
    for cmd in steps:
        proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
        output = (proc.stdout + proc.stderr).strip()
        if proc.returncode != 0 or "fail" in output.lower():
            raise RuntimeError(f"`{' '.join(cmd[1:])}` failed: {output[-600:]}")
