"""A warm process that `letta -p` hands its run to, so a headless turn skips start-up imports.

Most of a headless turn's wall time is Python importing the stack (SQLAlchemy, httpx,
asyncio, our service). The first `letta -p` runs as usual and, as it exits, starts a
*preload server* in the background: a process that has imported what such a run loads and
then waits on a Unix socket. The next `letta -p` connects, passes its stdin/stdout/stderr
and working directory (as file descriptors), its argv, environment and umask, and the
server forks a child that becomes that run: same fds, cwd, env, argv, exit status. Nothing
is shared between runs but imported code — the child opens the database, reads settings
and env as any run does.

- `place`: where the socket lives, what makes two processes compatible, on/off switch.
- `client`: the `letta` side (stdlib only, imported before anything heavy).
- `server`: the waiting process, its checks (same uid, namespaces, limits; unchanged code).
- `child`: what a forked child does to become the client's run.

`LETTA_PRELOAD=0` turns it off. Only headless runs (`-p`) are handed over: the terminal UI
owns a controlling terminal, which a forked child cannot take over.
"""
