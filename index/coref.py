"""Resolve speaker mentions within one article: "he", "Kuleba", "the minister" -> a full name.

Deliberately conservative: a mention that no rule supports stays as written and unresolved.
The rules, in order of trust:
1. a short name ("Kuleba", "Mr. Kuleba") takes the full name in the article with that surname
   (the nearest one before it when two people share the surname);
2. "the minister" takes the nearest person before it whose title contains "minister" ("Sen."
   counts as "senator"); failing that, a description with more than its head ("the Florida
   senator", "the gambling tycoon") takes the person named most often in the few sentences
   before it (the nearest of them), unless their title names another office;
3. "he"/"she" takes the nearest person before it, preferring sentence subjects and skipping
   names inside quotation marks, within a few sentences.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from index.cues import (
    EPITHET_HEADS,
    FEMALE_NAMES,
    GIVEN_NAMES,
    HONORIFICS,
    MALE_NAMES,
    OFFICE_WORDS,
    PERSON_LABEL,
    SUBJECT_DEPS,
    TITLE_ABBREVIATIONS,
    TITLE_WORDS,
    inflected_report,
)
from index.mentions import (
    Mention,
    mention_of,
    name_parts,
    name_suffix,
    one_apostrophe,
    spaced_dash,
)
from index.models import SpeakerKind

# What the recogniser calls a full name it missed ("Eswar Prasad" as ORG): places, dates
# and nationalities are not misread names.
_MISREAD_NAME_LABELS = frozenset({"", PERSON_LABEL, "ORG"})
_HYPHENS = frozenset({"-", "\u2010"})  # unspaced, inside a surname ("Ocasio-Cortez")
_NO_NAME_WORDS = TITLE_WORDS | HONORIFICS

# How far back a pronoun may look for its person, in sentences.
PRONOUN_WINDOW_SENTENCES = 4
_MALE = frozenset({"mr", "mr.", "he", "him", "his", "sir"})
_FEMALE = frozenset({"mrs", "mrs.", "ms", "ms.", "miss", "she", "her", "dame", "madam"})


@dataclass(frozen=True)
class Resolved:
    """A mention's canonical speaker within the article."""

    speaker: str
    kind: SpeakerKind
    role: str | None
    resolved: bool


@dataclass
class _Person:
    name: str
    start: int
    subject: bool
    gender: str | None
    role: str | None
    titled: bool = False  # the gender comes from a title before the name ("Ms. Berg")


@dataclass
class ArticlePeople:
    """The people named in one article, in text order, with their titles."""

    people: list[_Person] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)  # full name -> first title seen
    sentence_starts: list[int] = field(default_factory=lambda: [0])

    def full_name(
        self, name: str, before: int, gender: str | None = None, titled: bool = False
    ) -> str:
        """The longest name in the article for the person called ``name`` near ``before``;
        with ``gender`` ("Mrs. Clinton"), never a full name known to be of the other one.
        A ``titled`` surname with no full name of its own may be the first of two surnames
        ("Ms. Acosta" for "Melba Acosta Febo"), unless it is a given name ("Mr. Scott" is
        not Michael Scott Reyes)."""
        first, surname = name_parts(name)
        if not surname:
            return name
        fits = [p for p in self.people if not gender or p.gender in (None, gender)]
        suffix = name_suffix(name)
        full = [
            p
            for p in fits
            if name_parts(p.name)[0] and _same_person(p.name, first, surname, suffix)
        ]
        if not full and not first and titled and name_gender(surname) is None:
            full = [p for p in fits if p.name.lower().split()[1:-1][-1:] == [surname.lower()]]
        if not full:
            return name
        earlier = [p for p in full if p.start <= before]
        return max(earlier, key=lambda p: p.start).name if earlier else full[0].name

    def named(self, name: str) -> bool:
        """Whether the article names a person ``name`` (an organisation's name is no person's)."""
        return " " in name and any(p.name == name for p in self.people)

    def gender_of(self, full: str, person: _Person) -> str | None:
        """The gender of ``person``, else the one known for the full name it stands for
        ("Clinton" near "Bill Clinton")."""
        if person.gender:
            return person.gender
        return next((p.gender for p in self.people if p.name == full and p.gender), None)


