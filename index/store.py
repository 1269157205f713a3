"""SQLite metadata with numbered migrations and generations.

Every update writes one new generation inside one transaction: new article rows carry
``gen_added``, replaced or removed ones get ``gen_removed``. A reader pinned to generation ``g``
sees the articles with ``gen_added <= g < gen_removed``, so the old generation stays whole until
the new one commits, and a killed update leaves nothing (the transaction rolls back). Passages
and quotes hang off their article row and share its visibility; speakers are recomputed for
each generation.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from index.errors import IndexCorruptError
from index.models import Article, ArticleInfo, Passage, Quote, Speaker, VectorSegment
from index.speakers import speaker_bucket

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE generations (
        gen INTEGER PRIMARY KEY, created REAL NOT NULL, articles INTEGER, passages INTEGER,
        quotes INTEGER, speakers INTEGER);
    CREATE TABLE articles (
        row_id INTEGER PRIMARY KEY, id TEXT NOT NULL, path TEXT, title TEXT, date TEXT,
        source TEXT, url TEXT, content_hash TEXT NOT NULL, text TEXT NOT NULL,
        gen_added INTEGER NOT NULL, gen_removed INTEGER);
    CREATE INDEX articles_by_id ON articles(id);
    CREATE TABLE passages (
        row_id INTEGER PRIMARY KEY, article_row INTEGER NOT NULL REFERENCES articles(row_id),
        ordinal INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
        text TEXT NOT NULL, vector BLOB NOT NULL);
    CREATE INDEX passages_by_article ON passages(article_row);
    CREATE TABLE quotes (
        row_id INTEGER PRIMARY KEY, article_row INTEGER NOT NULL REFERENCES articles(row_id),
        passage_row INTEGER, text TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
        spans TEXT NOT NULL, kind TEXT NOT NULL, speaker TEXT, speaker_mention TEXT,
        speaker_start INTEGER, speaker_end INTEGER, role TEXT, cue TEXT, speaker_kind TEXT,
        resolved INTEGER NOT NULL, confidence REAL NOT NULL);
    CREATE INDEX quotes_by_article ON quotes(article_row);
    CREATE INDEX quotes_by_passage ON quotes(passage_row);
    CREATE TABLE speakers (
        gen INTEGER NOT NULL, id INTEGER NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,
        aliases TEXT NOT NULL, roles TEXT NOT NULL, quote_count INTEGER NOT NULL,
        article_count INTEGER NOT NULL, articles TEXT NOT NULL, PRIMARY KEY (gen, id));
    CREATE TABLE quote_speakers (
        gen INTEGER NOT NULL, quote_row INTEGER NOT NULL, speaker_id INTEGER NOT NULL,
        PRIMARY KEY (gen, quote_row));
    CREATE INDEX quote_speakers_by_speaker ON quote_speakers(gen, speaker_id);
    """,
    # 2: passages remember a hash of their text, so re-attribution reuses their vectors.
    """
    ALTER TABLE passages ADD COLUMN text_hash TEXT;
    CREATE INDEX passages_by_text_hash ON passages(text_hash);
    """,
    # 3: fill in the hashes of passages stored before 2.
    """
    UPDATE passages SET text_hash = whosaid_text_hash(text) WHERE text_hash IS NULL;
    """,
    # 4: a generation's vectors are a list of immutable segment files (a base, then deltas).
    """
    CREATE TABLE segments (
        gen INTEGER NOT NULL, ordinal INTEGER NOT NULL, file TEXT NOT NULL, kind TEXT NOT NULL,
        vectors INTEGER NOT NULL, size INTEGER NOT NULL, checksum TEXT NOT NULL,
        PRIMARY KEY (gen, ordinal));
    """,
    # 5: speaker records and quote assignments are versioned like articles: a row is visible
    # from ``gen`` until ``gen_removed``, so an update writes only the records it changes.
    # Every row stored before was written for its generation alone.
    """
    ALTER TABLE speakers ADD COLUMN gen_removed INTEGER;
    ALTER TABLE speakers ADD COLUMN key TEXT;
    ALTER TABLE speakers ADD COLUMN bucket TEXT;
    ALTER TABLE quote_speakers ADD COLUMN gen_removed INTEGER;
    UPDATE speakers SET gen_removed = gen + 1
        WHERE gen < (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation');
    UPDATE quote_speakers SET gen_removed = gen + 1
        WHERE gen < (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation');
    CREATE INDEX speakers_by_bucket ON speakers(bucket);
    CREATE INDEX quote_speakers_by_quote ON quote_speakers(quote_row);
    ALTER TABLE quotes ADD COLUMN speaker_bucket TEXT;
    UPDATE quotes
        SET speaker_bucket = whosaid_speaker_bucket(speaker, speaker_kind, role, resolved);
    CREATE INDEX quotes_by_bucket ON quotes(speaker_bucket);
    """,
    # 6: what an update reads of the articles without their texts (a covering index), and the
    # articles a generation adds or removes.
    """
    CREATE INDEX articles_live ON articles(gen_added, gen_removed, id, content_hash);
    CREATE INDEX articles_by_gen_removed ON articles(gen_removed);
    """,
)

