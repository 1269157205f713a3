"""Vector segments: an update writes only what it adds; readers keep their generation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index import segments
from index.embedder import HashEmbedder
from index.engine import Whosaid
from tests.conftest import ROOT, fake_attribute

NAMES = ("Adams", "Baker", "Clark", "Davis", "Evans", "Fisher", "Grant")


def story(i: int, words: str = "") -> str:
    return (
        f"date 2021-02-{i % 28 + 1:02d}\ntitle: Story {i}\n\n"
        f"“Plan {i} will work {words},” Anna {NAMES[i % 7]} said. " + f"Filler {i} words. " * 30
    )


def write(folder: Path, ids: range | list[int], changed: set[int] = frozenset()) -> None:  # type: ignore[assignment]
    for path in folder.glob("*.txt"):
        path.unlink()
    for i in ids:
        (folder / f"s{i:03d}.txt").write_text(story(i, "again" if i in changed else ""))


def engine(data: Path, **options: object) -> Whosaid:
    return Whosaid(
        data,
        embedder=HashEmbedder(),
        attribute=fake_attribute,
        no_answer_cosine=-1,
        unknown_name_cosine=-1,
        **options,  # type: ignore[arg-type]
    )


def test_an_added_article_writes_one_small_file(fake_engine: Whosaid, articles_dir: Path) -> None:
    write(articles_dir, range(5))
    fake_engine.update(articles_dir)
    base = fake_engine.data_dir / "vectors-1.faiss"
    before = base.stat()
    write(articles_dir, range(6))
    report = fake_engine.update(articles_dir)
    listed = fake_engine.store.segments(report.generation)
    assert [s.file for s in listed] == ["vectors-1.faiss", "vectors-2.faiss"]
    added = len(fake_engine.store.live_passages(2)[0]) - len(fake_engine.store.live_passages(1)[0])
    assert listed[1].vectors == added
    after = base.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert fake_engine.ask("Plan 5 will work").answers[0].article.article_id == "s005.txt"


@pytest.mark.parametrize("kind", ["flat", "hnsw", "sq8"])
def test_removed_passages_never_come_back(tmp_path: Path, articles_dir: Path, kind: str) -> None:
    index = engine(tmp_path / "data", vector_index=kind)
    write(articles_dir, range(8))
    index.update(articles_dir)
    first = set(index.store.live_passages(1)[0].tolist())
    write(articles_dir, range(2, 8), changed={3})  # two removed, one changed
    index.update(articles_dir)
    ids, _, stored = index.store.live_passages(2)
    gone = first - set(ids.tolist())
    assert gone
    vectors = index.snapshot().searcher.vectors
    assert vectors.kind == kind and len(vectors) == len(ids)
    old = segments.VectorIndex.load(tmp_path / "data" / "vectors-1.faiss")
    for item in gone:
        query = old.reconstruct(item)
        assert query is not None
        found = {i for i, _ in vectors.search(query, len(first) + len(ids))}
        assert found <= set(ids.tolist())
        assert vectors.reconstruct(item) is None
    for item, vector in zip(ids[:5], stored[:5], strict=True):
        assert vectors.search(vector, 1)[0][0] == item
    # Read by the searcher's numbering, across base and delta, the vectors are the stored ones.
    searcher = index.snapshot().searcher
    read = searcher.table.vectors(searcher.positions(ids))
    np.testing.assert_allclose(read, stored, atol=0.02 if kind == "sq8" else 0)
    cosines = searcher.table.cosines(searcher.positions(ids), stored[0])
    np.testing.assert_allclose(cosines, stored @ stored[0], atol=0.02 if kind == "sq8" else 1e-5)


def test_deltas_are_compacted_into_a_new_base(
    tmp_path: Path, articles_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(segments, "COMPACT_MIN_BASE", 0)
    index = engine(tmp_path / "data")
    write(articles_dir, range(10))
    index.update(articles_dir)
    write(articles_dir, range(11))  # one more article: a delta under a tenth of the base
    assert len(index.store.segments(index.update(articles_dir).generation)) == 2
    write(articles_dir, range(1, 13))  # one removed, two added: past a tenth
    gen = index.update(articles_dir).generation
    assert [s.file for s in index.store.segments(gen)] == [f"vectors-{gen}.faiss"]
    assert sorted(p.name for p in index.data_dir.glob("vectors-*")) == [f"vectors-{gen}.faiss"]
    assert index.check() == []
    assert index.ask("Plan 12 will work").answers[0].article.article_id == "s012.txt"


def test_a_reader_loads_only_the_new_segments(tmp_path: Path, articles_dir: Path) -> None:
    writer, reader = engine(tmp_path / "d"), engine(tmp_path / "d")
    write(articles_dir, range(4))
    writer.update(articles_dir)
    base = reader.snapshot().searcher.vectors.segments["vectors-1.faiss"]
    write(articles_dir, range(5))
    writer.update(articles_dir)
    loaded = reader.snapshot().searcher.vectors.segments
    assert list(loaded) == ["vectors-1.faiss", "vectors-2.faiss"]
    assert loaded["vectors-1.faiss"] is base


def test_passage_rows_are_never_reused(fake_engine: Whosaid, articles_dir: Path) -> None:
    write(articles_dir, range(3))
    fake_engine.update(articles_dir)
    top = int(fake_engine.store.live_passages(1)[0].max())
    write(articles_dir, range(2))  # the article with the highest rows goes, and is purged
    fake_engine.update(articles_dir)
    write(articles_dir, [0, 1, 7])
    gen = fake_engine.update(articles_dir).generation
    assert fake_engine.store.generations() == [gen]
    ids = fake_engine.store.live_passages(gen)[0]
    assert int(ids.max()) > top and fake_engine.check() == []


def test_check_finds_a_changed_vector_file(fake_engine: Whosaid, articles_dir: Path) -> None:
    write(articles_dir, range(3))
    fake_engine.update(articles_dir)
    path = fake_engine.data_dir / "vectors-1.faiss"
    data = bytearray(path.read_bytes())
    data[-100:] = bytes(100)  # same size, other bytes
    path.write_bytes(bytes(data))
    assert any("changed" in p for p in fake_engine.check())
    path.unlink()
    assert any("missing" in p for p in fake_engine.check())
    assert engine(fake_engine.data_dir).ask("Plan 1 will work").answers


def test_generations_no_reader_holds_are_removed(tmp_path: Path, articles_dir: Path) -> None:
    writer, reader = engine(tmp_path / "d"), engine(tmp_path / "d")
    write(articles_dir, range(3))
    writer.update(articles_dir)
    assert reader.snapshot().gen == 1
    for n in (4, 5):
        write(articles_dir, range(n))
        writer.update(articles_dir)
    assert writer.store.generations() == [1, 3]  # 2 was never read
    assert {a.id for a in reader.store.articles(1)} == {"s000.txt", "s001.txt", "s002.txt"}
    assert reader.snapshot().gen == 3  # the reader moves on and lets 1 go
    write(articles_dir, range(6))
    writer.update(articles_dir)
    assert writer.store.generations() == [3, 4]
    assert (tmp_path / "d" / "vectors-1.faiss").exists()  # still the base of 3 and 4
    reader.close()
    write(articles_dir, range(7))
    writer.update(articles_dir)
    assert writer.store.generations() == [5]


HOLDER = """
import sys
sys.path.insert(0, {root!r})
from tests.test_segments import engine
reader = engine({data!r})
print(reader.snapshot().gen, flush=True)
sys.stdin.read()
"""


def test_a_reader_process_keeps_its_generation(tmp_path: Path, articles_dir: Path) -> None:
    writer = engine(tmp_path / "d")
    write(articles_dir, range(3))
    writer.update(articles_dir)
    script = HOLDER.format(root=str(ROOT), data=str(tmp_path / "d"))
    holder = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "1"
        for n in (4, 5):
            write(articles_dir, range(n))
            writer.update(articles_dir)
        assert writer.store.generations() == [1, 3]
    finally:
        holder.kill()
        holder.wait()
    write(articles_dir, range(6))
    writer.update(articles_dir)
    assert writer.store.generations() == [4]
    assert not (tmp_path / "d" / "readers" / "1.lock").exists()
