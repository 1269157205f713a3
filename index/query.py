"""Pure question understanding: who is asked about, which dates, what kind of question.

No hosted service: speakers are matched against the registry's names and aliases, dates by
pattern, relative dates ("last March") against the newest article's date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

from index.cues import FEMALE_NAMES, FULL_NAMES, KIN_WORDS, MALE_NAMES
from index.models import Speaker

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_Y = r"((?:19|20)\d{2})"
# "between January and March 2016", "from Jan. to March 2016", "January-March 2016"
_MONTH_RANGE = re.compile(
    rf"\b(?:between\s+|from\s+)?({_MONTH})\.?(?:,?\s+{_Y})?\s*(?:and|to|through|until|-|–)\s*"
    rf"({_MONTH})\.?,?\s+{_Y}\b",
    re.IGNORECASE,
)
# "March 15, 2016", "15 March 2016", "2016-03-15"; and "2016-03"
_DAY = re.compile(
    rf"\b(?:({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+{_Y}"
    rf"|(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})\.?,?\s+{_Y}"
    r"|((?:19|20)\d{2})-(\d{1,2})-(\d{1,2}))\b",
    re.IGNORECASE,
)
_ISO_MONTH = re.compile(r"\b((?:19|20)\d{2})-(\d{1,2})\b(?!-\d)")
_MONTH_YEAR = re.compile(rf"\b(?:in\s+)?({_MONTH})\.?,?\s+{_Y}\b", re.IGNORECASE)
_LAST_MONTH = re.compile(rf"\b(last|this|in)\s+({_MONTH})\b(?!\.?,?\s+\d)", re.IGNORECASE)
# "early 2016", "in the summer of 2015", "late 2015", "mid-2016"
_PART_OF_YEAR = re.compile(
    rf"\b(?:in\s+)?(?:the\s+)?(early|mid|late|spring|summer|fall|autumn|winter)(?:-|\s+)(?:of\s+)?{_Y}\b",
    re.IGNORECASE,
)
_PARTS = {
    "early": (1, 4), "mid": (5, 8), "late": (9, 12), "spring": (3, 5), "summer": (6, 8),
    "fall": (9, 11), "autumn": (9, 11), "winter": (1, 2),
}  # fmt: skip
_YEAR = re.compile(rf"\b(?:in|during|of)\s+{_Y}\b", re.IGNORECASE)
# A statement made on a day is reported that day or within the next two.
DAY_REPORTED_WITHIN = 2
_WHO = re.compile(r"^\s*(who|which\s+\w+)\b", re.IGNORECASE)
_WHO_IS = re.compile(r"^\s*who\s*(?:is|was|are|were|['’]s)\b", re.IGNORECASE)
_SPEECH = (
    r"(say|said|says|think|thinks|thought|claim|claimed|tell|told|argue|argued|want|wants|wanted|"
    r"believe|believes|warn|warned|promise|promised|call|called|view|views|position|stance|"
    r"comments?|remarks?|statement|words|respond|responded|response|react|reacted|reaction|"
    r"tweet|tweeted|tweets)\b"
)
# Words after a name that make it the one whose words are asked for ("did X say", "X's view").
_SPEECH_AFTER = re.compile(r"^\W{0,3}(?:'s?\s+)?(?:\w+\s+){0,2}?" + _SPEECH, re.IGNORECASE)
_TITLES = frozenset(
    "mr mrs ms dr sen senator rep gov governor president secretary mayor judge justice gen "
    "general speaker leader minister chairman chairwoman attorney vice former candidate".split()
)
_TITLE = "|".join(sorted(_TITLES))
# A speaker's words asked for right after the name: "Kuleba say", "Kuleba's view".
_WORDS_ASKED = re.compile(r"^(?:['’]s?)?\W{0,3}" + _SPEECH, re.IGNORECASE)
# Words that open a question as verbs, whatever speaker has them as a name.
_AUXILIARIES = frozenset("will may can could should would must might shall".split())
_THE = re.compile(r"\bthe\s+$", re.IGNORECASE)
_SPEECH_BEFORE = re.compile(
    rf"\b(according to|did|does|do|has|have|from|by)\s+(?:the\s+)?(?:(?:{_TITLE})\.?\s+)?$",
    re.IGNORECASE,
)
# "The Texas senator", "Trump's spokesman", "the Clinton campaign": someone of X, whose words
# are not X's.
_SOMEONE_OF = re.compile(
    r"^(?:['’]s?)?\s+(?:(?:campaign|presidential|press|top|senior|former|chief|communications|"
    r"policy|national|state|deputy)\s+)*(?:senator|governor|congress(?:wo)?man|lawmaker|mayor|"
    r"spokes(?:wo)?man|spokesperson|officials?|aides?|advis[eo]rs?|staff(?:er)?s?|delegates?|"
    r"delegation|voters|supporters|chair(?:man|woman)?|leaders?|lawyers?|attorneys?|"
    r"representative|secretary|ambassador|envoy|minister|candidates?|nominee|manager|"
    r"strategists?|pollsters?|surrogates?|campaign|team|allies|backers|donors|running mate|"
    + "|".join(sorted(KIN_WORDS))
    + r")\b",
    re.IGNORECASE,
)
# "X on Y", "X about Y": what X said about Y, unless the question asks who did something.
_TOPIC_AFTER = re.compile(r"^(?:['’]s?)?\s+(?:on|about|regarding)\s", re.IGNORECASE)


@dataclass(frozen=True)
class Query:
    """A question taken apart."""

    text: str
    speaker_ids: tuple[int, ...] = ()
    speaker_name: str | None = None
    speaker_is_subject: bool = False  # the question asks what this speaker said
    since: str | None = None
    until: str | None = None
    # Dates from the question's text are preferred, not required: "casinos that closed in 2014"
    # may be told of in a later article, and "what did X tell the Times in May" in one of June.
    dates_soft: bool = False
    who: bool = False
    # What a question asking what a person said asks about: the question without their name
    # ("What did say about the blackout?"); see `Mention.topic`.
    topic: str | None = None
    # The question asks for their words in so many words ("What did X say", "X's view"), not
    # only something they did ("How much cash did X have left?").
    asks_words: bool = False


@dataclass(frozen=True)
class Mention:
    """A speaker named in a question: where, and whether the question asks what they said."""

    speaker: Speaker
    subject: bool
    start: int
    end: int

    def topic(self, question: str) -> str | None:
        """What the question asks a person about: the question without their name (and a
        possessive after it) or dates. None when it does not ask what they said, or names a
        group ("the Census Bureau"), whose name is the topic."""
        if not self.subject or self.speaker.kind != "person":
            return None
        end = self.end
        if question[end : end + 2] in ("'s", "’s"):
            end += 2
        return " ".join(without_dates(f"{question[: self.start]} {question[end:]}").split())


def month_range(year: int, month: int) -> tuple[str, str]:
    """The first and last day of a month, ISO."""
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, 1).isoformat(), dt.date(year, month, last).isoformat()


_DATE_PATTERNS = (_MONTH_RANGE, _DAY, _ISO_MONTH, _PART_OF_YEAR, _MONTH_YEAR, _LAST_MONTH, _YEAR)


def without_dates(text: str) -> str:
    """The text without the dates `find_dates` reads ("in March 2016", "last May")."""
    for pattern in _DATE_PATTERNS:
        text = pattern.sub(" ", text)
    return text


def find_dates(question: str, newest: str | None) -> tuple[str, str] | None:
    """A date range named in the question, if any: a span of months, a day (and the two after
    it, when it was reported), a month, part of a year ("early 2016", "summer 2015"), "last
    March" (before the newest article), a year."""
    try:
        return _dates_in(question, newest)
    except ValueError:  # "February 30, 2016": no such day
        return None