def _same_person(candidate: str, first: str, surname: str, suffix: str) -> bool:
    """Whether ``candidate`` may be the person of these names: the same surname and, when
    both have first names, the same first name and suffix (Donald Trump is not Donald Trump
    Jr.)."""
    cand_first, cand_surname = name_parts(candidate)
    if cand_surname.lower() != surname.lower():
        return False
    if not first or not cand_first:
        return True
    same_first = cand_first.split()[0].lower() == first.split()[0].lower()
    return same_first and name_suffix(candidate) == suffix


def _title_gender(ent: Span) -> str | None:
    """From an honorific before the name ("Mrs. Berg")."""
    return _word_gender_cue(ent.doc[ent.start - 1].lower_ if ent.start > 0 else "")


def name_gender(name: str) -> str | None:
    """'m' or 'f' for a name whose first word is a common given name, else None."""
    first = name.split()[0].lower() if name.split() else ""
    return "m" if first in MALE_NAMES else "f" if first in FEMALE_NAMES else None


def collect_people(doc: Doc, in_quote: Callable[[int], bool]) -> ArticlePeople:
    """Every PERSON entity outside quotation marks, with its title where the text gives one."""
    people = ArticlePeople(sentence_starts=[s.start_char for s in doc.sents] or [0])
    names = [part for e in doc.ents if e.label_ == PERSON_LABEL for part in _parts(e)]
    for ent in names:
        if in_quote(ent.start_char):
            continue
        mention = mention_of(ent.root)
        name = one_apostrophe(mention.name or ent.text)
        if not name_parts(name)[1]:
            continue
        subject = ent.root.dep_ in SUBJECT_DEPS
        titled = _title_gender(ent)
        gender = titled or name_gender(name)
        people.people.append(
            _Person(name, ent.start_char, subject, gender, mention.role, titled=bool(titled))
        )
    people.people += _missed_full_names(doc, in_quote, people.people)
    people.people.sort(key=lambda p: p.start)
    for person in people.people:
        full = people.full_name(person.name, person.start, person.gender, person.titled)
        if person.role and full not in people.roles:
            people.roles[full] = person.role
    # A first name's usual gender says nothing of a surname ("James" after "Letitia James").
    surnames = {name_parts(p.name)[1].lower() for p in people.people if name_parts(p.name)[0]}
    for person in people.people:
        if not person.titled and " " not in person.name and person.name.lower() in surnames:
            person.gender = None
    _spread_gender(people.people)
    return people


def _parts(ent: Span) -> list[Span]:
    """The entity cut at spaced dashes ("Anna Berg - Tom Reyes's partner" is two names)."""
    cuts = [t.i for t in ent if spaced_dash(t)]
    bounds = zip([ent.start] + [i + 1 for i in cuts], cuts + [ent.end], strict=True)
    return [ent.doc[a:b] for a, b in bounds if b > a]


def _name_word(token: Token) -> bool:
    return (
        token.tag_ in ("NNP", "NNPS")
        and token.text.istitle()
        and token.text[0].isalpha()
        and len(token.text) > 1
        and token.lower_.rstrip(".") not in _NO_NAME_WORDS
    )


