"""Start-up to ready: `whosaid run` from process start to the first answered /ask.

The bot runs as a user starts it (``whosaid run``, in its own process, through
tests/e2e/watch_imports.py, which points discord.py at the fake Discord of
tests/e2e/fake_discord.py on 127.0.0.1 and reports which heavy libraries were imported). This
process plays Discord: it waits for the bot to log in, then sends one /ask and waits for the
answer. The backends are alternated run by run; each figure is the median of the runs.

    .venv/bin/python benchmarks/startup.py --gold ../shared/data/polnear-train

Sizes: the development index (14,412 passages) and copies of it (benchmarks/replicated.py:
real articles and quotes, vectors replicated with noise).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.devcorpus import parser, write_results  # noqa: E402
from benchmarks.replicated import replicated_index  # noqa: E402
from benchmarks.timing import machine  # noqa: E402
from index.onnx_embedder import OnnxEmbedder  # noqa: E402
from tests.e2e.fake_discord import GUILD_ID, TOKEN, FakeDiscord, FakeUser  # noqa: E402
from tests.e2e.watch_imports import MARK  # noqa: E402

WATCH = ROOT / "tests" / "e2e" / "watch_imports.py"
QUESTION = "What did Kuleba say about China?"
ASKER = FakeUser(11, "alice")
BACKENDS = ("auto", "torch")


def with_export(data: Path, model: str, work: Path) -> None:
    """Put the ONNX export in the index's folder, as the first build or question would."""
    shared = work / "onnx"
    OnnxEmbedder(model, shared).prepare()
    shutil.copytree(shared, data / "onnx", dirs_exist_ok=True)


async def one_start(data: Path, backend: str) -> dict:
    """Seconds from process start to logged in and to the first answer; heavy imports."""
    fake = FakeDiscord()
    await fake.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WHOSAID_")}
    env |= {
        "DISCORD_TOKEN": TOKEN,
        "WHOSAID_DATA_DIR": str(data),
        "WHOSAID_ARTICLES_DIR": str(data / "articles"),
        "WHOSAID_GUILD_IDS": str(GUILD_ID),
        "WHOSAID_EMBEDDING_BACKEND": backend,
    }
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(WATCH),
        "--discord",
        fake.base,
        "--",
        "run",
        cwd=data,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await asyncio.wait_for(fake.ready.wait(), 300)
        logged_in = time.perf_counter() - started
        interaction = await fake.invoke("ask", ASKER, question=QUESTION)
        await interaction.answered(timeout=300)
        answered = time.perf_counter() - started
        memory = resident_mb(proc.pid)
    finally:
        err = await stop(proc)
        await fake.close()
    heavy = [line for line in err.decode().splitlines() if line.startswith(MARK)]
    return {
        "logged_in_s": round(logged_in, 3),
        "answered_s": round(answered, 3),
        "heavy_imports": heavy[-1][len(MARK) :].strip() if heavy else "?",
        **memory,
    }


async def stop(proc: asyncio.subprocess.Process, grace: float = 60) -> bytes:
    """Ctrl-C, as a user stops the bot; killed if it has not stopped after ``grace`` s."""
    proc.send_signal(signal.SIGINT)
    try:
        _, err = await asyncio.wait_for(proc.communicate(), grace)
    except asyncio.TimeoutError:
        print(f"the bot had not stopped {grace:.0f} s after Ctrl-C: killed", file=sys.stderr)
        proc.kill()
        _, err = await proc.communicate()
    return err


def resident_mb(pid: int) -> dict[str, float]:
    """Peak (VmHWM) and current (VmRSS) resident memory of a process, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            fields[f"{name.lower()}_mb"] = round(int(value.split()[0]) / 1024, 1)
    return fields


async def measure(data: Path, rounds: int, backends: Sequence[str] = BACKENDS) -> dict:
    runs: dict[str, list[dict]] = {b: [] for b in backends}
    for round_no in range(rounds):
        order = backends if round_no % 2 == 0 else backends[::-1]
        for backend in order:
            runs[backend].append(await one_start(data, backend))
            print(backend, runs[backend][-1], file=sys.stderr, flush=True)
    return {
        backend: {
            "median_answered_s": round(float(np.median([r["answered_s"] for r in rs])), 3),
            "median_logged_in_s": round(float(np.median([r["logged_in_s"] for r in rs])), 3),
            "runs": rs,
        }
        for backend, rs in runs.items()
    }


def main() -> int:
    cli = parser(__doc__)
    cli.add_argument("--sizes", type=int, nargs="+", default=[14_412, 100_000], help="passages")
    cli.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    args = cli.parse_args()
    results: dict = {"machine": machine(), "question": QUESTION, "sizes": {}}
    for size in args.sizes:
        data = replicated_index(args.gold, size, args.work, args.model)
        with_export(data, args.model, args.work)
        results["sizes"][str(size)] = asyncio.run(measure(data, args.rounds, args.backends))
        write_results("startup", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
