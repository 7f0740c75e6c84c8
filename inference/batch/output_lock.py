"""One writer per output: ``OUT.lock`` holds an exclusive lock and the writer's pid for as long as a run lasts.

The lock is an ``fcntl.flock`` on the lock file, which the kernel drops when its holder dies: a lock file left by
a crashed or killed run is stale and the next run simply takes it over (its pid in the file is replaced). The
file is removed when the run ends.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock; runs go unlocked, with a warning
    fcntl = None

logger = logging.getLogger(__name__)


class OutputLockedError(RuntimeError):
    """Another live process writes the same output, or the output's folder cannot be written."""


def lock_path(out: Path) -> Path:
    """The lock file that goes with an output file."""
    return out.with_name(out.name + ".lock")


class OutputLock:
    """``with OutputLock(out):`` the exclusive right to write ``out`` and its sidecar files."""

    def __init__(self, out: str | os.PathLike):
        self.out = Path(out)
        self.path = lock_path(self.out)
        self._fd: int | None = None

    def acquire(self) -> OutputLock:
        """Take the lock or raise OutputLockedError naming the holder's pid."""
        try:
            self.out.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise OutputLockedError(f"cannot write {self.out}: {e.strerror} ({self.out.parent})") from e
        if fcntl is None:
            logger.warning(
                "no file locking on this platform: nothing stops a second run writing %s", self.out
            )
            return self
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as e:
                raise OutputLockedError(f"cannot write {self.out}: {e.strerror} ({self.path})") from e
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as e:
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown"
                os.close(fd)
                if e.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise OutputLockedError(f"cannot lock {self.path}: {e.strerror}") from e
                raise OutputLockedError(
                    f"{self.out} is being written by another conflict-tag run (pid {holder}, per {self.path}): "
                    "wait for it to finish, or stop it and pass --resume"
                ) from None
            # the holder may have removed the file between our open and our lock: then lock the new one
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {socket.gethostname()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        """Remove the lock file, then drop the lock."""
        if self._fd is None:
            return
        self.path.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
