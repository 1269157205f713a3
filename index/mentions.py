"""Speaker mentions: the subject of a reporting verb, its name, role and kind.

Everything here looks at one mention in its sentence; resolving mentions against each other
across the article ("he", "Kuleba", "the minister") is ``coref.py``'s job.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Span, Token

from index.cues import (
    AMBIGUOUS_MARKS,
    APPOSITION_DEPS,
    CLOSE_MARKS,
    FIRST_PERSON,
    GIVEN_NAMES,
    GROUP_PRONOUNS,
    HONORIFICS,
    INHERIT_SUBJECT_DEPS,
    KIN_WORDS,
    NAME_SUFFIXES,
    ORG_HEADS,
    ORG_LABELS,
    PERSON_LABEL,
    PERSON_PRONOUNS,
    REPORT_NOUNS,
    SOURCE_PREPOSITIONS,
    TITLE_WORDS,
)
from index.models import SpeakerKind

# Modifiers that belong in a mention as written ("the Ukrainian foreign minister").
_MENTION_LEFT_DEPS = frozenset({"det", "compound", "amod", "poss", "nmod", "nummod", "case"})
_NAME_TAGS = frozenset({"NNP", "NNPS"})
_POSSESSIVE = ("'s", "\u2019s")
_DASHES = frozenset({"-", "--", "\u2013", "\u2014"})
_CLOSING_MARKS = CLOSE_MARKS | AMBIGUOUS_MARKS
_SENTENCE_MARKS = frozenset({",", ".", "?", "!"})
_PAIRED_MARKS = (("(", ")"), ("\u201c", "\u201d"), ("\u2018", "\u2019"), ('"', '"'))
MAX_MENTION_TOKENS = 12
_FINITE_TAGS = frozenset({"VBD", "VBZ", "VBP"})
_STRANDED_DEPS = frozenset({"appos", "conj"})


@dataclass(frozen=True)
class Mention:
    """A speaker as written, and what the sentence says about it."""

    text: str
    start: int
    end: int
    name: str | None  # a proper name without honorifics, or None for "he", "the minister"
    role: str | None
    kind: SpeakerKind
    pronoun: bool = False
    head: str = ""  # the head word, lower case ("minister", "he", "kuleba")


def subject_of(verb: Token) -> Token | None:
    """The subject of ``verb``, borrowed from the verb it hangs off when it has none."""
    for _ in range(3):
        agent = _agent(verb)
        if agent is not None:  # "Asked by the host, Berg said": the asker speaks
            return agent
        subjects = [c for c in verb.children if c.dep_ == "nsubj"]
        if subjects:
            # "her cousin Anna Berg added" parses as two subjects: take the name.
            names = [c for c in subjects if c.tag_ in _NAME_TAGS]
            return (names or subjects)[-1] if len(subjects) > 1 else subjects[0]
        if any(c.dep_ == "nsubjpass" for c in verb.children):
            return None  # "was told that ...": the subject heard it, nobody named said it
        if verb.dep_ == "acl" and verb.tag_ == "VBG" and verb.head.head.tag_.startswith("VB"):
            verb = verb.head.head  # "emailed supporters saying: ...": the one emailing
            continue
        if verb.dep_ not in INHERIT_SUBJECT_DEPS or verb.head.i == verb.i:
            return _stranded_subject(verb)
        verb = verb.head
    return None


def _stranded_subject(verb: Token) -> Token | None:
    """The noun right before a finite verb that has no subject: the parser hung "former
    president Anna Berg said ..." on a name before it, as an apposition or a conjunct."""
    if verb.tag_ not in _FINITE_TAGS or verb.i == 0:
        return None
    before = verb.doc[verb.i - 1]
    if before.dep_ in _STRANDED_DEPS and before.ent_type_ == PERSON_LABEL:
        return before
    return None


def _agent(verb: Token) -> Token | None:
    for child in verb.children:
        if child.dep_ == "agent":
            return next((c for c in child.children if c.dep_ == "pobj"), None)
    return None


