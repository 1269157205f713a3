"""The corpus-wide speaker registry of one generation, built from its stored quotes."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from index.models import Quote, Speaker


def build_registry(
    quotes: Sequence[tuple[int, Quote]],
) -> tuple[list[Speaker], list[tuple[int, int]]]:
    """Speakers (ids from 1, most quoted first) and ``(quote row, speaker id)`` pairs.

    Unresolved speakers ("he", "a senior official") get no record: they name nobody.
    """
    groups: dict[str, list[tuple[int, Quote]]] = defaultdict(list)
    for row, quote in quotes:
        if quote.speaker and quote.resolved:
            groups[quote.speaker].append((row, quote))
    speakers: list[Speaker] = []
    assignment: list[tuple[int, int]] = []
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    for number, (name, members) in enumerate(ordered, start=1):
        articles = tuple(dict.fromkeys(q.article_id for _, q in members))
        mentions = Counter(q.speaker_mention for _, q in members if q.speaker_mention)
        roles = Counter(q.role for _, q in members if q.role)
        kinds = Counter(q.speaker_kind for _, q in members)
        speakers.append(
            Speaker(
                id=number,
                name=name,
                kind=kinds.most_common(1)[0][0],
                aliases=tuple(m for m, _ in mentions.most_common() if m != name),
                roles=tuple(r for r, _ in roles.most_common()),
                quote_count=len(members),
                article_count=len(articles),
                articles=articles,
            )
        )
        assignment.extend((row, number) for row, _ in members)
    return speakers, assignment
