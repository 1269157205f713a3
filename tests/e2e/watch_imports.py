"""Run `whosaid` in this process and say which heavy libraries it imported.

    python tests/e2e/watch_imports.py [--discord http://127.0.0.1:PORT] -- ARGS...

runs ``whosaid ARGS`` (``--discord`` points discord.py at the fake Discord of
tests/e2e/fake_discord.py) and, on exit, prints ``heavy imports: [...]`` to stderr: those of
`HEAVY` that were loaded. The tests and benchmarks/startup.py start it as a subprocess.
"""

from __future__ import annotations

import atexit
import contextlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

HEAVY = ("torch", "sentence_transformers", "transformers", "spacy")
MARK = "heavy imports:"


def report() -> None:
    loaded = sorted({m.split(".")[0] for m in sys.modules} & set(HEAVY))
    print(MARK, loaded, file=sys.stderr, flush=True)


def main(argv: list[str]) -> int:
    base = None
    if argv[:1] == ["--discord"]:
        base, argv = argv[1], argv[2:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    atexit.register(report)
    from bot.cli import main as whosaid

    patch: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
    if base is not None:
        from tests.e2e.fake_discord import point_discord_at

        patch = point_discord_at(base)
    with patch:
        return whosaid(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
