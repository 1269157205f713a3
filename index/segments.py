"""A generation's vectors as a list of immutable segment files: a base, then small deltas.

An update writes only the vectors of the passages it adds, as one new file
(``vectors-<gen>.faiss``: temporary name, fsync, rename) listed with the segments it builds
on in the generation's SQLite transaction. Passages it removes stay in their old segment;
a reader leaves them out with an id filter, and learns which they are as the ids the
segments hold minus the ids live in the generation (passage row ids are never reused, see
`Store.add_article`). When the deltas and the removed vectors grow past a share of the base,
or the base is of another kind than the setting wants, the update writes a new base from the
vectors stored in SQLite instead (compaction). Files are never changed once written, so a
reader that holds the previous generation loads only the files it has not seen.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np

from index.errors import WhosaidError
from index.models import VectorSegment
from index.store import Store
from index.vectors import VectorIndex, VectorTable, choose_kind

log = logging.getLogger(__name__)

# A new base once the deltas and the removed vectors pass this share of the base...
COMPACT_SHARE = 0.1
# ... counting a base of at least this many vectors, so a small index is not rewritten at
# every update ...
COMPACT_MIN_BASE = 10_000
# ... or once there are this many deltas (each costs a search call).
MAX_DELTAS = 16


def segment_file(gen: int) -> str:
    return f"vectors-{gen}.faiss"


def checksum(path: Path) -> str:
    """blake2b of a file, read in blocks."""
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_segment(data_dir: Path, gen: int, index: VectorIndex) -> VectorSegment:
    """Write ``index`` as generation ``gen``'s file (atomically) and describe it."""
    path = data_dir / segment_file(gen)
    index.save(path)
    return VectorSegment(path.name, index.kind, len(index), path.stat().st_size, checksum(path))


def needs_new_base(
    segments: Sequence[VectorSegment], live: int, added: int, kind: str, data_dir: Path
) -> bool:
    """Whether the next generation (``live`` passages, ``added`` of them new) should get a
    new base rather than a delta on ``segments``."""
    if not segments or segments[0].kind != kind:
        return True
    if any(_damaged(data_dir, s) for s in segments):
        log.warning("a vector file is missing or damaged; writing a new base from the database")
        return True
    base, deltas = segments[0], segments[1:]
    dead = sum(s.vectors for s in segments) - (live - added)
    grown = sum(s.vectors for s in deltas) + added + dead
    return len(deltas) >= MAX_DELTAS or grown > COMPACT_SHARE * max(base.vectors, COMPACT_MIN_BASE)


def write_vectors(
    store: Store,
    data_dir: Path,
    gen: int,
    added: tuple[np.ndarray, np.ndarray],
    dim: int,
    options: tuple[str, bool],
) -> list[VectorSegment]:
    """Write generation ``gen``'s vector files and return its segment list (inside its
    transaction, so the new rows are visible); ``added`` holds the new ids and vectors,
    ``options`` the vector index setting and whether this is a rebuild."""
    setting, rebuild = options
    previous = store.segments(gen - 1) if gen > 1 and not rebuild else []
    live = store.counts(gen)[1]
    kind = choose_kind(setting, live)
    ids, vectors = added
    if not needs_new_base(previous, live, len(ids), kind, data_dir):
        if not len(ids):
            return previous
        delta = VectorIndex.build("flat", ids, vectors, dim)
        return [*previous, write_segment(data_dir, gen, delta)]
    ids, _, vectors = store.live_passages(gen)
    base = VectorIndex.build(kind, ids, vectors if len(ids) else np.zeros((0, dim)), dim)
    return [write_segment(data_dir, gen, base)]


def _damaged(data_dir: Path, segment: VectorSegment) -> bool:
    path = data_dir / segment.file
    return not path.exists() or path.stat().st_size != segment.size


