"""Run one index update with the fast fake model; the crash test kills this process."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from index.embedder import HashEmbedder  # noqa: E402
from index.engine import Whosaid  # noqa: E402
from tests.conftest import fake_attribute  # noqa: E402

if __name__ == "__main__":
    data, articles = Path(sys.argv[1]), Path(sys.argv[2])
    engine = Whosaid(data, embedder=HashEmbedder(), attribute=fake_attribute)
    print("started", flush=True)
    report = engine.update(articles)
    print(f"done {report.generation}", flush=True)