def _dates_in(question: str, newest: str | None) -> tuple[str, str] | None:
    match = _MONTH_RANGE.search(question)
    if match:
        first, last = MONTHS[match.group(1).lower()], MONTHS[match.group(3).lower()]
        end_year = int(match.group(4))
        # "between December 2015 and January 2016"; "from November to February 2016" too
        start_year = int(match.group(2)) if match.group(2) else end_year - (first > last)
        if (start_year, first) <= (end_year, last):
            return month_range(start_year, first)[0], month_range(end_year, last)[1]
    match = _DAY.search(question)
    if match:
        g = match.groups()
        if g[0]:
            day = dt.date(int(g[2]), MONTHS[g[0].lower()], int(g[1]))
        elif g[3]:
            day = dt.date(int(g[5]), MONTHS[g[4].lower()], int(g[3]))
        else:
            day = dt.date(int(g[6]), int(g[7]), int(g[8]))
        return day.isoformat(), (day + dt.timedelta(days=DAY_REPORTED_WITHIN)).isoformat()
    match = _ISO_MONTH.search(question)
    if match and 1 <= int(match.group(2)) <= 12:
        return month_range(int(match.group(1)), int(match.group(2)))
    match = _PART_OF_YEAR.search(question)
    if match:
        year, (first, last) = int(match.group(2)), _PARTS[match.group(1).lower()]
        return month_range(year, first)[0], month_range(year, last)[1]
    match = _MONTH_YEAR.search(question)
    if match:
        return month_range(int(match.group(2)), MONTHS[match.group(1).lower()])
    match = _LAST_MONTH.search(question)
    if match and newest:
        ref = dt.date.fromisoformat(newest)
        month = MONTHS[match.group(2).lower()]
        year = ref.year if month <= ref.month else ref.year - 1
        if match.group(1).lower() == "last" and month == ref.month:
            year -= 1
        return month_range(year, month)
    match = _YEAR.search(question)
    if match:
        year = int(match.group(1))
        return f"{year}-01-01", f"{year}-12-31"
    return None


