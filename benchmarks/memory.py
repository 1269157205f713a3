"""Peak resident memory of the bot against the size of the vectors it serves.

`whosaid run` in its own process (as in benchmarks/startup.py: the loopback fake Discord, one
/ask answered), then the process's peak (VmHWM) and current (VmRSS) resident memory from
/proc. The first start after a build also builds and saves the BM25 index, so it is measured
apart ("cold": saved BM25 indexes removed first) from the next ones ("warm", median of the runs).

    .venv/bin/python benchmarks/memory.py --gold ../shared/data/polnear-train

Sizes: copies of the development index (benchmarks/replicated.py: real articles and quotes,
vectors replicated with noise).
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.devcorpus import parser, write_results  # noqa: E402
from benchmarks.replicated import replicated_index  # noqa: E402
from benchmarks.startup import one_start, with_export  # noqa: E402
from benchmarks.timing import machine  # noqa: E402
from index.lexical import PREFIX  # noqa: E402
from index.store import Store  # noqa: E402

MB = 1024 * 1024


def sizes_on_disk(data: Path) -> dict[str, float]:
    """MB of the index's files: SQLite, FAISS, the saved BM25 index."""

    def total(paths: list[Path]) -> float:
        files = [f for p in paths for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file()]
        return round(sum(f.stat().st_size for f in files) / MB, 1)

    return {
        "sqlite_mb": total(list(data.glob("whosaid.sqlite*"))),
        "faiss_mb": total([p for p in data.iterdir() if p.suffix == ".faiss"]),
        "bm25_mb": total(list(data.glob(f"{PREFIX}*"))),
    }


def measure(data: Path, rounds: int) -> dict:
    store = Store(data / "whosaid.sqlite")
    passages = store.counts(store.current_generation())[1]
    store.close()
    for saved in data.glob(f"{PREFIX}*"):
        shutil.rmtree(saved)
    cold = asyncio.run(one_start(data, "auto"))
    warm = [asyncio.run(one_start(data, "auto")) for _ in range(rounds)]
    vectors_mb = passages * 384 * 4 / MB
    peak = float(np.median([r["vmhwm_mb"] for r in warm]))
    return {
        "passages": passages,
        "vectors_mb": round(vectors_mb, 1),
        "cold": cold,
        "warm_median_peak_mb": peak,
        "warm_median_rss_mb": float(np.median([r["vmrss_mb"] for r in warm])),
        "warm_peak_per_vector_mb": round(peak / vectors_mb, 2),
        "warm_runs": warm,
        **sizes_on_disk(data),
    }


def main() -> int:
    cli = parser(__doc__)
    cli.add_argument(
        "--sizes", type=int, nargs="+", default=[14_412, 100_000, 1_000_000], help="passages"
    )
    args = cli.parse_args()
    results: dict = {"machine": machine(), "sizes": {}}
    for size in args.sizes:
        data = replicated_index(args.gold, size, args.work, args.model)
        with_export(data, args.model, args.work)
        results["sizes"][str(size)] = measure(data, args.rounds)
        write_results("memory", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
