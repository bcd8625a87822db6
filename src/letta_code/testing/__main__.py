"""`python -m letta_code.testing`: the scripted model server in its own process.

Options: `--port N` (0 picks a free port), `--script replies.json` (a JSON list of
replies), `--loop`, `--no-strict`, `--exhausted-text`; see `model_server.main`.
"""

import sys

from letta_code.testing.model_server import main

sys.exit(main())