class SpeakerMatcher:
    """Finds registry speakers in a question by its word n-grams: O(words), not O(names)."""

    def __init__(self, speakers: Sequence[Speaker]) -> None:
        self.names: dict[tuple[str, ...], list[Speaker]] = {}
        self.first_names: dict[str, list[Speaker]] = {}
        for speaker in speakers:
            for name in _names(speaker):
                key = tuple(_norm(w) for w in name.split())
                if all(key):
                    self.names.setdefault(key, []).append(speaker)
            words = speaker.name.split()
            if speaker.kind == "person" and len(words) > 1 and _norm(words[0]) in _GIVEN_NAMES:
                self.first_names.setdefault(_norm(words[0]), []).append(speaker)
        self.longest = min(max((len(k) for k in self.names), default=1), 6)

    def _named(self, key: tuple[str, ...]) -> tuple[list[Speaker] | None, bool]:
        """The speakers these words name: as a name, alias or surname; or, for one word, as
        the first name of a person the articles quote far more than anyone else so called
        ("Bernie", "Hillary"; not "Mike" when two Mikes are quoted alike), unless a speaker
        of that one name is about as often quoted; and whether it was by first name."""
        found = self.names.get(key)
        if len(key) != 1 or key[0] not in self.first_names:
            return found, False
        first = sorted(self.first_names[key[0]], key=lambda s: s.quote_count, reverse=True)
        best, runner_up = first[0].quote_count, first[1].quote_count if len(first) > 1 else 0
        if best < FIRST_NAME_LEAD * runner_up:
            return found, False
        if found and max(s.quote_count for s in found) * FIRST_NAME_LEAD > best:
            return found, False
        return [first[0]], True

    def find(self, question: str) -> Mention | None:
        """The speaker named in the question, and whether the question asks what they said
        ("What did X say", "X's view", "X on Y", or X first as in a search: "kasich buckeyes").

        A speaker the question asks about ("What did Rubio say about Rand Paul?") wins over one
        it only mentions; then the longest name; then the most quoted speaker among those who
        share it ("Clinton"). A lower-case name counts when the whole question is lower
        case, or when the question asks what it said ("What did trump say?"), so "will" or
        "young" in a sentence does not turn into a speaker called Will.
        """
        lowered = question == question.lower()
        words = list(_QWORD.finditer(question))
        normed = [_norm(w.group(0)) for w in words]
        best: tuple[bool, int, int, Mention] | None = None
        i = 0
        while i < len(words):
            for n in range(min(self.longest, len(words) - i), 0, -1):
                span = words[i : i + n]
                found, by_first_name = self._named(tuple(normed[i : i + n]))
                start, end = span[0].start(), span[-1].end()
                cased = lowered or span[0].group(0)[:1].isupper()
                if not found or not (cased or _asked_what_said(question, start, end)):
                    continue  # lower case in a capitalised question: a name only if asked of
                if (
                    n == 1
                    and _THE.search(question[:start])
                    and all(s.kind == "person" for s in found)
                    and not _SOMEONE_OF.match(question[end:])  # "the Zelensky campaign"
                ):
                    continue  # "the Pope", "the president": a title, not Amy Pope
                if (
                    n == 1
                    and (by_first_name or normed[i] in _AUXILIARIES)
                    and not question[:start].strip(" \"'“‘")
                    and len(words) > 1
                    and not _asked_about(question, span[0])
                ):
                    continue  # "Will Trump win?" is about no Will; "May on Brexit" is May
                found = _named_here(question, found, n, start, end)
                if not found:
                    continue
                speaker = max(found, key=lambda s: s.quote_count)
                subject = (
                    not _SOMEONE_OF.match(question[end:])
                    and bool(
                        _SPEECH_AFTER.match(question[end:])
                        or _SPEECH_BEFORE.search(question[:start])
                        or (_TOPIC_AFTER.match(question[end:]) and not _WHO.match(question))
                        # Typed like a search, the name first: "kasich buckeyes".
                        or not question[:start].strip(" \"'“‘")
                    )
                )
                rank = (subject, n, speaker.quote_count, Mention(speaker, subject, start, end))
                if best is None or rank[:3] > best[:3]:
                    best = rank
                i += n - 1
                break
            i += 1
        return best[3] if best else None


