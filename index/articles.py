"""Reading article files into `Article`s: the only file I/O on the input side.

Three formats, found recursively under the articles folder:

- ``.txt``: an optional ``date YYYY-MM-DD`` prefix (inline before the body or on its own line),
  optional ``title:``, ``source:``, ``url:`` (and ``date:``) header lines, then the body;
- ``.md``: an optional YAML front matter block (title, date, source, url), then the body;
- ``.jsonl``: one article a line with ``id``, ``text`` and optional ``title``, ``date``,
  ``source``, ``url``.

A file that cannot be read is reported as a `SkippedFile` and the rest is read on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import yaml

from index.errors import ArticleError
from index.models import Article, SkippedFile

SUFFIXES = (".txt", ".md", ".jsonl")
# A date prefix as in the seed: "date 2022-05-01 <body>" or "date: 2022-05-01" on its own line.
_DATE_PREFIX = re.compile(r"\A\s*date:?\s+(\S+)[ \t]*(\n|[ \t]+)", re.IGNORECASE)
_HEADER = re.compile(r"\A(title|source|url|date):[ \t]*(.*)\Z", re.IGNORECASE)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_ISO_DATE = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")


def iter_article_files(root: Path) -> Iterator[Path]:
    """Article files under ``root``, recursively, in a stable order; hidden paths are skipped."""
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.suffix.lower() in SUFFIXES and path.is_file():
            yield path


def load_articles(root: Path) -> tuple[list[Article], list[SkippedFile]]:
    """Read every article under ``root``; bad files (and bad jsonl lines) come back as skipped."""
    articles: list[Article] = []
    skipped: list[SkippedFile] = []
    seen: dict[str, str] = {}
    for path in iter_article_files(root):
        rel = path.relative_to(root).as_posix()
        try:
            data = path.read_bytes()
        except OSError as exc:
            skipped.append(SkippedFile(rel, f"cannot read file: {exc.strerror or exc}"))
            continue
        found, bad = parse_article_lenient(rel, data)
        skipped.extend(bad)
        for article in found:
            if article.id in seen:
                skipped.append(
                    SkippedFile(
                        rel, f"duplicate article id {article.id!r} (also in {seen[article.id]})"
                    )
                )
                continue
            seen[article.id] = rel
            articles.append(article)
    return articles, skipped


def parse_article(name: str, data: bytes) -> list[Article]:
    """Parse one file's bytes strictly: any problem raises `ArticleError`."""
    articles, skipped = parse_article_lenient(name, data)
    if skipped:
        first = skipped[0]
        raise ArticleError(first.path, first.reason, first.line)
    return articles


def parse_article_lenient(name: str, data: bytes) -> tuple[list[Article], list[SkippedFile]]:
    """Parse one file's bytes; a jsonl file keeps its good lines and reports its bad ones."""
    try:
        text = _decode(name, data)
        suffix = Path(name).suffix.lower()
        if suffix == ".jsonl":
            return _parse_jsonl(name, text)
        if suffix == ".md":
            return [_parse_md(name, text)], []
        if suffix == ".txt":
            return [_parse_txt(name, text)], []
        raise ArticleError(name, f"unsupported file type {suffix!r}; use .txt, .md or .jsonl")
    except ArticleError as exc:
        return [], [SkippedFile(exc.path, exc.reason, exc.line)]


