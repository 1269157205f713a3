"""Index updates: read the folder, work out what changed, and write one new generation.

The slow work (attribution, embedding) happens before the write transaction, so readers keep
being served from the current generation until the new one commits in one step.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from index.articles import load_articles
from index.embedder import Embedder
from index.errors import IndexMismatchError, WhosaidError
from index.models import Article, Passage, Progress, Quote, UpdateReport
from index.passages import PassageSettings, split_passages
from index.registry_updates import removed_quotes, update_registry
from index.retention import remove_unused
from index.segments import write_vectors
from index.store import Store, text_hash

log = logging.getLogger(__name__)

Attributor = Callable[[Sequence[Article]], list[list[Quote]]]
ProgressFn = Callable[[Progress], None]
BATCH_ARTICLES = 16


@dataclass(frozen=True)
class Prepared:
    """An article ready to be written: passages, their vectors and its quotes."""

    article: Article
    passages: list[Passage]
    vectors: np.ndarray
    quotes: list[Quote]


def clean_leftovers(data_dir: Path, current: int) -> list[Path]:
    """Remove what an interrupted update left behind: temporary files, uncommitted vectors."""
    gone = []
    for path in data_dir.glob("vectors-*.faiss*"):
        number = path.name.split("-", 1)[1].split(".", 1)[0]
        if path.name.endswith(".tmp") or (number.isdigit() and int(number) > current):
            path.unlink(missing_ok=True)
            gone.append(path)
    if gone:
        log.warning("cleaned up after an interrupted update: %s", ", ".join(p.name for p in gone))
    return gone


def check_model(store: Store, embedder: Embedder, settings: PassageSettings) -> None:
    """Refuse to mix vectors of two models or two passage settings in one index."""
    model, passages = store.get_meta("model"), store.get_meta("passage_settings")
    if model is None:
        return
    if model != embedder.name or passages != settings.key():
        raise IndexMismatchError(
            f"the index was built with model {model!r} (passages {passages}); now the model is "
            f"{embedder.name!r} (passages {settings.key()}). Rebuild it for the new model with "
            "`whosaid index --rebuild`, or set WHOSAID_EMBEDDING_MODEL back to the old one."
        )


def run_update(
    store: Store,
    data_dir: Path,
    articles_dir: Path,
    embedder: Embedder,
    attribute: Attributor,
    settings: PassageSettings,
    progress: ProgressFn | None = None,
    rebuild: bool = False,
    vector_index: str = "auto",
) -> UpdateReport:
    """Bring the index in line with the articles folder; one new generation if anything changed.

    ``vector_index`` is the kind of vector index to build (see `index.vectors.choose_kind`).
    """
    started = time.monotonic()
    if not articles_dir.is_dir():
        raise WhosaidError(
            f"articles folder {articles_dir} does not exist; create it or set WHOSAID_ARTICLES_DIR"
        )
    gen = store.current_generation()
    clean_leftovers(data_dir, gen)
    if not rebuild:
        check_model(store, embedder, settings)
    articles, skipped = load_articles(articles_dir)
    for bad in skipped:
        log.warning("skipped %s%s: %s", bad.path, f":{bad.line}" if bad.line else "", bad.reason)
    live = store.live_hashes(gen)
    ids = {a.id for a in articles}
    # New attribution code re-reads every article (its passages' vectors are reused).
    stale = gen > 0 and store.get_meta("attribution") != _version(attribute)
    if stale and live:
        log.warning("attribution has changed since the last build: re-attributing every article")
    new = [a for a in articles if a.id not in live]
    changed = [
        a
        for a in articles
        if a.id in live and (rebuild or stale or live[a.id][1] != a.content_hash)
    ]
    removed = [i for i in live if i not in ids]
    report: dict[str, Any] = dict(  # what changed: the first fields of the UpdateReport
        added=tuple(a.id for a in new),
        changed=tuple(a.id for a in changed),
        removed=tuple(removed),
        unchanged=len(articles) - len(new) - len(changed),
        skipped=tuple(skipped),
    )
    if gen and not (new or changed or removed):
        counts = store.counts(gen)
        return UpdateReport(
            **report,
            articles=counts[0],
            passages=counts[1],
            quotes=counts[2],
            speakers=counts[3],
            seconds=time.monotonic() - started,
            generation=gen,
        )
    counter = _CountingEmbedder(embedder)
    reuse = (lambda texts: {}) if rebuild else store.known_vectors
    prepared = list(_prepare(new + changed, counter, attribute, settings, progress, started, reuse))
    _emit(
        progress,
        Progress("writing", len(prepared), len(prepared), elapsed=time.monotonic() - started),
    )
    next_gen, new_speakers = _write(
        store, data_dir, gen, live, prepared, removed, embedder, settings, (rebuild, vector_index)
    )
    store.set_meta("attribution", _version(attribute))
    counts = store.counts(next_gen)
    try:
        remove_unused(store, data_dir, next_gen)
    except (OSError, sqlite3.Error) as exc:  # the generation is committed: only clean-up failed
        log.warning("old generations not removed yet (%s); the next update tries again", exc)
    seconds = time.monotonic() - started
    _emit(
        progress,
        Progress("done", len(prepared), len(prepared), counts[2], len(new_speakers), seconds),
    )
    return UpdateReport(
        **report,
        articles=counts[0],
        passages=counts[1],
        quotes=counts[2],
        speakers=counts[3],
        new_speakers=new_speakers,
        embedded=counter.count,
        seconds=seconds,
        generation=next_gen,
    )


def _prepare(
    articles: list[Article],
    embedder: Embedder,
    attribute: Attributor,
    settings: PassageSettings,
    progress: ProgressFn | None,
    started: float,
    reuse: Callable[[list[str]], dict[str, bytes]],
) -> Iterator[Prepared]:
    """Attribute, split and embed in batches, reporting progress with rate and ETA after each.

    A worker thread attributes and splits the batches ahead of the embedding: the model
    computes with the GIL released, so spaCy's work overlaps it instead of adding to it.
    """
    batches = [articles[i : i + BATCH_ARTICLES] for i in range(0, len(articles), BATCH_ARTICLES)]
    meter = _Meter(len(articles), started)
    _emit(progress, meter.event(0, 0, 0))
    reader = ThreadPoolExecutor(1, thread_name_prefix="whosaid-attribute")
    try:
        read = reader.map(partial(_read_batch, attribute=attribute, settings=settings), batches)
        for batch, (quote_lists, passage_lists) in zip(batches, read, strict=True):
            texts = [p.text for passages in passage_lists for p in passages]
            vectors = _embed_new(texts, embedder, reuse)
            offset = 0
            for article, passages, quotes in zip(batch, passage_lists, quote_lists, strict=True):
                yield Prepared(article, passages, vectors[offset : offset + len(passages)], quotes)
                offset += len(passages)
            _emit(progress, meter.event(len(batch), len(texts), sum(map(len, quote_lists))))
    finally:
        reader.shutdown(wait=False, cancel_futures=True)  # after an error, stop reading ahead


def _read_batch(
    batch: list[Article], attribute: Attributor, settings: PassageSettings
) -> tuple[list[list[Quote]], list[list[Passage]]]:
    """A batch's quotes and passages: the part of preparing that needs no model."""
    return attribute(batch), [split_passages(a, settings) for a in batch]