def _missed_full_names(
    doc: Doc, in_quote: Callable[[int], bool], people: list[_Person]
) -> list[_Person]:
    """Full names the recogniser missed or misread ("CHICAGO - Rahm Emanuel" untagged, "Carly
    Fiorina" as ORG), for surnames the article also uses alone and no other full name in it
    has.

    A name here is two capitalised words, neither a place, with no article before them and no
    capitalised word on either side (but a nationality or party before a common first name:
    "Republican Donald Trump"); a hyphen after the second means a longer surname. Its first
    word is a common first name ("Carly Fiorina said" and "Fiorina said"; not "Philip Morris
    said", whose "Morris" never stands alone), or the article tags the surname alone as a
    person and never writes the first word in lower case ("Rahm Emanuel"; not "Team Brandt"
    beside "the team"). Without these, "Emanuel said" stays a one-word speaker."""
    with_full = {name_parts(p.name)[1].lower() for p in people if name_parts(p.name)[0]}
    tagged_alone = {p.name.lower() for p in people if not name_parts(p.name)[0]}
    lower = {t.text for t in doc if t.is_lower}
    alone = {t.lower_ for t in doc if _name_word(t) and not (t.i and _name_word(doc[t.i - 1]))}
    found: dict[str, _Person] = {}
    for first in doc[:-1]:
        surname = doc[first.i + 1]
        key = surname.lower_
        if (
            key in with_full
            or key in found
            or key not in alone
            or not (_name_word(first) and _name_word(surname))
            or first.whitespace_ != " "
            or in_quote(first.idx)
            or not {first.ent_type_, surname.ent_type_} <= _MISREAD_NAME_LABELS
        ):
            continue
        usual = first.lower_ in GIVEN_NAMES
        before = doc[first.i - 1] if first.i else None
        if before is not None and (
            before.tag_ == "DT"
            or (_name_word(before) and not (usual and before.ent_type_ == "NORP"))
        ):
            continue  # "the Kelly File", "New York Times"; but "Republican Donald Trump"
        after = doc[surname.i + 1] if surname.i + 1 < len(doc) else None
        if after is not None and (
            _name_word(after) or (after.text in _HYPHENS and not surname.whitespace_)
        ):
            continue  # "Rachel Maddow Show", "Alexandria Ocasio-Cortez"
        known = key in tagged_alone and first.lower_ not in lower
        if usual or (known and not inflected_report(first.text)):  # not "Continued Berg"
            name = one_apostrophe(f"{first.text} {surname.text}")
            subject = surname.dep_ in SUBJECT_DEPS
            found[key] = _Person(name, first.idx, subject, name_gender(name), None)
    return list(found.values())


def _spread_gender(people: list[_Person]) -> None:
    """'Mr. Reyes' anywhere in the article makes every Reyes in it a man, unless the
    article also has a 'Mrs. Reyes' (then nobody of that surname gets a gender). When one full
    name has that surname, the title also outweighs the usual gender of its first name ("Ms.
    Epstein" makes Lee Epstein a woman)."""
    titled: dict[str, set[str]] = {}
    full: dict[str, set[str]] = {}
    for person in people:
        first, surname = name_parts(person.name)
        if first:
            full.setdefault(surname.lower(), set()).add(person.name)
        elif person.titled and person.gender:
            titled.setdefault(surname.lower(), set()).add(person.gender)
    for person in people:
        first, surname = name_parts(person.name)
        genders = titled.get(surname.lower(), set())
        if first and len(genders) == 1 and len(full[surname.lower()]) == 1:
            person.gender = next(iter(genders))
    seen: dict[str, set[str]] = {}
    for person in people:
        if person.gender:
            seen.setdefault(name_parts(person.name)[1].lower(), set()).add(person.gender)
    for person in people:
        genders = seen.get(name_parts(person.name)[1].lower(), set())
        if person.gender is None and len(genders) == 1:
            person.gender = next(iter(genders))


def _pronoun_target(people: ArticlePeople, mention: Mention) -> str | None:
    return _nearest_person(people, mention.start, _word_gender_cue(mention.head))


def _nearest_person(
    people: ArticlePeople,
    start: int,
    gender: str | None,
    fits: Callable[[_Person], bool] | None = None,
    most_named: bool = False,
) -> str | None:
    """The person a mention at ``start`` most likely means: the nearest one named before it
    within a few sentences, in its own sentence if any, preferring sentence subjects; with
    ``most_named``, the one named most often in those sentences."""
    here = bisect_right(people.sentence_starts, start) - 1
    window_start = people.sentence_starts[max(0, here - PRONOUN_WINDOW_SENTENCES + 1)]
    current = people.sentence_starts[max(0, here)]
    near = [p for p in people.people if window_start <= p.start < start]
    full = {id(p): people.full_name(p.name, p.start, p.gender, p.titled) for p in near}
    pool = [
        p
        for p in near
        if (not gender or people.gender_of(full[id(p)], p) in (None, gender))
        and (fits is None or fits(p))
    ]
    if not pool:
        return None
    if most_named:
        names = Counter(full[id(p)] for p in pool)
        top = max(names.values())
        pool = [p for p in pool if names[full[id(p)]] == top]
    same_sentence = [p for p in pool if p.start >= current]
    pool = same_sentence or pool
    subjects = [p for p in pool if p.subject]
    return full[id(max(subjects or pool, key=lambda p: p.start))]


