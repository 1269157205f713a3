"""The stored speaker registry, updated surname by surname, equals a rebuild from all quotes."""

from __future__ import annotations

from pathlib import Path

from index.engine import Whosaid
from index.speakers import build_registry


def said(name: str, words: str) -> str:
    return f"date 2022-01-01\ntitle: {words}\n\n“{words},” {name} said. Nothing else happened.\n"


def registry_as_stored(engine: Whosaid) -> tuple[list, dict]:
    gen = engine.store.current_generation()
    speakers = {s.id: s for s in engine.store.speakers(gen)}
    by_quote = {r[0]: speakers[r[16]].name for r in engine.store.quote_rows(gen) if r[16]}
    return sorted(_fields(s) for s in speakers.values()), by_quote


def registry_rebuilt(engine: Whosaid) -> tuple[list, dict]:
    quotes = engine.store.live_quotes(engine.store.current_generation())
    speakers, assignment = build_registry(quotes)
    names = {s.id: s.name for s in speakers}
    return sorted(_fields(s) for s in speakers), {row: names[i] for row, i in assignment}


def _fields(s: object) -> tuple:
    return tuple(
        getattr(s, f)
        for f in ("name", "kind", "aliases", "roles", "quote_count", "article_count", "articles")
    )


STEPS = [
    {
        "a": ("Maria Lopez", "Taxes fall"),
        "b": ("Lopez", "Rates rise"),
        "c": ("Tom Berg", "Bridges"),
    },
    {
        "a": ("Maria Lopez", "Taxes fall"),
        "b": ("Lopez", "Rates rise"),
        "c": ("Tom Berg", "Bridges"),
        "d": ("Juan Lopez", "Roads close"),
    },  # a second Lopez: "Lopez" no longer joins Maria
    {
        "b": ("Lopez", "Rates rise"),
        "c": ("Tom Berg", "Bridges"),
        "d": ("Juan Lopez", "Roads close"),
        "e": ("Berg", "Ports open"),
    },  # Maria removed: "Lopez" joins Juan
    {"b": ("Lopez", "Rates rise"), "c": ("Anna Berg", "Bridges"), "e": ("Berg", "Ports open")},
]


def test_updates_match_a_full_rebuild(fake_engine: Whosaid, articles_dir: Path) -> None:
    ids_before: dict[str, int] = {}
    for step in STEPS:
        for path in articles_dir.glob("*.txt"):
            path.unlink()
        for name, (speaker, words) in step.items():
            (articles_dir / f"{name}.txt").write_text(said(speaker, words))
        fake_engine.update(articles_dir)
        assert registry_as_stored(fake_engine) == registry_rebuilt(fake_engine)
        ids = {s.name: s.id for s in fake_engine.speakers()}
        # A record that lives on keeps its id.
        assert all(ids[n] == i for n, i in ids_before.items() if n in ids)
        ids_before = ids
