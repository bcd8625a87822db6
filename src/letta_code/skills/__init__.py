"""Skills: discovery and parsing of SKILL.md files, and the text of the skills memory blocks."""
