"""Stored rows -> `Answer`s: passages with their quotes, speakers and roles, duplicates folded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from index.models import Answer, ArticleRef, Quote, QuoteRecord
from index.query import Query
from index.search import Candidate, tokenize
from index.snapshot import Snapshot
from index.store import Store, quote_from_row


def build_answers(
    store: Store,
    snap: Snapshot,
    groups: list[tuple[int, list[int]]],
    scores: dict[int, float],
    query: Query,
) -> list[Answer]:
    """One answer per group of near-identical passages, the kept one first."""
    ids = [i for kept, dups in groups for i in (kept, *dups)]
    rows = store.passages_by_id(ids)
    quotes = store.quotes_in_passages(snap.gen, [kept for kept, _ in groups])
    by_id = snap.by_id
    answers = []
    for kept, dups in groups:
        text, start, end, _, *article = rows[kept]
        found = most_relevant_first(quotes.get(kept, []), query)
        others = sorted((_ref(rows[d][4:]) for d in dups if d in rows), key=lambda r: r.date or "")
        answers.append(
            Answer(
                article=_ref(article),
                passage_id=kept,
                text=text,
                start=start,
                end=end,
                score=round(scores.get(kept, 0.0), 6),
                quotes=tuple(
                    replace(q, speaker=by_id[sid].name if sid in by_id else q.speaker)
                    for q, sid in found
                ),
                roles={
                    by_id[sid].name: by_id[sid].roles[0]
                    for _, sid in found
                    if sid in by_id and by_id[sid].roles
                },
                also_in=tuple(o for o in others if o.article_id != article[0]),
            )
        )
    return answers


def closest_titles(store: Store, ranked: list[Candidate], limit: int = 3) -> tuple[str, ...]:
    """The articles nearest a question that found no answer, by title (or id)."""
    rows = store.passages_by_id([c.passage_id for c in ranked[:10]])
    titles = [
        r[5] or r[4] for r in (rows[c.passage_id] for c in ranked[:10] if c.passage_id in rows)
    ]
    return tuple(dict.fromkeys(titles))[:limit]


def most_relevant_first(
    found: list[tuple[Quote, int | None]], query: Query
) -> list[tuple[Quote, int | None]]:
    """The asked speaker's quotes first, then those sharing most words with the question."""
    words = set(tokenize(query.text))

    def key(item: tuple[Quote, int | None]) -> tuple[bool, int]:
        quote, speaker_id = item
        return (speaker_id not in query.speaker_ids, -len(words & set(tokenize(quote.text))))

    return sorted(found, key=key)


def _ref(article: Sequence) -> ArticleRef:
    return ArticleRef(*article)


def quote_record(row: Sequence, speaker_name: str | None) -> QuoteRecord:
    quote = quote_from_row(row[:16])
    if speaker_name:
        quote = replace(quote, speaker=speaker_name)
    return QuoteRecord(quote, row[16], *row[17:21])
