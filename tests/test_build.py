"""Index updates as a pipeline: attribution runs ahead in a worker thread; progress has a rate."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from index import build
from index.embedder import HashEmbedder
from index.engine import Whosaid
from index.models import Article, Progress, Quote
from tests.conftest import fake_attribute

ARTICLE = "date 2020-03-01\ntitle: T{n}\n\n“Taxes will fall in year {n},” Maria Lopez said.\n"


def write_articles(folder: Path, count: int) -> None:
    for n in range(count):
        (folder / f"a{n:03d}.txt").write_text(ARTICLE.format(n=n))


def test_attribution_runs_in_a_worker_and_progress_has_rate_and_eta(
    tmp_path: Path, articles_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build, "BATCH_ARTICLES", 4)
    write_articles(articles_dir, 10)
    threads = set()

    def attribute(articles: Sequence[Article]) -> list[list[Quote]]:
        threads.add(threading.current_thread().name)
        return fake_attribute(articles)

    events: list[Progress] = []
    engine = Whosaid(tmp_path / "data", embedder=HashEmbedder(), attribute=attribute)
    report = engine.update(articles_dir, progress=events.append)
    assert report.articles == 10 and report.quotes == 10
    assert all(name.startswith("whosaid-attribute") for name in threads)
    embedding = [e for e in events if e.stage == "embedding"]
    assert [e.done for e in embedding] == [0, 4, 8, 10]
    assert [e.passages for e in embedding] == [0, 4, 8, 10]
    assert embedding[0].eta is None and embedding[-1].eta == 0
    assert all(e.rate > 0 and e.eta is not None for e in embedding[1:])
    assert [a.id for a in engine.articles()] == [f"a{n:03d}.txt" for n in range(10)]


def test_an_attribution_error_stops_the_update(
    tmp_path: Path, articles_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build, "BATCH_ARTICLES", 2)
    write_articles(articles_dir, 6)

    def attribute(articles: Sequence[Article]) -> list[list[Quote]]:
        if any(a.id == "a003.txt" for a in articles):
            raise RuntimeError("spaCy fell over")
        return fake_attribute(articles)

    engine = Whosaid(tmp_path / "data", embedder=HashEmbedder(), attribute=attribute)
    with pytest.raises(RuntimeError, match="spaCy fell over"):
        engine.update(articles_dir)
    assert not engine.has_index()
