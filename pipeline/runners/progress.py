"""Live progress: one terminal line as each node starts and one as it finishes, with seconds."""

import logging
import time
from typing import TextIO

# LocalDagRunner and the launcher log these (absl -> Python logging); we listen for them
# rather than poll ML Metadata, which the running node is writing to.
_NODE_STARTED = "Component %s is running."
_NODE_FINISHED = "Component %s is finished."
_CACHE_HIT = "A cached execution %d is used."


class NodeProgress(logging.Handler):
    """A logging handler that turns the runner's per-node messages into progress lines."""

    def __init__(self, terminal: TextIO) -> None:
        super().__init__(level=logging.INFO)
        self._terminal = terminal
        self._started_at: dict[str, float] = {}
        self._cached: set[str] = set()
        self.running_node: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == _NODE_STARTED:
            self.running_node = str(record.args[0])
            self._started_at[self.running_node] = time.monotonic()
            self._print(f"  ▸ {self.running_node} …")
        elif record.msg == _CACHE_HIT and self.running_node:
            self._cached.add(self.running_node)
        elif record.msg == _NODE_FINISHED:
            node = str(record.args[0])
            seconds = time.monotonic() - self._started_at.get(node, time.monotonic())
            outcome = "cached" if node in self._cached else "done"
            self._print(f"  ✓ {node:<32} {outcome:<7}{seconds:7.1f} s")
            self.running_node = None

    def node_failed(self, error: str) -> None:
        """Report the node that was running when the run stopped with `error`."""
        if self.running_node:
            seconds = time.monotonic() - self._started_at[self.running_node]
            self._print(f"  ✗ {self.running_node:<32} failed {seconds:7.1f} s: {error}")

    def _print(self, line: str) -> None:
        self._terminal.write(line + "\n")
        self._terminal.flush()
