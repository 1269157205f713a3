"""Shared pieces of quote extraction: where quotation marks are, reporting verbs, spans.

``Found`` is an attribution while it is being assembled; the rule modules
(``direct_quotes.py``, ``reported_speech.py``) produce them and ``quotes.py`` turns them into
``Quote`` records.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from spacy.tokens import Doc, Token

from index.cues import INHERIT_SUBJECT_DEPS, REQUIRED_CHILD, verb_forms
from index.mentions import Mention, subject_of
from index.models import QuoteKind
from index.quote_marks import QuotedSpan, paragraph_bounds

# An indirect clause shorter than this is a fragment ("he said so"), not a statement.
MIN_CONTENT_TOKENS = 3
SENTENCE_END = frozenset({".", "!", "?"})
_TRIM = frozenset({",", ".", ";", ":", "-", "\u2014", "\u2013", "(", ")"})
CONFIDENCE = {
    "direct": 0.9,
    "partial": 0.8,
    "indirect": 0.75,
    "according": 0.7,
    "label": 0.7,
    "floating": 0.5,
}


@dataclass
class Found:
    """An attribution while it is being assembled."""

    pieces: list[tuple[int, int]]
    kind: QuoteKind
    cue: Token | None
    cue_text: str | None
    mention: Mention | None
    confidence: float
    quoted: list[int] = field(default_factory=list)  # indices of the QuotedSpans used


class MarkIndex:
    """Which token lies inside which quotation."""

    def __init__(self, doc: Doc, text: str, spans: list[QuotedSpan]) -> None:
        # ``Doc.text`` is rebuilt from the tokens on every access: keep one copy.
        self.text = text
        self.token_starts = [t.idx for t in doc]
        self.paragraphs = paragraph_bounds(self.text)
        self.spans = spans
        pieces = sorted((s, e, n) for n, q in enumerate(spans) for s, e in q.pieces)
        self._starts = [p[0] for p in pieces]
        self._pieces = pieces
        self.token_quote = [self.at(t.idx) for t in doc]

    def at(self, char: int) -> int:
        """Index of the quotation containing ``char``, or -1."""
        i = bisect_right(self._starts, char) - 1
        if i >= 0 and self._pieces[i][0] <= char < self._pieces[i][1]:
            return self._pieces[i][2]
        return -1

    def inside(self, char: int) -> bool:
        """Whether ``char`` is inside a quotation."""
        return self.at(char) >= 0


def is_speech_verb(token: Token) -> bool:
    """A reporting verb used as a verb ("said", "pointed out"), not a noun ("says" as NNS)."""
    lemma = verb_forms().get(token.lower_)
    if lemma is None or not token.tag_.startswith("VB"):
        return False
    if _modifier(token) or (token.i > 0 and token.doc[token.i - 1].text in ("<", "</")):
        return False  # "her reported income", "a class called ...", "<tweet ...>"
    if _other_sense(token, lemma):
        return False
    required = REQUIRED_CHILD.get(lemma)
    if required is None:
        return True
    words, deps = required
    return any(c.lower_ in words or c.dep_ in deps for c in token.children)


def _other_sense(token: Token, lemma: str) -> bool:
    """A reporting verb in a sense that reports nothing: "That said, ..." (however), "denied
    him a hearing" (refused him)."""
    doc = token.doc
    if lemma == "say" and 0 < token.i < len(doc) - 1:
        before, after = doc[token.i - 1], doc[token.i + 1]
        if before.lower_ == "that" and before.is_sent_start and after.text == ",":
            return True
    objects = [c for c in token.children if c.dep_ in ("dative", "dobj")]
    return lemma == "deny" and len(objects) > 1


def _modifier(token: Token) -> bool:
    """A participle describing a noun rather than reporting anything."""
    if token.dep_ == "amod":
        return True
    return (
        token.dep_ == "acl"
        and token.tag_ == "VBN"
        and not any(c.dep_ == "agent" for c in token.children)
    )


def speaker_head(verb: Token) -> Token | None:
    """The head of the speaker's mention for a reporting verb."""
    if verb.dep_ in INHERIT_SUBJECT_DEPS and not any(
        c.dep_ in ("nsubj", "nsubjpass", "agent") for c in verb.children
    ):
        # '... told the paper that the mayor "had ...," adding, "..."': the one adding is the
        # one telling, not the subject of the clause "adding" happens to hang off.
        for ancestor in verb.ancestors:
            if is_speech_verb(ancestor):
                return speaker_head(ancestor)
    subject = subject_of(verb)
    # "Smith, who said ...": the speaker is the noun the relative clause hangs off.
    if subject is not None and subject.tag_ in ("WP", "WDT") and verb.dep_ == "relcl":
        return verb.head
    return subject


def previous_word(doc: Doc, index: int) -> Token | None:
    """The nearest token before ``index`` that is not whitespace."""
    while index > 0:
        index -= 1
        if not doc[index].is_space:
            return doc[index]
    return None


def token_at_or_after(marks: MarkIndex, char: int) -> int:
    """Index of the token holding ``char``, or of the first token after it."""
    index = bisect_right(marks.token_starts, char) - 1
    if index >= 0 and marks.token_starts[index] == char:
        return index
    return index + 1


def trimmed(
    doc: Doc, start: int, end: int, minimum: int = MIN_CONTENT_TOKENS
) -> tuple[int, int] | None:
    """Character bounds of tokens ``[start, end)`` without edge punctuation, if at least
    ``minimum`` tokens remain."""
    while start < end and (doc[start].text in _TRIM or doc[start].is_space):
        start += 1
    while end > start and (doc[end - 1].text in _TRIM or doc[end - 1].is_space):
        end -= 1
    if end - start < max(minimum, 1):
        return None
    return doc[start].idx, doc[end - 1].idx + len(doc[end - 1])


def with_closing_mark(marks: MarkIndex, bounds: tuple[int, int]) -> tuple[int, int]:
    """``bounds`` taking in the closing mark (and the stop before it) of a quotation they
    open and end inside: 'talks were "very difficult."', not 'talks were "very difficult'."""
    start, end = bounds
    for quote in marks.spans:
        rest = marks.text[end : quote.end]
        if start <= quote.start < end < quote.end and not any(c.isalnum() for c in rest):
            return start, quote.end
    return bounds


def quoted_within(marks: MarkIndex, start: int, end: int) -> list[int]:
    """Indices of the quotations lying wholly inside ``[start, end)``."""
    return [n for n, q in enumerate(marks.spans) if start <= q.start and q.end <= end]
