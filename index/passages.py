"""Pure: an Article's text -> passages of whole sentences, with offsets.

Passages follow paragraphs: short consecutive paragraphs are joined up to a size bound, a long
paragraph is split between sentences, never inside a quotation that fits in one passage. The
bound is in words, chosen so that a passage fits the embedding model's input (all-MiniLM-L6-v2
reads 256 word pieces; news English averages about 1.3 word pieces a word).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from index.models import Article, Passage

DEFAULT_MAX_WORDS = 60
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# A sentence ends at . ! ? (and any closing quotes or brackets) followed by white space.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")
_WORD = re.compile(r"\S+")
_OPENERS = "“«"
_CLOSERS = "”»"


@dataclass(frozen=True)
class PassageSettings:
    """What shapes passages; stored with the index so a change forces a rebuild."""

    max_words: int = DEFAULT_MAX_WORDS

    def key(self) -> str:
        return f"v1/max_words={self.max_words}"


def split_passages(article: Article, settings: PassageSettings | None = None) -> list[Passage]:
    """Split an article into passages that lie in order inside its text and cover it."""
    settings = settings or PassageSettings()
    spans = list(_group(article.text, settings.max_words))
    return [
        Passage(article.id, i, start, end, article.text[start:end])
        for i, (start, end) in enumerate(spans)
    ]


def _group(text: str, max_words: int) -> Iterator[tuple[int, int]]:
    """Join paragraphs (or split them at sentences) into spans of at most ``max_words``."""
    current: tuple[int, int] | None = None
    current_words = 0
    for start, end in _units(text, max_words):
        words = _count_words(text, start, end)
        if current is not None and current_words + words <= max_words:
            current = (current[0], end)
            current_words += words
            continue
        if current is not None:
            yield current
        current, current_words = (start, end), words
    if current is not None:
        yield current


def _units(text: str, max_words: int) -> Iterator[tuple[int, int]]:
    """Paragraphs that fit, else the sentence groups of a long paragraph."""
    for start, end in _paragraphs(text):
        if _count_words(text, start, end) <= max_words:
            yield start, end
        else:
            yield from _split_long(text, start, end, max_words)


def _paragraphs(text: str) -> Iterator[tuple[int, int]]:
    pos = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        yield from _trimmed(text, pos, match.start())
        pos = match.end()
    yield from _trimmed(text, pos, len(text))


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The span without surrounding white space, if anything is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        yield start, end


def _split_long(text: str, start: int, end: int, max_words: int) -> Iterator[tuple[int, int]]:
    """Greedy sentence packing; a sentence too long on its own is cut between words."""
    chunk_start, chunk_words = start, 0
    last_good: int | None = None  # a sentence boundary outside any quotation
    for s_start, s_end in _sentences(text, start, end):
        words = _count_words(text, s_start, s_end)
        if words > max_words:
            if chunk_words:
                yield chunk_start, _rstrip(text, chunk_start, s_start)
            yield from _split_words(text, s_start, s_end, max_words)
            chunk_start, chunk_words, last_good = _skip_space(text, s_end, end), 0, None
            continue
        if chunk_words + words > max_words and chunk_words:
            cut = last_good if last_good is not None else s_start
            yield chunk_start, _rstrip(text, chunk_start, cut)
            chunk_start = _skip_space(text, cut, end)
            chunk_words = _count_words(text, chunk_start, s_start)
            last_good = None
        chunk_words += words
        if not _inside_quote(text, chunk_start, s_end):
            last_good = s_end
    if chunk_start < end:
        yield from _trimmed(text, chunk_start, end)


def _sentences(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    pos = start
    for match in _SENTENCE_END.finditer(text, start, end):
        yield from _trimmed(text, pos, match.end())
        pos = match.end()
    yield from _trimmed(text, pos, end)


def _split_words(text: str, start: int, end: int, max_words: int) -> Iterator[tuple[int, int]]:
    words = list(_WORD.finditer(text, start, end))
    for i in range(0, len(words), max_words):
        group = words[i : i + max_words]
        yield group[0].start(), group[-1].end()


def _inside_quote(text: str, start: int, end: int) -> bool:
    """Whether a quotation opened in ``text[start:end]`` is still open at ``end``."""
    segment = text[start:end]
    curly_open = sum(segment.count(c) for c in _OPENERS) > sum(segment.count(c) for c in _CLOSERS)
    return curly_open or segment.count('"') % 2 == 1


def _count_words(text: str, start: int, end: int) -> int:
    return len(_WORD.findall(text, start, end))


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _skip_space(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos].isspace():
        pos += 1
    return pos
