"""Where the scenario's emulator listens, for testinfra tests (see create.yml)."""

import json
import os
from pathlib import Path


def endpoint() -> str:
    state = json.loads((Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "emulator" / "emulator.json").read_text())
    return f"http://{state['host']}:{state['port']}"