_LIVE = "a.gen_added <= :gen AND (a.gen_removed IS NULL OR a.gen_removed > :gen)"


def visible(alias: str, gen: int) -> str:
    """SQL: the versioned row ``alias`` (speakers, quote_speakers) is visible in ``gen``."""
    number = int(gen)
    return (
        f"{alias}.gen <= {number}"
        f" AND ({alias}.gen_removed IS NULL OR {alias}.gen_removed > {number})"
    )


_QUOTE_COLUMNS = (
    'q.row_id, a.id, q.text, q.start, q."end", q.spans, q.kind, q.speaker, q.speaker_mention, '
    "q.speaker_start, q.speaker_end, q.role, q.cue, q.speaker_kind, q.resolved, q.confidence"
)


class Store:
    """One SQLite database in WAL mode; a connection per thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._migrate()

    @property
    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.create_function("whosaid_text_hash", 1, text_hash, deterministic=True)
            conn.create_function(
                "whosaid_speaker_bucket", 4, _bucket_of_columns, deterministic=True
            )
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _migrate(self) -> None:
        try:
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise IndexCorruptError(f"{self.path} is not a whosaid database: {exc}") from None
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction():
                for statement in script.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # -- meta ---------------------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def current_generation(self) -> int:
        return int(self.get_meta("generation", "0") or 0)

    def generation_info(self, gen: int) -> sqlite3.Row | None:
        self.db.row_factory = sqlite3.Row
        try:
            return self.db.execute("SELECT * FROM generations WHERE gen = ?", (gen,)).fetchone()
        finally:
            self.db.row_factory = None

    # -- writing (inside a transaction) --------------------------------------------------------

    def live_hashes(self, gen: int) -> dict[str, tuple[int, str]]:
        """Article id -> (row id, content hash) for the articles live in ``gen``."""
        rows = self.db.execute(
            f"SELECT id, row_id, content_hash FROM articles a WHERE {_LIVE}", {"gen": gen}
        )
        return {r[0]: (r[1], r[2]) for r in rows}

    def add_article(
        self,
        gen: int,
        article: Article,
        passages: Sequence[Passage],
        vectors: np.ndarray,
        quotes: Sequence[Quote],
    ) -> list[int]:
        """Insert an article live from ``gen`` on; returns its passages' row ids."""
        db = self.db
        cur = db.execute(
            "INSERT INTO articles(id, path, title, date, source, url, content_hash, text,"
            " gen_added)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article.id,
                article.path,
                article.title,
                article.date,
                article.source,
                article.url,
                article.content_hash,
                article.text,
                gen,
            ),
        )
        article_row = cur.lastrowid
        rows = []
        first = self._next_passage_row()
        for row, passage, vector in zip(
            range(first, first + len(passages)), passages, vectors, strict=True
        ):
            db.execute(
                'INSERT INTO passages(row_id, article_row, ordinal, start, "end", text, vector,'
                " text_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    row,
                    article_row,
                    passage.ordinal,
                    passage.start,
                    passage.end,
                    passage.text,
                    np.asarray(vector, dtype=np.float32).tobytes(),
                    text_hash(passage.text),
                ),
            )
            rows.append(row)
        self.set_meta("next_passage_row", str(first + len(passages)))
        starts = [p.start for p in passages]
        db.executemany(
            'INSERT INTO quotes(article_row, passage_row, text, start, "end", spans, kind, speaker,'
            " speaker_mention, speaker_start, speaker_end, role, cue, speaker_kind, resolved,"
            f" confidence, speaker_bucket) VALUES ({', '.join('?' * 17)})",
            [_quote_row(article_row, _passage_of(q.start, starts, rows), q) for q in quotes],
        )
        return rows

    def _next_passage_row(self) -> int:
        """The next passage row id: never one used before, even by a purged passage, because
        an old vector segment may still hold a vector under a purged passage's id."""
        issued = int(self.get_meta("next_passage_row", "0") or 0)
        top = self.db.execute("SELECT max(row_id) FROM passages").fetchone()[0] or 0
        return max(issued, top + 1)

    def known_vectors(self, texts: Sequence[str]) -> dict[str, bytes]:
        """Stored vectors of passages with exactly these texts, by text hash."""
        hashes = list({text_hash(t) for t in texts})
        found: dict[str, bytes] = {}
        for i in range(0, len(hashes), 500):
            part = hashes[i : i + 500]
            rows = self.db.execute(
                "SELECT text_hash, vector FROM passages WHERE text_hash IN"
                f" ({','.join('?' * len(part))})",
                part,
            )
            found.update(rows)
        return found

    def remove_article(self, gen: int, row_id: int) -> list[int]:
        """Mark an article gone from ``gen`` on; returns its passages' row ids."""
        self.db.execute("UPDATE articles SET gen_removed = ? WHERE row_id = ?", (gen, row_id))
        return [
            r[0]
            for r in self.db.execute("SELECT row_id FROM passages WHERE article_row = ?", (row_id,))
        ]

    def finish_generation(self, gen: int) -> None:
        """Record the generation's counts and make it current (still inside the transaction)."""
        counts = self.counts(gen)
        self.db.execute(
            "INSERT OR REPLACE INTO generations VALUES (?, ?, ?, ?, ?, ?)",
            (gen, time.time(), *counts),
        )
        self.set_meta("generation", str(gen))

    def set_segments(self, gen: int, segments: Sequence[VectorSegment]) -> None:
        """Record the vector files of ``gen``, base first (inside the generation's transaction)."""
        self.db.executemany(
            "INSERT INTO segments VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (gen, n, s.file, s.kind, s.vectors, s.size, s.checksum)
                for n, s in enumerate(segments)
            ],
        )

    def purge(self, gens: Sequence[int], oldest_kept: int) -> None:
        """Forget generations ``gens``, and drop the rows that no generation from
        ``oldest_kept`` on can see."""
        with self.transaction() as db:
            for table in ("generations", "segments"):
                db.executemany(f"DELETE FROM {table} WHERE gen = ?", [(g,) for g in gens])
            for table in ("speakers", "quote_speakers"):
                db.execute(f"DELETE FROM {table} WHERE gen_removed <= ?", (oldest_kept,))
            dead = "SELECT row_id FROM articles WHERE gen_removed IS NOT NULL AND gen_removed <= ?"
            db.execute(f"DELETE FROM quotes WHERE article_row IN ({dead})", (oldest_kept,))
            db.execute(f"DELETE FROM passages WHERE article_row IN ({dead})", (oldest_kept,))
            db.execute(
                "DELETE FROM articles WHERE gen_removed IS NOT NULL AND gen_removed <= ?",
                (oldest_kept,),
            )

    def generations(self) -> list[int]:
        """Every generation still recorded, oldest first."""
        return [r[0] for r in self.db.execute("SELECT gen FROM generations ORDER BY gen")]

    # -- reading ------------------------------------------------------------------------------

    def counts(self, gen: int) -> tuple[int, int, int, int]:
        """Articles, passages, quotes and speakers live in ``gen``: as recorded, or the
        previous generation's plus the articles ``gen`` adds, less those it removes."""
        recorded = "SELECT articles, passages, quotes, speakers FROM generations WHERE gen = ?"
        for number in (gen, gen - 1):
            row = self.db.execute(recorded, (number,)).fetchone()
            if row is not None and number == gen:
                return tuple(row)  # type: ignore[return-value]
            if row is not None:
                added = self._totals("a.gen_added = :gen", gen)
                gone = self._totals("a.gen_removed = :gen", gen)
                counted = [b + n - g for b, n, g in zip(row[:3], added, gone, strict=True)]
                return (*counted, self._speaker_count(gen))  # type: ignore[return-value]
        return (*self._totals(_LIVE, gen), self._speaker_count(gen))  # type: ignore[return-value]

    def _totals(self, where: str, gen: int) -> tuple[int, int, int]:
        """Articles, passages and quotes of the articles matching ``where``."""
        row = self.db.execute(
            "SELECT count(*),"
            " (SELECT count(*) FROM passages p JOIN articles a ON a.row_id = p.article_row"
            f" WHERE {where}),"
            " (SELECT count(*) FROM quotes q JOIN articles a ON a.row_id = q.article_row"
            f" WHERE {where})"
            f" FROM articles a WHERE {where}",
            {"gen": gen},
        ).fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    def _speaker_count(self, gen: int) -> int:
        return int(
            self.db.execute(
                f"SELECT count(*) FROM speakers s WHERE {visible('s', gen)}"
            ).fetchone()[0]
        )

    def segments(self, gen: int) -> list[VectorSegment]:
        """The vector files of ``gen``, base first; [] for an index written before segments."""
        rows = self.db.execute(
            "SELECT file, kind, vectors, size, checksum FROM segments WHERE gen = ?"
            " ORDER BY ordinal",
            (gen,),
        )
        return [VectorSegment(*r) for r in rows]

    def live_passages(
        self, gen: int, with_vectors: bool = True
    ) -> tuple[np.ndarray, list[str], np.ndarray]:
        """Row ids, texts and vectors of every passage live in ``gen``, in row order; with
        ``with_vectors=False`` the vectors stay in the database (an empty array)."""
        blob = "p.vector" if with_vectors else "NULL"
        rows = self.db.execute(
            f"SELECT p.row_id, p.text, {blob} FROM passages p JOIN articles a"
            f" ON a.row_id = p.article_row WHERE {_LIVE} ORDER BY p.row_id",
            {"gen": gen},
        ).fetchall()
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        vectors = (
            np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float32).reshape(len(rows), -1)
            if rows and with_vectors
            else np.zeros((0, 0), dtype=np.float32)
        )
        return ids, [r[1] for r in rows], vectors

    def live_passage_articles(self, gen: int) -> dict[int, tuple[str | None, str | None, int]]:
        """Passage row id -> (article date, title, article row) for every live passage."""
        rows = self.db.execute(
            "SELECT p.row_id, a.date, a.title, a.row_id FROM passages p JOIN articles a"
            f" ON a.row_id = p.article_row WHERE {_LIVE}",
            {"gen": gen},
        )
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def passages_by_id(self, ids: Sequence[int]) -> dict[int, tuple]:
        """Passage row id -> (text, start, end, article row, id, title, date, source, url)."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(
            'SELECT p.row_id, p.text, p.start, p."end", a.row_id, a.id, a.title, a.date, a.source,'
            f" a.url FROM passages p JOIN articles a ON a.row_id = p.article_row"
            f" WHERE p.row_id IN ({marks})",
            list(ids),
        )
        return {r[0]: r[1:] for r in rows}

    def quotes_in_passages(
        self, gen: int, ids: Sequence[int]
    ) -> dict[int, list[tuple[Quote, int | None]]]:
        """Passage row id -> its quotes with their speaker ids in ``gen``."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(
            f"SELECT q.passage_row, {_QUOTE_COLUMNS}, qs.speaker_id FROM quotes q"
            " JOIN articles a ON a.row_id = q.article_row"
            f" LEFT JOIN quote_speakers qs ON qs.quote_row = q.row_id AND {visible('qs', gen)}"
            f" WHERE q.passage_row IN ({marks}) ORDER BY q.start",
            list(ids),
        )
        out: dict[int, list[tuple[Quote, int | None]]] = {}
        for r in rows:
            out.setdefault(r[0], []).append((quote_from_row(r[1:-1]), r[-1]))
        return out

    def quote_rows(
        self, gen: int, *, article_id: str | None = None, speaker_id: int | None = None
    ) -> list[tuple]:
        """Quotes live in ``gen`` with their speaker id and article metadata."""
        where, params = [_LIVE], {"gen": gen}
        if article_id is not None:
            where.append("a.id = :article")
            params["article"] = article_id  # type: ignore[assignment]
        if speaker_id is not None:
            where.append("qs.speaker_id = :speaker")
            params["speaker"] = speaker_id
        return self.db.execute(
            f"SELECT {_QUOTE_COLUMNS}, qs.speaker_id, a.title, a.date, a.source, a.url"
            " FROM quotes q"
            " JOIN articles a ON a.row_id = q.article_row"
            f" LEFT JOIN quote_speakers qs ON qs.quote_row = q.row_id AND {visible('qs', gen)}"
            f" WHERE {' AND '.join(where)} ORDER BY a.date DESC, a.id, q.start",
            params,
        ).fetchall()

    def live_quotes(self, gen: int) -> list[tuple[int, Quote]]:
        """(quote row id, Quote) for every quote live in ``gen``."""
        return [(r[0], quote_from_row(r)) for r in self.quote_rows(gen)]

    def speakers(self, gen: int) -> list[Speaker]:
        rows = self.db.execute(
            "SELECT gen, id, name, kind, aliases, roles, quote_count, article_count, articles"
            f" FROM speakers s WHERE {visible('s', gen)} ORDER BY quote_count DESC, key, id"
        )
        return [speaker_from_row(r) for r in rows]

    def speaker_passages(self, gen: int) -> list[tuple[int, int]]:
        """(passage row, speaker id) for every attributed quote live in ``gen``."""
        return self.db.execute(
            "SELECT q.passage_row, qs.speaker_id FROM quote_speakers qs"
            f" JOIN quotes q ON q.row_id = qs.quote_row WHERE {visible('qs', gen)}"
            " AND q.passage_row IS NOT NULL"
        ).fetchall()

    def articles(self, gen: int) -> list[ArticleInfo]:
        rows = self.db.execute(
            "SELECT a.id, a.title, a.date, a.source, a.url, a.path,"
            " (SELECT count(*) FROM passages p WHERE p.article_row = a.row_id),"
            " (SELECT count(*) FROM quotes q WHERE q.article_row = a.row_id)"
            f" FROM articles a WHERE {_LIVE} ORDER BY a.date DESC, a.id",
            {"gen": gen},
        )
        return [ArticleInfo(*r) for r in rows]

    def article_text(self, gen: int, article_id: str) -> str | None:
        row = self.db.execute(
            f"SELECT text FROM articles a WHERE a.id = :id AND {_LIVE}",
            {"gen": gen, "id": article_id},
        ).fetchone()
        return row[0] if row else None

    def integrity_problems(self) -> list[str]:
        """What `PRAGMA integrity_check` finds; empty when the database is sound."""
        rows = [r[0] for r in self.db.execute("PRAGMA integrity_check")]
        return [] if rows == ["ok"] else rows


