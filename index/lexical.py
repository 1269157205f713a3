"""A generation's BM25 index, built by its first reader and kept in the data folder.

Tokenising and counting every passage in Python is most of loading a generation: 18 s of a
20 s start at 100k passages (docs/performance.md), against 30 ms to read a saved index. So the
first process that loads a generation saves its BM25 index as ``bm25-<gen>-<key>/`` and later
ones read it. The key covers what the index is made of (the generation's creation time, the
text recipe, the tokeniser, bm25s's version), so an index is never read for other text. Folders
of generations older than the previous one are removed; a folder that cannot be written (a
read-only data folder) only costs the rebuild.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import bm25s

from index.search import _STOPWORDS, _TOKEN, build_bm25

log = logging.getLogger(__name__)

PREFIX = "bm25-"


def bm25_key(created: float, recipe: str) -> str:
    """A short hash of what a generation's BM25 index is made of."""
    parts = [repr(created), recipe, _TOKEN.pattern, " ".join(sorted(_STOPWORDS)), bm25s.__version__]
    return hashlib.blake2b("|".join(parts).encode(), digest_size=6).hexdigest()


def cached_bm25(
    data_dir: Path, gen: int, key: str, texts: Callable[[], list[str]]
) -> bm25s.BM25 | None:
    """The saved BM25 index of ``gen``, or one built from ``texts()`` and saved for next time."""
    folder = data_dir / f"{PREFIX}{gen}-{key}"
    if folder.is_dir():
        try:
            return bm25s.BM25.load(str(folder), show_progress=False)
        except Exception as exc:  # noqa: BLE001 - a damaged cache is rebuilt, never trusted
            log.warning("BM25 index %s unreadable (%s); building it again", folder.name, exc)
            shutil.rmtree(folder, ignore_errors=True)
    index = build_bm25(texts())
    if index is not None:
        _save(index, folder)
        _remove_old(data_dir, gen)
    return index


def _save(index: bm25s.BM25, folder: Path) -> None:
    """Write into a temporary folder, then rename: readers see a whole index or none."""
    try:
        tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=folder.name + ".tmp"))
    except OSError as exc:
        log.info("BM25 index not saved (%s); it will be built again at the next start", exc)
        return
    try:
        index.save(str(tmp), show_progress=False)
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; other processes read it too
        os.rename(tmp, folder)
        log.info("saved the BM25 index as %s", folder.name)
    except OSError:
        pass  # another process saved the same index first
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _remove_old(data_dir: Path, gen: int) -> None:
    """Keep the previous generation's index for readers that still hold it; drop older ones."""
    for path in data_dir.glob(f"{PREFIX}*"):
        number = path.name[len(PREFIX) :].split("-", 1)[0]
        if number.isdigit() and int(number) < gen - 1:
            shutil.rmtree(path, ignore_errors=True)
