"""`Whosaid`: the one object the command line and the bot talk to.

Blocking and thread-safe: the bot calls it from worker threads. Readers are served from the
newest complete generation; a new generation written by any process is picked up on the next
question, without a restart.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np

from index.answers import build_answers, closest_titles, quote_record
from index.build import Attributor, ProgressFn, check_model, run_update
from index.embedder import DEFAULT_MODEL, Embedder, make_embedder
from index.errors import IndexBusyError, IndexMissingError, QuestionError, WhosaidError
from index.locking import WriterLock
from index.models import (
    Article,
    ArticleInfo,
    Progress,
    Quote,
    QuoteRecord,
    SearchResult,
    Speaker,
    Status,
    UpdateReport,
)
from index.numbering import intersection, members, union
from index.passages import PassageSettings
from index.query import (
    Query,
    explicit_speaker,
    fold,
    month_range,
    names_person,
    parse_question,
    without_dates,
)
from index.retention import pin_current
from index.search import (
    _STOPWORDS,
    DATE_BOOST,
    FULL_VOCABULARY,
    LONG_QUESTION,
    LONG_STORY,
    NO_ANSWER_COSINE,
    PHRASE_BOOST,
    RARE_WORD_COSINE,
    RARE_WORD_SHARE,
    SPEAKER_BOOST,
    TOPIC_ANSWERS,
    TOPIC_CHECKED_FROM,
    TOPIC_COSINE,
    UNKNOWN_NAME_COSINE,
    UNKNOWN_WORD_COSINE,
    WHO_BOOST,
    WORD_MATCH_CHECKED_BELOW,
    WORD_MATCH_COSINE,
    Candidate,
    Vocabulary,
    collapse_duplicates,
    name_phrases,
    phrase_key,
    quoted_phrases,
    tokenize,
    unknown_words,
)
from index.segments import vector_problems
from index.snapshot import Snapshot, load_snapshot
from index.store import Store

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
MAX_ANSWERS = 25
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def checked_date(value: str | None, option: str, last: bool = False) -> str | None:
    """A date option as YYYY-MM-DD: "2016" and "2016-03" stand for their first day, or their
    last with ``last`` ("until 2016-03" takes in March); anything else is refused."""
    if not value:
        return None
    match = _DATE.fullmatch(value.strip())
    try:
        if match is None:
            raise ValueError
        year, month, day = int(match[1]), int(match[2] or (12 if last else 1)), match[3]
        if day is None:  # month_range refuses a 13th month
            return month_range(year, month)[1 if last else 0]
        return date(year, month, int(day)).isoformat()
    except ValueError:
        raise QuestionError(
            f"{option} must be a date written YYYY-MM-DD (or YYYY-MM, or YYYY), not {value!r}"
        ) from None


# Words that ask for someone's words without saying about what.
SPEECH_WORDS = frozenset(
    "say said says tell told talk talked think thinks thought claim claimed comment comments "
    "remarks statement statements quote quotes quoted speak spoke views view position "
    "react reacted reaction respond responded response".split()
)
# When a question asks what a named speaker said, their passages come first (see _rank).
ANSWER_CACHE = 256  # recent answers
# Recent question vectors (1.5 KB each), with the topics of questions about a named person.
VECTOR_CACHE = 1024
K = TypeVar("K")
V = TypeVar("V")
PHRASE_SCAN = 500  # passages read at most to check that a name in a question occurs
_NONE = np.zeros(0, dtype=np.int64)  # no passages, as positions


def default_attributor() -> Attributor:
    """spaCy-based attribution, loaded on first use."""
    from index.nlp import attribute_many

    def attribute(articles: Sequence[Article]) -> list[list[Quote]]:
        return list(attribute_many([(a.id, a.text) for a in articles]))

    attribute.version = _code_fingerprint()  # type: ignore[attr-defined]
    return attribute


def _code_fingerprint(start: str = "nlp", also: tuple[str, ...] = ("speakers",)) -> str:
    """A hash of the attribution code (``index/nlp.py`` and the index modules it imports,
    transitively) and of the modules in ``also`` (the registry's merging rules, without the
    question code they import): new code re-attributes the corpus, and so rebuilds its
    speaker registry, on the next update."""
    folder = Path(__file__).parent
    seen: set[str] = set()
    todo = [start]
    digest = hashlib.sha256()
    while todo:
        name = todo.pop()
        path = folder / f"{name}.py"
        if name in seen or not path.exists():
            continue
        seen.add(name)
        source = path.read_text(encoding="utf-8")
        todo.extend(re.findall(r"^\s*from index\.(\w+) import", source, re.MULTILINE))
    for name in sorted(seen | set(also)):
        digest.update((folder / f"{name}.py").read_bytes())
    return digest.hexdigest()[:16]


class Whosaid:
    """An index in a data folder: update it, ask it, list what it knows."""

    def __init__(
        self,
        data_dir: Path,
        model: str = DEFAULT_MODEL,
        backend: str = "auto",
        *,
        embedder: Embedder | None = None,
        attribute: Attributor | None = None,
        passage_settings: PassageSettings | None = None,
        no_answer_cosine: float = NO_ANSWER_COSINE,
        unknown_name_cosine: float = UNKNOWN_NAME_COSINE,
        unknown_word_cosine: float = UNKNOWN_WORD_COSINE,
        topic_cosine: float = TOPIC_COSINE,
        rare_word_cosine: float = RARE_WORD_COSINE,
        rare_word_share: float = RARE_WORD_SHARE,
        word_match_cosine: float = WORD_MATCH_COSINE,
        vector_index: str = "auto",
    ) -> None:
        self.data_dir = Path(data_dir)
        self.vector_index = vector_index  # the kind updates build: index.vectors.choose_kind
        self.model = embedder.name if embedder else model
        self._backend = backend
        self._embedder = embedder
        self._attribute = attribute
        self.passage_settings = passage_settings or PassageSettings()
        self.no_answer_cosine = no_answer_cosine
        self.unknown_name_cosine = unknown_name_cosine
        self.unknown_word_cosine = unknown_word_cosine
        self.topic_cosine = topic_cosine
        self.rare_word_cosine = rare_word_cosine
        self.rare_word_share = rare_word_share
        self.word_match_cosine = word_match_cosine
        self._store: Store | None = None
        self._snapshot: Snapshot | None = None
        self._lock = threading.RLock()
        self._embed_lock = threading.Lock()
        self._update_lock = threading.Lock()
        self._load_lock = threading.Lock()  # one thread loads a new generation at a time
        # Question vectors outlive a generation (same model); answers belong to one.
        self._vectors: Recent[str, np.ndarray] = Recent(VECTOR_CACHE)
        self._answers: Recent[tuple, SearchResult] = Recent(ANSWER_CACHE)
        self._pool: ThreadPoolExecutor | None = None  # embeds questions: see `_embed_soon`

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def store(self) -> Store:
        with self._lock:
            if self._store is None:
                try:
                    self.data_dir.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise WhosaidError(
                        f"cannot create data folder {self.data_dir}: {exc.strerror}; "
                        "set WHOSAID_DATA_DIR to a writable folder"
                    ) from None
                try:
                    self._store = Store(self.data_dir / "whosaid.sqlite")
                except sqlite3.OperationalError as exc:
                    raise WhosaidError(
                        f"cannot open the index database in {self.data_dir}: {exc}; "
                        "set WHOSAID_DATA_DIR to a writable folder"
                    ) from None
            return self._store

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = make_embedder(self.model, self._backend, self.data_dir / "onnx")
            return self._embedder

    def close(self) -> None:
        self._snapshot = None  # lets writers remove its generation
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None
        if self._store is not None:
            self._store.close()

    def has_index(self) -> bool:
        """Whether a complete generation exists."""
        return (self.data_dir / "whosaid.sqlite").exists() and self.store.current_generation() > 0

    # -- writing ----------------------------------------------------------------------------

    def update(
        self,
        articles_dir: Path,
        progress: ProgressFn | None = None,
        rebuild: bool = False,
        load: bool = False,
    ) -> UpdateReport:
        """Add new, replace changed and drop removed articles in one new generation; with
        ``load``, also load it before returning (`load`), reporting the stage "loading"."""
        if not self._update_lock.acquire(blocking=False):
            raise IndexBusyError("an index update is already running; wait for it to finish")
        last: list[Progress] = []

        def record(event: Progress) -> None:
            last[:] = [event]
            if progress is not None:
                progress(event)

        try:
            store = self.store  # opening the store creates the data folder for the lock
            with WriterLock(self.data_dir / "writer.lock"):
                attribute = self._attribute or default_attributor()
                report = run_update(
                    store,
                    self.data_dir,
                    Path(articles_dir),
                    self.embedder,
                    attribute,
                    self.passage_settings,
                    record,
                    rebuild,
                    self.vector_index,
                )
            if load:
                if last and progress is not None:
                    progress(replace(last[0], stage="loading", eta=None))
                try:
                    self.load()
                except WhosaidError as exc:  # the update stands; the next question says why
                    log.warning("the new generation did not load: %s", exc)
        finally:
            self._update_lock.release()
        return report

    # -- reading ----------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The newest complete generation, loaded once per generation.

        While one thread loads a new generation, the others keep reading the one they had
        (its files stay on disk while it is held), so questions never wait for a load but the
        first; `load` is the way to load a new generation ahead of the questions.
        """
        gen = self._current_generation()
        held = self._snapshot
        if held is not None and held.gen == gen:
            return held
        if not self._load_lock.acquire(blocking=held is None):
            assert held is not None
            return held  # another thread is loading the new generation
        try:
            return self._load_newest()
        finally:
            self._load_lock.release()

    def load(self) -> int:
        """Load the newest generation now (readers otherwise load it on their next question),
        building its BM25 index for every other reader too; return its number."""
        with self._load_lock:
            return self._load_newest().gen

    def _load_newest(self) -> Snapshot:
        """The newest generation, loaded if it is not yet (``_load_lock`` held)."""
        gen, current = self._current_generation(), self._snapshot
        if current is None or current.gen != gen:
            self._snapshot = current = self._load(current)
        return current

    def _current_generation(self) -> int:
        gen = self.store.current_generation()
        if gen == 0:
            raise IndexMissingError(
                f"there is no index in {self.data_dir} yet; build it with `whosaid index`"
            )
        return gen

    def _load(self, previous: Snapshot | None) -> Snapshot:
        check_model(self.store, self.embedder, self.passage_settings)
        gen, pin = pin_current(self.store, self.data_dir)
        try:
            snap = load_snapshot(self.store, self.data_dir, gen, self.embedder.dim, previous)
        except BaseException:
            pin.release()
            raise
        weakref.finalize(snap, pin.release)  # held while any thread uses the snapshot
        return snap

    def _embed_soon(self, text: str) -> Callable[[], np.ndarray]:
        """Start embedding the question on a worker thread (ONNX Runtime and torch let go of
        the GIL), so BM25 and the other checks run meanwhile; call the result for the vector."""
        if self._vectors.get(text) is not None:
            return lambda: self._embed_question(text)
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="whosaid-embed")
            pool = self._pool
        return pool.submit(self._embed_question, text).result

    def _embed_question(self, text: str) -> np.ndarray:
        with self._embed_lock:
            vector = self._vectors.get(text)
            if vector is None:
                vector = self.embedder.embed([text])[0]
                self._vectors.put(text, vector)
            return vector

    def forget(self, vectors: bool = True) -> None:
        """Drop the cached answers, and the cached question vectors unless ``vectors`` is false."""
        self._answers.clear()
        if vectors:
            self._vectors.clear()

    def ask(
        self,
        question: str,
        k: int = 5,
        speaker: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> SearchResult:
        """The passages that answer a question, with their attributed quotes."""
        question = " ".join(question.split())
        if not question:
            raise QuestionError("the question is empty; ask something about the articles")
        if len(question) > MAX_QUESTION_CHARS:
            raise QuestionError(
                f"the question is {len(question):,} characters long; "
                f"keep it under {MAX_QUESTION_CHARS:,}"
            )
        speaker = " ".join(speaker.split()) if speaker else None  # "  " filters by nobody
        if not 1 <= k <= MAX_ANSWERS:
            raise QuestionError(f"ask for 1 to {MAX_ANSWERS} answers, not {k}")
        since, until = checked_date(since, "since"), checked_date(until, "until", last=True)
        if since and until and since > until:
            raise QuestionError(f"since {since} is after until {until}: no article can be both")
        snap = self.snapshot()
        key = (snap.gen, question, k, speaker, since, until)
        cached = self._answers.get(key)
        if cached is None:
            cached = self._ask(snap, question, k, speaker, since, until)
            self._answers.put(key, cached)
        return cached

    def _ask(
        self,
        snap: Snapshot,
        question: str,
        k: int,
        speaker: str | None,
        since: str | None,
        until: str | None,
    ) -> SearchResult:
        query = parse_question(
            question, snap.matcher, snap.newest, speaker=speaker, since=since, until=until
        )
        result = SearchResult(
            question,
            (),
            speaker_filter=query.speaker_name,
            date_filter=(query.since or "", query.until or "")
            if (query.since or query.until)
            else None,
        )
        if speaker and not query.speaker_ids:
            close = self.close_speakers(speaker)
            unknown = f"No speaker called {speaker} is quoted in the articles."
            return replace(result, no_answer=True, closest=tuple(close), reason=unknown)
        # "What did X say?" with no topic: the user wants X's words, however they score; and
        # "What did X say in May 2016?" wants those of that time: there the date filters.
        only_theirs = query.speaker_is_subject and _names_only(query, snap)
        if only_theirs and query.dates_soft:
            query = replace(query, dates_soft=False)
        # Only theirs, as a filter: their passages may all rank below others that merely name
        # them ("What did the White House say?").
        allowed = self._allowed(snap, query, speaker_only=bool(speaker) or only_theirs)
        vector = self._embed_soon(query.text)
        # While the model runs: the filters and BM25.
        topic = None if only_theirs else self._topic_soon(snap, query)
        dated = snap.dated(query.since, query.until) if query.dates_soft else _NONE
        theirs = snap.passages_of(query.speaker_ids)
        verbatim = self._holding_quoted(snap, query.text)
        preferred = [p for p in (dated, theirs, verbatim) if len(p)]
        prefer = union(snap.size, *preferred) if preferred else None
        lexical = snap.searcher.lexical(query.text, allowed, prefer)
        # The worker may be embedding the topic: the preferred search then runs here.
        pool = self._pool if topic is None or topic.vector is None else None
        candidates = snap.searcher.search(query, vector(), allowed, k, prefer, lexical, pool=pool)
        ranked = _boosted(snap, query, candidates, dated, theirs, verbatim)
        why: str | None = None
        if not ranked:
            late = _after_newest(query, snap)  # "What did X say in 2023?" of articles to 2022
            why = _too_late(snap) if late else _filtered_out(query)
        elif not only_theirs:
            # Words the question quotes, found among the best passages, are an answer, if
            # they are the asked person's ("What did X say about 'Y'?").
            found = intersection(snap.size, verbatim, theirs) if query.asks_words else verbatim
            if not _among_best(ranked, found):
                why = self._why_weak(snap, query, ranked, topic)
        if why:
            closest = closest_titles(self.store, ranked)
            return replace(result, no_answer=True, closest=closest, reason=why)
        top = ranked[: k * 3]
        vectors = snap.searcher.table.vectors(np.array([c.position for c in top], dtype=np.int64))
        groups = collapse_duplicates(
            [c.passage_id for c in top],
            dict(zip([c.passage_id for c in top], vectors, strict=True)),
        )
        scores = {c.passage_id: c.score for c in ranked}
        answers = build_answers(self.store, snap, groups[:k], scores, query)
        return replace(result, answers=tuple(answers))

    def _holding_quoted(self, snap: Snapshot, question: str) -> np.ndarray:
        """Positions of the passages that hold, word for word, a phrase the question quotes
        ("Who said 'low energy'?")."""
        rows: list[int] = []
        for phrase in quoted_phrases(question):
            holding = snap.searcher.containing(tokenize(phrase))
            if not len(holding) or len(holding) > PHRASE_SCAN:
                continue
            key = phrase_key(phrase)
            found = self.store.passages_by_id([int(r) for r in holding])
            rows += [i for i, p in found.items() if key in phrase_key(p[0])]
        return np.sort(snap.searcher.positions(rows)) if rows else _NONE

    def _topic_soon(self, snap: Snapshot, query: Query) -> _Topic | None:
        """What a question about a named person asks them about (see `_off_topic`): the
        passages holding all of its words, and when none does, its vector, started now on the
        worker, behind the question's, as the check will likely need it."""
        if not query.topic:
            return None
        words = _content_words(query.topic)
        holding = snap.searcher.containing(words) if words else _NONE
        return _Topic(query.topic, holding, None if len(holding) else self._embed_soon(query.topic))

    def _why_weak(
        self, snap: Snapshot, query: Query, ranked: list[Candidate], topic: _Topic | None
    ) -> str | None:
        """Why the best match is too weak to be an answer, or None when it is not (calibration:
        docs/retrieval.md); ``topic`` is `_topic_soon`'s, for a question about a named person."""
        best = max(c.cosine for c in ranked)
        if best < self.no_answer_cosine:
            return "Nothing in the articles comes close to the question."
        vocabulary = snap.searcher.vocabulary
        names_only = len(vocabulary) < FULL_VOCABULARY
        if best < (self.unknown_name_cosine if names_only else self.unknown_word_cosine):
            # A date is judged by when the articles end, not as a word ("2016-03-15").
            undated = without_dates(query.text)
            unknown = unknown_words(undated, vocabulary, names_only)
            if _long_telling(query.text, unknown, vocabulary):
                unknown = []  # "... the loudmouth developer's campaign ...": details of a story
            elif not unknown:
                unknown = self._unknown_phrases(snap, undated)
            if unknown:
                return f"No article mentions {_listed(unknown)}."
        if best < self.unknown_word_cosine and _after_newest(query, snap):
            return _too_late(snap)  # "in March 2017", when the newest article is from 2016
        words = _content_words(query.text)
        if best < self.rare_word_cosine and len(words) < LONG_STORY:
            top = np.array([c.position for c in ranked[:TOPIC_ANSWERS]], dtype=np.int64)
            missing = snap.searcher.missing_rare_words(words, top, self.rare_word_share)
            if missing:
                return f"None of the closest articles mentions {_listed(missing)}."
        if best < WORD_MATCH_CHECKED_BELOW and len(words) < LONG_STORY:
            named = _name_words(snap, query)
            unmatched = self._unmatched_words(query.text, ranked[:TOPIC_ANSWERS], named)
            if unmatched:
                return f"None of the closest passages says anything like {_listed(unmatched)}."
        if topic is None:
            return None
        theirs_elsewhere = query.asks_words and self._none_of_theirs(snap, query, ranked, topic)
        if not theirs_elsewhere and (
            best >= TOPIC_CHECKED_FROM or not self._off_topic(snap, ranked, topic)
        ):
            return None
        about = " ".join(_content_words(topic.text))
        return f'None of the passages quoting {query.speaker_name} is about "{about}".'

    def _off_topic(self, snap: Snapshot, ranked: list[Candidate], topic: _Topic) -> bool:
        """Whether none of the best passages is about what the question asks the person it
        names: none holds all of the topic's words, and none is close to it without the name."""
        top = ranked[:TOPIC_ANSWERS]
        if np.isin([c.passage_id for c in top], topic.holding).any():
            return False
        vector = topic.vector() if topic.vector else self._embed_question(topic.text)
        positions = np.array([c.position for c in top], dtype=np.int64)
        return float(snap.searcher.table.cosines(positions, vector).max()) < self.topic_cosine

    def _none_of_theirs(
        self, snap: Snapshot, query: Query, ranked: list[Candidate], topic: _Topic
    ) -> bool:
        """Whether a question that asks what someone said about something, and matches others'
        passages well ("What did Kasich say about the weather?" finds a forecast), has none of
        theirs among the best, none of those naming them, and none of theirs anywhere about
        it: none holding all of the topic's words, none close to it without the name."""
        theirs = snap.passages_of(query.speaker_ids)
        top = np.array([c.position for c in ranked[:TOPIC_ANSWERS]], dtype=np.int64)
        if not len(theirs) or members(theirs, top).any():
            return False
        # A best passage that names them may hold their words, given to "he" or to no one.
        surnames = {fold(snap.by_id[i].name).split()[-1] for i in query.speaker_ids}
        texts = self.store.passages_by_id([c.passage_id for c in ranked[:TOPIC_ANSWERS]])
        if any(surnames & set(tokenize(p[0])) for p in texts.values()):
            return False
        if np.isin(snap.searcher.row_ids[theirs], topic.holding).any():
            return False
        vector = topic.vector() if topic.vector else self._embed_question(topic.text)
        return float(snap.searcher.table.cosines(theirs, vector).max()) < self.topic_cosine

    def _unmatched_words(self, question: str, top: list[Candidate], named: set[str]) -> list[str]:
        """The question's everyday words (not capitalised, not in ``named``) that no token of
        the ``top`` passages comes close to, each read in its context by the model; none when
        the model gives no token vectors. Names are the other rules' to judge: a passage
        quoting someone need not spell their name."""
        tokens = getattr(self.embedder, "token_vectors", None)
        if tokens is None or not top:
            return []
        found = self.store.passages_by_id([c.passage_id for c in top]).values()
        with self._embed_lock:
            (spans, asked), *passages = tokens([question, *(p[0] for p in found)])
        rows = [
            i
            for i, (start, end) in enumerate(spans)
            if _checked_word(question, start, end) and question[start:end].lower() not in named
        ]
        if not rows or not passages:
            return []
        near = (asked[rows] @ np.vstack([v for _, v in passages]).T).max(axis=1)
        words = [
            _WORD.match(question, spans[i][0])
            for i, c in zip(rows, near, strict=True)
            if c < self.word_match_cosine
        ]
        return list(dict.fromkeys(w.group(0) for w in words if w))

    def _unknown_phrases(self, snap: Snapshot, question: str) -> list[str]:
        """Names of things in the question ("Green New Deal") that no passage or title holds,
        though each of their words may."""
        missing = []
        for phrase in name_phrases(question) + _compounds(question, snap.searcher.vocabulary):
            words = tokenize(phrase)
            if not words or names_person(phrase, snap.matcher):
                continue  # a speaker the articles quote, maybe by another title or first name
            rows = snap.searcher.containing(words)
            if len(rows) > PHRASE_SCAN:
                continue  # common words: assume the phrase is there rather than read them all
            key = phrase_key(phrase)
            found = self.store.passages_by_id([int(r) for r in rows]).values()
            if not any(key in phrase_key(f"{p[0]} {p[5] or ''}") for p in found):
                missing.append(phrase)
        return missing

    def _allowed(self, snap: Snapshot, query: Query, speaker_only: bool) -> np.ndarray | None:
        """Hard filters, as positions: a speaker given as an option, and dates (see
        `Query.dates_soft`)."""
        allowed: np.ndarray | None = None
        if query.speaker_ids and speaker_only:
            allowed = snap.passages_of(query.speaker_ids)
        if (query.since or query.until) and not query.dates_soft:
            dated = snap.dated(query.since, query.until)
            allowed = dated if allowed is None else intersection(snap.size, allowed, dated)
        return allowed

    # -- listings ---------------------------------------------------------------------------

    def speakers(self, query: str | None = None, sort: str = "quotes") -> list[Speaker]:
        """Every speaker, optionally those whose name or alias contains ``query``."""
        found = self.snapshot().speakers
        if query:
            needle = fold(query.strip())
            found = [s for s in found if any(needle in fold(n) for n in (s.name, *s.aliases))]
        keys: dict[str, Callable[[Speaker], object]] = {
            "quotes": lambda s: (-s.quote_count, s.name),
            "articles": lambda s: (-s.article_count, -s.quote_count, s.name),
            "name": lambda s: s.name.lower(),
        }
        if sort not in keys:
            raise QuestionError(f"sort must be one of {', '.join(keys)}")
        return sorted(found, key=keys[sort])  # type: ignore[arg-type]

    def close_speakers(self, name: str, limit: int = 5) -> list[str]:
        """Names of speakers that share the last word of ``name``, for a name no one has."""
        return [s.name for s in self.speakers(name.split()[-1])][:limit] if name.split() else []

    def find_speaker(self, name: str) -> Speaker | None:
        """The speaker a name or alias means, if any."""
        return _find_speaker(self.snapshot(), name)

    def speaker_quotes(self, name: str) -> list[QuoteRecord]:
        """A speaker's quotes, newest article first; [] for an unknown name."""
        snap = self.snapshot()  # held until the rows are read: its generation stays on disk
        speaker = _find_speaker(snap, name)
        if speaker is None:
            return []
        rows = self.store.quote_rows(snap.gen, speaker_id=speaker.id)
        return [quote_record(r, speaker.name) for r in rows]

    def quotes(self, article_id: str | None = None) -> list[QuoteRecord]:
        """Every quote, or those of one article."""
        snap = self.snapshot()
        rows = self.store.quote_rows(snap.gen, article_id=article_id)
        return [quote_record(r, _name(snap, r[16])) for r in rows]

    def articles(self) -> list[ArticleInfo]:
        snap = self.snapshot()  # held while the store reads its generation
        return self.store.articles(snap.gen)

    def article_text(self, article_id: str) -> str | None:
        snap = self.snapshot()
        return self.store.article_text(snap.gen, article_id)

    def check(self) -> list[str]:
        """Problems found by the integrity checks; empty when the index is sound."""
        gen = self.store.current_generation()
        if gen == 0:
            return [f"no index in {self.data_dir}; build it with `whosaid index`"]
        problems = [f"SQLite: {p}" for p in self.store.integrity_problems()]
        problems += vector_problems(self.store, self.data_dir, gen)
        try:
            check_model(self.store, self.embedder, self.passage_settings)
        except WhosaidError as exc:
            problems.append(str(exc))
        return problems

    def status(self) -> Status:
        gen = self.store.current_generation()
        counts = self.store.counts(gen) if gen else (0, 0, 0, 0)
        info = self.store.generation_info(gen) if gen else None
        return Status(
            *counts,
            generation=gen,
            built_at=info["created"] if info else None,
            model=self.store.get_meta("model") or self.model,
            data_dir=str(self.data_dir),
        )


class Recent(Generic[K, V]):
    """The ``size`` most recently used entries of a mapping; thread-safe."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


@dataclass(frozen=True)
class _Topic:
    """What a question asks a named person about: its text, the row ids of the passages
    holding all of its words, and its vector when already being computed."""

    text: str
    holding: np.ndarray
    vector: Callable[[], np.ndarray] | None


def _boosted(
    snap: Snapshot,
    query: Query,
    candidates: list[Candidate],
    dated: np.ndarray,
    theirs: np.ndarray,
    verbatim: np.ndarray,
) -> list[Candidate]:
    """Candidates boosted and ranked again: a speaker named in the question is soft, boosted
    rather than required, so an attribution miss cannot hide an answer."""
    positions = np.array([c.position for c in candidates], dtype=np.int64)
    by_them = members(theirs, positions)
    factors = (
        np.where(by_them, SPEAKER_BOOST, 1.0)
        * np.where(members(dated, positions), DATE_BOOST, 1.0)
        * np.where(members(verbatim, positions), PHRASE_BOOST, 1.0)
    )
    if query.who:
        factors *= np.where(snap.quoted[positions], WHO_BOOST, 1.0)
    rescored = [
        Candidate(c.passage_id, c.score * f, c.cosine, c.bm25, c.position)
        for c, f in zip(candidates, factors.tolist(), strict=True)
    ]
    return sorted(rescored, key=lambda c: c.score, reverse=True)


_HYPHENATED = re.compile(r"\b\w+(?:-\w+)+\b")
_WORD = re.compile(r"\w+")


def _checked_word(text: str, start: int, end: int) -> bool:
    """Whether the token at [start, end) of a question starts an everyday word worth matching:
    lower case (unless the whole question is), letters only, three or more, not a stop word."""
    token = text[start:end]
    starts = start == 0 or not text[start - 1].isalnum()
    everyday = token.islower() or text == text.lower()
    return starts and everyday and token.isalpha() and len(token) > 2 and token not in _STOPWORDS


def _name_words(snap: Snapshot, query: Query) -> set[str]:
    """The lower-case words of the names and aliases of the speakers the question names."""
    named = [snap.by_id[i] for i in query.speaker_ids if i in snap.by_id]
    return {w for s in named for name in (s.name, *s.aliases) for w in fold(name).split()}


_PREFIXES = frozenset("ex pre post non anti pro mid re co un sub vice".split())


def _compounds(question: str, vocabulary: Vocabulary) -> list[str]:
    """The question's hyphenated words ("9-9-9 plan", "self-driving cars"), but those with a
    prefix ("ex-Secret Service") or written as one word in the articles ("line-up")."""
    words = _HYPHENATED.findall(question)
    return [
        w
        for w in words
        if fold(w.split("-")[0]) not in _PREFIXES and fold(w.replace("-", "")) not in vocabulary
    ]


def _content_words(text: str) -> list[str]:
    """The words of ``text`` that BM25 counts, speech words ("say", "told") aside."""
    return [w for w in tokenize(text) if w not in SPEECH_WORDS]


def _long_telling(question: str, unknown: list[str], vocabulary: Vocabulary) -> bool:
    """Whether a question tells a story at length (LONG_QUESTION words or more, counted as BM25
    counts them) using at most one ``unknown`` word, an everyday one, not a name or a number:
    that the articles lack it, or a name of a thing made of known words ("sent back to South
    America"), proves little then."""
    return (
        len(unknown) <= 1
        and not any(w.isdigit() for w in unknown)
        and len(_content_words(question)) >= LONG_QUESTION
        and not unknown_words(question, vocabulary, names_only=True)
    )


def _listed(words: list[str]) -> str:
    """'"a"', '"a" or "b"', '"a", "b" or "c"'."""
    quoted = [f'"{w}"' for w in words[:4]]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _after_newest(query: Query, snap: Snapshot) -> bool:
    """Whether the question asks about a time after the newest article was written."""
    return bool(query.since and snap.newest and query.since > snap.newest)


def _among_best(ranked: list[Candidate], positions: np.ndarray) -> bool:
    """Whether one of the best few candidates is at one of ``positions``."""
    best = np.array([c.position for c in ranked[:TOPIC_ANSWERS]], dtype=np.int64)
    return bool(len(positions) and members(positions, best).any())


def _filtered_out(query: Query) -> str:
    """Why a question's filters left nothing: "No article from 2016-09-01 to 2016-09-30
    quotes John Kasich." """
    when = f" from {query.since or 'the first'} to {query.until or 'the last'}"
    when = when if query.since or query.until else ""
    if query.speaker_ids:
        return f"No article{when} quotes {query.speaker_name}."
    return f"No article is dated{when}." if when else "No passage matches the question."


def _too_late(snap: Snapshot) -> str:
    return (
        f"The newest article is from {snap.newest}: "
        "the articles cannot tell what happened after it."
    )


def _names_only(query: Query, snap: Snapshot) -> bool:
    """Whether the question says nothing but who (and that they spoke, and when)."""
    named = [snap.by_id[i] for i in query.speaker_ids if i in snap.by_id]
    words = set(tokenize(without_dates(query.text))) - SPEECH_WORDS
    for speaker in named:
        for name in (speaker.name, *speaker.aliases):
            words -= set(tokenize(name))
    return not words


def _find_speaker(snap: Snapshot, name: str) -> Speaker | None:
    """The speaker a name typed by hand means, as `ask --speaker` reads it: an exact name or
    alias ("Sen. Ted Cruz"), else a name inside it ("Sen. Cruz")."""
    wanted = fold(name.strip())
    exact = [s for s in snap.speakers if wanted in (fold(n) for n in (s.name, *s.aliases))]
    if exact:  # "Xi", too short for the matcher's names
        return max(exact, key=lambda s: s.quote_count)
    found = explicit_speaker(name, snap.matcher)
    return found.speaker if found else None


def _name(snap: Snapshot, speaker_id: int | None) -> str | None:
    speaker = snap.by_id.get(speaker_id) if speaker_id is not None else None
    return speaker.name if speaker else None
