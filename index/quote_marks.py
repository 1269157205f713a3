"""Find quoted stretches of text by their quotation marks, before any parsing.

Pure string work: curly, straight and doubled-apostrophe (``''``) marks, mixed pairs
(an opening curly mark closed by a straight one), and quotes that run over several
paragraphs (a paragraph that ends inside a quote and a next paragraph that opens with a
mark). Malformed text (an odd number of marks) yields fewer spans, never an error.

An article quotes either with double marks (American style, single ones only for a quote
inside a quote) or with single ones (British style: 'We will win,' he said); whichever
gives more quoted sentences outside the other kind, then more quotations, is the article's.
Single marks are also apostrophes ("it's", "the students' union"), told apart by what is on
either side.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from index.cues import AMBIGUOUS_MARKS, CLOSE_MARKS, OPEN_MARKS

_MARK = re.compile("''|[\"\u201c\u201d\u201e\u00ab\u00bb]")
_SINGLE_MARK = re.compile("['\u2018\u2019]")
_REOPENED = re.compile("\\s*['\u2018\u2019]")  # the next paragraph opens with a single mark
# Words that start with an apostrophe: 'em, 'n', 'cause, 'til, '90s, '66.
_ELISION = re.compile(r"(?:em|n|cause|cos|til|tis|twas|bout|\d\ds?)\b")
# What may follow an opening mark besides a letter or digit: '£40bn', '...and', '"Yes"'.
_QUOTE_STARTS = '\u00a3$\u20ac.\u2026"\u201c[#'
_DISPLAY_MARKS = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb\u201e "
_PARAGRAPH = re.compile(r"\n\s*\n|\n")
# A straight mark opens a quote when it follows one of these (or starts the text).
_OPENING_CONTEXT = set(" \t\n([{\u2014\u2013-/:")
_Marks = Callable[[str, int, int], Iterator[tuple[int, int, str]]]
# Longest a single quoted piece may run; longer ones are mismatched marks.
MAX_PIECE_CHARS = 3000


@dataclass(frozen=True)
class QuotedSpan:
    """One quotation: a piece per paragraph, each ``[start, end)`` including its marks."""

    pieces: tuple[tuple[int, int], ...]

    @property
    def start(self) -> int:
        """Where the first piece begins."""
        return self.pieces[0][0]

    @property
    def end(self) -> int:
        """Where the last piece ends."""
        return self.pieces[-1][1]


def _soft_break(text: str, newline: re.Match[str]) -> bool:
    """A lone line break inside a sentence ('asked voters to turn out\nin
    large numbers'), as text wrapped at a fixed width has: not a paragraph end."""
    if newline.group() != "\n" or newline.start() == 0 or newline.end() >= len(text):
        return False
    before, after = text[newline.start() - 1], text[newline.end()]
    return (before.isalnum() or before in ",;") and after.islower()


def without_marks(text: str) -> str:
    """A quote's text without the marks (and blanks) around it, for display between marks of
    one's own: '"We won,"' and "'We won,'" both give 'We won,'."""
    return text.strip().strip(_DISPLAY_MARKS)


def paragraph_bounds(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of every non-blank paragraph (separated by line breaks)."""
    bounds, start = [], 0
    for match in _PARAGRAPH.finditer(text):
        if _soft_break(text, match):
            continue
        if text[start : match.start()].strip():
            bounds.append((start, match.start()))
        start = match.end()
    if text[start:].strip():
        bounds.append((start, len(text)))
    return bounds


def _mark_role(text: str, start: int, mark: str) -> str:
    """'open', 'close' or, for a straight mark, a guess from what is around it."""
    before = text[start - 1] if start > 0 else " "
    after = text[start + len(mark)] if start + len(mark) < len(text) else " "
    # A curly mark typed the wrong way round ('a "quick review“ of') acts by position.
    if mark in OPEN_MARKS:
        return "close" if (before.isalnum() or before in ".,!?") and after.isspace() else "open"
    if mark in CLOSE_MARKS:
        return "open" if before.isspace() and after.isalnum() else "close"
    if before in _OPENING_CONTEXT and not after.isspace():
        return "open"
    if after.isspace() or not after.isalnum():
        return "close"
    return "either"


def _marks(text: str, start: int, end: int) -> Iterator[tuple[int, int, str]]:
    for match in _MARK.finditer(text, start, end):
        if match.group() in AMBIGUOUS_MARKS or match.group() in OPEN_MARKS | CLOSE_MARKS:
            yield match.start(), match.end(), _mark_role(text, match.start(), match.group())


def _single_role(text: str, start: int) -> str | None:
    """'open', 'close' (after punctuation: ",' she said"), 'stop' (after a letter and before
    punctuation or the end: "', said"), 'weak' (after a letter and before a word, which may be
    an apostrophe: "the workers' union") or None (an apostrophe: "it's", "'em", "'90s")."""
    mark = text[start]
    before = text[start - 1] if start > 0 else " "
    after = text[start + 1] if start + 1 < len(text) else " "
    if before.isalnum() and after.isalnum():
        return None
    if before in _OPENING_CONTEXT or before in '"\u201c':
        if mark == "\u2019" or _ELISION.match(text, start + 1):
            return None
        return "open" if after.isalnum() or after in _QUOTE_STARTS else None
    if mark == "\u2018" or before.isspace():
        return None
    if not before.isalnum():
        return "close"
    return "weak" if after.isspace() and text[start + 2 : start + 3].isalnum() else "stop"


def _single_marks(text: str, start: int, end: int) -> Iterator[tuple[int, int, str]]:
    """Single marks as quotation marks. Between an opening mark and the next, the quote ends
    at the first close after punctuation; failing that at the first close after a letter and
    before punctuation ('We won', she said); failing that at the first one before a word
    ('derisory' on Tuesday), unless the next paragraph reopens the quote."""
    at_marks = (m.start() for m in _SINGLE_MARK.finditer(text, start, end))
    roles = [(at, role) for at in at_marks if (role := _single_role(text, at)) is not None]
    reopens = _REOPENED.match(text, end)
    n = 0
    while n < len(roles):
        at, role = roles[n]
        if role == "open":
            yield at, at + 1, "open"
            n += 1
            continue
        upto = n
        while upto < len(roles) and roles[upto][1] != "open":
            upto += 1
        closes = roles[n:upto]
        ranked = [c for kind in ("close", "stop") for c in closes if c[1] == kind]
        if not ranked and not (reopens and upto == len(roles)):
            ranked = closes[:1]
        for at, _ in ranked[:1]:
            yield at, at + 1, "close"
        n = upto


def _paragraph_quotes(
    text: str, start: int, end: int, marks: _Marks
) -> tuple[list[tuple[int, int]], int | None]:
    """Closed quotes inside one paragraph, and where a quote left open at its end began."""
    spans: list[tuple[int, int]] = []
    opened: int | None = None
    for mark_start, mark_end, role in marks(text, start, end):
        if opened is None:
            if role != "close":
                opened = mark_start
        elif role == "open":
            opened = mark_start  # an unclosed quote before this one: drop it
        else:
            spans.append((opened, mark_end))
            opened = None
    return spans, opened


def find_quoted_spans(text: str) -> list[QuotedSpan]:
    """Every quotation in ``text``, in order, with multi-paragraph quotes joined."""
    double = _quoted_spans(text, _marks, _MARK)
    if not _SINGLE_MARK.search(text):
        return double
    single = _quoted_spans(text, _single_marks, _SINGLE_MARK)
    if _weight(text, _outside(single, double)) > _weight(text, _outside(double, single)):
        # A double-quoted statement in a single-quoting article still counts.
        kept = _outside(double, single)
        return sorted(_outside(single, kept) + kept, key=lambda q: q.start)
    return double


def _weight(text: str, spans: list[QuotedSpan]) -> tuple[int, int]:
    """How much a style quotes: its quoted sentences ('We will win,'), which scare quotes and
    titles are not, then all its quotations."""
    sentences = sum(text[q.start : q.end].rstrip("'\"\u2019\u201d")[-1:] in ",.!?" for q in spans)
    return sentences, len(spans)


def _outside(spans: list[QuotedSpan], others: list[QuotedSpan]) -> list[QuotedSpan]:
    """The quotations of ``spans`` that lie inside none of ``others``."""
    return [q for q in spans if not any(o.start < q.start and q.end < o.end for o in others)]


def _quoted_spans(text: str, marks: _Marks, pattern: re.Pattern[str]) -> list[QuotedSpan]:
    found: list[QuotedSpan] = []
    carried: list[tuple[int, int]] = []  # pieces of a quote still open at a paragraph end
    for para_start, para_end in paragraph_bounds(text):
        lead = len(text[para_start:para_end]) - len(text[para_start:para_end].lstrip())
        continues = bool(carried) and pattern.match(text, para_start + lead) is not None
        if carried and not continues:
            carried = []  # the open quote never continued: a stray mark
        spans, opened = _paragraph_quotes(text, para_start, para_end, marks)
        if carried and spans and spans[0][0] == para_start + lead:
            found.append(QuotedSpan(tuple(carried) + (spans[0],)))
            carried, spans = [], spans[1:]
        elif carried and opened == para_start + lead and not spans:
            carried.append((opened, para_end))
            continue
        else:
            carried = []
        found.extend(QuotedSpan(((s, e),)) for s, e in spans if e - s <= MAX_PIECE_CHARS)
        if opened is not None:
            carried = [(opened, para_end)]
    return found