# First names that may name someone alone: common given names, not "German" (Ortega) or "New"
# (Hampshire Union Leader), which the registry may hold as a person's first word.
_GIVEN_NAMES = MALE_NAMES | FEMALE_NAMES
# How many times more quoted than anyone else of that first name a person must be for the
# first name alone to name them.
FIRST_NAME_LEAD = 3


def _asked_about(question: str, word: re.Match[str]) -> bool:
    """Whether a word opening the question is asked about: "May's plan", "May said", "May on
    Brexit"."""
    after = question[word.end() :]
    possessive = word.group(0).endswith(("'s", "’s"))
    return possessive or bool(_WORDS_ASKED.match(after) or _TOPIC_AFTER.match(after))


def _asked_what_said(question: str, start: int, end: int) -> bool:
    """Whether the words at [start, end) are asked what they said: "What did <them> say",
    "according to <them>"."""
    before = _SPEECH_BEFORE.search(question[:start])
    return bool(
        before and (_WORDS_ASKED.match(question[end:]) or before.group(1).lower() == "according to")
    )


_QWORD = re.compile(r"[^\s,;:!?()\[\]\"“”]+")
_WORD_BEFORE = re.compile(r"(\S+)\s+$")
_WORD_AFTER = re.compile(r"^\s+(\S+)")


