"""Letta Code in Python: a stateful coding agent for the terminal.

The root package owns `__version__` and `errors.py` (`UserError`, the one base of the
errors a user reads); every layer is a subpackage (ARCHITECTURE.md has the map). Both
import nothing, so every layer may import them and `letta --version` pays for nothing;
like every product package, `errors.py` must not import `testing` (import-linter
contract "nothing in the product imports the scripted model server").
"""

__version__ = "0.1.0"
