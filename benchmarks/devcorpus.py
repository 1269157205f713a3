"""The development corpus for the benchmarks: its articles folder, its index and its questions.

The index is the one benchmarks/retrieval.py caches under benchmarks/.work/index: reused read-only
when it holds a complete generation, built there (the same way) when it does not.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from index.engine import Whosaid  # noqa: E402

WORK = ROOT / "benchmarks" / ".work"
RESULTS = ROOT / "benchmarks" / "results"
QUESTIONS = ROOT / "benchmarks" / "questions" / "polnear.jsonl"


def parser(doc: str) -> argparse.ArgumentParser:
    """The arguments every benchmark over the development corpus takes."""
    out = argparse.ArgumentParser(description=doc.splitlines()[0])
    out.add_argument("--gold", type=Path, required=True, help="folder with articles.jsonl")
    out.add_argument("--model", default="all-MiniLM-L6-v2")
    out.add_argument("--work", type=Path, default=WORK, help="cache folder")
    out.add_argument("--rounds", type=int, default=5)
    return out


def articles_folder(gold: Path, work: Path = WORK) -> Path:
    """A folder holding only a link to the gold articles.jsonl (the jsonl loader reads it)."""
    folder = work / "articles"
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "polnear.jsonl"
    if not link.exists():
        link.symlink_to((gold / "articles.jsonl").resolve())
    return folder


def dev_index(gold: Path, model: str, work: Path = WORK) -> Path:
    """The data folder of the development index, built first if it has no generation yet."""
    data = work / "index"
    engine = Whosaid(data, model)
    try:
        if not engine.has_index():
            print(f"building the development index in {data} (once)...", file=sys.stderr)
            engine.update(articles_folder(gold, work))
    finally:
        engine.close()
    return data


def dev_passages(data: Path) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Row ids, texts and stored vectors of the development index's current generation."""
    engine = Whosaid(data)
    try:
        return engine.store.live_passages(engine.store.current_generation())
    finally:
        engine.close()


def questions(path: Path = QUESTIONS) -> list[str]:
    """The development questions' texts."""
    lines = path.read_text().splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def write_results(name: str, results: dict) -> Path:
    """Write ``benchmarks/results/<name>.json`` and print it."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return out
