"""The MCP client (Model Context Protocol): the servers a session talks to, and their tools.

`config.py` reads the servers from `.mcp.json` (project scope) and the global
settings' `mcpServers` (user scope) into typed records, without the SDK; `connection.py`
keeps one server's connection open for the session (the official `mcp` SDK);
`results.py` turns an MCP tool result into a `ToolResult`; `manager.py` starts and
closes a session's servers and names their tools `mcp__<server>__<tool>`.

Only `config.py` may be imported by code that runs with no MCP server configured: the
others import the SDK. Like all of `tools`, it imports nothing of ours but `config`.
"""
