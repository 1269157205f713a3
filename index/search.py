"""Hybrid retrieval: dense (FAISS) and lexical (BM25) lists fused by reciprocal rank.

Fusion and ranking are small pure functions over ``(id, score)`` lists; `Searcher` holds one
generation's indexes and answers a parsed `Query` with ranked passage ids.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Container, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import bm25s
import faiss
import numpy as np

from index.numbering import Numbering, intersection
from index.query import MONTHS, Query, fold
from index.vectors import Vectors

RRF_K = 60
FUSION = "convex"  # or "rrf"; chosen on the development questions (docs/retrieval.md)
ALPHA = 0.35
CANDIDATES = 100
# A filter or preference of at most this many passages is scored exactly, vector by vector,
# rather than by a filtered FAISS search (docs/performance.md).
EXACT_UP_TO = 20_000
# BM25's top list over many passages ranks only those above the best of a sample this size.
TOP_SAMPLE = 5_000
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
# ... except, in a question of this many words or more, which tells a story in its own words,
# one everyday word ("the loudmouth developer") or a name of a thing made of known words ("sent
# back to South America"): chosen on every question set (docs/retrieval.md).
LONG_QUESTION = 16
# ... and a question whose rarest words (each in at most RARE_WORD_SHARE of the passages, or in
# none; counted in collections of at least 1 / RARE_WORD_SHARE passages) are all in none of the
# best TOPIC_ANSWERS passages' articles asks for a detail the articles lack ("Which company
# catered the convention?") unless its best match reaches this. Both chosen on the development
# questions (docs/retrieval.md).
RARE_WORD_SHARE = 1 / 200
RARE_WORD_COSINE = 0.45
# ... but for a question of this many words or more, told at length in its own words ("There
# was a jokey year-end piece by a Wall Street columnist imagining ..."), whose rare words are
# the asker's and need not be the article's: chosen on sets 1-10 (docs/retrieval.md).
LONG_STORY = 20
# ... and a question of fewer than LONG_STORY words whose best match is below this, one of
# whose words no token of the best TOPIC_ANSWERS passages comes within WORD_MATCH_COSINE of (the
# model's token vectors in context, compared as ColBERT does: "congestion pricing", "sign
# language interpreters"), asks for something they do not say. Chosen on sets 1-12.
WORD_MATCH_CHECKED_BELOW = 0.55
WORD_MATCH_COSINE = 0.2
# A question that names a speaker scores on the name alone in that speaker's passages ("What
# did Rubio say about <something he never spoke of>?"): unless its best match is at least
# TOPIC_CHECKED_FROM, what it asks about, the question without the name, needs this cosine
# with one of the best TOPIC_ANSWERS passages.
TOPIC_COSINE = 0.34
TOPIC_CHECKED_FROM = 0.65
TOPIC_ANSWERS = 5
# Each passage also scores by its whole article (BM25 over the article's text, best = 1): a
# question's words are often spread over an article rather than packed into one passage.
ARTICLE_WEIGHT = 0.5
DUPLICATE_COSINE = 0.97
# Candidates kept for boosting: ten an answer, as for this many answers at least, so that
# asking for fewer answers never changes which comes first.
POOL_FOR_AT_LEAST = 5
SPEAKER_BOOST = 1.3
# A passage holding, word for word, what the question quotes ("Who said 'low energy'?").
PHRASE_BOOST = 2.0
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
    """Lower-cased word tokens without accents or stop words, for BM25."""
    return [t for t in _TOKEN.findall(fold(text)) if t not in _STOPWORDS]


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


def used_words(index: bm25s.BM25) -> list[str]:
    """The words some document holds (a vocabulary kept across generations also has words
    only removed documents held)."""
    indptr = index.scores["indptr"]
    return [
        w for w, i in index.vocab_dict.items() if i + 1 < len(indptr) and indptr[i + 1] > indptr[i]
    ]


class Vocabulary:
    """The words of a BM25 index, where a word also counts as known when one of them shares
    its stem: the same word with another ending ("hogging" when the articles say "hogged"), or
    one that begins with all but its last letters ("scrutinized" when they say "scrutiny"), or
    the word inflected ("wipe" when they say "wiped", "PC" when they say "PCs")."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = frozenset(w for w in words if w)
        self._sorted = sorted(self.words)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        if word in self.words or word.isdigit():
            return word in self.words
        stem = suffix_stem(word)
        if len(stem) >= 3 and any(suffix_stem(w) == stem for w in self._starting(stem)):
            return True
        if any(form in self.words for form in _inflections(word)):
            return True
        return len(word) >= 6 and any(self._starting(word[: max(6, len(word) - 4)]))

    def _starting(self, prefix: str, most: int = 200) -> Iterator[str]:
        """Up to ``most`` known words that begin with ``prefix``."""
        at = bisect.bisect_left(self._sorted, prefix)
        for word in self._sorted[at : at + most]:
            if not word.startswith(prefix):
                return
            yield word