def _bucket_of_columns(
    speaker: str | None, kind: str | None, role: str | None, resolved: int
) -> str | None:
    return speaker_bucket(
        Quote(
            "",
            "",
            0,
            0,
            (),
            "direct",
            speaker,
            role=role,
            speaker_kind=kind or "unknown",  # type: ignore[arg-type]
            resolved=bool(resolved),
        )
    )


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _passage_of(offset: int, starts: list[int], rows: list[int]) -> int | None:
    """The row of the passage that holds ``offset`` (the last one starting at or before it)."""
    found = None
    for start, row in zip(starts, rows, strict=True):
        if start <= offset:
            found = row
    return found if found is not None else (rows[0] if rows else None)


def _quote_row(article_row: int | None, passage_row: int | None, q: Quote) -> tuple:
    return (
        article_row,
        passage_row,
        q.text,
        q.start,
        q.end,
        json.dumps(q.spans),
        q.kind,
        q.speaker,
        q.speaker_mention,
        q.speaker_start,
        q.speaker_end,
        q.role,
        q.cue,
        q.speaker_kind,
        int(q.resolved),
        q.confidence,
        speaker_bucket(q),
    )


def speaker_from_row(r: Sequence) -> Speaker:
    """Build a Speaker from the columns after the first of ``speakers`` (id ... articles)."""
    return Speaker(
        r[1],
        r[2],
        r[3],
        tuple(json.loads(r[4])),
        tuple(json.loads(r[5])),
        r[6],
        r[7],
        tuple(json.loads(r[8])),
    )


def quote_from_row(r: Sequence) -> Quote:
    """Build a Quote from the columns of ``_QUOTE_COLUMNS`` (row id first)."""
    return Quote(
        article_id=r[1],
        text=r[2],
        start=r[3],
        end=r[4],
        spans=tuple(tuple(s) for s in json.loads(r[5])),  # type: ignore[misc]
        kind=r[6],
        speaker=r[7],
        speaker_mention=r[8],
        speaker_start=r[9],
        speaker_end=r[10],
        role=r[11],
        cue=r[12],
        speaker_kind=r[13] or "unknown",
        resolved=bool(r[14]),
        confidence=r[15],
    )
