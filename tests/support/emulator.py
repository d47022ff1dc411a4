"""The emulator as the tests use it: started by the project's own launcher."""

from __future__ import annotations

import base64
import contextlib
import json
import ssl
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import emulator as launcher
from support.aws import Aws
from support.aws_proxy import Request


@contextlib.contextmanager
def running_emulator(state_dir: Path) -> Iterator[launcher.EmulatorState]:
    state = launcher.start(state_dir, port=0)
    try:
        yield state
    finally:
        launcher.stop(state_dir)


def client(state: launcher.EmulatorState, service: str, region: str = "us-east-2"):
    return Aws(state, region).client(service)


def free_loopback_endpoint() -> str:
    """An endpoint on a loopback port nobody listens on."""
    return f"https://{launcher.DEFAULT_HOST}:{launcher.free_port()}"


class RequestRecording:
    """The requests the emulator answered, counted by service and operation from moto's own recorder:
    exact like the counting proxy's, without a proxy's cost in the way of what is timed."""

    def __init__(self, state: launcher.EmulatorState):
        self.state = state
        self.context = ssl.create_default_context(cafile=state.ca_bundle)

    def _call(self, action: str, method: str = "POST") -> bytes:
        url = f"{self.state.endpoint}/moto-api/recorder/{action}"
        with urllib.request.urlopen(
            urllib.request.Request(url, method=method), context=self.context, timeout=60
        ) as answer:
            return answer.read()

    def restart(self) -> None:
        """Forget what was recorded and record from now on."""
        self._call("reset-recording")
        self._call("start-recording")

    def stop(self) -> None:
        self._call("stop-recording")

    def requests(self) -> list[Request]:
        """Every request since the last restart, in order."""
        requests = []
        for line in self._call("download-recording", method="GET").decode().splitlines():
            entry = json.loads(line)
            body = base64.b64decode(entry["body"]) if entry["body_encoded"] else (entry["body"] or "").encode()
            headers = {name.lower(): value for name, value in entry["headers"].items()}
            requests.append(Request(entry["method"], entry["url"], headers, body))
        return requests

    def counts(self) -> Counter:
        """(service, operation): requests since the last restart."""
        return Counter((request.service, request.operation) for request in self.requests())