def _mention_tokens(head: Token) -> list[Token]:
    left = [t for t in head.lefts if t.dep_ in _MENTION_LEFT_DEPS]
    start = min([head.i] + [t.left_edge.i for t in left])
    # Flat names to the right ("Kuleba" in "Dmytro Kuleba" when parsed head-first).
    end = head.i
    for right in head.rights:
        if right.dep_ in ("compound", "flat") and right.i == end + 1:
            end = right.i
    tokens = list(head.doc[start : end + 1])
    # A quoted sentence the parser hung on the mention ('"It's over," council member Ana
    # Reyes'), not a quoted name in it ('the "Avatar" star').
    closing = [
        n
        for n, t in enumerate(tokens[1:], start=1)
        if t.text in _CLOSING_MARKS and tokens[n - 1].text in _SENTENCE_MARKS
    ]
    if closing:
        tokens = tokens[closing[-1] + 1 :]
    return tokens[-MAX_MENTION_TOKENS:]


def _entity(labels: frozenset[str] | set[str], head: Token) -> Span | None:
    """The entity of one of ``labels`` that holds the mention's head ("Norway's ambassador"
    is no mention of Norway). Read from the tokens: ``Doc.ents`` is rebuilt on each access."""
    if head.ent_type_ not in labels:
        return None
    doc = head.doc
    start = head.i
    while start > 0 and doc[start].ent_iob_ == "I" and not spaced_dash(doc[start - 1]):
        start -= 1
    end = head.i + 1
    while end < len(doc) and doc[end].ent_iob_ == "I" and not spaced_dash(doc[end]):
        end += 1
    return doc[start:end]


def spaced_dash(token: Token) -> bool:
    """A dash with a space on each side: it parts two names the recogniser took as one
    ("Anna Berg - Tom Reyes's partner"); a hyphen inside a name has no spaces."""
    return (
        token.text in _DASHES
        and bool(token.whitespace_)
        and token.i > 0
        and bool(token.doc[token.i - 1].whitespace_)
    )


def _widen_name(ent: Span, tokens: list[Token]) -> Span:
    """Take in capitalised words the entity missed ("Debbie" in "Chair Debbie Wasserman"), and
    leave out an owner inside it ("Obama's Axelrod" -> "Axelrod")."""
    start = ent.start
    first = tokens[0].i
    while start > first:
        word = ent.doc[start - 1]
        if (
            word.tag_ not in _NAME_TAGS
            or not word.text[:1].isupper()  # "state" in "secretary of state Colin Powell"
            or word.lower_.strip(".") in TITLE_WORDS
            or word.ent_type_
        ):
            break
        start -= 1
    owners = [t.i for t in ent.doc[start : ent.end - 1] if t.tag_ == "POS"]
    if owners:
        start = owners[-1] + 1
    return ent.doc[start : ent.end]


def one_apostrophe(name: str) -> str:
    """A name written with the plain apostrophe: "O’Malley" and "O'Malley" are one person."""
    return name.replace("\u2019", "'")


def clean_name(text: str) -> str:
    """A name without honorifics, possessive or edge punctuation ("Mr. Berg's" -> "Berg");
    empty for markup, which names nobody ('datetime="2016' in an embedded tweet)."""
    if any(c in text for c in "=<>"):
        return ""
    words = one_apostrophe(text.replace("\n", " ")).split()
    while words and words[0].lower().rstrip(",") in HONORIFICS | {"the"}:
        words = words[1:]
    if words and words[-1].endswith(_POSSESSIVE):
        words[-1] = words[-1][:-2]
    return " ".join(words).strip(" ,.;:\"'\u2019\u201c\u201d()-\u2013\u2014")


def _role_before(tokens: list[Token], ent_start: int) -> str | None:
    words = [t for t in tokens if t.i < ent_start and t.dep_ != "det" and not t.is_punct]
    if not words or not any(t.lower_ in TITLE_WORDS or t.is_title for t in words):
        return None
    if all(t.lower_ in HONORIFICS for t in words):
        return None
    return role_or_none("".join(t.text_with_ws for t in words))  # "Post's", not "Post 's"


