"""Which top-level keys a settings file may hold, and the warning for any other.

A key letta does not know is ignored, so a misspelt one would fail silently: a user
who wrote `"hoks"` (or a Claude Code key letta has no counterpart for) would believe
a guard is active when it is not. So every unknown key is one warning line naming
the file. The three settings files are shared with the official Letta Code CLI
(the same `~/.letta` and `.letta/` files), so the keys it writes are known too and
pass without a word, though letta does nothing with most of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

# Keys letta reads or writes.
OWN_KEYS = frozenset(
    {
        "env",
        "model",
        "models",
        "permissions",
        "sandbox",
        "globalSharedBlockIds",
        "localSharedBlockIds",
        "lastAgent",
        "lastConversation",
        "projectMemoryFile",  # team memory (harness/team_memory.py)
        "projectMemorySynced",
        "reflection",
        "webSearch",  # the web search provider (config/web.py; read from the global file)
        "subagents",  # {"exploreModel": ...} for the Task tool (cli/subagent_setup.py)
        # hooks and MCP servers, in Claude Code's format
        "hooks",
        "mcpServers",
        "enabledMcpjsonServers",
        "disabledMcpjsonServers",
        "enableAllProjectMcpServers",
        # credentials of older letta versions (removed by /logout)
        "apiKey",
        "refreshToken",
        "tokenExpiresAt",
    }
)

# Keys the official Letta Code CLI keeps in the same files (letta leaves them alone).
OFFICIAL_CLI_KEYS = frozenset(
    {
        "agents",
        "anthropicOAuth",
        "autoConversationTitles",
        "autoConversationTitlesRollbackApplied",
        "autoSwapOnQuotaLimit",
        "channelCredentialsStore",
        "conversationSwitchAlertEnabled",
        "createDefaultAgents",
        "deviceId",
        "enableSleeptime",
        "experiments",
        "includeWorktreeTool",
        "lastSeenReleaseNotesVersion",
        "lastSession",
        "listenerEnvName",
        "memoryReminderInterval",
        "oauthState",
        "pinnedAgents",
        "pinnedAgentsByServer",
        "pinnedConversationsByServer",
        "preferredBackendMode",
        "profiles",
        "reasoningTabCycleEnabled",
        "recentModels",
        "reflectionBehavior",
        "reflectionMerge",
        "reflectionMergeInstructions",
        "reflectionSettingsByAgent",
        "reflectionStepCount",
        "reflectionTrigger",
        "sessionContextEnabled",
        "sessionsByServer",
        "showCompactions",
        "tokenStreaming",
        "toolUpsertHashes",
        "windowTitle",
        "worktree",
    }
)

KNOWN_KEYS = OWN_KEYS | OFFICIAL_CLI_KEYS


def unknown_key_warnings(files: Iterable[tuple[Path, Mapping[str, object]]]) -> list[str]:
    """One line per top-level key no letta reads, naming the file (and the key it may have meant)."""
    lines = []
    for path, data in files:
        for key in data:
            if key in KNOWN_KEYS or key.startswith("$"):  # "$schema" and the like
                continue
            lines.append(f"{path}: unknown key '{key}' is ignored{did_you_mean(key, OWN_KEYS, cutoff=0.75)}")
    return lines


def did_you_mean(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str:
    """` (did you mean 'x'?)` for the choice closest to a misspelt `word` (the same letters in
    another case count too), or "" when none is close. Every "unknown name" line uses it."""
    import difflib  # only when there is a name to suggest for

    names = sorted(choices)
    close = difflib.get_close_matches(word, names, n=1, cutoff=cutoff) or [
        n for n in names if n.lower() == word.lower()
    ]
    return f" (did you mean {close[0]!r}?)" if close else ""
