"""Find quoted stretches of text by their quotation marks, before any parsing.

Pure string work: curly, straight and doubled-apostrophe (``''``) marks, mixed pairs
(an opening curly mark closed by a straight one), and quotes that run over several
paragraphs (a paragraph that ends inside a quote and a next paragraph that opens with a
mark). Malformed text (an odd number of marks) yields fewer spans, never an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from index.cues import AMBIGUOUS_MARKS, CLOSE_MARKS, OPEN_MARKS

_MARK = re.compile("''|[\"\u201c\u201d\u201e\u00ab\u00bb]")
_PARAGRAPH = re.compile(r"\n\s*\n|\n")
# A straight mark opens a quote when it follows one of these (or starts the text).
_OPENING_CONTEXT = set(" \t\n([{\u2014\u2013-/:")
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


def _paragraph_quotes(text: str, start: int, end: int) -> tuple[list[tuple[int, int]], int | None]:
    """Closed quotes inside one paragraph, and where a quote left open at its end began."""
    spans: list[tuple[int, int]] = []
    opened: int | None = None
    for mark_start, mark_end, role in _marks(text, start, end):
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
    found: list[QuotedSpan] = []
    carried: list[tuple[int, int]] = []  # pieces of a quote still open at a paragraph end
    for para_start, para_end in paragraph_bounds(text):
        lead = len(text[para_start:para_end]) - len(text[para_start:para_end].lstrip())
        continues = bool(carried) and _MARK.match(text, para_start + lead) is not None
        if carried and not continues:
            carried = []  # the open quote never continued: a stray mark
        spans, opened = _paragraph_quotes(text, para_start, para_end)
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
