"""Hybrid retrieval: dense (FAISS) and lexical (BM25) lists fused by reciprocal rank.

Fusion and ranking are small pure functions over ``(id, score)`` lists; `Searcher` holds one
generation's indexes and answers a parsed `Query` with ranked passage ids.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass

import bm25s
import faiss
import numpy as np

from index.query import MONTHS, Query
from index.vectors import Vectors

RRF_K = 60
FUSION = "convex"  # or "rrf"; chosen on the development questions (docs/retrieval.md)
ALPHA = 0.35
CANDIDATES = 100
# Scores of the fused list are relative; whether anything answers at all is judged on the
# best passage's cosine similarity and its BM25 coverage (see docs/retrieval.md).
NO_ANSWER_COSINE = 0.35
# ... and a question naming something no passage mentions ("Macron", "Green New Deal") needs a
# closer match than this;
UNKNOWN_NAME_COSINE = 0.50
# ... and in a collection of at least FULL_VOCABULARY different words, where an everyday word
# no article uses says as much as a name does ("cryptocurrency"), any unknown word needs this.
UNKNOWN_WORD_COSINE = 0.65
FULL_VOCABULARY = 20_000
# Each passage also scores by its whole article (BM25 over the article's text, best = 1): a
# question's words are often spread over an article rather than packed into one passage.
ARTICLE_WEIGHT = 0.5
DUPLICATE_COSINE = 0.97
SPEAKER_BOOST = 1.3
WHO_BOOST = 1.1
DATE_BOOST = 1.5
_TOKEN = re.compile(r"\w+")
_MONTHS = "|".join(m.title() for m in MONTHS)
_MONTH_YEAR = re.compile(rf"\b(?:Sept|{_MONTHS})\.?,? (?:\d{{1,2}},? )?\d{{4}}\b")
_STOPWORDS = frozenset(
    "a an and are as at be by did do does for from has have he her his how i in is it its of on "
    "or she so that the their them they this to was were what when where which who whom why will "
    "with would you about said say says".split()
)


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens without stop words, for BM25."""
    return [t for t in _TOKEN.findall(text.lower()) if t not in _STOPWORDS]


def build_bm25(texts: Sequence[str]) -> bm25s.BM25 | None:
    """A BM25 index of the texts as `tokenize` splits them; None when there are none."""
    if not texts:
        return None
    # Token ids, not token strings: a list of strings per text held 3x the memory at 100k
    # passages (1.2 GB against 0.4 GB) for the same scores.
    vocabulary: dict[str, int] = {}
    ids = [[vocabulary.setdefault(t, len(vocabulary)) for t in tokenize(text)] for text in texts]
    index = bm25s.BM25()
    index.index((ids, vocabulary), show_progress=False)
    return index


class Vocabulary:
    """The words of a BM25 index, where a word also counts as known when one of them shares
    its stem ("scrutinized" when the articles say "scrutiny")."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = frozenset(w for w in words if w)
        self._sorted = sorted(self.words)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        if word in self.words or len(word) < 6 or word.isdigit():
            return word in self.words
        stem = word[: max(6, len(word) - 4)]
        at = bisect.bisect_left(self._sorted, stem)
        return at < len(self._sorted) and self._sorted[at].startswith(stem)


def name_phrases(question: str) -> list[str]:
    """Runs of two or more capitalised words or numbers past the question's first word:
    the names of things ("Green New Deal", "Boeing 737 Max")."""
    words = re.findall(r"[\w’'-]+", _MONTH_YEAR.sub(" ", question))[1:]
    runs: list[list[str]] = [[]]
    for word in words:
        if word[:1].isupper() or (word[:1].isdigit() and runs[-1]):
            runs[-1].append(word)
        elif runs[-1]:
            runs.append([])
    return [" ".join(r) for r in runs if len(r) >= 2]


def phrase_key(text: str) -> str:
    """Text as phrases are compared: lower case, possessives and punctuation gone. A key found
    in another means the phrase occurs there, maybe with a longer last word ("Greens")."""
    text = re.sub(r"[’']s\b", "", text.lower())
    return " " + " ".join(_TOKEN.findall(text))


def unknown_words(question: str, vocabulary: Container[str], names_only: bool = False) -> list[str]:
    """Words of the question that no passage contains, months and single letters aside; with
    ``names_only``, only capitalised words past the question's first word.

    A name or a thing the articles never mention ("Macron", "cryptocurrency", "2021") is strong
    evidence that they hold no answer, stronger than a middling similarity score. Any word
    counts only in a large collection: a few articles miss most everyday words.
    """
    found: dict[str, None] = {}
    for i, word in enumerate(re.findall(r"[\w’'-]+", question)):
        if names_only and (i == 0 or not word[:1].isupper()):
            continue
        for token in tokenize(word):
            if len(token) > 1 and token not in MONTHS and token not in vocabulary:
                found[token] = None
    return list(found)


def rrf(lists: Iterable[Sequence[tuple[int, float]]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: sum of 1 / (k + rank) over the lists, best first."""
    scores: dict[int, float] = {}
    for ranked in lists:
        for rank, (item, _) in enumerate(ranked, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: pair[1], reverse=True)


