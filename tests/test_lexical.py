"""A generation's BM25 index is built by its first reader, saved, and read by the next ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import lexical
from index.embedder import HashEmbedder
from index.engine import Whosaid
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

    def no_build(texts: list[str]) -> None:
        raise AssertionError("the saved index should have been read")

    monkeypatch.setattr(lexical, "build_bm25", no_build)
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
