"""Checking and saving article files that arrive from outside (a Discord attachment).

The name becomes a file in the articles folder, so it is held to a narrow shape rather than
cleaned up after the fact: anything path-like is refused outright. The content must parse
with the same reader the indexer uses, so an accepted upload is never skipped later.
"""

from __future__ import annotations

import os
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from index.articles import SUFFIXES, parse_article
from index.errors import ArticleError, UploadError
from index.models import Article

MAX_NAME_CHARS = 100
# Names Windows reserves in every folder; refused so the folder stays portable and copyable.
DEVICE_NAMES = frozenset(
    {"con", "prn", "aux", "nul", "clock$"}
    | {f"com{i}" for i in range(1, 10)}
    | {f"lpt{i}" for i in range(1, 10)}
)
_NAME_PUNCTUATION = frozenset("._- ")


@dataclass(frozen=True)
class SavedUpload:
    """An upload written into the articles folder, with the articles it holds."""

    name: str
    path: Path
    articles: tuple[Article, ...]
    replaced: bool


def check_upload_name(name: str) -> str:
    """Return the name to store ``name`` under, or raise `UploadError` saying what is wrong."""
    name = unicodedata.normalize("NFC", name).strip()
    if not name:
        raise UploadError("the file has no name")
    if "/" in name or "\\" in name or ".." in name:
        raise UploadError(f"{name!r} looks like a path; send a plain file name like interview.txt")
    if len(name) > MAX_NAME_CHARS:
        raise UploadError(f"the file name is longer than {MAX_NAME_CHARS} characters")
    if name.startswith(".") or not name[0].isalnum():
        raise UploadError(f"{name!r} must start with a letter or digit")
    bad = sorted({c for c in name if not (c.isalnum() or c in _NAME_PUNCTUATION)})
    if bad:
        shown = " ".join(repr(c) for c in bad[:5])
        raise UploadError(f"the file name may hold letters, digits, . _ - and spaces, not {shown}")
    stem, suffix = os.path.splitext(name)
    if suffix.lower() not in SUFFIXES:
        allowed = ", ".join(SUFFIXES)
        raise UploadError(f"only {allowed} files can be added, not {suffix or 'none'!r}")
    if stem.split(".")[0].strip().lower() in DEVICE_NAMES:
        raise UploadError(f"{name!r} is a reserved device name; rename the file")
    return name.replace(" ", "_")


def check_upload(name: str, data: bytes, max_bytes: int) -> tuple[str, list[Article]]:
    """Validate an upload's name, size and content; return the safe name and its articles."""
    safe = check_upload_name(name)
    if len(data) > max_bytes:
        raise UploadError(f"the file is {len(data):,} bytes; the limit is {max_bytes:,}")
    try:
        articles = parse_article(safe, data)
    except ArticleError as exc:
        where = f" (line {exc.line})" if exc.line is not None else ""
        raise UploadError(f"{exc.reason}{where}") from None
    if not articles:
        raise UploadError("the file holds no article")
    return safe, articles


def save_upload(
    articles_dir: Path, name: str, data: bytes, *, max_bytes: int, replace: bool = False
) -> SavedUpload:
    """Check an upload and write it into ``articles_dir`` atomically.

    The bytes go to a hidden temporary file in the same folder (which the indexer skips), are
    fsynced, then take the final name in one step: ``os.replace`` when ``replace`` is set, a
    hard link otherwise, which fails rather than overwrite a file that appeared meanwhile.
    """
    safe, articles = check_upload(name, data, max_bytes)
    articles_dir.mkdir(parents=True, exist_ok=True)
    target = articles_dir / safe
    if target.resolve().parent != articles_dir.resolve():
        raise UploadError(f"{name!r} would not land in the articles folder")
    existed = target.exists()
    if existed and not replace:
        raise UploadError(f"{safe} already exists; add it again with replace to overwrite it")
    fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=".tmp", dir=articles_dir)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        _move_into_place(Path(tmp), target, replace)
    finally:
        Path(tmp).unlink(missing_ok=True)
    _fsync_dir(articles_dir)
    return SavedUpload(name=safe, path=target, articles=tuple(articles), replaced=existed)


def _move_into_place(tmp: Path, target: Path, replace: bool) -> None:
    if replace:
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise UploadError(f"{target.name} already exists; add it again with replace") from None


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable; some file systems do not allow opening a folder, which is fine."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