def _named_here(
    question: str, speakers: list[Speaker], n: int, start: int, end: int
) -> list[Speaker]:
    """The speakers that ``n`` words of a question can name there, when the question is not in
    title case. None when a name goes on after them: a particle and a name ("Bill de Blasio"
    when the articles quote a Bill), or, but at the question's start ("Kuleba China"), a
    capitalised word ("the Green Party", "Bob Dylan"; speakers whose whole name it is aside).
    When a capitalised word before them is neither a title nor a sentence's first word, only
    those whose first name it is ("Billy Clinton": Bill, not Hillary; "Nancy Reagan": nobody)."""
    if _title_case(question):
        return speakers
    whole = [s for s in speakers if len(s.name.split()) <= n]
    part = [s for s in speakers if len(s.name.split()) > n]
    after = None if question[end - 2 : end] in ("'s", "’s") else _WORD_AFTER.match(question[end:])
    if after and after.group(1).lower() in _PARTICLES:
        then = _WORD_AFTER.match(question[end + after.end() :])
        if then and (then.group(1)[:1].isupper() or question == question.lower()):
            return []
    at_start = not question[:start].strip(" \"'“‘")
    if after and after.group(1)[:1].isupper() and not at_start:
        return whole if part else []
    if not part:
        return whole
    before = _WORD_BEFORE.search(question[:start])
    if not before or not before.group(1)[:1].isupper() or before.group(1).endswith("."):
        return speakers
    opening = question[: before.start()].rstrip()
    first = _norm(before.group(1))
    if not opening or opening[-1] in ".?!" or first in _TITLES:
        return speakers  # "Did Reagan ...", "Senator Reagan"
    return whole + [s for s in part if _same_first_name(first, _norm(s.name.split()[0]))]


def _title_case(question: str) -> bool:
    """Whether most words of the question are capitalised ("What Did Trump Say About Mexico")."""
    words = [w for w in _QWORD.findall(question) if w[:1].isalpha()]
    return len(words) >= 4 and sum(w[:1].isupper() for w in words) >= 0.8 * len(words)


# Words that go on with a name: "Bill de Blasio", "Ursula von der Leyen".
_PARTICLES = frozenset("de da del della di du van von der den la le bin ibn dos das ter".split())


# Every combining mark of the Basic Multilingual Plane (accents, and the vowel marks of Arabic
# or Hebrew, which would otherwise split words): one regex is three times faster than testing
# each character, and every passage goes through it.
_ACCENTS = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in range(0x10000) if unicodedata.combining(chr(c))) + "]+"
)


# Ligatures that text extracted from print carries ("ﬁnance"). Other compatibility forms stay:
# "Apple™" must remain the word "apple", not "appletm".
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st"})
_LIGATURE = re.compile("[\ufb00-\ufb05]")  # finding one is 20 times cheaper than translating
# A letter of UTF-8 read as Latin-1 ("TomÃ¡s" for "Tomás"), as some scraped articles carry it.
_MOJIBAKE = re.compile("[\u00c2\u00c3][\u0080-\u00bf]")
# What `strip_accents` does, for the keys of indexes saved with its output.
FOLDING = f"{_ACCENTS.pattern}|{sorted(_LIGATURES.items())}|{_MOJIBAKE.pattern}"


def _unmangled(match: re.Match[str]) -> str:
    return match.group(0).encode("latin-1").decode("utf-8", errors="replace")


