"""Headless Chromium driven over the DevTools protocol: load a page as a person's browser
would, and report its console errors, the requests it made, what it rendered, and a screenshot.

Debian's `chromium` package is the browser (`make browser` installs it); the protocol is
spoken over a local WebSocket, so nothing but this machine's loopback is involved.
"""

import base64
import dataclasses
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from typing import Any

import websocket

STARTUP_TIMEOUT_SECONDS = 30
COMMAND_TIMEOUT_SECONDS = 30


class BrowserError(RuntimeError):
    """Chromium could not be started or did not answer."""


@dataclasses.dataclass
class LoadedPage:
    """What happened while a page loaded."""

    console_errors: list[str]
    requested_urls: list[str]


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        raise BrowserError("chromium is not installed: run `make browser` (Debian's chromium)")
    return path


class HeadlessChromium:
    """One headless Chromium with one page, for use as a context manager."""

    def __init__(self, width: int = 1280, height: int = 900):
        self.width, self.height = width, height
        self._profile = tempfile.TemporaryDirectory(prefix="chromium-profile-")
        self._process: subprocess.Popen | None = None
        self._socket: websocket.WebSocket | None = None
        self._next_id = 0
        self._events: list[dict[str, Any]] = []

    def __enter__(self) -> "HeadlessChromium":
        self._process = subprocess.Popen(
            [
                chromium_path(),
                "--headless",
                "--no-sandbox",  # tests may run as root, where Chromium's sandbox refuses
                "--disable-gpu",
                "--no-first-run",
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
                f"--user-data-dir={self._profile.name}",
                f"--window-size={self.width},{self.height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port = self._wait_for_port()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            targets = json.load(answer)
        page = next(t for t in targets if t["type"] == "page")
        self._socket = websocket.create_connection(
            page["webSocketDebuggerUrl"], timeout=COMMAND_TIMEOUT_SECONDS, suppress_origin=True
        )
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        return self

    def __exit__(self, *exc_info) -> None:
        if self._socket is not None:
            self._socket.close()
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._profile.cleanup()

    def _wait_for_port(self) -> int:
        """Chromium writes the port it picked to DevToolsActivePort in its profile."""
        port_file = os.path.join(self._profile.name, "DevToolsActivePort")
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise BrowserError(f"chromium exited with {self._process.returncode}")
            if os.path.exists(port_file):
                with open(port_file) as f:
                    first_line = f.readline().strip()
                if first_line.isdigit():
                    return int(first_line)
            time.sleep(0.1)
        raise BrowserError(
            f"chromium did not open its DevTools port in {STARTUP_TIMEOUT_SECONDS} s"
        )

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call a DevTools method and return its result; events that arrive meanwhile are kept."""
        self._next_id += 1
        call_id = self._next_id
        self._socket.send(json.dumps({"id": call_id, "method": method, "params": params or {}}))
        while True:
            message = json.loads(self._socket.recv())
            if message.get("id") == call_id:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self._events.append(message)

    def _wait_for_event(self, method: str) -> dict[str, Any]:
        deadline = time.monotonic() + COMMAND_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            for event in self._events:
                if event["method"] == method:
                    return event
            message = json.loads(self._socket.recv())
            if "method" in message:
                self._events.append(message)
        raise BrowserError(f"no {method} within {COMMAND_TIMEOUT_SECONDS} s")

    def load(self, url: str) -> LoadedPage:
        """Open `url`, wait until it has loaded, and report its errors and requests."""
        self._events.clear()
        self.send("Page.navigate", {"url": url})
        self._wait_for_event("Page.loadEventFired")
        self.evaluate("new Promise(resolve => requestAnimationFrame(() => resolve(true)))")
        errors, urls = [], []
        for event in self._events:
            params = event["params"]
            if event["method"] == "Runtime.consoleAPICalled" and params["type"] in (
                "error",
                "assert",
            ):
                errors.append(
                    " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
                )
            elif event["method"] == "Runtime.exceptionThrown":
                errors.append(params["exceptionDetails"].get("text", "exception"))
            elif event["method"] == "Log.entryAdded" and params["entry"]["level"] == "error":
                errors.append(params["entry"]["text"])
            elif event["method"] == "Network.requestWillBeSent":
                urls.append(params["request"]["url"])
        return LoadedPage(console_errors=errors, requested_urls=urls)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (awaited if it is a promise)."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression!r} threw: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: str) -> tuple[int, int]:
        """Save a PNG of the whole page, not just the window; return its CSS size."""
        metrics = self.send("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        width, height = int(size["width"]), int(size["height"])
        shot = self.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
            },
        )
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        return width, height
