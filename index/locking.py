"""One writer at a time across processes: an advisory lock on a file that names its holder.

`fcntl.flock` is released by the kernel when the holder dies, even by ``kill -9``, so a lock
left behind by a dead process is never stale: the pid in the file only says who holds it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from index.errors import IndexBusyError


class WriterLock:
    """``with WriterLock(path):`` holds the lock or raises `IndexBusyError` at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def __enter__(self) -> WriterLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise IndexBusyError(
                f"an index update is already running (pid {holder}); wait for it to finish"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _lock_path(data_dir: Path, gen: int) -> Path:
    return data_dir / "readers" / f"{gen}.lock"


class ReaderPin:
    """A shared lock on one generation's file: while any reader holds it, no writer removes
    that generation. The kernel drops it when the holder dies."""

    def __init__(self, data_dir: Path, gen: int) -> None:
        self.gen = gen
        self._fd: int | None = None
        path = _lock_path(data_dir, gen)
        try:
            path.parent.mkdir(exist_ok=True)
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:  # a read-only data folder: nothing can remove anything either
            return
        fcntl.flock(self._fd, fcntl.LOCK_SH)

    def release(self) -> None:
        """Let writers remove the generation (idempotent)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class UnheldGenerations:
    """``with UnheldGenerations(folder, gens) as free:`` the generations no reader holds,
    locked against readers until the block ends; their lock files go at the end."""

    def __init__(self, data_dir: Path, gens: list[int]) -> None:
        self.data_dir = data_dir
        self.gens = gens
        self._held: dict[int, int] = {}

    def __enter__(self) -> list[int]:
        # Created when missing, so that a reader arriving now waits for the lock and then
        # finds its generation gone (`pin_current` checks after locking).
        _lock_path(self.data_dir, 0).parent.mkdir(exist_ok=True)
        try:
            for gen in self.gens:
                fd = os.open(_lock_path(self.data_dir, gen), os.O_RDWR | os.O_CREAT, 0o644)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                self._held[gen] = fd
        except OSError:
            for fd in self._held.values():  # __exit__ does not run when __enter__ raises
                os.close(fd)
            self._held = {}
            raise
        return sorted(self._held)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for gen, fd in self._held.items():
            if exc_type is None:
                _lock_path(self.data_dir, gen).unlink(missing_ok=True)
            os.close(fd)
        self._held = {}
