"""One generation, loaded for reading: its vectors, BM25, speakers and filter data."""

from __future__ import annotations

import bisect
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.lexical import bm25_key, cached_bm25
from index.models import Speaker
from index.query import SpeakerMatcher
from index.search import Searcher
from index.segments import SegmentedVectors, load_vectors
from index.store import Store

log = logging.getLogger(__name__)
# BM25 reads each passage with its article's title: the title says what the whole article is about.
BM25_TITLES = True
# ... and the passages either side of it (0: the passage alone).
BM25_CONTEXT = 1
SELF_WEIGHT = 2  # the passage's own words count twice its neighbours'


@dataclass
class Snapshot:
    """Everything a reader needs from one generation, loaded once."""

    gen: int
    searcher: Searcher
    speakers: list[Speaker]
    matcher: SpeakerMatcher
    speaker_passages: dict[int, set[int]]
    passage_dates: dict[int, str | None]
    newest: str | None

    def __post_init__(self) -> None:
        self.quoted: set[int] = set().union(*self.speaker_passages.values())
        self.by_id: dict[int, Speaker] = {s.id: s for s in self.speakers}
        dated = sorted((d, p) for p, d in self.passage_dates.items() if d)
        self._dates = [d for d, _ in dated]
        self._dated_rows = np.array([p for _, p in dated], dtype=np.int64)

    def dated(self, since: str | None, until: str | None) -> set[int]:
        """Passages of articles dated from ``since`` to ``until`` (ISO, inclusive; either open)."""
        lo = bisect.bisect_left(self._dates, since) if since else 0
        hi = bisect.bisect_right(self._dates, until + "~") if until else len(self._dates)
        return set(self._dated_rows[lo:hi].tolist())

    def passages_of(self, speaker_ids: Sequence[int]) -> set[int]:
        """Passages holding a quote by any of these speakers."""
        return set().union(*(self.speaker_passages.get(i, set()) for i in speaker_ids))


def lexical_texts(
    ids: Sequence[int],
    texts: Sequence[str],
    articles: dict[int, tuple[str | None, str | None, int]],
) -> list[str]:
    """What BM25 reads for each passage: its article's title and its neighbours in the article
    as well as itself, so a passage is found by words its context shares with the question."""
    out = []
    for i, (row, text) in enumerate(zip(ids, texts, strict=True)):
        _, title, article = articles[row]
        parts = [title or ""] if BM25_TITLES else []
        for j in range(i - BM25_CONTEXT, i + BM25_CONTEXT + 1):
            if 0 <= j < len(ids) and articles[ids[j]][2] == article:
                parts.extend([text] * SELF_WEIGHT if j == i else [texts[j]])
        out.append("\n".join(parts))
    return out


def article_groups(
    ids: Sequence[int],
    texts: Sequence[str],
    articles: dict[int, tuple[str | None, str | None, int]],
) -> tuple[np.ndarray, list[str]]:
    """Each passage's article as a number from 0, and each article's title and text."""
    number: dict[int, int] = {}
    article_of = np.array(
        [number.setdefault(articles[row][2], len(number)) for row in ids], dtype=np.int64
    )
    parts: list[list[str]] = [[] for _ in number]
    for row, text, n in zip(ids, texts, article_of, strict=True):
        parts[n] = parts[n] or [articles[row][1] or ""]
        parts[n].append(text)
    return article_of, ["\n".join(p) for p in parts]


def load_snapshot(
    store: Store, data_dir: Path, gen: int, dim: int, previous: Snapshot | None = None
) -> Snapshot:
    """Load generation ``gen``, reusing the vector segments ``previous`` loaded already; a
    damaged vector file is rebuilt from the stored vectors."""
    ids, texts, _ = store.live_passages(gen, with_vectors=False)
    held = previous.searcher.vectors if previous is not None else None
    vectors = load_vectors(
        store, data_dir, gen, ids, dim, held if isinstance(held, SegmentedVectors) else None
    )
    speaker_passages: dict[int, set[int]] = {}
    for passage_row, speaker_id in store.speaker_passages(gen):
        speaker_passages.setdefault(speaker_id, set()).add(passage_row)
    articles = store.live_passage_articles(gen)
    dates = {row: date for row, (date, _, _) in articles.items()}
    info = store.generation_info(gen)
    created = info["created"] if info else 0.0
    recipe = f"titles={BM25_TITLES}|context={BM25_CONTEXT}|self={SELF_WEIGHT}"
    order = [int(i) for i in ids]
    bm25 = cached_bm25(
        data_dir, gen, bm25_key(created, recipe), lambda: lexical_texts(order, texts, articles)
    )
    article_of, article_texts = article_groups(order, texts, articles)
    article_bm25 = cached_bm25(data_dir, gen, bm25_key(created, "articles"), lambda: article_texts)
    known = [d for d in dates.values() if d]
    speakers = store.speakers(gen)
    log.info("loaded generation %d: %d passages", gen, len(ids))
    return Snapshot(
        gen,
        Searcher(vectors, ids, [], bm25=bm25, article_of=article_of, article_bm25=article_bm25),
        speakers,
        SpeakerMatcher(speakers),
        speaker_passages,
        dates,
        max(known) if known else None,
    )
