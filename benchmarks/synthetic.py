"""Synthetic corpora for the size benchmarks: real passage embeddings replicated with noise.

Random Gaussian vectors make approximate search look better than it is, so each synthetic
vector is a real passage vector of the development index plus isotropic noise, normalised;
the noise is sized so that a copy keeps a cosine of about ``COPY_COSINE`` with its source, close
to the cosine between real neighbouring passages. The real vectors are the first rows.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import faiss
import numpy as np

COPY_COSINE = 0.85
SEED = 7
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 40  # faiss's default: a million vectors build in tens of minutes on 2 cores


def noisy_copies(rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors each at a cosine of about ``COPY_COSINE`` from its row of ``rows``."""
    sigma = np.sqrt(1 / COPY_COSINE**2 - 1) / np.sqrt(rows.shape[1])
    rows = rows + rng.normal(0, sigma, rows.shape).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def replicate(real: np.ndarray, n: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """``n`` unit vectors (``real``, then noisy copies of random real rows) and their sources."""
    rng = np.random.default_rng(seed)
    copies = rng.integers(0, len(real), max(0, n - len(real)))
    sources = np.concatenate([np.arange(min(n, len(real))), copies])
    out = np.empty((n, real.shape[1]), dtype=np.float32)
    out[: len(real)] = real[:n]
    for start in range(len(real), n, 100_000):
        rows = real[sources[start : start + 100_000]]
        out[start : start + len(rows)] = noisy_copies(rows, rng)
    return out, sources


def cache_key(real: np.ndarray, n: int) -> str:
    """A name for files derived from ``replicate(real, n)``: changes with the input and settings."""
    stamp = f"{n}|{SEED}|{COPY_COSINE}|{HNSW_M}|{HNSW_EF_CONSTRUCTION}|".encode()
    return hashlib.blake2b(stamp + real.tobytes(), digest_size=6).hexdigest()


def neighbour_cosine(vectors: np.ndarray, sample: int = 2000, seed: int = SEED) -> float:
    """Median cosine between a sample of vectors and their nearest other vector."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(vectors), min(sample, len(vectors)), replace=False)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    scores, ids = index.search(vectors[rows], 2)
    return round(float(np.median(np.where(ids[:, 0] == rows, scores[:, 1], scores[:, 0]))), 3)


def build_index(
    kind: str, vectors: np.ndarray, cache: Path | None = None
) -> tuple[faiss.Index, float]:
    """A FAISS index of ``kind`` (flat, sq8, hnsw32) over ``vectors`` and its build seconds.

    HNSW takes minutes at a million vectors, so it is written to ``cache`` and read back there.
    """
    if cache is not None and cache.exists():
        return faiss.read_index(str(cache)), float("nan")
    started = time.perf_counter()
    dim = vectors.shape[1]
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif kind == "sq8":
        index = faiss.IndexScalarQuantizer(
            dim, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        index.train(vectors[:: max(1, len(vectors) // 100_000)])
    elif kind == "hnsw32":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    else:
        raise ValueError(kind)
    index.add(vectors)
    seconds = time.perf_counter() - started
    if cache is not None and kind == "hnsw32":
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(cache.name + ".tmp")
        faiss.write_index(index, str(tmp))
        tmp.replace(cache)
    return index, seconds


def search_ids(index: faiss.Index, queries: np.ndarray, k: int) -> np.ndarray:
    """The top-``k`` ids of each query, one query a call as the question path does."""
    return np.vstack([index.search(q.reshape(1, -1), k)[1] for q in queries])


def recall_at(found: np.ndarray, exact: np.ndarray, k: int = 10) -> float:
    """Mean share of the exact top-``k`` ids found in the approximate top-``k``."""
    hits = [
        len(set(f[:k]) & set(e[:k])) / len(set(e[:k])) for f, e in zip(found, exact, strict=True)
    ]
    return round(float(np.mean(hits)), 4)
