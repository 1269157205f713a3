"""Index updates: read the folder, work out what changed, and write one new generation.

The slow work (attribution, embedding) happens before the write transaction, so readers keep
being served from the current generation until the new one commits in one step.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from index.articles import load_articles
from index.embedder import Embedder
from index.errors import IndexMismatchError, WhosaidError
from index.models import Article, Passage, Progress, Quote, UpdateReport
from index.passages import PassageSettings, split_passages
from index.speakers import build_registry
from index.store import Store, text_hash
from index.vectors import VectorIndex

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


def vector_file(data_dir: Path, gen: int) -> Path:
    return data_dir / f"vectors-{gen}.faiss"


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
) -> UpdateReport:
    """Bring the index in line with the articles folder; one new generation if anything changed."""
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
    report = dict(
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
    old_speakers = {s.name for s in store.speakers(gen)}
    counter = _CountingEmbedder(embedder)
    reuse = (lambda texts: {}) if rebuild else store.known_vectors
    prepared = list(_prepare(new + changed, counter, attribute, settings, progress, started, reuse))
    _emit(
        progress,
        Progress("writing", len(prepared), len(prepared), elapsed=time.monotonic() - started),
    )
    next_gen = _write(store, data_dir, gen, live, prepared, removed, embedder, settings, rebuild)
    store.set_meta("attribution", _version(attribute))
    counts = store.counts(next_gen)
    new_speakers = tuple(sorted({s.name for s in store.speakers(next_gen)} - old_speakers))
    _remove_old(store, data_dir, next_gen)
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
    rebuild: bool,
) -> int:
    """Write generation ``gen + 1`` in one transaction; its vector file lands before the commit."""
    next_gen = gen + 1
    vectors = _previous_vectors(store, data_dir, gen, embedder.dim, rebuild)
    with store.transaction():
        gone: list[int] = []
        for article_id in [*removed, *(p.article.id for p in prepared if p.article.id in live)]:
            gone.extend(store.remove_article(next_gen, live[article_id][0]))
        vectors.remove(np.array(gone, dtype=np.int64))
        for item in prepared:
            rows = store.add_article(
                next_gen, item.article, item.passages, item.vectors, item.quotes
            )
            vectors.add(np.array(rows, dtype=np.int64), item.vectors)
        speakers, assignment = build_registry(store.live_quotes(next_gen))
        store.replace_speakers(next_gen, speakers, assignment)
        store.set_meta("model", embedder.name)
        store.set_meta("dim", str(embedder.dim))
        store.set_meta("passage_settings", settings.key())
        vectors.save(vector_file(data_dir, next_gen))
        store.finish_generation(next_gen)
    return next_gen


def _previous_vectors(
    store: Store, data_dir: Path, gen: int, dim: int, rebuild: bool
) -> VectorIndex:
    """The current generation's vectors to build on, or an empty index."""
    path = vector_file(data_dir, gen)
    if gen and not rebuild and path.exists():
        previous = VectorIndex.load(path)
        if previous.dim == dim:
            return previous
    if gen and not rebuild:
        ids, _, stored = store.live_passages(gen)
        index = VectorIndex(dim)
        if len(ids) and stored.shape[1] == dim:
            index.add(ids, stored)
        return index
    return VectorIndex(dim)


def _remove_old(store: Store, data_dir: Path, gen: int) -> None:
    """Keep the previous generation for readers that still hold it; drop anything older."""
    store.purge_before(gen - 1)
    for path in data_dir.glob("vectors-*.faiss"):
        number = path.name.split("-", 1)[1].split(".", 1)[0]
        if number.isdigit() and int(number) < gen - 1:
            path.unlink(missing_ok=True)


def _emit(progress: ProgressFn | None, event: Progress) -> None:
    if progress is not None:
        progress(event)
