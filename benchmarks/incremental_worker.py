"""One side of benchmarks/incremental.py: a warm engine from a given copy of the code.

    python benchmarks/incremental_worker.py CODE_DIR MODEL BACKEND ONNX_CACHE

Imports ``index`` from CODE_DIR (this checkout, or an older commit's ``index/`` unpacked
elsewhere), loads the embedding model and spaCy, prints ``ready``, then reads one JSON command
a line (``{"data": ..., "articles": ..., "options": {...}}``), runs `Whosaid.update` on it and
prints one JSON line of timings (with ``"load": true``, also until the new generation is
loaded).
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from pathlib import Path

CODE, MODEL, BACKEND, ONNX_CACHE = sys.argv[1:5]
sys.path.insert(0, CODE)

from index.embedder import make_embedder  # noqa: E402
from index.engine import Whosaid, default_attributor  # noqa: E402
from index.models import Article, Progress  # noqa: E402

WARM_TEXT = "“We will win this,” the senator said on Tuesday. Nobody else spoke."


def main() -> None:
    embedder = make_embedder(MODEL, BACKEND, Path(ONNX_CACHE))
    attribute = default_attributor()
    embedder.embed([WARM_TEXT])
    attribute([Article("warm", WARM_TEXT)])
    print("ready", flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        data = Path(command["data"])
        # The base was written by the benchmark, not attributed by this code: mark it as
        # attributed by this code, or the update would re-read every article.
        with sqlite3.connect(data / "whosaid.sqlite") as db:
            db.execute("UPDATE meta SET value = ? WHERE key = 'attribution'", (attribute.version,))
        first: dict[str, float] = {}
        engine = Whosaid(data, embedder=embedder, attribute=attribute, **command["options"])
        started = time.perf_counter()

        def seen(event: Progress, first: dict = first, started: float = started) -> None:
            first.setdefault(event.stage, time.perf_counter() - started)

        load = {"load": True} if command.get("load") else {}  # older code has no load
        report = engine.update(Path(command["articles"]), progress=seen, **load)
        ready = time.perf_counter() - started
        seconds = first.get("loading", ready)  # the update, without loading its generation
        engine.close()
        print(
            json.dumps(
                {
                    "seconds": seconds,
                    # reading and diffing the folder; attribution and embedding; writing
                    "read": first.get("embedding", 0.0),
                    "prepare": first.get("writing", 0.0) - first.get("embedding", 0.0),
                    "write": seconds - first.get("writing", 0.0),
                    # then loading the new generation (its BM25 index) for the questions
                    "ready": ready,
                    "added": list(report.added),
                    "embedded": report.embedded,
                    "passages": report.passages,
                    "generation": report.generation,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