_SUFFIXES = ("ings", "ing", "edly", "ed", "ies", "es", "s", "ly")


def _inflections(word: str) -> list[str]:
    """The word with a plural or verb ending: "wipe" -> "wipes", "wiped", "wiping"..."""
    forms = [word + ending for ending in ("s", "es", "d", "ed", "ing")]
    return forms + [word[:-1] + "ing"] if word.endswith("e") else forms


def suffix_stem(word: str) -> str:
    """A word without a common ending and a doubled last letter: "hogging", "hogged", "hogs"
    and "hog" are all "hog". Crude next to a real stemmer; enough to call a word known."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]
    return word


_POSSESSIVE = re.compile(r"[’']s?$")
# Words a full stop shortens, which do not end a sentence ...
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st sen rep gov gen lt col sgt jr sr mt ft co corp inc vs ave rev prof pres "
    "dept".split()
)
# ... unless one of these follows it: "sanctions on the U.S. Did Green Party members agree?"
_SENTENCE_STARTS = frozenset(
    "a an the this that these those it he she they we you i did does do is are was were has "
    "have had will would can could should may might must who what when where which why how "
    "whose whom there here and but or so if".split()
)


def name_phrases(question: str) -> list[str]:
    """Runs of two or more capitalised words or numbers past each sentence's first word:
    the names of things ("Green New Deal", "Boeing 737 Max"). Punctuation ends a run, a full
    stop too unless it ends an initial or a title ("J. Smith", "St. Louis"), and "I" is no name
    ("in DC, I heard", "in DC. Who")."""
    found = re.findall(r"[\w’'-]+|[,;:!?()\"“”]|\.(?=\s|$)", _MONTH_YEAR.sub(" ", question))
    words = [w for i, w in enumerate(found) if not (w == "." and _shortens(found, i))]
    runs: list[list[str]] = [[]]
    for i, word in enumerate(words):
        if i == 0 or words[i - 1] in ".?!":
            continue  # a sentence's first word is capitalised whatever it is
        if word == "I" or word in ',;:!?()"“”.':
            runs.append([])
        elif word[:1].isupper() or (word[:1].isdigit() and runs[-1]):
            runs[-1].append(word)
            if _POSSESSIVE.search(word):  # "Trump's America First": two names
                runs.append([])
        elif runs[-1]:
            runs.append([])
    return [" ".join(r) for r in runs if len(r) >= 2]


def _shortens(tokens: list[str], i: int) -> bool:
    """Whether the full stop at ``tokens[i]`` ends an initial or a title ("J.", "St.") within a
    sentence rather than the sentence."""
    before = tokens[i - 1] if i else ""
    after = tokens[i + 1] if i + 1 < len(tokens) else ""
    initial = len(before) == 1 and before.isupper()
    return (initial or before.lower() in _ABBREVIATIONS) and after.lower() not in _SENTENCE_STARTS


# Words the question quotes: "Who said 'low energy'?", 'Who said "the campaign goes on"?'.
_QUOTED = re.compile(
    r"[\"“”]([^\"“”]{3,200})[\"“”]"
    r"|(?<!\w)['‘]((?:[^'‘’\"“”]|(?<=\w)['’](?=\w)){3,200}?)['’](?!\w)"
)


def quoted_phrases(question: str) -> list[str]:
    """The phrases of two words or more the question puts between quotation marks."""
    found = (a or b for a, b in _QUOTED.findall(question))
    return [p.strip() for p in found if len(tokenize(p)) >= 1 and len(p.split()) >= 2]


def phrase_key(text: str) -> str:
    """Text as phrases are compared: lower case, accents, possessives and punctuation gone. A
    key found in another means the phrase occurs there, maybe with a longer last word
    ("Greens")."""
    text = re.sub(r"[’']s\b", "", fold(text))
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


def bm25_scores(index: bm25s.BM25, tokens: Sequence[str]) -> np.ndarray:
    """Every document's BM25 score for these tokens, by position: bm25s's ``get_scores``,
    summed with ``bincount`` (its ``np.add.at`` took 3 ms a question at 1M passages)."""
    vocabulary, matrix = index.vocab_dict, index.scores
    size = int(matrix["num_docs"])
    columns = [vocabulary[t] for t in tokens if t in vocabulary]
    if not columns:
        return np.zeros(size, dtype=np.float32)
    start, end = matrix["indptr"][columns], matrix["indptr"][np.asarray(columns) + 1]
    docs = np.concatenate([matrix["indices"][a:b] for a, b in zip(start, end, strict=True)])
    weights = np.concatenate([matrix["data"][a:b] for a, b in zip(start, end, strict=True)])
    return np.bincount(docs, weights=weights, minlength=size).astype(np.float32)


def top_positions(scores: np.ndarray, k: int, within: np.ndarray | None = None) -> np.ndarray:
    """Positions of the ``k`` best positive scores, best first (ties in position order), of
    all or only those ``within``."""
    if within is not None:
        sub = scores[within]
        hits = np.flatnonzero(sub > 0)
        return within[hits[_best(sub[hits], k)]]
    floor = 0.0
    if len(scores) >= 4 * TOP_SAMPLE:
        # The k-th best of a sample is at most the k-th best of all: a floor that leaves a
        # few hundred positions to rank rather than every one that scores.
        sample = scores[:: len(scores) // TOP_SAMPLE]
        if np.count_nonzero(sample) >= k:
            floor = float(np.partition(sample, len(sample) - k)[len(sample) - k])
    hits = np.flatnonzero(scores >= floor) if floor > 0 else np.flatnonzero(scores)
    return hits[_best(scores[hits], k)]


def _best(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest values, largest first, ties by index."""
    if len(values) > k:
        kept = np.sort(np.argpartition(-values, k - 1)[:k])
        return kept[np.argsort(-values[kept], kind="stable")]
    return np.argsort(-values, kind="stable")


