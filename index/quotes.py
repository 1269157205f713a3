"""Quotes and their speakers in one parsed article: pure functions over a spaCy ``Doc``.

The kinds of attribution found, as the best rule-based extractors do, one module each:
- direct (``direct_quotes.py``): a span in quotation marks with a reporting verb right after
  it ("..., he said") or right before it ("He said: ..."); quotes interrupted by the
  attribution, or continued in the next sentence, become one quote with several pieces;
  a quotation standing alone after a report is a floating quote of that speaker;
- indirect and partial (``reported_speech.py``): the clause a reporting verb governs
  ("Kuleba said the process ..."), partial when it holds quoted words; reports set off by
  commas ("..., the Associated Press reported.", "As the paper noted, ..."); "according to
  X"; the clause a report noun governs ("his insistence that ...");
- labelled (``speaker_labels.py``): "NAME: statement" in transcripts and headlines.
Speakers are then resolved within the article by ``coref.py``, in text order.
"""

from __future__ import annotations

from spacy.tokens import Doc

from index.coref import ArticlePeople, collect_people, resolve_in_order
from index.direct_quotes import attach_unattributed, direct_quotes
from index.models import Quote
from index.quote_marks import find_quoted_spans
from index.quote_parts import Found, MarkIndex
from index.reported_speech import according_to, indirect_quotes, nominal_reports
from index.speaker_labels import labelled_statements

# Most of an indirect clause already inside a found quotation: the same statement.
OVERLAP_SAME = 0.5
UNRESOLVED_PENALTY = 0.2


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _same_statement(bounds: tuple[int, int], other: Found) -> bool:
    """Mostly inside a direct quotation, or mostly the same characters as another report
    (measured against the longer: in 'X added that Y told her ...' both reports are kept)."""
    shared = sum(_overlap(bounds, piece) for piece in other.pieces)
    if other.kind == "direct":  # a clause inside a quotation is part of that quotation
        return shared / max(bounds[1] - bounds[0], 1) >= OVERLAP_SAME
    longer = max(bounds[1] - bounds[0], sum(e - s for s, e in other.pieces), 1)
    return shared / longer >= OVERLAP_SAME


def _drop_repeats(direct: list[Found], others: list[Found]) -> list[Found]:
    """Indirect finds that restate a direct quote or an earlier find are the same statement."""
    taken = list(direct)
    kept: list[Found] = []
    for item in others:
        if any(_same_statement(item.pieces[0], other) for other in taken):
            continue
        taken.append(item)
        kept.append(item)
    return kept


def _to_quote(
    doc: Doc, marks: MarkIndex, people: ArticlePeople, item: Found, article_id: str
) -> Quote:
    pieces = tuple(sorted(item.pieces))
    text = " ".join(marks.text[s:e] for s, e in pieces)
    mention = item.mention
    if mention is None:
        return Quote(
            article_id, text, pieces[0][0], pieces[-1][1], pieces, item.kind, None,
            cue=item.cue_text, confidence=round(item.confidence - UNRESOLVED_PENALTY, 2),
        )  # fmt: skip
    who = resolve_in_order(doc, people, mention)
    confidence = item.confidence - (0 if who.resolved else UNRESOLVED_PENALTY)
    return Quote(
        article_id=article_id,
        text=text,
        start=pieces[0][0],
        end=pieces[-1][1],
        spans=pieces,
        kind=item.kind,
        speaker=who.speaker,
        speaker_mention=mention.text,
        speaker_start=mention.start,
        speaker_end=mention.end,
        role=who.role,
        cue=item.cue_text,
        speaker_kind=who.kind,
        resolved=who.resolved,
        confidence=round(confidence, 2),
    )


def extract_quotes(doc: Doc, article_id: str) -> list[Quote]:
    """Every quote in the parsed article ``doc``, in text order, with its resolved speaker.

    Offsets are into ``doc.text``. Text with unbalanced marks or no parse yields fewer
    quotes, never an error.
    """
    if not len(doc):
        return []
    text = doc.text
    marks = MarkIndex(doc, text, find_quoted_spans(text))
    direct = direct_quotes(doc, marks)
    used = {n for f in direct for n in f.quoted}
    labelled = [f for f in labelled_statements(doc, marks) if not used.intersection(f.quoted)]
    direct += [f for f in labelled if f.quoted]
    cues = {f.cue.i for f in direct if f.cue is not None}
    reported = indirect_quotes(doc, marks, cues) + according_to(doc, marks)
    reported += nominal_reports(doc, marks)
    others = _drop_repeats(direct, [f for f in labelled if not f.quoted] + reported)
    found = direct + others
    found += attach_unattributed(doc, marks, found)
    people = collect_people(doc, marks.inside)
    found.sort(key=lambda f: f.mention.start if f.mention else f.pieces[0][0])
    quotes = [_to_quote(doc, marks, people, item, article_id) for item in found]
    return sorted(quotes, key=lambda q: (q.start, q.end))
