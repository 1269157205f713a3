"""The corpus-wide speaker registry: one record per person or organisation.

Within an article ``coref.py`` has already turned "he", "Kuleba" and "the minister" into the
article's full name. Across articles this module merges what is left:
- full names agree on first name and surname ("Donald Trump" = "Donald J. Trump"), a short
  form of a given name counting as the long one ("Joe Biden" = "Joseph R. Biden Jr.");
- a word that is no given name before another record's full name is dropped ("Entrusting
  Donald Trump", a headline's verb the recogniser took in);
- a surname alone ("Kuleba" in an article that never gives the first name) joins the one
  full name with that surname, or, when several people share it, the one whose titles
  match the quote's role, or one that holds most of that surname's quotes; otherwise it
  stays a record of its own. Two people with one surname are never merged, and bare
  surnames with different titles ("Judge Smith", "Senator Smith") start as two records;
- organisations by their name without "the".
Unresolved speakers ("he", "a senior official") name nobody and get no record.

Pure and in memory: rebuild it from all quotes whenever the quotes change.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from index.cues import FULL_NAMES, GIVEN_NAMES, HONORIFICS, NAME_SUFFIXES, TITLE_WORDS
from index.models import Quote, Speaker, SpeakerKind
from index.query import fold

# A surname-only record joins a full name holding this share of the surname's quotes.
DOMINANT_SHARE = 0.8
# A record's name is a spelling used at least 1/NAME_SHARE as often as its commonest.
NAME_SHARE = 4
# Familiar forms that stand for a long name other people go by in full ("Jack" and "Jeb"
# for John): questions may take them so, the registry does not merge on them.
_SHARED_FORMS = frozenset({"jack", "jeb"})
# Separates a bare surname from the titles that keep namesakes apart in a record key.
_TITLE_MARK = "#"
# Mentions that are no alias of anybody.
_PRONOUNS = frozenset({"he", "she", "him", "her", "they", "we", "i", "it"})
_WORD = re.compile(r"[\w'\u2019.-]+")
_FIRST_NAMES = GIVEN_NAMES | FULL_NAMES.keys()


def _fold(text: str) -> str:
    """Lower case without accents or possessives ("Zelenskyy's" -> "zelenskyy")."""
    return re.sub(r"['\u2019]s\b", "", fold(text))


def name_words(name: str) -> list[str]:
    """The words of a name, folded, without honorifics, titles before it, suffixes or "the"
    ("Ukrainian Foreign Minister Dmytro Kuleba" keeps "dmytro kuleba")."""
    words = [w.strip(".,-") for w in _WORD.findall(_fold(name))]
    words = [w for w in words if w and w + "." not in HONORIFICS and w not in HONORIFICS]
    words = [w for w in words if w not in NAME_SUFFIXES and w != "the"]
    titles = [i for i, w in enumerate(words[:-1]) if w in TITLE_WORDS]
    return words[titles[-1] + 1 :] if titles else words


def canonical_key(name: str, kind: SpeakerKind = "person") -> str:
    """A key equal for spellings of one name: for people the first name, in full, and surname
    only ("Donald J. Trump", "Mr. Donald Trump" -> "donald trump"; "Joe Biden" -> "joseph
    biden"), for organisations every word but "the" ("the Associated Press" -> "associated
    press")."""
    words = name_words(name)
    if kind == "organisation" or len(words) < 2:
        return " ".join(words)
    long = FULL_NAMES.get(words[0], ())
    first = long[0] if len(long) == 1 and words[0] not in _SHARED_FORMS else words[0]
    return f"{first} {words[-1]}"


@dataclass
class SpeakerGroup:
    """One speaker while the registry is being built."""

    key: str
    kind: SpeakerKind = "unknown"
    names: Counter = field(default_factory=Counter)
    aliases: Counter = field(default_factory=Counter)
    roles: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    articles: dict[str, None] = field(default_factory=dict)
    quotes: int = 0
    speaker_id: int | None = None  # set when rebuilt from stored ``Speaker`` rows

    @property
    def name(self) -> str:
        """The fullest of the full-name spellings used at least a quarter as often as the
        commonest of them, the most quoted among equals: "Joseph R. Biden Jr." beside as many
        "Joe Biden", but "Jeb Bush", not the "John Ellis Bush" of two quotes."""
        full = [n for n in self.names if len(name_words(n)) > 1] or list(self.names)
        top = max(self.names[n] for n in full)
        common = [n for n in full if self.names[n] * NAME_SHARE >= top]
        return max(common, key=lambda n: (len(name_words(n)), self.names[n], n))

    @property
    def surname(self) -> str:
        """The last word of the name, folded."""
        words = name_words(self.name)
        return words[-1] if words else ""

    def absorb(self, other: SpeakerGroup) -> None:
        """Take in another record's counts (the two are one speaker)."""
        for mine, theirs in (
            (self.names, other.names),
            (self.aliases, other.aliases),
            (self.roles, other.roles),
            (self.kinds, other.kinds),
        ):
            mine.update(theirs)
        self.articles.update(other.articles)
        self.quotes += other.quotes

    def to_speaker(self, number: int) -> Speaker:
        """The record as a ``Speaker`` row with id ``number``."""
        kinds = [k for k, _ in self.kinds.most_common() if k != "unknown"]
        name = self.name
        aliases = tuple(a for a, _ in self.aliases.most_common() if a != name)
        return Speaker(
            id=number,
            name=name,
            kind=kinds[0] if kinds else "unknown",
            aliases=aliases,
            roles=tuple(r for r, _ in self.roles.most_common()),
            quote_count=self.quotes,
            article_count=len(self.articles),
            articles=tuple(self.articles),
        )


class SpeakerRegistry:
    """Speakers of a corpus, built from its quotes; ``resolve`` finds one by a free-text name."""

    def __init__(self, quotes: Iterable[Quote] = ()) -> None:
        self._groups: dict[str, SpeakerGroup] = {}
        self._merged: dict[str, str] = {}  # key of a surname-only record -> its full record
        self._pending = True
        for quote in quotes:
            self.add(quote)

    @classmethod
    def from_speakers(cls, speakers: Iterable[Speaker]) -> SpeakerRegistry:
        """A registry over stored ``Speaker`` rows, to resolve names against them
        (``resolve(...).speaker_id`` is the row's id)."""
        registry = cls()
        for speaker in speakers:
            key = canonical_key(speaker.name, speaker.kind)
            group = SpeakerGroup(key, speaker.kind, speaker_id=speaker.id)
            group.names[speaker.name] = max(speaker.quote_count, 1)
            group.aliases.update({alias: 1 for alias in speaker.aliases})
            group.roles.update({role: 1 for role in speaker.roles})
            group.kinds[speaker.kind] = max(speaker.quote_count, 1)
            group.articles.update(dict.fromkeys(speaker.articles))
            group.quotes = speaker.quote_count
            registry._groups.setdefault(key, group)
        registry._pending = False  # stored rows are merged already
        return registry

    def add(self, quote: Quote) -> str | None:
        """Count ``quote`` for its speaker; return the speaker's key, or None if unresolved."""
        if not quote.speaker or not quote.resolved:
            return None
        key = _record_key(quote)
        if not key:
            return None
        group = self._groups.setdefault(key, SpeakerGroup(key))
        group.names[quote.speaker] += 1
        if quote.speaker_mention and quote.speaker_mention.lower() not in _PRONOUNS:
            group.aliases[quote.speaker_mention] += 1
        if quote.role:
            group.roles[quote.role] += 1
        group.kinds[quote.speaker_kind] += 1
        group.articles[quote.article_id] = None
        group.quotes += 1
        self._pending = True
        return key

    def _merge_surnames(self) -> None:
        """Fold surname-only records into the full name they must mean (module docstring)."""
        if not self._pending:
            return
        self._pending = False
        self._drop_leading_words()
        by_surname: dict[str, list[SpeakerGroup]] = defaultdict(list)
        for group in self._groups.values():
            if " " in group.key and _is_person(group):
                by_surname[group.key.rsplit(" ", 1)[1]].append(group)
        for key in [k for k, g in self._groups.items() if " " not in k and _is_person(g)]:
            target = _full_record(self._groups[key], by_surname.get(_surname_of(key), []))
            if target is not None:
                self._fold(key, target)
        titled = defaultdict(list)
        for key in [k for k in self._groups if _TITLE_MARK in k]:
            titled[_surname_of(key)].append(self._groups[key])
        for key in [k for k in self._groups if " " not in k and _TITLE_MARK not in k]:
            if len(titled.get(key, [])) == 1:  # "Smith" and, elsewhere, only "Judge Smith"
                self._fold(key, titled[key][0])
        for old, new in list(self._merged.items()):
            while new in self._merged:
                new = self._merged[new]
            self._merged[old] = new

    def _drop_leading_words(self) -> None:
        """Fold a name with a word before another record's full name into that record: the
        recogniser takes in a headline's word ("Entrusting Donald Trump") or a title it does
        not know ("State Hillary Clinton"). Only before a given name, and not after one."""
        for key in [k for k, g in self._groups.items() if _is_person(g)]:
            spellings = [name_words(n) for n in self._groups[key].names]
            tails = {canonical_key(" ".join(w[1:])) for w in spellings}
            if len(tails) != 1 or any(
                len(w) < 3 or w[0] in _FIRST_NAMES or w[1] not in _FIRST_NAMES for w in spellings
            ):
                continue  # "Marine Le Pen" is not "Le Pen" with a word before it
            tail = tails.pop()
            tail = self._merged.get(tail, tail)
            if tail != key and tail in self._groups and _is_person(self._groups[tail]):
                group, target = self._groups[key], self._groups[tail]
                group.names = Counter({target.name: group.quotes})
                self._fold(key, target)

    def _fold(self, key: str, target: SpeakerGroup) -> None:
        target.absorb(self._groups.pop(key))
        self._merged[key] = target.key

    def key_of(self, quote: Quote) -> str | None:
        """The key of the record ``quote`` belongs to after merging."""
        if not quote.speaker or not quote.resolved:
            return None
        self._merge_surnames()
        key = _record_key(quote)
        key = self._merged.get(key, key)
        return key if key in self._groups else None

    def groups(self) -> list[SpeakerGroup]:
        """Every record, most quoted first."""
        self._merge_surnames()
        return sorted(self._groups.values(), key=lambda g: (-g.quotes, g.key))

    def candidates(self, text: str) -> list[SpeakerGroup]:
        """Records a free-text name may mean ("kuleba", "Dmytro Kuleba"), most quoted first."""
        self._merge_surnames()
        words = name_words(text)
        if len(words) > 1:
            for key in (canonical_key(text), canonical_key(text, "organisation")):
                key = self._merged.get(key, key)
                if key in self._groups:
                    return [self._groups[key]]
        found = [g for g in self._groups.values() if words and _matches(g, words)]
        return sorted(found, key=lambda g: (-g.quotes, g.key))

    def speakers_in(self, text: str, longest: int = 4) -> list[SpeakerGroup]:
        """The records named in a question ("what did kuleba say about China?")."""
        words = name_words(text)
        found: dict[str, SpeakerGroup] = {}
        taken: set[int] = set()
        for size in range(min(longest, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                span = set(range(start, start + size))
                if span & taken:
                    continue
                group = self.resolve(" ".join(words[start : start + size]))
                if group is not None:
                    found.setdefault(group.key, group)
                    taken |= span
        return list(found.values())

    def resolve(self, text: str) -> SpeakerGroup | None:
        """The one record ``text`` names, or None when it names none or several alike."""
        found = self.candidates(text)
        if len(found) == 1:
            return found[0]
        if found and found[0].quotes >= DOMINANT_SHARE * sum(g.quotes for g in found):
            return found[0]
        return None

    def speakers(self) -> list[Speaker]:
        """The records as ``Speaker`` rows, ids from 1 in ``groups`` order."""
        return [g.to_speaker(n) for n, g in enumerate(self.groups(), start=1)]


def speaker_bucket(quote: Quote) -> str | None:
    """The surname of the record a quote starts in, or None when it names nobody.

    Merging never joins records of two surnames, so the registry built from the quotes of
    some surnames is exactly that part of the registry of all quotes: an update recomputes
    only the surnames its quotes name (`index.registry_updates`).
    """
    if not quote.speaker or not quote.resolved:
        return None
    key = _record_key(quote)
    return key_bucket(key) if key else None


def key_bucket(key: str) -> str:
    """The surname a record key belongs to (see `speaker_bucket`)."""
    return _surname_of(key)


def _record_key(quote: Quote) -> str:
    """The record a quote starts in: its name's key, and for a bare surname the titles the
    quote gives ("Judge Smith" and "Senator Smith" are two people until shown otherwise)."""
    key = canonical_key(quote.speaker or "", quote.speaker_kind)
    if not key or " " in key or quote.speaker_kind == "organisation" or not quote.role:
        return key
    titles = sorted(_role_words(Counter([quote.role])))
    return f"{key}{_TITLE_MARK}{'+'.join(titles)}" if titles else key


def _surname_of(key: str) -> str:
    return key.split(_TITLE_MARK)[0].rsplit(" ", 1)[-1]


def _is_person(group: SpeakerGroup) -> bool:
    return group.kinds.get("organisation", 0) < group.quotes / 2


def _matches(group: SpeakerGroup, words: list[str]) -> bool:
    """A surname query matches the surname; a longer query must match the key's words."""
    if len(words) == 1:
        return group.surname == words[0] or group.key == words[0]
    return set(words) <= set(group.key.split()) | set(name_words(group.name))


def _role_words(roles: Counter) -> set[str]:
    return {w for role in roles for w in _WORD.findall(_fold(role)) if w in TITLE_WORDS}


def _full_record(short: SpeakerGroup, full: list[SpeakerGroup]) -> SpeakerGroup | None:
    """The full-name record a surname-only record belongs to, if the evidence is clear."""
    if len(full) == 1:
        return full[0]
    if not full:
        return None
    titles = _role_words(short.roles)
    if titles:
        alike = [g for g in full if titles & _role_words(g.roles)]
        if len(alike) == 1:
            return alike[0]
    ranked = sorted(full, key=lambda g: -g.quotes)
    if ranked[0].quotes >= DOMINANT_SHARE * sum(g.quotes for g in full):
        return ranked[0]
    return None


def merge_speakers(quotes: Iterable[Quote]) -> list[SpeakerGroup]:
    """One record per person or organisation speaking in ``quotes``, most quoted first."""
    return SpeakerRegistry(quotes).groups()


def build_registry(
    quotes: Sequence[tuple[int, Quote]],
) -> tuple[list[Speaker], list[tuple[int, int]]]:
    """Speakers (ids from 1, most quoted first) and ``(quote row, speaker id)`` pairs.

    The same contract as ``index.registry.build_registry``, with cross-article merging.
    """
    registry = SpeakerRegistry(q for _, q in quotes)
    speakers = registry.speakers()
    ids = {g.key: n for n, g in enumerate(registry.groups(), start=1)}
    assignment = []
    for row, quote in quotes:
        key = registry.key_of(quote)
        if key is not None:
            assignment.append((row, ids[key]))
    return speakers, assignment
