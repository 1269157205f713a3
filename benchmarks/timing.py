"""Timing for the benchmarks: calls interleaved across systems, percentiles per round, medians.

Other work shares the machine, so every comparison runs its systems in the same rounds,
alternating call by call, and reports the median over rounds of each round's p50 and p95.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import platform
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")


def summarize_ms(rounds: Sequence[Sequence[float]]) -> dict[str, float]:
    """Median over rounds of each round's p50 and p95, in milliseconds."""
    p50 = [float(np.percentile(r, 50)) for r in rounds]
    p95 = [float(np.percentile(r, 95)) for r in rounds]
    return {
        "p50_ms": round(float(np.median(p50)), 3),
        "p95_ms": round(float(np.median(p95)), 3),
        "rounds": len(rounds),
        "calls_per_round": len(rounds[0]) if rounds else 0,
    }


def interleaved(
    systems: dict[str, Callable[[T], object]],
    items: Sequence[T],
    rounds: int = 5,
    before: Callable[[T], object] | None = None,
) -> dict[str, dict[str, float]]:
    """Time every system on every item, alternating systems call by call; ``before`` untimed."""
    samples: dict[str, list[list[float]]] = {name: [] for name in systems}
    names = list(systems)
    for round_no in range(rounds):
        for name in names:
            samples[name].append([])
        for i, item in enumerate(items):
            # Rotate who goes first so that no system always follows a cold cache.
            shift = (i + round_no) % len(names)
            for name in names[shift:] + names[:shift]:
                if before is not None:
                    before(item)
                started = time.perf_counter()
                systems[name](item)
                samples[name][-1].append((time.perf_counter() - started) * 1000)
    return {name: summarize_ms(r) for name, r in samples.items()}


def median_seconds(fn: Callable[[], object], runs: int = 5) -> tuple[float, list[float]]:
    """The median of ``runs`` timed calls in seconds, and every time."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return float(np.median(times)), times


def _spin(stop: Any) -> None:
    while not stop.is_set():
        sum(range(10_000))


@contextlib.contextmanager
def busy_core() -> Iterator[None]:
    """A second process that keeps one core busy while the block runs."""
    ctx = multiprocessing.get_context("spawn")
    stop = ctx.Event()
    worker = ctx.Process(target=_spin, args=(stop,), daemon=True)
    worker.start()
    try:
        time.sleep(0.5)
        yield
    finally:
        stop.set()
        worker.join(timeout=5)


def machine() -> dict[str, Any]:
    """The machine and library versions the figures were measured on."""
    import faiss
    import onnxruntime

    flags: set[str] = set()
    model = platform.processor()
    with contextlib.suppress(OSError):
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
    wanted = ["avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16"]
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "simd": [f for f in wanted if f in flags],
        "python": platform.python_version(),
        "faiss": faiss.__version__,
        "onnxruntime": onnxruntime.__version__,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
