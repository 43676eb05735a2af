"""One run per output directory: an advisory lock file holding the owner's pid and host.

``python -m zoo train --out DIR`` takes ``DIR/.zoo-lock`` before it touches
anything in ``DIR`` and frees it when it ends, however it ends. A second run on
the same directory is refused with the first one's pid, host and command. A
lock left by a process that is gone (``kill -9``, a reboot) is stale: on the
same host, a pid that no longer runs (or runs another program) frees it. A lock
taken on another host (a shared file system) cannot be checked from here, so it
is only ever freed by hand.
"""

import contextlib
import json
import os
import socket
import sys
import time

__all__ = ["LOCK_FILE", "RunLockedError", "hold"]

LOCK_FILE = ".zoo-lock"


class RunLockedError(FileExistsError):
    """Another live process holds the output directory's lock."""


def _start_time(pid):
    """The process's start time in clock ticks since boot (Linux), or ``None``.

    Recorded with the pid so that a pid reused by a later process is not taken
    for the lock's owner.
    """
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def _alive(owner):
    pid = owner.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    started = owner.get("started_ticks")
    return started is None or _start_time(pid) in (None, started)


def _read(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def hold(out_dir):
    """Holds ``out_dir``'s lock for the ``with`` block.

    Raises:
        RunLockedError: another live process holds it (the message names it).
    """
    path = os.path.join(out_dir, LOCK_FILE)
    owner = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started_ticks": _start_time(os.getpid()),
        "since": time.strftime("%Y-%m-%d %H:%M:%S"),
        "command": " ".join(sys.argv),
    }
    for _ in range(3):  # a stale lock removed, then taken again: at most a few tries
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            other = _read(path)
            if other is None:  # being written this instant, or torn: look again
                time.sleep(0.05)
                other = _read(path)
            if other is not None and (other.get("host") != owner["host"] or _alive(other)):
                raise RunLockedError(
                    f"{out_dir!r} is in use by another run: pid {other.get('pid')} on "
                    f"{other.get('host')} since {other.get('since')} "
                    f"({other.get('command') or 'unknown command'}). Wait for it to end, stop "
                    f"it, or choose another --out; if that process is gone, delete {path}."
                ) from None
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)  # stale (or torn): its owner is gone
            continue
        with os.fdopen(fd, "w") as f:
            json.dump(owner, f)
        break
    else:
        raise RunLockedError(f"Could not take the lock {path}; another run keeps taking it.")
    try:
        yield path
    finally:
        if (_read(path) or {}).get("pid") == owner["pid"]:
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)