def _apposition_role(head: Token) -> str | None:
    for child in head.rights:
        if child.dep_ in APPOSITION_DEPS:
            relative = [t.left_edge.i for t in child.subtree if t.dep_ == "relcl"]
            end = min(relative, default=child.right_edge.i + 1)  # not ", who ..." after it
            start = child.left_edge.i
            parts = head.doc[start:end].text.strip(" ,").split(" ")
            if parts and parts[0].lower() in ("the", "a", "an"):
                parts = parts[1:]
            return role_or_none(" ".join(parts))
    return None


def role_or_none(text: str) -> str | None:
    """``text`` as a role: its first line, after any tweet markup, cut before a quotation or
    bracket it opens and never closes ("host of the reality show \u201cThe Apprentice" ->
    "host of the reality show"); None for what cannot be a role: an age ("Tom Reyes, 69"),
    a caption's "left)", a headline's "\u2018Not Fit To Serve"."""
    role = (text.splitlines() or [""])[0].rsplit(">", 1)[-1]
    for opening, closing in _PAIRED_MARKS:
        if opening == closing and role.count(opening) % 2:
            role = role[: role.rindex(opening)]
        elif opening != closing and role.rfind(opening) > role.rfind(closing):
            role = role[: role.rindex(opening)]
    role = role.strip(" ,;:")
    if not any(c.isalpha() for c in role) or role.count("(") != role.count(")"):
        return None
    return role


def _kind(tokens: list[Token], span: Span, head: Token) -> SpeakerKind:
    if _entity({PERSON_LABEL}, head) is not None:
        return "person"
    if _entity(ORG_LABELS, head) is not None or head.lower_ in ORG_HEADS:
        return "organisation"
    if head.tag_ in _NAME_TAGS and len([t for t in tokens if t.tag_ in _NAME_TAGS]) >= 2:
        return "person"
    return "unknown"


def _source_of_report(head: Token) -> Token | None:
    """The named author of a report noun ("a count by The Associated Press")."""
    if head.lower_ not in REPORT_NOUNS or head.tag_ in _NAME_TAGS:
        return None
    for token in head.subtree:
        if token.dep_ == "pobj" and token.head.lower_ in SOURCE_PREPOSITIONS:
            if token.tag_ in _NAME_TAGS and token.ent_type_ not in ("DATE", "TIME"):
                return token
    return None


def _named_apposition(head: Token) -> Token | None:
    """A person's name in apposition to a common noun ("the director, Tom Reyes,"), or a
    name the recogniser missed after a relative or a title ("Her daughter, Siobhan Kearney,")."""
    if head.tag_ in _NAME_TAGS:
        return None
    for child in head.rights:
        if child.dep_ not in APPOSITION_DEPS:
            continue
        if child.ent_type_ == PERSON_LABEL or _misread_name(head, child):
            return child
    return None


def _misread_name(head: Token, name: Token) -> bool:
    """Two or three capitalised words after a title, which the recogniser left unlabelled, or
    after a relative, which may also be read as an organisation ("Her daughter, Siobhan
    Kearney,")."""
    words = [c for c in name.lefts if c.dep_ == "compound"] + [name]
    if not (2 <= len(words) <= 3 and all(w.tag_ in _NAME_TAGS and w.text.istitle() for w in words)):
        return False
    if head.lower_ in KIN_WORDS:
        return name.ent_type_ in ("", "ORG")
    return head.lower_ in TITLE_WORDS and not name.ent_type_


