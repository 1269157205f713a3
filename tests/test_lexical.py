"""A generation's BM25 index is built by its first reader, saved, and read by the next ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index import lexical, snapshot
from index.embedder import HashEmbedder
from index.engine import Whosaid
from index.search import bm25_scores, build_bm25, used_words
from tests.conftest import fake_attribute

ALPHA = "date 2020-03-01\ntitle: Alpha\n\n“Taxes will fall next year,” Maria Lopez said.\n"
BETA = "date 2021-06-10\ntitle: Beta\n\n“The bridge opens in June,” Tom Berg said.\n"


def reader(data: Path) -> Whosaid:
    return Whosaid(data, embedder=HashEmbedder(), attribute=fake_attribute, no_answer_cosine=-1)


def saved(data: Path) -> list[str]:
    """The generations with saved BM25 indexes (of passages and of articles)."""
    return sorted({p.name.split("-")[1] for p in data.glob(f"{lexical.PREFIX}*")})


def test_the_next_reader_reads_the_saved_index(
    fake_engine: Whosaid, articles_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (articles_dir / "alpha.txt").write_text(ALPHA)
    (articles_dir / "beta.txt").write_text(BETA)
    fake_engine.update(articles_dir)
    expected = fake_engine.ask("bridge June", k=2)
    assert saved(fake_engine.data_dir) == ["1"]

    def no_build(counts: lexical.Counts) -> None:
        raise AssertionError("the saved index should have been read")

    monkeypatch.setattr(lexical, "bm25_from_counts", no_build)
    again = reader(fake_engine.data_dir).ask("bridge June", k=2)
    assert [a.passage_id for a in again.answers] == [a.passage_id for a in expected.answers]
    assert again.answers[0].article.article_id == "beta.txt"


def test_old_generations_indexes_are_removed(fake_engine: Whosaid, articles_dir: Path) -> None:
    for generation, text in enumerate([ALPHA, BETA, ALPHA + "More.\n"], start=1):
        (articles_dir / f"a{generation}.txt").write_text(text)
        fake_engine.update(articles_dir)
        fake_engine.speakers()  # loads the generation
    assert saved(fake_engine.data_dir) == ["2", "3"]


def test_a_damaged_index_is_built_again(fake_engine: Whosaid, articles_dir: Path) -> None:
    (articles_dir / "beta.txt").write_text(BETA)
    fake_engine.update(articles_dir)
    fake_engine.speakers()
    folders = sorted(p.name for p in fake_engine.data_dir.glob(f"{lexical.PREFIX}*"))
    for folder in folders:
        for path in (fake_engine.data_dir / folder).iterdir():
            path.write_bytes(b"garbage")
    result = reader(fake_engine.data_dir).ask("bridge June")
    assert result.answers[0].article.article_id == "beta.txt"
    assert sorted(p.name for p in fake_engine.data_dir.glob(f"{lexical.PREFIX}*")) == folders


TEXTS = [
    "Taxes will fall next year, the treasury said",
    "The bridge opens in June; the bridge was late",
    "Ferries run again in May",
    "The treasury and the mayor disagree on taxes",
]
QUERIES = [["taxes"], ["bridge", "june", "bridge"], ["treasury", "mayor", "ferries"], ["none"]]


def counted(keys: list[int], texts: dict[int, str], previous: lexical.Counts | None = None):
    """Counts of the documents ``keys`` (texts by key), and the positions that were read."""
    read: list[int] = []

    def reading(positions: list[int]) -> list[str]:
        read.extend(positions)
        return [texts[keys[i]] for i in positions]

    return lexical.count_tokens(np.array(keys), reading, previous), read


def test_bm25_from_counts_scores_as_bm25s_does() -> None:
    counts, _ = counted([10, 11, 12, 13], dict(zip([10, 11, 12, 13], TEXTS, strict=True)))
    ours, theirs = lexical.bm25_from_counts(counts), build_bm25(TEXTS)
    assert ours is not None and theirs is not None
    for query in QUERIES:
        assert bm25_scores(ours, query) == pytest.approx(bm25_scores(theirs, query), rel=1e-5)
    assert sorted(used_words(ours)) == sorted(used_words(theirs))


def test_a_new_generation_counts_only_its_new_documents() -> None:
    texts = dict(zip([10, 11, 12, 13], TEXTS, strict=True))
    first, _ = counted([10, 11, 12], texts)
    # 11 removed, 13 added, and the order of documents changes.
    second, read = counted([13, 12, 10], texts, first)
    assert read == [0]  # only 13 was read
    fresh = build_bm25([TEXTS[3], TEXTS[2], TEXTS[0]])
    index = lexical.bm25_from_counts(second)
    assert index is not None and fresh is not None
    for query in QUERIES:
        assert bm25_scores(index, query) == pytest.approx(bm25_scores(fresh, query), rel=1e-5)
    # A word only the removed document held is no longer a known word.
    assert "bridge" in second.vocabulary and "bridge" not in used_words(index)


def test_an_update_reads_only_the_new_articles_passages(
    fake_engine: Whosaid, articles_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (articles_dir / "alpha.txt").write_text(ALPHA)
    fake_engine.update(articles_dir, load=True)
    read: list[int] = []
    real = snapshot.lexical_texts

    def recording(ids, texts, articles, positions=None):  # type: ignore[no-untyped-def]
        read.extend(positions if positions is not None else range(len(ids)))
        return real(ids, texts, articles, positions)

    monkeypatch.setattr(snapshot, "lexical_texts", recording)
    (articles_dir / "beta.txt").write_text(BETA)
    fake_engine.update(articles_dir, load=True)
    live = fake_engine.store.live_passages(2)[0].tolist()
    assert 0 < len(read) < len(live)  # beta's passages, not alpha's
    incremental = fake_engine.ask("bridge June", k=2)
    for folder in fake_engine.data_dir.glob(f"{lexical.PREFIX}*"):
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    scratch = reader(fake_engine.data_dir).ask("bridge June", k=2)
    assert [a.passage_id for a in scratch.answers] == [a.passage_id for a in incremental.answers]
