"""FAISS: the vector index stores only int ids (the passages' SQLite row ids).

Three kinds, chosen by size unless a setting forces one (`choose_kind`): exact flat search,
HNSW32 (a graph: well under a millisecond a question at any size measured) and SQ8 (8-bit
scalar quantisation: a quarter of the memory). The figures behind the choice are in
docs/performance.md.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

import faiss
import numpy as np

from index.errors import IndexCorruptError
from index.numbering import Numbering

KINDS = ("flat", "hnsw", "sq8")
SETTINGS = ("auto", *KINDS)
# auto: exact search up to this many vectors, HNSW above. Flat costs about 0.1 ms per 1,000
# vectors a question on one thread (1.4 ms at 14k, 14 ms at 100k: docs/performance.md), and
# HNSW about 0.5 ms at any size measured, with recall@10 against flat of 0.99.
AUTO_FLAT_UP_TO = 20_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
# HNSW's candidate list by size: recall@10 against flat of at least 0.98 with efSearch 128 on
# the real development vectors (0.995) and at 100k (0.988); at 1M (real vectors copied with
# noise) 128 gave 0.90. A graph over more than HNSW_LARGE vectors is built with
# efConstruction 200, which needs efSearch 512 for recall 0.987 at 1M (1.3 ms a search), where
# one built with 80 needs 1024 for 0.981 (2.2 ms); building it takes about 350 s at 1M on two
# cores, next to hours of embedding (docs/performance.md).
HNSW_EF_SEARCH = 128
HNSW_LARGE = 200_000
HNSW_EF_CONSTRUCTION_LARGE = 200
HNSW_EF_SEARCH_LARGE = 512
HNSW_EF_SEARCH_LARGE_SPARSE = 1024  # for a large graph built with efConstruction 80


def ef_search_for(size: int, ef_construction: int = HNSW_EF_CONSTRUCTION_LARGE) -> int:
    """efSearch for an HNSW index of ``size`` vectors whose graph was built with
    ``ef_construction``."""
    if size <= HNSW_LARGE:
        return HNSW_EF_SEARCH
    if ef_construction >= HNSW_EF_CONSTRUCTION_LARGE:
        return HNSW_EF_SEARCH_LARGE
    return HNSW_EF_SEARCH_LARGE_SPARSE


def ef_construction_for(size: int) -> int:
    """efConstruction for an HNSW graph over ``size`` vectors."""
    return HNSW_EF_CONSTRUCTION if size <= HNSW_LARGE else HNSW_EF_CONSTRUCTION_LARGE


# A filtered search (dates, a speaker) walks the graph through passages the filter refuses:
# at 100k, efSearch 128 found a third of the exact top 10 inside a 0.5% filter, 512 found
# 0.97 inside 2%. The searcher scores filters of up to 20,000 passages exactly, so the graph
# only sees filters of at least 2% at 1M: there efSearch 256 found 0.88 of the exact top 10
# (1024: 0.92) in 2.2 ms instead of 4.8, and every answer to the development questions stayed
# the same (docs/performance.md).
HNSW_FILTERED_EF_SEARCH = 256


def choose_kind(setting: str, size: int) -> str:
    """The index kind for ``size`` vectors: the setting itself, or by size for ``auto``."""
    if setting not in SETTINGS:
        raise ValueError(f"vector index must be one of {', '.join(SETTINGS)}, not {setting!r}")
    if setting != "auto":
        return setting
    return "flat" if size <= AUTO_FLAT_UP_TO else "hnsw"


def _empty(kind: str, dim: int) -> faiss.Index:
    inner: faiss.Index
    if kind == "hnsw":
        inner = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    elif kind == "sq8":
        inner = faiss.IndexScalarQuantizer(
            dim, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
    elif kind == "flat":
        inner = faiss.IndexFlatIP(dim)
    else:
        raise ValueError(f"unknown vector index kind {kind!r}")
    return faiss.IndexIDMap2(inner)


def _inner(index: faiss.Index) -> faiss.Index:
    """The index an `IndexIDMap2` wraps (faiss's type stubs do not know ``.index``)."""
    wrapped = getattr(index, "index", None)
    return faiss.downcast_index(wrapped) if wrapped is not None else index


def _kind_of(index: faiss.Index) -> str:
    inner = _inner(index)
    if isinstance(inner, faiss.IndexHNSW):
        return "hnsw"
    if isinstance(inner, faiss.IndexScalarQuantizer):
        return "sq8"
    return "flat"


class Vectors(Protocol):
    """What search needs of a generation's vectors: `VectorIndex`, or its segments together
    (`index.segments.SegmentedVectors`)."""

    def __len__(self) -> int: ...

    def search(
        self, query: np.ndarray, k: int, selector: faiss.IDSelector | None = None
    ) -> list[tuple[int, float]]: ...

    def reconstruct(self, item: int) -> np.ndarray | None: ...

    def table(self, ids: np.ndarray) -> VectorTable: ...


class VectorTable:
    """Stored vectors read by another numbering of the passages (the searcher's positions),
    without copying them: for each of ``ids``, the segment that holds it and its row there.

    Reading a few thousand rows straight from memory beats a filtered graph search, and a
    hundred of them beats a hundred FAISS calls (docs/performance.md).
    """

    def __init__(self, parts: list[VectorIndex], ids: np.ndarray) -> None:
        """``parts`` must not change while the table is used: it reads their memory."""
        ids = np.asarray(ids, dtype=np.int64)
        self.dim = parts[0].dim if parts else 0
        self._parts = parts
        self._matrices = [p.matrix() for p in parts]
        self._part = np.full(len(ids), -1, dtype=np.int16)
        self._row = np.zeros(len(ids), dtype=np.int64)
        for n, part in enumerate(parts):  # a later segment wins, as in `reconstruct`
            held = part.ids()
            if np.array_equal(held, ids):
                self._part[:], self._row[:] = n, np.arange(len(ids))
                continue
            rows = Numbering(held).locate(ids)
            found = rows >= 0
            self._part[found] = n
            self._row[found] = rows[found]

    def _by_part(
        self, positions: np.ndarray
    ) -> list[tuple[VectorIndex, np.ndarray | None, np.ndarray, np.ndarray]]:
        """For each segment holding some of ``positions``: the segment, its matrix, which of
        the positions it holds, and their rows in it."""
        parts = self._part[positions]
        out = []
        for n, (part, matrix) in enumerate(zip(self._parts, self._matrices, strict=True)):
            chosen = np.flatnonzero(parts == n)
            if len(chosen):
                out.append((part, matrix, chosen, self._row[positions[chosen]]))
        return out

    def vectors(self, positions: np.ndarray) -> np.ndarray:
        """The vectors at these positions (zeros for an id no segment holds)."""
        positions = np.asarray(positions, dtype=np.int64)
        out = np.zeros((len(positions), self.dim), dtype=np.float32)
        for part, matrix, chosen, rows in self._by_part(positions):
            if matrix is not None:
                out[chosen] = matrix[rows]
            else:
                out[chosen] = _inner(part._index).reconstruct_batch(rows)  # noqa: SLF001
        return out

    def cosines(self, positions: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Inner products of the query with the vectors at these positions (0 for none),
        read in place: copying 5,000 vectors out first took four times as long."""
        positions = np.asarray(positions, dtype=np.int64)
        out = np.zeros(len(positions), dtype=np.float32)
        query = np.ascontiguousarray(query, dtype=np.float32)
        for part, matrix, chosen, rows in self._by_part(positions):
            if matrix is None:
                out[chosen] = _inner(part._index).reconstruct_batch(rows) @ query  # noqa: SLF001
                continue
            found = np.empty(len(rows), dtype=np.float32)
            faiss.fvec_inner_products_by_idx(  # type: ignore[attr-defined]  # not in the stubs
                faiss.swig_ptr(found),
                faiss.swig_ptr(query),
                faiss.swig_ptr(matrix),
                faiss.swig_ptr(rows),
                self.dim,
                1,
                len(rows),
            )
            out[chosen] = found
        return out


class VectorIndex:
    """Inner-product search over unit vectors, keyed by passage row id."""

    def __init__(self, dim: int, index: faiss.Index | None = None, kind: str = "flat") -> None:
        self.dim = dim
        self._index = index if index is not None else _empty(kind, dim)
        self.kind = _kind_of(self._index)
        self.ef_search = self._ef_search()  # HNSW's candidate list: recall or speed
        self._positions: np.ndarray | None = None  # ids by position, for `_exact`

    @classmethod
    def build(cls, kind: str, ids: np.ndarray, vectors: np.ndarray, dim: int) -> VectorIndex:
        """An index of ``kind`` over these vectors (SQ8 is trained on them first)."""
        out = cls(dim, kind=kind)
        if kind == "sq8" and len(ids):
            _inner(out._index).train(np.ascontiguousarray(vectors, dtype=np.float32))
        graph = _inner(out._index)
        if isinstance(graph, faiss.IndexHNSW):
            graph.hnsw.efConstruction = ef_construction_for(len(ids))
        out.add(ids, vectors)
        out.ef_search = out._ef_search()
        return out

    def _ef_search(self) -> int:
        inner = _inner(self._index)
        built = inner.hnsw.efConstruction if isinstance(inner, faiss.IndexHNSW) else 0
        return ef_search_for(len(self), built)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under the given ids."""
        self._positions = None
        if len(ids):
            self._index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64)
            )

    def remove(self, ids: np.ndarray) -> None:
        """Drop the vectors of these ids (flat and SQ8; a graph cannot drop nodes)."""
        self._positions = None
        if len(ids):
            self._index.remove_ids(np.asarray(ids, dtype=np.int64))  # type: ignore[arg-type]

    def search(
        self, query: np.ndarray, k: int, selector: faiss.IDSelector | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` nearest ids with their cosine scores, best first; ``selector`` filters ids."""
        if not len(self) or k <= 0:
            return []
        scores, ids = search_many(self, query.reshape(1, -1), k, selector)
        found = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]
        if self.kind == "hnsw" and selector is not None and len(found) < min(k, len(self)):
            return self._exact(query, k, selector)
        return found

    def _exact(
        self, query: np.ndarray, k: int, selector: faiss.IDSelector
    ) -> list[tuple[int, float]]:
        """Exact search of the vectors a graph keeps, among the ids ``selector`` lets through
        (quick when they are few: only they are scored)."""
        storage = _inner(self._index).storage  # type: ignore[attr-defined]
        translated = faiss.IDSelectorTranslated(self._index.id_map, selector)  # type: ignore[attr-defined]
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            scores, rows = storage.search(
                np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32),
                min(k, len(self)),
                params=faiss.SearchParameters(sel=translated),  # type: ignore[call-arg]
            )
        finally:
            faiss.omp_set_num_threads(threads)
        positions = self.ids()
        return [
            (int(positions[r]), float(s))
            for r, s in zip(rows[0], scores[0], strict=True)
            if r != -1
        ]

    def params(self, selector: faiss.IDSelector | None) -> faiss.SearchParameters | None:
        """Search parameters for this kind: HNSW's efSearch, and the id filter."""
        if self.kind == "hnsw":
            ef = self.ef_search if selector is None else HNSW_FILTERED_EF_SEARCH
            # faiss's type stubs lack SearchParametersHNSW and the ``sel`` keyword
            return faiss.SearchParametersHNSW(sel=selector, efSearch=ef)  # type: ignore[attr-defined]
        return faiss.SearchParameters(sel=selector) if selector is not None else None  # type: ignore[call-arg]

    def reconstruct(self, item: int) -> np.ndarray | None:
        """The stored vector of an id, or None when it is not in the index."""
        try:
            return self._index.reconstruct(int(item))  # type: ignore[return-value]
        except RuntimeError:
            return None

    def matrix(self) -> np.ndarray | None:
        """The stored vectors by position, a view of FAISS's own memory (flat and HNSW keep
        them as they are; SQ8 does not: None)."""
        inner = _inner(self._index)
        storage = faiss.downcast_index(inner.storage) if self.kind == "hnsw" else inner  # type: ignore[attr-defined]
        if not isinstance(storage, faiss.IndexFlat):
            return None
        if not len(self):
            return np.zeros((0, self.dim), dtype=np.float32)
        flat = faiss.rev_swig_ptr(storage.get_xb(), len(self) * self.dim)
        return flat.reshape(len(self), self.dim)

    def table(self, ids: np.ndarray) -> VectorTable:
        """This index's vectors read by the numbering ``ids`` gives."""
        return VectorTable([self], ids)

    def ids(self) -> np.ndarray:
        """Every id in the index, by position (kept: a loaded segment never changes)."""
        if self._positions is None:
            ids = self._index.id_map  # type: ignore[attr-defined]  # an IndexIDMap
            self._positions = faiss.vector_to_array(ids).astype(np.int64)
        return self._positions

    def save(self, path: Path) -> None:
        """Write atomically: a temporary file in the same folder, fsync, rename, fsync folder."""
        tmp = path.with_name(path.name + ".tmp")
        faiss.write_index(self._index, str(tmp))
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        """Read an index written by `save`; a damaged file raises `IndexCorruptError`."""
        try:
            index = faiss.read_index(str(path))
        except Exception as exc:  # noqa: BLE001 - FAISS raises RuntimeError for any damage
            raise IndexCorruptError(f"cannot read vector file {path}: {exc}") from None
        return cls(index.d, index)


def search_many(
    index: VectorIndex, queries: np.ndarray, k: int, selector: faiss.IDSelector | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """FAISS search of a batch of queries: scores and ids, ``-1`` where fewer than ``k`` exist.

    One query gains nothing from a second OpenMP thread and waits for it whenever another
    process holds the other core (docs/performance.md), so a single query runs on one thread;
    a batch keeps OpenMP's default. OpenMP keeps the setting per thread, so it is made on the
    thread that asks, and put back.
    """
    threads = faiss.omp_get_max_threads()
    if len(queries) == 1:
        faiss.omp_set_num_threads(1)
    try:
        return index._index.search(  # noqa: SLF001 - the one place that calls FAISS search
            np.ascontiguousarray(queries, dtype=np.float32),
            min(k, len(index)),
            params=index.params(selector),
        )
    finally:
        faiss.omp_set_num_threads(threads)
