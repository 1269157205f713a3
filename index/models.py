"""Frozen dataclasses that cross module boundaries.

Offsets are always Python string indices into ``Article.text`` as loaded, ``[start, end)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

QuoteKind = Literal["direct", "partial", "indirect"]
SpeakerKind = Literal["person", "organisation", "unknown"]


@dataclass(frozen=True)
class Article:
    """One news article as read from the articles folder."""

    id: str
    text: str
    title: str | None = None
    date: str | None = None  # ISO YYYY-MM-DD
    source: str | None = None
    url: str | None = None
    path: str | None = None  # relative to the articles folder
    content_hash: str = ""


@dataclass(frozen=True)
class Passage:
    """A run of whole sentences inside one paragraph-aligned window of an article."""

    article_id: str
    ordinal: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Quote:
    """One reported statement and who made it.

    ``spans`` holds the pieces of the quoted content (several where the quote is interrupted
    by "he said,"); ``start``/``end`` cover all pieces. ``speaker`` is the canonical name within
    the article ("Dmytro Kuleba"), or the mention itself when it could not be resolved
    (``resolved`` is then False).
    """

    article_id: str
    text: str
    start: int
    end: int
    spans: tuple[tuple[int, int], ...]
    kind: QuoteKind
    speaker: str | None
    speaker_mention: str | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None
    role: str | None = None
    cue: str | None = None
    speaker_kind: SpeakerKind = "unknown"
    resolved: bool = False
    confidence: float = 0.5


@dataclass(frozen=True)
class Speaker:
    """One person or organisation across the whole corpus."""

    id: int
    name: str
    kind: SpeakerKind
    aliases: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    quote_count: int = 0
    article_count: int = 0
    articles: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuoteRecord:
    """A stored quote with its article's metadata, for listings."""

    quote: Quote
    speaker_id: int | None
    article_title: str | None
    article_date: str | None
    article_source: str | None
    article_url: str | None


@dataclass(frozen=True)
class ArticleRef:
    """Where an answer's passage (or a near-duplicate of it) appears."""

    article_id: str
    title: str | None
    date: str | None
    source: str | None
    url: str | None


@dataclass(frozen=True)
class Answer:
    """One passage that answers a question, with the quotes attributed inside it."""

    article: ArticleRef
    passage_id: int
    text: str
    start: int
    end: int
    score: float
    quotes: tuple[Quote, ...] = ()
    roles: dict[str, str] = field(default_factory=dict)  # canonical speaker -> role
    also_in: tuple[ArticleRef, ...] = ()  # other articles carrying the same passage


@dataclass(frozen=True)
class SearchResult:
    """What ``ask`` returns: answers, or an honest no-answer with the closest leads."""

    question: str
    answers: tuple[Answer, ...]
    no_answer: bool = False
    closest: tuple[str, ...] = ()
    reason: str | None = None  # with no_answer: why, in a sentence for the user
    speaker_filter: str | None = None
    date_filter: tuple[str, str] | None = None


@dataclass(frozen=True)
class SkippedFile:
    """An article file that could not be read, and why."""

    path: str
    reason: str
    line: int | None = None


@dataclass(frozen=True)
class UpdateReport:
    """What one index update did."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: int = 0
    skipped: tuple[SkippedFile, ...] = ()
    articles: int = 0
    passages: int = 0
    quotes: int = 0
    speakers: int = 0
    new_speakers: tuple[str, ...] = ()
    embedded: int = 0
    seconds: float = 0.0
    generation: int = 0


@dataclass(frozen=True)
class Progress:
    """A progress report from a running update, for progress bars and Discord edits."""

    stage: str  # "reading", "attributing", "embedding", "writing", "done", "loading"
    done: int
    total: int
    quotes: int = 0
    new_speakers: int = 0
    elapsed: float = 0.0
    passages: int = 0  # passages prepared (embedded or reused) so far
    rate: float = 0.0  # passages a second while embedding
    eta: float | None = None  # seconds left, estimated from the rate so far


@dataclass(frozen=True)
class Status:
    """A summary of the current index."""

    articles: int
    passages: int
    quotes: int
    speakers: int
    generation: int
    built_at: float | None
    model: str
    data_dir: str


@dataclass(frozen=True)
class ArticleInfo:
    """An indexed article without its text, for listings."""

    id: str
    title: str | None
    date: str | None
    source: str | None
    url: str | None
    path: str | None
    passages: int
    quotes: int


@dataclass(frozen=True)
class VectorSegment:
    """One immutable vector file of a generation: the first is the base, the rest deltas."""

    file: str  # a name inside the data folder
    kind: str  # flat, hnsw or sq8
    vectors: int
    size: int  # bytes, to find a truncated or replaced file without reading it
    checksum: str  # blake2b of the file, checked by `whosaid check`
