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
from index.numbering import union
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
    """Everything a reader needs from one generation, loaded once. Passages are numbered by
    their position in the searcher (`Searcher.row_ids`)."""

    gen: int
    searcher: Searcher
    speakers: list[Speaker]
    matcher: SpeakerMatcher
    speaker_passages: dict[int, np.ndarray]  # speaker id -> positions, sorted
    passage_dates: Sequence[str | None]  # by position
    newest: str | None

    def __post_init__(self) -> None:
        self.size = len(self.passage_dates)
        self.quoted = np.zeros(self.size, dtype=bool)  # by position: holds an attributed quote
        for positions in self.speaker_passages.values():
            self.quoted[positions] = True
        self.by_id: dict[int, Speaker] = {s.id: s for s in self.speakers}
        dated = sorted((d, p) for p, d in enumerate(self.passage_dates) if d)
        self._dates = [d for d, _ in dated]
        self._dated = np.array([p for _, p in dated], dtype=np.int64)

    def dated(self, since: str | None, until: str | None) -> np.ndarray:
        """Positions of the passages of articles dated from ``since`` to ``until`` (ISO,
        inclusive; either open), sorted."""
        lo = bisect.bisect_left(self._dates, since) if since else 0
        hi = bisect.bisect_right(self._dates, until + "~") if until else len(self._dates)
        return union(self.size, self._dated[lo:hi])

    def passages_of(self, speaker_ids: Sequence[int]) -> np.ndarray:
        """Positions of the passages holding a quote by any of these speakers, sorted."""
        groups = [self.speaker_passages[i] for i in speaker_ids if i in self.speaker_passages]
        return groups[0] if len(groups) == 1 else union(self.size, *groups)


def lexical_texts(
    ids: Sequence[int],
    texts: Sequence[str],
    articles: dict[int, tuple[str | None, str | None, int]],
    positions: Sequence[int] | None = None,
) -> list[str]:
    """What BM25 reads for each passage (or those at ``positions``): its article's title and
    its neighbours in the article as well as itself, so a passage is found by words its
    context shares with the question."""
    out = []
    for i in range(len(ids)) if positions is None else positions:
        _, title, article = articles[ids[i]]
        parts = [title or ""] if BM25_TITLES else []
        for j in range(i - BM25_CONTEXT, i + BM25_CONTEXT + 1):
            if 0 <= j < len(ids) and articles[ids[j]][2] == article:
                parts.extend([texts[i]] * SELF_WEIGHT if j == i else [texts[j]])
        out.append("\n".join(parts))
    return out


def article_numbers(
    ids: Sequence[int], articles: dict[int, tuple[str | None, str | None, int]]
) -> tuple[np.ndarray, np.ndarray]:
    """Each passage's article as a number from 0, and each number's article row."""
    number: dict[int, int] = {}
    article_of = np.array(
        [number.setdefault(articles[row][2], len(number)) for row in ids], dtype=np.int64
    )
    return article_of, np.array(list(number), dtype=np.int64)


def article_texts(
    ids: Sequence[int],
    texts: Sequence[str],
    articles: dict[int, tuple[str | None, str | None, int]],
    article_of: np.ndarray,
    wanted: Sequence[int],
) -> list[str]:
    """The title and text of the articles numbered ``wanted`` (only needed to build a BM25
    index: a loaded one never reads them)."""
    chosen = set(wanted)
    parts: dict[int, list[str]] = {n: [] for n in wanted}
    for row, text, n in zip(ids, texts, article_of.tolist(), strict=True):
        if n in chosen:
            parts[n] = parts[n] or [articles[row][1] or ""]
            parts[n].append(text)
    return ["\n".join(parts[n]) for n in wanted]


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
    articles = store.live_passage_articles(gen)
    info = store.generation_info(gen)
    created = info["created"] if info else 0.0
    recipe = f"titles={BM25_TITLES}|context={BM25_CONTEXT}|self={SELF_WEIGHT}"
    order = [int(i) for i in ids]
    # Documents are known to the next generation's build by row id: a passage's row, and its
    # neighbours and title with it, never change (an edited article gets new rows).
    bm25 = cached_bm25(
        data_dir,
        gen,
        bm25_key(created, recipe),
        ids,
        lambda positions: lexical_texts(order, texts, articles, positions),
    )
    article_of, article_rows = article_numbers(order, articles)
    article_bm25 = cached_bm25(
        data_dir,
        gen,
        bm25_key(created, "articles"),
        article_rows,
        lambda wanted: article_texts(order, texts, articles, article_of, wanted),
    )
    searcher = Searcher(
        vectors, ids, [], bm25=bm25, article_of=article_of, article_bm25=article_bm25
    )
    dates = [articles[row][0] for row in order]
    known = [d for d in dates if d]
    speakers = store.speakers(gen)
    log.info("loaded generation %d: %d passages", gen, len(ids))
    return Snapshot(
        gen,
        searcher,
        speakers,
        SpeakerMatcher(speakers),
        speaker_positions(searcher, store.speaker_passages(gen)),
        dates,
        max(known) if known else None,
    )


def speaker_positions(
    searcher: Searcher, pairs: Sequence[tuple[int, int]]
) -> dict[int, np.ndarray]:
    """Each speaker's passages as sorted positions, from ``(passage row, speaker id)`` pairs."""
    if not pairs:
        return {}
    rows, speakers = np.array(pairs, dtype=np.int64).T
    positions = searcher.numbering.locate(rows)
    live = positions >= 0  # a passage no longer live has no position
    # One sort of (speaker, position) keys: each speaker's positions, sorted and distinct.
    keys = np.unique((speakers[live] << 32) | positions[live])
    speakers, positions = keys >> 32, keys & 0xFFFFFFFF
    bounds = np.flatnonzero(np.diff(speakers)) + 1
    out = {}
    for group, first in zip(
        np.split(positions, bounds), speakers[np.r_[0, bounds]].tolist(), strict=True
    ):
        out[first] = group
    return out
