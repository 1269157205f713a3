"""kill -9 at any moment of an update leaves the previous generation current and intact."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.embedder import HashEmbedder
from index.engine import Whosaid
from tests.conftest import fake_attribute

WORKER = Path(__file__).with_name("update_worker.py")
KILL_POINTS = 24


def article(i: int, version: str = "") -> str:
    return (
        f"date 2020-01-{i % 28 + 1:02d}\ntitle: Story {i}\n\n"
        f"“Item {i} matters {version},” Person{i % 7} Name said. " + "Filler words here. " * 40
    )


def write_set(folder: Path, ids: range, changed: set[int] = frozenset()) -> set[str]:  # type: ignore[assignment]
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for i in ids:
        (folder / f"a{i:04d}.txt").write_text(article(i, "again" if i in changed else ""))
    return {f"a{i:04d}.txt" for i in ids}


def open_ids(data: Path) -> tuple[set[str], int]:
    engine = Whosaid(
        data,
        embedder=HashEmbedder(),
        attribute=fake_attribute,
        no_answer_cosine=-1,
        rare_word_cosine=-1,  # hash vectors: only the words match
    )
    try:
        assert engine.check() == []
        result = engine.ask("Item 5 matters")
        assert result.answers, "the index must answer after a crash"
        return {a.id for a in engine.articles()}, engine.status().generation
    finally:
        engine.close()


def run_worker(data: Path, articles: Path, kill_after: float | None) -> float:
    """Run an update; kill it ``kill_after`` seconds after it starts. Returns its run time."""
    proc = subprocess.Popen(
        [sys.executable, str(WORKER), str(data), str(articles)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
    started = time.monotonic()
    if kill_after is not None:
        time.sleep(kill_after)
        proc.kill()
    proc.wait(timeout=120)
    return time.monotonic() - started


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("crash")
    old_dir, new_dir = root / "old", root / "new"
    old = write_set(old_dir, range(0, 300))
    new = write_set(new_dir, range(50, 450), changed=set(range(50, 100)))
    pristine = root / "pristine"
    Whosaid(pristine, embedder=HashEmbedder(), attribute=fake_attribute).update(old_dir)
    trial = root / "trial"
    shutil.copytree(pristine, trial)
    duration = run_worker(trial, new_dir, None)
    assert open_ids(trial)[0] == new
    return dict(root=root, old=old, new=new, new_dir=new_dir, pristine=pristine, duration=duration)


def test_kill_at_any_point_leaves_old_or_new_generation_whole(setup: dict) -> None:
    outcomes = []
    for point in range(KILL_POINTS):
        data = setup["root"] / f"kill{point}"
        shutil.copytree(setup["pristine"], data)
        run_worker(data, setup["new_dir"], setup["duration"] * (point + 0.5) / KILL_POINTS)
        ids, gen = open_ids(data)
        assert ids in (setup["old"], setup["new"]), f"kill point {point}: a mixed article set"
        assert gen == (1 if ids == setup["old"] else 2)
        outcomes.append(ids == setup["new"])
        # The next update cleans what the killed one left and completes.
        run_worker(data, setup["new_dir"], None)
        assert open_ids(data)[0] == setup["new"]
        assert not list(data.glob("*.tmp")) and not list(data.glob("vectors-*.faiss.tmp"))
        shutil.rmtree(data)
    # Points spread over the whole update: some land before the commit, some after.
    assert not all(outcomes) and any(outcomes), f"kills did not cover the update: {outcomes}"
