"""Run `whosaid` in this process and say which heavy libraries it imported.

    python tests/e2e/watch_imports.py [--discord http://127.0.0.1:PORT] -- ARGS...

runs ``whosaid ARGS`` (``--discord`` points discord.py at the fake Discord of
tests/e2e/fake_discord.py) and, on exit, prints ``heavy imports: [...]`` to stderr: those of
`HEAVY` that were loaded. The tests and benchmarks/startup.py start it as a subprocess.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

HEAVY = ("torch", "sentence_transformers", "transformers", "spacy")
MARK = "heavy imports:"


def report() -> None:
    loaded = sorted({m.split(".")[0] for m in sys.modules} & set(HEAVY))
    print(MARK, loaded, file=sys.stderr, flush=True)


def stop_with_parent(period: float = 1.0, grace: float = 10.0) -> None:
    """Interrupt this process (as Ctrl-C would) once the process that started it is gone, and
    end it if that does not stop it, so that a test run killed midway leaves no bot behind."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(period)
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(grace)
        os._exit(130)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def main(argv: list[str]) -> int:
    # A process started in the background by a shell inherits Ctrl-C ignored; a user's
    # terminal delivers it, so the bot is run as it would be there.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    stop_with_parent()
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
