"""Child processes that never outlive nianbao.

``nianbao serve`` and ``nianbao demo`` run Datasette as a child process. Whatever stops
the parent must stop the child:

- SIGINT (Ctrl-C) raises ``KeyboardInterrupt``; inside :func:`stopped_by_signals`,
  SIGTERM (systemd, ``kill``) and SIGHUP (the terminal closed) raise :class:`Stopped`
  the same way, so the ``finally`` that stops the child runs (:func:`stop_child`:
  SIGTERM, then SIGKILL after a grace period);
- the parent's death by SIGKILL or a crash runs no code of the parent: on Linux the
  child asks the kernel for a signal when its parent dies (``prctl(PR_SET_PDEATHSIG)``,
  called through ctypes between fork and exec, :func:`start_child`). Elsewhere there is
  no such call and only the signals above are covered.

The parent-death signal is tied to the thread that forked the child: start children
from a thread that lives as long as the process (the main thread does). A process pool
forks its workers from whichever thread submits work, so a pool's worker watches its
parent instead (:func:`exit_with_parent`, a thread polling ``getppid``): the extraction
workers of ``nianbao crawl``/``demo``/``reprocess`` ignore SIGTERM and SIGINT (their
parent stops them once the documents in flight are done) and would otherwise outlive a
parent killed outright.

Archive layer, standard library only.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_POLL_SECONDS = 1.0
STOP_GRACE_SECONDS = 10.0
# Loaded in the parent, so a forked child calls prctl without loading anything.
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


class Stopped(Exception):
    """SIGTERM or SIGHUP arrived (inside :func:`stopped_by_signals`)."""

    def __init__(self, signum: int):
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


def _raise_stopped(signum: int, frame) -> None:  # noqa: ARG001 — signal handler signature
    raise Stopped(signum)


@contextlib.contextmanager
def stopped_by_signals(signums: tuple[int, ...] = (signal.SIGTERM, signal.SIGHUP)) -> Iterator:
    """Within: each of ``signums`` raises :class:`Stopped` in the main thread."""
    previous = {signum: signal.signal(signum, _raise_stopped) for signum in signums}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def die_with_parent(signum: int, parent: int) -> None:
    """In a child process: have the kernel send ``signum`` when the parent dies (Linux);
    exit at once if the parent ``parent`` is already gone."""
    if _LIBC is None:
        return
    if _LIBC.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) != 0:
        return  # the child still stops with the parent's signals
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def dies_with_this_process(signum: int = signal.SIGTERM) -> Callable[[], None]:
    """A ``preexec_fn`` (or a pool initialiser) for a child that must end with this
    process."""
    return partial(die_with_parent, signum, os.getpid())


def start_child(command: list[str], **popen_args) -> subprocess.Popen:
    """Start ``command``; it gets SIGTERM when this process dies."""
    return subprocess.Popen(command, preexec_fn=dies_with_this_process(), **popen_args)


def stop_child(child: subprocess.Popen, grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM the child and wait for it; SIGKILL it if it is still there after ``grace``."""
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            child.kill()
    child.wait()


def exit_with_parent(parent: int, interval: float = PARENT_POLL_SECONDS) -> None:
    """In a worker process: end it within ``interval`` seconds of its parent ``parent``
    going away (a daemon thread watches ``os.getppid()``)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
