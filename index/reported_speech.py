"""Reported speech: the clause a reporting verb governs, and "according to X".

'Kuleba said the process ... has become more difficult' (indirect), the same with quoted
words inside (partial), 'called for a recount' (the object of some verbs), '..., the
Associated Press reported.' (a report trailing its sentence), 'According to him, ...'.
"""

from __future__ import annotations

from spacy.tokens import Doc, Token

from index.cues import (
    CONTENT_DEPS,
    DIRECT_ONLY_VERBS,
    OBJECT_CONTENT_VERBS,
    OBJECT_DEPS,
    SUBJECT_DEPS,
    verb_forms,
)
from index.mentions import mention_of
from index.models import QuoteKind
from index.quote_parts import (
    CONFIDENCE,
    Found,
    MarkIndex,
    is_speech_verb,
    quoted_within,
    speaker_head,
    trimmed,
)


def _trailing_report(verb: Token, marks: MarkIndex) -> int | None:
    """For "..., the Associated Press reported." the index of the comma before the subject."""
    subjects = [c for c in verb.children if c.dep_ in SUBJECT_DEPS and c.i < verb.i]
    if not subjects or any(c.dep_ in CONTENT_DEPS and c.i > verb.i for c in verb.children):
        return None
    comma = subjects[0].left_edge.i - 1
    sent = verb.sent
    if comma <= sent.start or verb.doc[comma].text != ",":
        return None
    after = verb.doc[verb.right_edge.i + 1 : sent.end]
    if marks.token_quote[comma - 1] >= 0 or not all(t.is_punct or t.is_space for t in after):
        return None  # '"...," the agency reported' is a direct quote, found elsewhere
    return comma


def _content_clause(verb: Token, marks: MarkIndex, cuts: list[int]) -> tuple[int, int] | None:
    """The clause ``verb`` reports (or, for "called for ...", its object), cut short of any
    trailing '..., X reported'."""
    # A clause whose verb is inside quotation marks still counts ('said the council would
    # "continue its discussion"'); a clause that is all quotation is dropped later as a repeat.
    children = [c for c in verb.children if c.dep_ in CONTENT_DEPS]
    if not children and verb_forms()[verb.lower_] in OBJECT_CONTENT_VERBS:
        children = [c for c in verb.rights if c.dep_ in OBJECT_DEPS]
    if not children:
        return None
    start, end = children[0].left_edge.i, children[-1].right_edge.i + 1
    end = min([c for c in cuts if start < c < end] + [end])
    return trimmed(verb.doc, start, end)


def indirect_quotes(doc: Doc, marks: MarkIndex) -> list[Found]:
    """Clauses governed by reporting verbs outside quotation marks."""
    verbs = [
        t
        for t in doc
        if is_speech_verb(t)
        and marks.token_quote[t.i] < 0
        and verb_forms()[t.lower_] not in DIRECT_ONLY_VERBS
    ]
    trailing = {v.i: c for v in verbs if (c := _trailing_report(v, marks)) is not None}
    cuts = sorted(trailing.values())
    found: list[Found] = []
    for verb in verbs:
        if verb.i in trailing:
            bounds = trimmed(doc, verb.sent.start, trailing[verb.i])
        else:
            bounds = _content_clause(verb, marks, cuts)
        head = speaker_head(verb)
        if bounds is None or head is None or marks.inside(head.idx):
            continue
        quoted = quoted_within(marks, *bounds)
        kind: QuoteKind = "partial" if quoted else "indirect"
        mention = mention_of(head)
        found.append(Found([bounds], kind, verb, verb.text, mention, CONFIDENCE[kind], quoted))
    return found


def according_to(doc: Doc, marks: MarkIndex) -> list[Found]:
    """'According to X, ...': X is the speaker, the rest of the sentence the content."""
    found: list[Found] = []
    for token in doc[:-1]:
        if token.lower_ != "according" or doc[token.i + 1].lower_ != "to":
            continue
        if marks.token_quote[token.i] >= 0:
            continue
        objects = [c for c in doc[token.i + 1].children if c.dep_ == "pobj"]
        if not objects:
            continue
        source = objects[0]
        sent = token.sent
        left = trimmed(doc, sent.start, token.i)
        right = trimmed(doc, source.right_edge.i + 1, sent.end)
        sides = [b for b in (left, right) if b is not None]
        if not sides:
            continue
        bounds = max(sides, key=lambda b: b[1] - b[0])
        confidence = CONFIDENCE["according"]
        cue = "according to"
        found.append(Found([bounds], "indirect", token, cue, mention_of(source), confidence))
    return found