@dataclass(frozen=True)
class Lexical:
    """A question's BM25 evidence: every passage's score (by position); each article's share
    of the score (``ARTICLE_WEIGHT`` for the best article; None when none scores); the best
    passages among those allowed, then among those preferred; the preferred ones allowed."""

    passages: np.ndarray
    articles: np.ndarray | None
    tops: list[np.ndarray]
    preferred: np.ndarray | None


@dataclass(frozen=True)
class Candidate:
    """A ranked passage with the evidence the no-answer decision needs."""

    passage_id: int
    score: float
    cosine: float
    bm25: float
    position: int  # in the searcher's numbering of the passages


class Searcher:
    """One generation's passages: FAISS vectors, a BM25 index, and filter data.

    Passages are numbered by their position in ``row_ids``; filters and preferences are
    arrays of positions, which cost a few bytes a passage where sets of ids cost dozens.
    """

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
        self.row_ids = np.asarray(row_ids, dtype=np.int64)
        self.table = vectors.table(self.row_ids)
        self.numbering = Numbering(self.row_ids)
        self.bm25 = bm25 if bm25 is not None else build_bm25(texts)
        self.vocabulary = Vocabulary(used_words(self.bm25) if self.bm25 else ())
        self.article_of = article_of
        self.article_bm25 = article_bm25

    def __len__(self) -> int:
        return len(self.row_ids)

    def lexical(
        self, text: str, allowed: np.ndarray | None = None, prefer: np.ndarray | None = None
    ) -> Lexical:
        """All `search` needs of the question's text, so it can run while the question is
        embedded: BM25 by passage and by article, and its best passages."""
        tokens = tokenize(text)
        scores = (
            bm25_scores(self.bm25, tokens)
            if self.bm25 is not None
            else np.zeros(len(self), dtype=np.float32)
        )
        articles = None
        if self.article_of is not None and self.article_bm25 is not None and ARTICLE_WEIGHT:
            by_article = bm25_scores(self.article_bm25, tokens)
            if len(by_article) and by_article.max() > 0:
                articles = ARTICLE_WEIGHT * by_article / by_article.max()
        preferred = None
        if prefer is not None and len(prefer):
            preferred = prefer if allowed is None else intersection(len(self), allowed, prefer)
        tops = [top_positions(scores, CANDIDATES, allowed)]
        if preferred is not None and len(preferred):
            tops.append(top_positions(scores, CANDIDATES, preferred))
        return Lexical(scores, articles, tops, preferred)

    def search(
        self,
        query: Query,
        vector: np.ndarray,
        allowed: np.ndarray | None,
        k: int,
        prefer: np.ndarray | None = None,
        lexical: Lexical | None = None,
        pool: Executor | None = None,
    ) -> list[Candidate]:
        """Fused candidates, best first; ``allowed`` restricts to those positions, and the
        best of ``prefer`` join the candidates even when others outscore them. ``lexical``,
        when given, is `lexical` of the same text, ``allowed`` and ``prefer``; ``pool``, when
        given, searches among ``prefer`` on another thread meanwhile."""
        if allowed is not None and not len(allowed):
            return []
        lexical = lexical or self.lexical(query.text, allowed, prefer)
        scores, tops = lexical.passages, lexical.tops
        preferred = lexical.preferred if lexical.preferred is not None else np.zeros(0)
        # FAISS lets go of the GIL: with a pool the two searches run at once.
        elsewhere = pool.submit(self._dense, vector, preferred) if pool and len(preferred) else None
        dense = self._dense(vector, allowed)
        if elsewhere is not None:
            dense += elsewhere.result()
        elif len(preferred):
            dense += self._dense(vector, preferred)
        cosine = dict(dense)
        unscored = [p for p in dict.fromkeys(np.concatenate(tops).tolist()) if p not in cosine]
        found = self.table.cosines(np.array(unscored, dtype=np.int64), vector)
        cosine.update(zip(unscored, found.tolist(), strict=True))
        positions = np.fromiter(cosine, dtype=np.int64, count=len(cosine))
        lex = dict(zip(cosine, scores[positions].tolist(), strict=True))
        if FUSION == "rrf":
            fused = rrf([dense, [(p, lex[p]) for p in tops[0].tolist()]])
        else:
            fused = convex(cosine, lex, ALPHA)
        if lexical.articles is not None and self.article_of is not None and fused:
            # Each passage also scores by its whole article's words.
            bonus = lexical.articles[self.article_of[[p for p, _ in fused]]].tolist()
            fused = sorted(
                ((p, s + b) for (p, s), b in zip(fused, bonus, strict=True)),
                key=lambda pair: pair[1],
                reverse=True,
            )
        return [
            Candidate(int(self.row_ids[p]), s, cosine[p], lex[p], p)
            for p, s in fused[: max(k, POOL_FOR_AT_LEAST) * 10]
        ]

    def _dense(self, vector: np.ndarray, within: np.ndarray | None) -> list[tuple[int, float]]:
        """The passages nearest the vector, as ``(position, cosine)``: by FAISS, or for a
        small ``within`` by scoring each of its vectors."""
        if within is not None and len(within) <= EXACT_UP_TO:
            cosines = self.table.cosines(within, vector)
            best = _best(cosines, CANDIDATES)
            return list(zip(within[best].tolist(), cosines[best].tolist(), strict=True))
        selector, bits = None, None
        if within is not None and len(within) < len(self):
            # A bitmap over the ids: made in 0.1 ms where a hash set of 38,000 ids took 3 ms.
            mask = np.zeros(int(self.row_ids.max()) + 1, dtype=bool)
            mask[self.row_ids[within]] = True
            bits = np.packbits(mask, bitorder="little")
            selector = faiss.IDSelectorBitmap(len(bits), faiss.swig_ptr(bits))
        found = self.vectors.search(vector, CANDIDATES, selector=selector)
        del bits  # FAISS read it through a raw pointer until here
        ids = np.array([i for i, _ in found], dtype=np.int64)
        return list(zip(self.positions(ids).tolist(), [s for _, s in found], strict=True))

    def positions(self, ids: Iterable[int]) -> np.ndarray:
        """The positions of these passage ids in ``row_ids`` (ids not there are left out)."""
        found = self.numbering.locate(np.fromiter(ids, dtype=np.int64))
        return found[found >= 0]

    def containing(self, words: Sequence[str]) -> np.ndarray:
        """Row ids of the passages whose BM25 text holds every one of ``words``."""
        if self.bm25 is None:
            return np.zeros(0, dtype=np.int64)
        lists = [_postings(self.bm25, word) for word in words]
        if not lists or not all(len(docs) for docs in lists):
            return np.zeros(0, dtype=np.int64)
        # Each list is sorted: look the shortest one's passages up in the others.
        lists.sort(key=len)
        found = lists[0]
        for docs in lists[1:]:
            if not len(found):
                break
            at = np.searchsorted(docs, found).clip(0, len(docs) - 1)
            found = found[docs[at] == found]
        return self.row_ids[found]

    def missing_rare_words(
        self, words: Sequence[str], positions: np.ndarray, share: float = RARE_WORD_SHARE
    ) -> list[str]:
        """The question's rare ``words`` (in at most ``share`` of the passages, or in none)
        that the first passage's article lacks, when each of these passages' articles lacks
        one; else none."""
        if self.bm25 is None or self.article_bm25 is None or self.article_of is None:
            return []
        most = len(self) * share
        if most < 1:
            return []  # too few passages to tell a rare word from any other
        rare = [w for w in dict.fromkeys(words) if len(_postings(self.bm25, w)) <= most]
        if not rare or not len(positions):
            return []
        articles = self.article_of[positions]
        held = {w: np.isin(articles, _postings(self.article_bm25, w)) for w in rare}
        if np.logical_and.reduce(list(held.values())).any():
            return []
        return [w for w, where in held.items() if not where[0]]


def _postings(index: bm25s.BM25, word: str) -> np.ndarray:
    """The sorted numbers of the documents of ``index`` that hold ``word``."""
    column = index.vocab_dict.get(word)
    if column is None:
        return np.zeros(0, dtype=np.int64)
    indptr = index.scores["indptr"]
    if column + 1 >= len(indptr):
        return np.zeros(0, dtype=np.int64)
    return index.scores["indices"][indptr[column] : indptr[column + 1]]