class _Meter:
    """Articles and passages done so far, and the rate and time left that they imply."""

    def __init__(self, total: int, started: float) -> None:
        self.total, self.started = total, started
        self.since = time.monotonic()  # the rate leaves out reading the folder
        self.done = self.passages = self.quotes = 0

    def event(self, articles: int, passages: int, quotes: int) -> Progress:
        self.done += articles
        self.passages += passages
        self.quotes += quotes
        now = time.monotonic()
        spent = max(now - self.since, 1e-9)
        eta = spent * (self.total - self.done) / self.done if self.done else None
        return Progress(
            "embedding",
            self.done,
            self.total,
            self.quotes,
            elapsed=now - self.started,
            passages=self.passages,
            rate=self.passages / spent if self.done else 0.0,
            eta=eta,
        )


def _embed_new(
    texts: list[str], embedder: Embedder, reuse: Callable[[list[str]], dict[str, bytes]]
) -> np.ndarray:
    """Vectors for the texts, embedding only those the index does not hold already."""
    known = reuse(texts)
    missing = [t for t in texts if text_hash(t) not in known]
    fresh = dict(zip(missing, embedder.embed(missing), strict=True)) if missing else {}
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    for i, text in enumerate(texts):
        stored = known.get(text_hash(text))
        out[i] = np.frombuffer(stored, dtype=np.float32) if stored is not None else fresh[text]
    return out


class _CountingEmbedder:
    """Counts the texts that really went through the model."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.count = inner, 0
        self.name = inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed(self, texts: list[str], *, batch_size: int = 32) -> np.ndarray:
        self.count += len(texts)
        return self.inner.embed(texts, batch_size=batch_size)


def _version(attribute: Attributor) -> str:
    return str(getattr(attribute, "version", "unversioned"))


def _write(
    store: Store,
    data_dir: Path,
    gen: int,
    live: dict[str, tuple[int, str]],
    prepared: list[Prepared],
    removed: list[str],
    embedder: Embedder,
    settings: PassageSettings,
    options: tuple[bool, str],
) -> tuple[int, tuple[str, ...]]:
    """Write generation ``gen + 1`` in one transaction (its vector file lands before the
    commit); returns it and the names of speakers new in it."""
    next_gen = gen + 1
    rebuild, vector_index = options
    with store.transaction():
        replaced = [p.article.id for p in prepared if p.article.id in live]
        gone = [live[i][0] for i in [*removed, *replaced]]
        for row in gone:
            store.remove_article(next_gen, row)
        rows: list[int] = []
        for item in prepared:
            rows.extend(
                store.add_article(next_gen, item.article, item.passages, item.vectors, item.quotes)
            )
        added = np.concatenate([p.vectors for p in prepared]) if prepared else np.zeros((0, 0))
        new_rows = (np.array(rows, dtype=np.int64), added)
        segments = write_vectors(
            store, data_dir, next_gen, new_rows, embedder.dim, (vector_index, rebuild)
        )
        store.set_segments(next_gen, segments)
        changed = [q for p in prepared for q in p.quotes] + removed_quotes(store, gone)
        new_speakers = update_registry(store, next_gen, None if rebuild else changed)
        store.set_meta("model", embedder.name)
        store.set_meta("dim", str(embedder.dim))
        store.set_meta("passage_settings", settings.key())
        store.finish_generation(next_gen)
    return next_gen, tuple(new_speakers)


def _emit(progress: ProgressFn | None, event: Progress) -> None:
    if progress is not None:
        progress(event)