def _nominal_target(people: ArticlePeople, mention: Mention) -> str | None:
    words = [w.strip(".,").lower() for w in mention.text.split()]
    if mention.head not in TITLE_WORDS | EPITHET_HEADS or words[:1] in (["one"], ["another"]):
        return None  # "one pastor" is somebody new
    head = {mention.head} | TITLE_ABBREVIATIONS.get(mention.head, set())
    titled = [
        p
        for p in people.people
        if p.start < mention.start
        and p.role
        and head & _role_words(p.role)
        and not _other_party(words, p.role)
    ]
    if titled:
        best = max(titled, key=lambda p: p.start)
        return people.full_name(best.name, best.start, best.gender, best.titled)
    # "the Florida senator", "the gambling tycoon": a description of someone just named.
    # A bare "the engineer" or "a spokesman" is more often somebody new: left unresolved.
    described = [w for w in words if w not in ("the", mention.head)]
    if words[:1] != ["the"] or not described or mention.head not in EPITHET_HEADS:
        return None

    def same_office(person: _Person) -> bool:
        offices = _role_words(person.role or "") & OFFICE_WORDS
        return (not offices or bool(offices & head)) and not _other_party(words, person.role)

    return _nearest_person(
        people, mention.start, _word_gender(mention.head), same_office, most_named=True
    )


_PARTIES = {"republican": "R", "gop": "R", "democratic": "D", "democrat": "D"}


def _other_party(words: list[str], role: str | None) -> bool:
    """Whether a description names one party and a person's title the other: "the Republican
    nominee" is not "Hillary Clinton, the Democratic nominee"."""
    said = {_PARTIES[w] for w in words if w in _PARTIES}
    held = {_PARTIES[w] for w in _role_words(role or "") if w in _PARTIES}
    return bool(said and held and not said & held)


def _role_words(role: str) -> set[str]:
    return {w.strip(".,()").lower() for w in role.split()} | {w.lower() for w in role.split()}


def _word_gender(word: str) -> str | None:
    return "f" if word.endswith("woman") else "m" if word.endswith("man") else None


def resolve(doc: Doc, people: ArticlePeople, mention: Mention) -> Resolved:
    """The canonical speaker for ``mention``, or the mention itself, unresolved."""
    if mention.name:
        gender = _mention_gender(mention)
        full = people.full_name(mention.name, mention.start, gender, titled=gender is not None)
        person = mention.kind == "person" or full != mention.name or people.named(full)
        if mention.kind == "organisation" and not person:
            return Resolved(mention.name, "organisation", mention.role, True)
        kind: SpeakerKind = "person" if person else mention.kind
        return Resolved(full, kind, mention.role or people.roles.get(full), True)
    if mention.pronoun:
        target = _pronoun_target(people, mention) if mention.kind == "person" else None
    else:
        target = _nominal_target(people, mention)
    if target is None:
        return Resolved(_as_written(mention.text), mention.kind, mention.role, False)
    role = mention.role or people.roles.get(target)
    return Resolved(target, "person", role, True)


def resolve_in_order(doc: Doc, people: ArticlePeople, mention: Mention) -> Resolved:
    """``resolve``, then remember a resolved person as the latest one a pronoun may mean.

    Call it in text order of the mentions."""
    who = resolve(doc, people, mention)
    if who.resolved and who.kind == "person":
        gender = _mention_gender(mention) or name_gender(who.speaker)
        person = _Person(who.speaker, mention.start, True, gender, who.role)
        people.people.append(person)
        people.people.sort(key=lambda p: p.start)
    return who


def _mention_gender(mention: Mention) -> str | None:
    return _word_gender_cue(mention.text.split()[0].lower() if mention.text.split() else "")


def _word_gender_cue(word: str) -> str | None:
    """'m' or 'f' for a lower-case honorific or pronoun ("mrs.", "he"), else None."""
    return "m" if word in _MALE else "f" if word in _FEMALE else None


def _as_written(text: str) -> str:
    words = one_apostrophe(text).split()
    if words and words[0].lower() in HONORIFICS:
        return text
    return " ".join(words)