def convex(
    cosine: dict[int, float], lexical: dict[int, float], alpha: float
) -> list[tuple[int, float]]:
    """``alpha * cosine + (1 - alpha) * bm25 / max bm25``, best first."""
    top = max(lexical.values(), default=0.0) or 1.0
    scores = {
        i: alpha * cosine.get(i, 0.0) + (1 - alpha) * lexical.get(i, 0.0) / top
        for i in cosine.keys() | lexical.keys()
    }
    return sorted(scores.items(), key=lambda pair: pair[1], reverse=True)


def boost(
    ranked: Sequence[tuple[int, float]], factors: dict[int, float]
) -> list[tuple[int, float]]:
    """Multiply the scores of some ids, then sort again."""
    out = [(item, score * factors.get(item, 1.0)) for item, score in ranked]
    return sorted(out, key=lambda pair: pair[1], reverse=True)


def collapse_duplicates(
    ranked: Sequence[int], vectors: dict[int, np.ndarray], threshold: float = DUPLICATE_COSINE
) -> list[tuple[int, list[int]]]:
    """Group near-identical passages under the best-ranked one: ``[(kept, [duplicates])]``."""
    groups: list[tuple[int, list[int]]] = []
    for item in ranked:
        vec = vectors.get(item)
        for kept, dups in groups:
            other = vectors.get(kept)
            if vec is not None and other is not None and float(vec @ other) >= threshold:
                dups.append(item)
                break
        else:
            groups.append((item, []))
    return groups


@dataclass(frozen=True)
class Candidate:
    """A ranked passage with the evidence the no-answer decision needs."""

    passage_id: int
    score: float
    cosine: float
    bm25: float


