"""Indexes of 100k and 1M passages for the start-up and memory benchmarks: the development
articles, copied.

An index of at least N passages holds the development articles ``ceil(N / 14,412)`` times: copy
``c`` of article ``X`` is ``X#c`` with the same text, passages and quotes (the quotes are read
from the development index, so spaCy does not run again), and each passage vector of a copy is
its real vector plus noise (`synthetic.noisy_copies`: a cosine of about 0.85 with its source).
The index is written by `Whosaid.update` with a stand-in embedder and attributor, so its files
are what a real build writes. Cached in ``<work>/replicated-<N>/``.

    .venv/bin/python benchmarks/replicated.py --gold ../shared/data/polnear-train --passages 100000
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.devcorpus import articles_folder, dev_index, dev_passages, parser  # noqa: E402
from benchmarks.synthetic import SEED, noisy_copies  # noqa: E402
from index.engine import Whosaid  # noqa: E402
from index.models import Article, Quote  # noqa: E402

COPY_MARK = "#"
STEP_COPIES = 7


class ReplicaEmbedder:
    """The development index's stored vector of each text; a noisy copy from its second time on."""

    def __init__(self, name: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        self.name = name
        self.dim = int(vectors.shape[1])
        self._by_text = dict(zip(texts, vectors, strict=True))
        self._seen: Counter[str] = Counter()
        self._rng = np.random.default_rng(SEED)

    def embed(self, texts: list[str], *, batch_size: int = 32) -> np.ndarray:
        out = np.stack([self._by_text[t] for t in texts]).astype(np.float32)
        again = [i for i, t in enumerate(texts) if self._seen[t]]
        self._seen.update(texts)
        if again:
            out[again] = noisy_copies(out[again], self._rng)
        return out


def replica_attributor(dev: Whosaid) -> object:
    """The development index's quotes of each article, moved onto its copies."""
    by_article: dict[str, list[Quote]] = defaultdict(list)
    for _, quote in dev.store.live_quotes(dev.store.current_generation()):
        by_article[quote.article_id].append(quote)

    def attribute(articles: Sequence[Article]) -> list[list[Quote]]:
        return [
            [replace(q, article_id=a.id) for q in by_article[a.id.split(COPY_MARK)[0]]]
            for a in articles
        ]

    return attribute


def write_copies(source: Path, copies: int, data: Path) -> None:
    """``copies`` copies of every article of the jsonl ``source``, in ``data/articles``."""
    folder = data / "articles"
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.loads(line) for line in source.read_text().splitlines() if line.strip()]
    with open(folder / "articles.jsonl", "w", encoding="utf-8") as out:
        for c in range(copies):
            for item in lines:
                name = item["id"] if c == 0 else f"{item['id']}{COPY_MARK}{c}"
                out.write(json.dumps(item | {"id": name}, ensure_ascii=False) + "\n")


def replicated_index(gold: Path, passages: int, work: Path, model: str) -> Path:
    """The data folder of an index of at least ``passages`` passages, built first if need be.

    Built ``STEP_COPIES`` copies an update, so that one update holds about 100k passages in
    memory rather than all of them.
    """
    data = work / f"replicated-{passages}"
    engine = Whosaid(data, model)
    try:
        if engine.has_index() and engine.status().passages >= passages:
            return data
    finally:
        engine.close()
    dev_data = dev_index(gold, model, work)
    _, texts, vectors = dev_passages(dev_data)
    copies = math.ceil(passages / len(texts))
    dev = Whosaid(dev_data, model)
    engine = Whosaid(
        data,
        embedder=ReplicaEmbedder(model, texts, vectors),
        attribute=replica_attributor(dev),  # type: ignore[arg-type]
    )
    # Copies share their source's text, and an update reuses stored vectors by text: the
    # noise is the point here, so nothing is reused.
    engine.store.known_vectors = lambda texts: {}  # type: ignore[method-assign]
    started = time.perf_counter()
    print(f"building {copies} copies of the development index in {data}...", file=sys.stderr)
    try:
        for step in range(STEP_COPIES, copies + STEP_COPIES, STEP_COPIES):
            write_copies(articles_folder(gold, work) / "polnear.jsonl", min(step, copies), data)
            report = engine.update(data / "articles")
            print(
                f"{report.passages:,} passages, {report.quotes:,} quotes after "
                f"{time.perf_counter() - started:.0f} s",
                file=sys.stderr,
            )
    finally:
        engine.close()
        dev.close()
    return data


def main() -> int:
    args = parser(__doc__).parse_args()
    for size in (100_000,):
        print(replicated_index(args.gold, size, args.work, args.model))
    return 0


if __name__ == "__main__":
    sys.exit(main())