def _decode(name: str, data: bytes) -> str:
    if b"\x00" in data:
        raise ArticleError(name, "binary file (contains NUL bytes); articles must be UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ArticleError(name, "not UTF-8 text; save the file as UTF-8", line) from None
    if not text.strip():
        raise ArticleError(name, "empty file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _parse_txt(name: str, text: str) -> Article:
    meta: dict[str, str] = {}
    match = _DATE_PREFIX.match(text)
    if match:
        meta["date"] = match.group(1)
        text = text[match.end() :]
    lines = text.split("\n")
    consumed = 0
    for line in lines:
        header = _HEADER.match(line.strip())
        if not header or consumed >= 8:
            break
        meta[header.group(1).lower()] = header.group(2).strip()
        consumed += 1
    body = "\n".join(lines[consumed:])
    return _make_article(name, name, body, meta)


def _parse_md(name: str, text: str) -> Article:
    meta: dict[str, object] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            loaded = yaml.safe_load(match.group(1))
        except (yaml.YAMLError, RecursionError) as exc:
            line = getattr(getattr(exc, "problem_mark", None), "line", None)
            raise ArticleError(name, "bad YAML front matter", (line or 0) + 2) from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ArticleError(name, "front matter must be a mapping of title, date, source, url")
        meta = loaded or {}
        text = text[match.end() :]
    fields = {k: _scalar(name, k, meta.get(k)) for k in ("title", "date", "source", "url")}
    return _make_article(name, name, text, {k: v for k, v in fields.items() if v})


def _parse_jsonl(name: str, text: str) -> tuple[list[Article], list[SkippedFile]]:
    articles: list[Article] = []
    skipped: list[SkippedFile] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            articles.append(_jsonl_article(name, number, line))
        except ArticleError as exc:
            skipped.append(SkippedFile(exc.path, exc.reason, exc.line))
    if not articles and not skipped:
        skipped.append(SkippedFile(name, "no articles in file"))
    return articles, skipped


def _jsonl_article(name: str, number: int, line: str) -> Article:
    try:
        obj = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ArticleError(
            name, f"bad JSON: {getattr(exc, 'msg', 'too deeply nested')}", number
        ) from None
    if not isinstance(obj, dict):
        raise ArticleError(name, "each line must be a JSON object", number)
    article_id, text = obj.get("id"), obj.get("text")
    if not isinstance(article_id, (str, int)) or str(article_id).strip() == "":
        raise ArticleError(name, 'missing "id" (a string)', number)
    if not isinstance(text, str) or not text.strip():
        raise ArticleError(name, 'missing or empty "text"', number)
    obj.setdefault("source", obj.get("publisher"))  # a common name for the same field
    meta = {k: _scalar(name, k, obj.get(k), number) for k in ("title", "date", "source", "url")}
    try:
        return _make_article(
            str(article_id), name, text, {k: v for k, v in meta.items() if v}, raw=True
        )
    except ArticleError as exc:
        raise ArticleError(name, exc.reason, number) from None


def _scalar(name: str, key: str, value: object, line: int | None = None) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, (str, int, float)):
        return str(value).strip() or None
    raise ArticleError(name, f"{key!r} must be a single value, not {type(value).__name__}", line)


def _make_article(
    article_id: str, path: str, body: str, meta: dict[str, str], raw: bool = False
) -> Article:
    """Build the Article; ``raw`` keeps jsonl text exactly as given (offsets index into it)."""
    text = body if raw else body.strip()
    if not text.strip():
        raise ArticleError(path, "no article text after the header")
    return Article(
        id=article_id,
        text=text,
        title=meta.get("title") or None,
        date=_check_date(path, meta.get("date")),
        source=meta.get("source") or None,
        url=meta.get("url") or None,
        path=path,
        content_hash=content_hash(article_id, text, meta),
    )


def _check_date(path: str, value: str | None) -> str | None:
    """ISO dates only; a timestamp ("2016-03-01T09:00") counts by its date part."""
    if not value:
        return None
    text = value.strip()
    head = text[:10]
    if _ISO_DATE.match(head) and (len(text) == 10 or text[10] in "T "):
        try:
            return dt.date.fromisoformat(head).isoformat()
        except ValueError:
            pass
    raise ArticleError(path, f"bad date {value!r}; write dates as YYYY-MM-DD")


def content_hash(article_id: str, text: str, meta: dict[str, str]) -> str:
    """A hash of everything about an article that the index stores."""
    h = hashlib.sha256()
    for part in (
        article_id,
        text,
        *(meta.get(k) or "" for k in ("title", "date", "source", "url")),
    ):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()