class Searcher:
    """One generation's passages: FAISS vectors, a BM25 index, and filter data."""

    def __init__(
        self,
        vectors: Vectors,
        row_ids: np.ndarray,
        texts: list[str],
        bm25: bm25s.BM25 | None = None,
        article_of: np.ndarray | None = None,
        article_bm25: bm25s.BM25 | None = None,
    ) -> None:
        """``bm25``, when given, is an index of ``row_ids``' texts in that order (``texts`` then
        goes unused); ``article_of`` numbers each passage's article, and ``article_bm25``
        indexes the articles' texts in that numbering."""
        self.vectors = vectors
        self.row_ids = row_ids
        self._order = np.argsort(row_ids, kind="stable")
        self._sorted_ids = np.asarray(row_ids)[self._order]
        self.bm25 = bm25 if bm25 is not None else build_bm25(texts)
        self.vocabulary = Vocabulary(self.bm25.vocab_dict if self.bm25 else ())
        self.article_of = article_of
        self.article_bm25 = article_bm25

    def search(
        self,
        query: Query,
        vector: np.ndarray,
        allowed: set[int] | None,
        k: int,
        prefer: set[int] | None = None,
    ) -> list[Candidate]:
        """Fused candidates, best first; ``allowed`` restricts to those passage ids, and the
        best of ``prefer`` join the candidates even when others outscore them."""
        if allowed is not None and not allowed:
            return []
        dense = self._dense(vector, allowed)
        lexical, all_scores = self._lexical(query.text, allowed)
        if prefer:
            preferred = prefer if allowed is None else prefer & allowed
            dense += self._dense(vector, preferred) if preferred else []
            lexical += self._lexical(query.text, preferred)[0] if preferred else []
        cosine = dict(dense)
        for item, _ in lexical:
            cosine.setdefault(item, self._cosine(item, vector))
        lex = {}
        if len(all_scores):
            ids = list(cosine)
            lex = dict(zip(ids, all_scores[self.positions(ids)].tolist(), strict=True))
        if FUSION == "rrf":
            fused = rrf([dense, lexical])
        else:
            fused = convex(cosine, lex, ALPHA)
        fused = self._with_articles(fused, query.text)
        return [
            Candidate(i, s, cosine.get(i, 0.0), lex.get(i, 0.0)) for i, s in fused[: max(k, 1) * 10]
        ]

    def _with_articles(
        self, fused: list[tuple[int, float]], text: str
    ) -> list[tuple[int, float]]:
        """Add each passage's article-level evidence to its score."""
        if self.article_of is None or not fused:
            return fused
        extra = np.zeros(int(self.article_of.max()) + 1, dtype=np.float32)
        tokens = tokenize(text)
        if self.article_bm25 is not None and tokens and ARTICLE_WEIGHT:
            scores = np.asarray(self.article_bm25.get_scores(tokens), dtype=np.float32)
            if scores.max() > 0:
                extra += ARTICLE_WEIGHT * scores / scores.max()
        bonus = extra[self.article_of[self.positions(i for i, _ in fused)]].tolist()
        out = [(i, s + b) for (i, s), b in zip(fused, bonus, strict=True)]
        return sorted(out, key=lambda pair: pair[1], reverse=True)

    def _dense(self, vector: np.ndarray, allowed: set[int] | None) -> list[tuple[int, float]]:
        if allowed is None or len(allowed) >= len(self.row_ids):
            return self.vectors.search(vector, CANDIDATES)
        selector = faiss.IDSelectorBatch(np.fromiter(allowed, dtype=np.int64))
        return self.vectors.search(vector, CANDIDATES, selector=selector)

    def _lexical(
        self, text: str, allowed: set[int] | None
    ) -> tuple[list[tuple[int, float]], np.ndarray]:
        """The BM25 top list, and every passage's BM25 score (by position)."""
        tokens = tokenize(text)
        if self.bm25 is None or not tokens:
            return [], np.zeros(0, dtype=np.float32)
        scores = np.asarray(self.bm25.get_scores(tokens), dtype=np.float32)
        if allowed is not None:
            mask = np.zeros(len(scores), dtype=bool)
            mask[self.positions(allowed)] = True
            scores = np.where(mask, scores, 0.0)
        hits = np.flatnonzero(scores)  # usually far fewer than the passages
        if len(hits) > CANDIDATES:
            hits = hits[np.argpartition(-scores[hits], CANDIDATES - 1)[:CANDIDATES]]
        top = hits[np.argsort(-scores[hits], kind="stable")]
        return [(int(self.row_ids[i]), float(scores[i])) for i in top], scores

    def positions(self, ids: Iterable[int]) -> np.ndarray:
        """The positions of these passage ids in ``row_ids`` (ids not there are left out)."""
        wanted = np.fromiter(ids, dtype=np.int64)
        at = np.searchsorted(self._sorted_ids, wanted).clip(0, max(len(self._sorted_ids) - 1, 0))
        found = self._sorted_ids[at] == wanted if len(self._sorted_ids) else wanted < 0
        return self._order[at[found]]

    def containing(self, words: Sequence[str]) -> np.ndarray:
        """Row ids of the passages whose BM25 text holds every one of ``words``."""
        if self.bm25 is None:
            return np.zeros(0, dtype=np.int64)
        scores, vocab = self.bm25.scores, self.bm25.vocab_dict
        found: np.ndarray | None = None
        for word in words:
            column = vocab.get(word)
            if column is None:
                return np.zeros(0, dtype=np.int64)
            docs = scores["indices"][scores["indptr"][column] : scores["indptr"][column + 1]]
            found = docs if found is None else np.intersect1d(found, docs, assume_unique=True)
        return self.row_ids[found] if found is not None else np.zeros(0, dtype=np.int64)

    def _cosine(self, item: int, vector: np.ndarray) -> float:
        stored = self.vectors.reconstruct(item)
        return float(stored @ vector) if stored is not None else 0.0

    def passage_vectors(self, ids: Iterable[int]) -> dict[int, np.ndarray]:
        out = {}
        for item in ids:
            vec = self.vectors.reconstruct(item)
            if vec is not None:
                out[item] = vec
        return out