class SegmentedVectors:
    """One generation's vectors: its segments searched together, its removed ids left out.

    The same calls as `VectorIndex` (``search``, ``table``, ``reconstruct``, ``len``), so
    `Searcher` takes either.
    """

    def __init__(self, dim: int, segments: dict[str, VectorIndex], removed: np.ndarray) -> None:
        self.dim = dim
        self.segments = segments  # file name -> index, base first
        self._parts = list(segments.values())
        self._removed = set(removed.tolist())
        self._total = sum(len(p) for p in self._parts)
        # The batch selector must outlive the NOT selector that points to it.
        self._removed_batch = faiss.IDSelectorBatch(np.asarray(removed, dtype=np.int64))
        self._live = faiss.IDSelectorNot(self._removed_batch) if len(removed) else None

    def __len__(self) -> int:
        return self._total - len(self._removed)

    @property
    def kind(self) -> str:
        """The base segment's kind."""
        return self._parts[0].kind if self._parts else "flat"

    def search(
        self, query: np.ndarray, k: int, selector: faiss.IDSelector | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` nearest live ids over every segment, best first."""
        both = selector
        if self._live is not None:
            both = self._live if selector is None else faiss.IDSelectorAnd(selector, self._live)
        found: list[tuple[int, float]] = []
        for part in self._parts:
            found.extend(part.search(query, k, both))
        found.sort(key=lambda pair: pair[1], reverse=True)
        return found[:k]

    def table(self, ids: np.ndarray) -> VectorTable:
        """The segments' vectors read by the numbering ``ids`` gives (live ids only)."""
        return VectorTable(self._parts, ids)

    def reconstruct(self, item: int) -> np.ndarray | None:
        """The stored vector of a live id, or None."""
        if item in self._removed:
            return None
        for part in reversed(self._parts):
            vector = part.reconstruct(item)
            if vector is not None:
                return vector
        return None


def load_vectors(
    store: Store,
    data_dir: Path,
    gen: int,
    live_ids: np.ndarray,
    dim: int,
    previous: SegmentedVectors | None = None,
) -> SegmentedVectors:
    """Generation ``gen``'s vectors, reusing the segments ``previous`` already loaded.

    A segment that is missing, damaged or disagrees with the passages makes this rebuild the
    generation's vectors in memory from the database (flat: exact, and quick to build).
    """
    try:
        return _load_segments(store, data_dir, gen, live_ids, previous)
    except WhosaidError as exc:
        log.warning(
            "vector files of generation %d unusable (%s); rebuilt from the database", gen, exc
        )
    ids, _, stored = store.live_passages(gen)
    index = VectorIndex.build("flat", ids, stored, stored.shape[1] if len(ids) else dim)
    return SegmentedVectors(index.dim, {"(rebuilt)": index}, np.zeros(0, dtype=np.int64))


def _load_segments(
    store: Store,
    data_dir: Path,
    gen: int,
    live_ids: np.ndarray,
    previous: SegmentedVectors | None,
) -> SegmentedVectors:
    # An index written before segments has one file per generation, unlisted.
    listed: list[tuple[str, VectorSegment | None]] = [(s.file, s) for s in store.segments(gen)]
    listed = listed or [(segment_file(gen), None)]
    known = previous.segments if previous is not None else {}
    parts: dict[str, VectorIndex] = {}
    for name, segment in listed:
        if segment is not None and _damaged(data_dir, segment):
            raise WhosaidError(f"{name} is missing or not the size it was written")
        parts[name] = known[name] if name in known else VectorIndex.load(data_dir / name)
    held = np.concatenate([p.ids() for p in parts.values()])
    problems = vector_count_problems(held, live_ids, [p.dim for p in parts.values()])
    if problems:
        raise WhosaidError("; ".join(problems))
    removed = (
        np.zeros(0, dtype=np.int64)
        if np.array_equal(held, live_ids)
        else np.setdiff1d(held, live_ids, assume_unique=True)
    )
    return SegmentedVectors(next(iter(parts.values())).dim, parts, removed)


def vector_count_problems(held: np.ndarray, live_ids: np.ndarray, dims: list[int]) -> list[str]:
    """What is wrong between the ids the segments hold and the passages live in SQLite."""
    problems = []
    if len(set(dims)) > 1:
        problems.append(f"segments of different sizes {sorted(set(dims))}")
    if np.array_equal(held, live_ids):  # the usual case: one segment, nothing removed
        return problems
    if not (np.diff(held) > 0).all() and len(np.unique(held)) != len(held):
        problems.append("a passage has vectors in two segments")
    missing = np.setdiff1d(live_ids, held)
    if len(missing):
        problems.append(f"{len(missing)} of {len(live_ids)} passages have no vector")
    return problems


def vector_problems(store: Store, data_dir: Path, gen: int) -> list[str]:
    """`whosaid check` on the vector files of ``gen``: present, unchanged, covering the
    passages."""
    problems = []
    for segment in store.segments(gen):
        path = data_dir / segment.file
        if not path.exists():
            problems.append(f"vector file {segment.file} is missing")
        elif path.stat().st_size != segment.size or checksum(path) != segment.checksum:
            problems.append(f"vector file {segment.file} has changed since it was written")
    if problems:
        return problems
    live_ids = store.live_passages(gen, with_vectors=False)[0]
    try:
        vectors = _load_segments(store, data_dir, gen, live_ids, None)
    except WhosaidError as exc:
        return [str(exc)]
    return (
        []
        if len(vectors) == len(live_ids)
        else [f"vector files hold {len(vectors)} vectors for {len(live_ids)} passages"]
    )
