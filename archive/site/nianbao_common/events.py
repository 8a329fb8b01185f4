"""What an operator reads: one ``key=value`` line per event on stderr (run start and
end, each portal's outcome, each problem), and on a terminal a progress line that
rewrites itself; under cron (stderr not a TTY) only the event lines.

Event lines go through the ``nianbao.events`` logger, which does not propagate to
Scrapy's log, so they keep their shape whatever Scrapy's ``LOG_LEVEL``:

``ts=2026-11-23T01:30:00Z event=problem run=… portal=fj-pingtan kind=http_503 url=…``
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

from nianbao_common.clock import utc_now

EVENTS = logging.getLogger("nianbao.events")
_BARE = re.compile(r"^[^\s\"=]+$")


def logfmt_value(value) -> str:
    """A value as logfmt writes it: bare when it can be, else double-quoted."""
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        value = ",".join(f"{k}:{v}" for k, v in sorted(value.items()))
    text = str(value)
    if text and _BARE.match(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def event_line(event: str, **fields) -> str:
    parts = [f"ts={utc_now()}", f"event={event}"]
    parts += [f"{key}={logfmt_value(value)}" for key, value in fields.items()]
    return " ".join(parts)


class _ProgressAwareHandler(logging.StreamHandler):
    """Writes event lines; on a terminal, clears the progress line first."""

    def emit(self, record: logging.LogRecord) -> None:
        if PROGRESS.shown:
            PROGRESS.clear()
        super().emit(record)
        PROGRESS.redraw()


def configure_events(stream: TextIO | None = None) -> None:
    """Send event lines to ``stream`` (stderr). Idempotent."""
    stream = stream or sys.stderr
    for handler in list(EVENTS.handlers):
        EVENTS.removeHandler(handler)
    handler = _ProgressAwareHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    EVENTS.addHandler(handler)
    EVENTS.setLevel(logging.INFO)
    EVENTS.propagate = False
    PROGRESS.stream = stream


def log_event(event: str, **fields) -> None:
    EVENTS.info(event_line(event, **fields))


class Progress:
    """One line on a terminal, rewritten in place; silent when the stream is not a TTY."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.text = ""
        self.shown = False

    @property
    def enabled(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def update(self, text: str) -> None:
        self.text = text
        self.redraw()

    def redraw(self) -> None:
        if self.enabled and self.text:
            self.stream.write("\r\x1b[2K" + self.text)
            self.stream.flush()
            self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.shown = False

    def done(self) -> None:
        """Leave the terminal on a fresh line and stop drawing."""
        self.clear()
        self.text = ""


PROGRESS = Progress()
