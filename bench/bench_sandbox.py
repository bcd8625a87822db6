"""The cost of the Bash sandbox per call: median of N `echo` Bash calls without it and with
each backend that works here. Run: `.venv/bin/python bench/bench_sandbox.py [N]`."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from letta_code.tools.base import ToolSession
from letta_code.tools.builtin.bash import BashTool
from letta_code.tools.sandbox import BACKENDS, SandboxPolicy, backend_works, open_sandbox


def median_ms(session: ToolSession, count: int) -> float:
    tool = BashTool()
    times = []
    for i in range(count):
        start = time.perf_counter()
        result = tool.run({"command": f"echo {i}"}, session)
        times.append(time.perf_counter() - start)
        assert result.output == str(i), result.output
    return statistics.median(times) * 1000


def main(argv: list[str]) -> int:
    count = int(argv[0]) if argv else 50
    with tempfile.TemporaryDirectory() as work:
        cwd = Path(work)
        (cwd / ".git" / "hooks").mkdir(parents=True)
        (cwd / ".git" / "config").write_text("[core]\n")
        (cwd / ".env").write_text("KEY=x\n")
        policy = SandboxPolicy.build(
            [cwd, tempfile.gettempdir()], [cwd / ".git" / "config", cwd / ".git" / "hooks"], [cwd / ".env"]
        )
        print(f"median of {count} `echo` Bash calls")
        print(f"  no sandbox : {median_ms(ToolSession(cwd=cwd), count):6.1f} ms")
        for backend in BACKENDS:
            if not backend_works(backend):
                print(f"  {backend:11}: not available here")
                continue
            sandbox = open_sandbox(policy, backend)
            print(f"  {backend:11}: {median_ms(ToolSession(cwd=cwd, sandbox=sandbox), count):6.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