def _with_family_name(head: Token, name: str | None) -> str | None:
    """A first name given after whose relative the person is, with that family's name
    ("Clinton's husband, Bill" -> "Bill Clinton"); any other name as it is."""
    if not name or " " in name or head.lower_ not in KIN_WORDS:
        return name
    for owner in head.children:
        family = clean_name(owner.text)
        if owner.dep_ != "poss" or not family[:1].isupper() or owner.tag_ == "PRP$":
            continue
        # "Hillary's husband, Bill" says no family name.
        return name if family.lower() in GIVEN_NAMES else f"{name} {family}"
    return name


def mention_of(head: Token) -> Mention:
    """Read the mention whose head is ``head`` (usually a reporting verb's subject)."""
    doc = head.doc
    lower = head.lower_
    if lower in PERSON_PRONOUNS | GROUP_PRONOUNS | FIRST_PERSON or head.tag_ == "PRP":
        kind: SpeakerKind = "person" if lower in PERSON_PRONOUNS | {"i"} else "unknown"
        return Mention(head.text, head.idx, head.idx + len(head), None, None, kind, True, lower)
    source = _source_of_report(head)
    if source is not None:  # "a count by the Associated Press": the agency is the source
        return mention_of(source)
    named = _named_apposition(head)
    if named is not None:  # "Her campaign manager, Tom Reyes, said": the name speaks
        nominal = doc[_mention_tokens(head)[0].i : head.i + 1].text
        found = mention_of(named)
        text, start = f"{nominal}, {found.text}", _mention_tokens(head)[0].idx
        title = found.role or clean_name(nominal)
        full = _with_family_name(head, found.name)
        return Mention(text, start, found.end, full, title, "person", False, found.head)
    tokens = _mention_tokens(head)
    span = doc[tokens[0].i : tokens[-1].i + 1]
    kind = _kind(tokens, span, head)
    person = _entity({PERSON_LABEL}, head)
    name: str | None = None
    role: str | None = None
    if person is not None:
        person = _widen_name(person, tokens)
        name = clean_name(person.text)
        role = _role_before(tokens, person.start)
    elif (organisation := _entity({"ORG"}, head)) is not None:
        name = clean_name(organisation.text)  # "the Bureau of Labor Statistics", whole
    elif kind == "organisation" or head.tag_ in _NAME_TAGS:
        name = _proper_name(tokens)
        if name and head.tag_ not in _NAME_TAGS:  # "the Berg campaign", not "Berg"
            name = clean_name(doc[tokens[0].i : head.i + 1].text)
    role = role or _apposition_role(head)
    text = span.text
    name = one_apostrophe(name) if name else None
    return Mention(text, span.start_char, span.end_char, name, role, kind, False, lower)


def _proper_name(tokens: list[Token]) -> str | None:
    """The capitalised run of a mention ("the Associated Press" -> "Associated Press"); a
    full name after an owner without the owner ("the party's Nachman Shai" -> "Nachman
    Shai", but "Chad's Ambassador")."""
    owners = [i for i, t in enumerate(tokens[:-1]) if t.tag_ == "POS"]
    after = tokens[owners[-1] + 1 :] if owners else []
    if sum(t.tag_ in _NAME_TAGS for t in after) >= 2:
        tokens = after
    words = [t for t in tokens if t.tag_ in _NAME_TAGS or (t.is_title and t.dep_ == "compound")]
    if not words:
        return None
    text = clean_name(tokens[0].doc[words[0].i : words[-1].i + 1].text)
    return text or None


def name_suffix(name: str) -> str:
    """The suffix ending a name, lower case without its stop ("jr" of "Donald Trump Jr."), or
    ""."""
    words = name.split()
    last = words[-1].lower().rstrip(",") if len(words) > 1 else ""
    return last.rstrip(".") if last in NAME_SUFFIXES else ""


@lru_cache(maxsize=8192)
def name_parts(name: str) -> tuple[str, str]:
    """(first names, surname) of a person's name, suffixes dropped ("Martin Luther King Jr.")."""
    words = [w for w in clean_name(name).split() if w.lower().rstrip(",") not in NAME_SUFFIXES]
    if not words:
        return "", ""
    return " ".join(words[:-1]), words[-1]
