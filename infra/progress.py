"""The demo's progress on the console: a live bar on a terminal, a few plain lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


class DemoProgress:
    """Two phases over the same count of events: sent through the API, then aggregated."""

    def __init__(self, total: int, console: TextIO = sys.stdout) -> None:
        self.total = total
        self.console = console
        self.began = time.monotonic()
        self._bar: Any = None
        self._task: Any = None
        self._printed_tenths: set[tuple[str, int]] = set()
        if console.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                TextColumn("demo: {task.description:<11}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(file=console),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task("sending", total=total)

    def update(self, phase: str, done: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=phase, completed=done)
            return
        tenth = min(10, done * 10 // max(1, self.total))
        if tenth > 0 and (phase, tenth) not in self._printed_tenths:
            self._printed_tenths.add((phase, tenth))
            print(f"demo: {phase} {done}/{self.total} events", file=self.console, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.began
