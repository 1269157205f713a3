"""Which generations stay on disk: each reader pins the one it answers from, and the writer
removes, after each update, every older generation that no reader pins.

A pin is a shared `flock` on ``readers/<gen>.lock``, taken before the reader looks at the
generation and released when its snapshot is dropped (or by the kernel when it dies); the
writer takes each old generation's lock exclusively, without waiting, and removes only those
it gets.
"""

from __future__ import annotations

import logging
from pathlib import Path

from index.locking import ReaderPin, UnheldGenerations
from index.segments import segment_file
from index.store import Store

log = logging.getLogger(__name__)


def pin_current(store: Store, data_dir: Path) -> tuple[int, ReaderPin]:
    """The current generation, pinned against removal until the pin is released."""
    while True:
        gen = store.current_generation()
        pin = ReaderPin(data_dir, gen)
        # After the lock: a writer that removed the generation meanwhile has also dropped its row.
        if store.generation_info(gen) is not None:
            return gen, pin
        pin.release()


def remove_unused(store: Store, data_dir: Path, current: int) -> list[int]:
    """Remove the generations before ``current`` that no reader pins; returns them."""
    old = [g for g in store.generations() if g < current]
    with UnheldGenerations(data_dir, old) as free:
        kept = [g for g in old if g not in free] + [current]
        if free:
            store.purge(free, min(kept))
        used = {s.file for g in kept for s in store.segments(g)}
        used.update(segment_file(g) for g in kept if not store.segments(g))  # older indexes
        for path in data_dir.glob("vectors-*.faiss"):
            number = path.name.split("-", 1)[1].split(".", 1)[0]
            if path.name not in used and number.isdigit() and int(number) <= current:
                path.unlink(missing_ok=True)
    if free:
        log.info("removed generations %s; kept %s", free, kept)
    return free
