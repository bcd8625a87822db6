"""`!command` output in the TUI: lines of any length."""

from __future__ import annotations

import asyncio


def test_shell_output_lines_survive_a_huge_line() -> None:
    from letta_code.cli.tui.shell import output_lines

    async def main() -> list[bytes]:
        proc = await asyncio.create_subprocess_exec(
            "python3", "-c", "print('a' * 300000); print('tail')", stdout=asyncio.subprocess.PIPE
        )
        assert proc.stdout is not None
        lines = [line async for line in output_lines(proc.stdout)]
        await proc.wait()
        return lines

    lines = asyncio.run(main())
    assert lines[-1] == b"tail"
    assert sum(len(line) for line in lines[:-1]) == 300000
