"""The stored speaker registry, kept up to date with only the quotes an update changes.

Speaker records and quote assignments are versioned rows (visible from ``gen`` until
``gen_removed``). An update rebuilds the registry of the surnames its added and removed
quotes name (`index.speakers.speaker_bucket`: merging never crosses surnames, so this equals
that part of a rebuild over every quote), and writes only the records and assignments that
differ from the previous generation's. A record keeps its id while its key lives.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence

from index.models import Quote, Speaker
from index.speakers import SpeakerRegistry, key_bucket, speaker_bucket
from index.store import _LIVE, _QUOTE_COLUMNS, Store, quote_from_row, speaker_from_row, visible

# Stored registries written before this scheme have no keys: the first update redoes them.
FORMAT = "2"


def update_registry(store: Store, gen: int, changed: Sequence[Quote] | None) -> list[str]:
    """Write generation ``gen``'s registry (inside its transaction); ``changed`` are the quotes
    added and removed by it, or None to recompute every record. Returns the names of speakers
    new in ``gen``."""
    buckets = None
    if changed is not None and store.get_meta("speaker_registry") == FORMAT:
        buckets = {b for b in map(speaker_bucket, changed) if b is not None}
        if not buckets:
            return []
    quotes = _quotes(store, gen, buckets)
    registry = SpeakerRegistry(q for _, q in quotes)
    before = _records(store, gen - 1, buckets)
    known = {s.name for s in before.values()}
    next_id = _next_speaker_id(store)
    ids: dict[str, int] = {}
    closing: list[int] = []
    adding: list[tuple[str, Speaker]] = []
    for group in registry.groups():
        old = before.pop(group.key, None)
        if old is None:
            next_id += 1
        ids[group.key] = old.id if old is not None else next_id
        speaker = group.to_speaker(ids[group.key])
        if speaker != old:
            closing.extend([old.id] if old is not None else [])
            adding.append((group.key, speaker))
    closing.extend(s.id for s in before.values())
    _write_records(store, gen, closing, adding)
    assigned = {}
    for row, quote in quotes:
        key = registry.key_of(quote)
        if key is not None:
            assigned[row] = ids[key]
    _write_assignments(store, gen, _assignments(store, gen - 1, buckets), assigned)
    store.set_meta("next_speaker_id", str(next_id))
    store.set_meta("speaker_registry", FORMAT)
    return sorted({s.name for _, s in adding} - known)


def removed_quotes(store: Store, article_rows: Collection[int]) -> list[Quote]:
    """The quotes of these article rows (those an update removes)."""
    marks = ",".join("?" * len(article_rows))
    rows = store.db.execute(
        f"SELECT {_QUOTE_COLUMNS} FROM quotes q JOIN articles a ON a.row_id = q.article_row"
        f" WHERE q.article_row IN ({marks})",
        list(article_rows),
    )
    return [quote_from_row(r) for r in rows]


def _in(column: str, gen: int, buckets: Collection[str] | None) -> tuple[str, dict]:
    """SQL ``column IN (buckets)`` (true for None) and its parameters, with ``:gen``."""
    params: dict[str, object] = {"gen": gen}
    if buckets is None:
        return "1", params
    params["buckets"] = json.dumps(list(buckets))  # one variable, however many surnames
    return f"{column} IN (SELECT value FROM json_each(:buckets))", params


def _quotes(store: Store, gen: int, buckets: Collection[str] | None) -> list[tuple[int, Quote]]:
    """Live quotes of these surnames, in the order a full rebuild reads them."""
    where, params = _in("q.speaker_bucket", gen, buckets)
    rows = store.db.execute(
        f"SELECT {_QUOTE_COLUMNS} FROM quotes q JOIN articles a ON a.row_id = q.article_row"
        f" WHERE {_LIVE} AND {where} ORDER BY a.date DESC, a.id, q.start",
        params,
    )
    return [(r[0], quote_from_row(r)) for r in rows]


def _records(store: Store, gen: int, buckets: Collection[str] | None) -> dict[str, Speaker]:
    """Key -> record visible in ``gen`` for these surnames (records without a key, from an
    older index, under a key of their own so that they are all replaced)."""
    where, params = _in("s.bucket", gen, buckets)
    rows = store.db.execute(
        "SELECT key, id, name, kind, aliases, roles, quote_count, article_count, articles"
        f" FROM speakers s WHERE {visible('s', gen)} AND {where}",
        params,
    )
    return {r[0] if r[0] is not None else f"#old{r[1]}": speaker_from_row(r) for r in rows}


def _assignments(store: Store, gen: int, buckets: Collection[str] | None) -> dict[int, int]:
    """Quote row -> speaker id visible in ``gen``, for quotes of these surnames."""
    where, params = _in("q.speaker_bucket", gen, buckets)
    rows = store.db.execute(
        "SELECT qs.quote_row, qs.speaker_id FROM quote_speakers qs"
        f" JOIN quotes q ON q.row_id = qs.quote_row WHERE {visible('qs', gen)} AND {where}",
        params,
    )
    return dict(rows.fetchall())


def _next_speaker_id(store: Store) -> int:
    """The highest speaker id ever given (ids are not reused while an old version lives)."""
    top = store.db.execute("SELECT max(id) FROM speakers").fetchone()[0] or 0
    return max(top, int(store.get_meta("next_speaker_id", "0") or 0))


def _write_records(
    store: Store, gen: int, closing: list[int], adding: list[tuple[str, Speaker]]
) -> None:
    store.db.executemany(
        f"UPDATE speakers SET gen_removed = {int(gen)} WHERE id = ? AND gen_removed IS NULL",
        [(i,) for i in closing],
    )
    store.db.executemany(
        "INSERT INTO speakers(gen, id, name, kind, aliases, roles, quote_count, article_count,"
        " articles, key, bucket) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                gen,
                s.id,
                s.name,
                s.kind,
                json.dumps(s.aliases),
                json.dumps(s.roles),
                s.quote_count,
                s.article_count,
                json.dumps(s.articles),
                key,
                key_bucket(key),
            )
            for key, s in adding
        ],
    )


def _write_assignments(
    store: Store, gen: int, before: dict[int, int], after: dict[int, int]
) -> None:
    changed = [row for row in before.keys() | after.keys() if before.get(row) != after.get(row)]
    store.db.executemany(
        f"UPDATE quote_speakers SET gen_removed = {int(gen)}"
        " WHERE quote_row = ? AND gen_removed IS NULL",
        [(row,) for row in changed if row in before],
    )
    store.db.executemany(
        "INSERT INTO quote_speakers(gen, quote_row, speaker_id) VALUES (?, ?, ?)",
        [(gen, row, after[row]) for row in changed if row in after],
    )
