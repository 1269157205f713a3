"""FAISS: the vector index stores only int ids (the passages' SQLite row ids)."""

from __future__ import annotations

import os
from pathlib import Path

import faiss
import numpy as np

from index.errors import IndexCorruptError


class VectorIndex:
    """Exact inner-product search over unit vectors, keyed by passage row id."""

    def __init__(self, dim: int, index: faiss.Index | None = None) -> None:
        self.dim = dim
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under the given ids."""
        if len(ids):
            self._index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64)
            )

    def remove(self, ids: np.ndarray) -> None:
        """Drop the vectors of these ids."""
        if len(ids):
            self._index.remove_ids(np.asarray(ids, dtype=np.int64))

    def search(
        self, query: np.ndarray, k: int, selector: faiss.IDSelector | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` nearest ids with their cosine scores, best first; ``selector`` filters ids."""
        if not len(self) or k <= 0:
            return []
        params = faiss.SearchParameters(sel=selector) if selector is not None else None
        # One query gains nothing from a second OpenMP thread and waits for it whenever another
        # process holds the other core (docs/performance.md). OpenMP keeps the setting per
        # thread, so it is made on the thread that asks, and put back.
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            scores, ids = self._index.search(
                np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32),
                min(k, len(self)),
                params=params,
            )
        finally:
            faiss.omp_set_num_threads(threads)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]

    def reconstruct(self, item: int) -> np.ndarray | None:
        """The stored vector of an id, or None when it is not in the index."""
        try:
            return self._index.reconstruct(int(item))
        except RuntimeError:
            return None

    def ids(self) -> np.ndarray:
        """Every id in the index."""
        return faiss.vector_to_array(self._index.id_map).astype(np.int64)

    def save(self, path: Path) -> None:
        """Write atomically: a temporary file in the same folder, fsync, rename."""
        tmp = path.with_name(path.name + ".tmp")
        faiss.write_index(self._index, str(tmp))
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        """Read an index written by `save`; a damaged file raises `IndexCorruptError`."""
        try:
            index = faiss.read_index(str(path))
        except Exception as exc:  # noqa: BLE001 - FAISS raises RuntimeError for any damage
            raise IndexCorruptError(f"cannot read vector file {path}: {exc}") from None
        return cls(index.d, index)
