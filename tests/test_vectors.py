"""Vector index kinds: chosen by size or forced by the setting; HNSW finds what flat finds."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

from bot.config import SettingsError, load_settings
from index import search, vectors
from index.query import SpeakerMatcher, parse_question
from index.search import Searcher
from index.vectors import AUTO_FLAT_UP_TO, VectorIndex, choose_kind, search_many
from tests.test_segments import engine, write


def test_auto_is_flat_for_small_indexes_and_hnsw_above() -> None:
    assert choose_kind("auto", 1_000) == "flat"
    assert choose_kind("auto", AUTO_FLAT_UP_TO) == "flat"
    assert choose_kind("auto", AUTO_FLAT_UP_TO + 1) == "hnsw"
    assert [choose_kind(k, 10) for k in ("flat", "hnsw", "sq8")] == ["flat", "hnsw", "sq8"]
    with pytest.raises(ValueError, match="auto, flat, hnsw, sq8"):
        choose_kind("ivf", 10)


def test_the_setting_is_read_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHOSAID_VECTOR_INDEX", "hnsw")
    assert load_settings().vector_index == "hnsw"
    monkeypatch.setenv("WHOSAID_VECTOR_INDEX", "annoy")
    with pytest.raises(SettingsError, match="WHOSAID_VECTOR_INDEX"):
        load_settings()


def test_the_setting_is_honoured_at_the_next_update(tmp_path: Path, articles_dir: Path) -> None:
    write(articles_dir, range(4))
    small = engine(tmp_path / "d")
    small.update(articles_dir)
    assert small.snapshot().searcher.vectors.kind == "flat"  # auto, small
    forced = engine(tmp_path / "d", vector_index="hnsw")
    write(articles_dir, range(5))
    gen = forced.update(articles_dir).generation
    assert [s.kind for s in forced.store.segments(gen)] == ["hnsw"]  # a new base, not a delta
    assert forced.snapshot().searcher.vectors.kind == "hnsw"
    assert forced.ask("Plan 4 will work").answers[0].article.article_id == "s004.txt"


def clustered(n: int, dim: int = 64, topics: int = 40, seed: int = 3) -> np.ndarray:
    """Unit vectors around a few topic directions, like passages about a few stories: a
    nearest neighbour at a cosine of about 0.8, as between real neighbouring passages."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(topics, dim))
    rows = centres[rng.integers(0, topics, n)] + rng.normal(scale=0.6, size=(n, dim))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def flat_and_hnsw() -> tuple[VectorIndex, VectorIndex, np.ndarray]:
    """The same 3,000 clustered vectors (ids 100-3,099) in both kinds, and 50 queries."""
    both = clustered(3_050)
    vectors, queries = both[:3_000], both[3_000:]
    ids = np.arange(100, 3_100)
    flat = VectorIndex.build("flat", ids, vectors, 64)
    return flat, VectorIndex.build("hnsw", ids, vectors, 64), queries


def test_hnsw_returns_the_top_results_of_flat(
    flat_and_hnsw: tuple[VectorIndex, VectorIndex, np.ndarray],
) -> None:
    flat, hnsw, queries = flat_and_hnsw
    exact = search_many(flat, queries, 10)[1]
    found = search_many(hnsw, queries, 10)[1]
    assert (found[:, 0] == exact[:, 0]).all()
    recall = np.mean([len(set(f) & set(e)) / 10 for f, e in zip(found, exact, strict=True)])
    assert recall >= 0.98
    assert [i for i, _ in hnsw.search(queries[0], 10)] == list(found[0])


def test_hnsw_inside_a_small_filter_is_exact(
    flat_and_hnsw: tuple[VectorIndex, VectorIndex, np.ndarray],
) -> None:
    flat, hnsw, queries = flat_and_hnsw
    few = faiss.IDSelectorBatch(np.array([150, 900, 2_000, 3_050], dtype=np.int64))
    for query in queries[:10]:
        assert hnsw.search(query, 100, few) == flat.search(query, 100, few)


@pytest.mark.parametrize("exact_up_to", [search.EXACT_UP_TO, 0])
def test_a_filtered_search_finds_what_flat_finds(
    flat_and_hnsw: tuple[VectorIndex, VectorIndex, np.ndarray],
    monkeypatch: pytest.MonkeyPatch,
    exact_up_to: int,
) -> None:
    """Inside a filter, scoring its vectors one by one (small filters) and FAISS's filtered
    search (large ones) both give flat's answer."""
    flat, hnsw, queries = flat_and_hnsw
    monkeypatch.setattr(search, "EXACT_UP_TO", exact_up_to)
    ids = hnsw.ids()
    searcher = Searcher(hnsw, ids, ["passage"] * len(ids))
    within = np.array([2_950, 50, 1_900, 800])  # positions
    query = parse_question("anything at all", SpeakerMatcher([]), None)
    selector = faiss.IDSelectorBatch(ids[within])
    for vector in queries[:10]:
        found = searcher.search(query, vector, within, k=5)
        expected = flat.search(vector, 100, selector)
        assert [c.passage_id for c in found] == [i for i, _ in expected]
        assert [c.cosine for c in found] == pytest.approx([s for _, s in expected], abs=1e-6)


def test_a_large_graph_is_built_denser_and_searched_with_a_shorter_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vectors, "HNSW_LARGE", 50)  # 60 vectors stand for a large index
    rng = np.random.default_rng(3)
    data = rng.standard_normal((60, 8)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    large = VectorIndex.build("hnsw", np.arange(60), data, 8)
    assert large.ef_search == vectors.HNSW_EF_SEARCH_LARGE
    large.save(tmp_path / "large.faiss")
    assert VectorIndex.load(tmp_path / "large.faiss").ef_search == vectors.HNSW_EF_SEARCH_LARGE
    # A large graph written by a version that built every graph with efConstruction 80 keeps
    # the longer list its recall needs.
    monkeypatch.setattr(vectors, "ef_construction_for", lambda size: vectors.HNSW_EF_CONSTRUCTION)
    VectorIndex.build("hnsw", np.arange(60), data, 8).save(tmp_path / "sparse.faiss")
    sparse = VectorIndex.load(tmp_path / "sparse.faiss")
    assert sparse.ef_search == vectors.HNSW_EF_SEARCH_LARGE_SPARSE
    assert (
        VectorIndex.build("hnsw", np.arange(40), data[:40], 8).ef_search == vectors.HNSW_EF_SEARCH
    )