def strip_accents(text: str) -> str:
    """The text without accents ("Tomás" -> "Tomas", and "TomÃ¡s" too) or ligatures, as a
    question typed without them is matched to names and passages written with them."""
    if text.isascii():
        return text
    if "\u00c2" in text or "\u00c3" in text:
        text = _MOJIBAKE.sub(_unmangled, text)
    if _LIGATURE.search(text):
        text = text.translate(_LIGATURES)
    plain = _ACCENTS.sub("", unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFC", plain)


def fold(text: str) -> str:
    """Text as names and words are compared: no accents, lower case."""
    return strip_accents(text).lower()


def _norm(word: str) -> str:
    """A word as names are compared: lower case, no accents, no possessive, no surrounding
    punctuation."""
    word = fold(word).strip(".'’")
    for suffix in ("'s", "’s"):
        if word.endswith(suffix):
            word = word[: -len(suffix)]
    return word


def names_person(phrase: str, matcher: SpeakerMatcher) -> bool:
    """Whether a capitalised phrase is the name of a person the articles quote, maybe with a
    title before it or a familiar first name ("Labor Secretary Tom Perez" for Thomas E. Perez;
    not "Al Smith" when the articles quote Andy Smith)."""
    found = matcher.find(phrase)
    if not found or found.speaker.kind != "person" or phrase[found.end :].strip():
        return False
    before = phrase[: found.start].split()
    named = phrase[found.start : found.end].split()
    if not before or len(named) > 1:
        return True  # the whole name; anything before it is a title
    first = _norm(before[-1])
    sharing = matcher.names.get((_norm(named[0]),), [])
    return first in _TITLES or any(
        _same_first_name(first, _norm(s.name.split()[0])) for s in sharing if s.kind == "person"
    )


def _same_first_name(a: str, b: str) -> bool:
    a, b = sorted((a, b), key=len)
    return b.startswith(a) or b in FULL_NAMES.get(a, ())


def find_speaker(question: str, speakers: Sequence[Speaker]) -> Mention | None:
    """One-off lookup; a snapshot keeps a `SpeakerMatcher` instead."""
    return SpeakerMatcher(speakers).find(question)


def _names(speaker: Speaker) -> list[str]:
    """Names and aliases without a leading "the", plus a person's surname; 3 letters or more.
    A person's alias counts only with a word of the name ("Mr. Manafort"): a description the
    person was once called ("a candidate", "the former secretary") names nobody."""
    aliases = speaker.aliases
    if speaker.kind == "person":
        own = {_norm(w) for w in re.split(r"[\s-]+", speaker.name)}
        aliases = tuple(a for a in aliases if own & {_norm(w) for w in re.split(r"[\s-]+", a)})
    names = {n[4:] if n.lower().startswith("the ") else n for n in (speaker.name, *aliases)}
    last = speaker.name.split()[-1]
    if speaker.kind == "person" and len(speaker.name.split()) > 1 and _norm(last) not in _TITLES:
        names.add(last)  # "Sirius XM Vice President" is not "the President"
    return [
        n
        for n in names
        if len(n) >= 3
        and n.lower() not in _NOT_NAMES
        and not all(_norm(w) in _TITLES for w in n.split())  # "Vice President" names nobody
    ]


_NOT_NAMES = {"he", "she", "they", "the", "who", "his", "her", "officials", "official", "it"}


def parse_question(
    question: str,
    speakers: Sequence[Speaker] | SpeakerMatcher,
    newest: str | None,
    *,
    speaker: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> Query:
    """Take a question apart; explicit options win over what the text says."""
    matcher = speakers if isinstance(speakers, SpeakerMatcher) else SpeakerMatcher(speakers)
    found = explicit_speaker(speaker, matcher) if speaker else matcher.find(question)
    who = bool(_WHO.match(question))
    if found and who and not found.subject and not speaker and not _WHO_IS.match(question):
        found = None  # "Who said Clinton weighs the cost of acting?": she is what was said of
    if found and not found.subject and found.speaker.kind != "person":
        found = None  # "at the Republican convention", "in Philadelphia": a place or a party
    dates = None if (since or until) else find_dates(question, newest)
    ids: tuple[int, ...] = ()
    name = None
    subject = False
    if found:
        ids, name, subject = (found.speaker.id,), found.speaker.name, found.subject or bool(speaker)
    return Query(
        text=question,
        speaker_ids=ids,
        speaker_name=name if found else speaker,
        speaker_is_subject=subject,
        since=since or (dates[0] if dates else None),
        until=until or (dates[1] if dates else None),
        dates_soft=bool(dates),
        who=who,
        topic=found.topic(question) if found and not speaker else None,
        asks_words=bool(found and not who and _WORDS_ASKED.match(question[found.end :])),
    )


def explicit_speaker(name: str, matcher: SpeakerMatcher) -> Mention | None:
    """An exact name or alias, else any name inside the text given."""
    exact = matcher.names.get(tuple(_norm(w) for w in name.split()))
    if exact:
        return Mention(max(exact, key=lambda s: s.quote_count), True, 0, len(name))
    found = matcher.find(name.lower())  # typed by hand: case says nothing here
    return replace(found, subject=True) if found else None
