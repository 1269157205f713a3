"""Reported speech: the clause a reporting verb or noun governs, and "according to X".

'Kuleba said the process ... has become more difficult' (indirect), the same with quoted
words inside (partial), 'called for a recount' (the object of some verbs), '..., the
Associated Press reported.' (a report trailing its sentence), 'According to him, ...'.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc, Token

from index.cues import (
    CIRCUMSTANCE_PREPOSITIONS,
    CONTENT_DEPS,
    DAY_WORDS,
    DIRECT_ONLY_VERBS,
    LIGHT_VERBS,
    OBJECT_CONTENT_VERBS,
    OBJECT_DEPS,
    STATEMENT_NOUNS,
    SUBJECT_DEPS,
    verb_forms,
)
from index.mentions import Mention, mention_of
from index.models import QuoteKind, SpeakerKind
from index.quote_parts import (
    CONFIDENCE,
    MIN_CONTENT_TOKENS,
    Found,
    MarkIndex,
    is_speech_verb,
    quoted_within,
    speaker_head,
    token_at_or_after,
    trimmed,
    with_closing_mark,
)

# Where a that-clause may be hung by mistake, and the labels it then gets.
_ADJUNCT_DEPS = frozenset({"prep", "pobj", "dobj", "npadvmod", "compound", "appos", "dative"})
_CLAUSE_DEPS = frozenset({"acl", "relcl", "ccomp", "advcl"})
# What may open the clause after a day: 'said on Friday he / the mayor / Berg / that ...'.
_CLAUSE_OPENING_TAGS = frozenset({"PRP", "PRP$", "DT", "PDT", "NNP", "NNPS", "EX", "IN"})
# Verbs that 'as X <verb>' reports with: 'as the paper noted', not 'as she testified'.
_AS_VERBS = frozenset(
    "say note report point explain write tell argue predict warn suggest acknowledge claim "
    "state recall put emphasize emphasise stress insist".split()
)
# What a phrase before the report's subject is when it only modifies the verb.
_MODIFIER_DEPS = frozenset({"advcl", "prep", "npadvmod", "advmod"})
_WITHHOLDING = frozenset(
    {"decline", "declines", "declined", "declining", "refuse", "refuses", "refused", "refusing"}
)
_CONTRASTS = frozenset({"but", "yet", "though", "although", "whereas"})
# A report inside a condition or a reason is part of the clause: '... if he had told her'.
_CONDITIONS = frozenset({"if", "unless", "because", "whether"})


def _parenthetical_report(verb: Token, marks: MarkIndex) -> list[tuple[int, int]] | None:
    """Token ranges of the sentence around a report set off by commas: '..., the Associated
    Press reported.', 'The river, she said, is rising.', 'As the paper noted, ...'. None for
    other verbs."""
    if (ranges := _as_report(verb)) is not None:
        return ranges
    subjects = [c for c in verb.children if c.dep_ in SUBJECT_DEPS and c.i < verb.i]
    if not subjects or any(c.dep_ in CONTENT_DEPS and c.i > verb.i for c in verb.children):
        return None
    if _misplaced_that(verb):  # '..., Berg said at a news conference that ...'
        return None
    doc, sent = verb.doc, verb.sent
    comma = subjects[0].left_edge.i - 1
    if comma <= sent.start or doc[comma].text != ",":
        return None
    quoted = marks.token_quote[comma - 1]
    if quoted >= 0 and marks.spans[quoted].start <= sent.start_char:
        return None  # '"...," the agency reported' is a direct quote, found elsewhere
    # The verb's own words end before the punctuation the parser may hang on it.
    after = max(t.i for t in verb.subtree if not (t.is_punct or t.is_space)) + 1
    if all(t.is_punct or t.is_space for t in doc[after : sent.end]):
        ranges = [(sent.start, comma)]
    elif after < len(doc) and doc[after].text == ",":
        ranges = [(sent.start, comma), (after + 1, sent.end)]
    else:
        return None
    # What is reported is a clause: "Shortly after the vote, Berg announced ..." is not, nor
    # is one that only tells when or how: "Addressing the topic on Monday, the council urged".
    if not any(t.tag_.startswith("VB") or t.tag_ == "MD" for a, z in ranges for t in doc[a:z]):
        return None
    if _only_modifies(verb, *ranges[0]):
        return None
    return ranges


def _as_report(verb: Token) -> list[tuple[int, int]] | None:
    """The clause around 'as X noted' (before it or after it): 'As the paper noted, it is
    ...', '..., as Berg said on Monday.' A verb that says something itself ('As he announced
    his run, ...', 'as she called for a boycott') tells when or why, not what."""
    if verb.dep_ != "advcl" or verb_forms().get(verb.lower_) not in _AS_VERBS:
        return None  # 'As she testified, her husband watched': when, not what
    if not any(c.dep_ == "mark" and c.lower_ == "as" and c.i < verb.i for c in verb.children):
        return None
    head = verb.head
    if not head.tag_.startswith("VB") or any(c.dep_ == "nsubjpass" for c in verb.children):
        return None  # 'as angry as he said', 'as it is written'
    said = [c for c in verb.children if c.dep_ in OBJECT_DEPS and not _circumstance(c)]
    if said and not (verb_forms()[verb.lower_] == "tell" and [c.dep_ for c in said] == ["dobj"]):
        return None
    before = (head.left_edge.i, verb.left_edge.i)
    after = (verb.right_edge.i + 1, head.right_edge.i + 1)
    return [r for r in (before, after) if r[1] > r[0]] or None


def _only_modifies(verb: Token, start: int, end: int) -> bool:
    """Whether tokens [start, end) hang on ``verb`` as modifiers with no subject of their own,
    so they say when or how it was said: 'Addressing the topic on Monday', 'Asked about it'."""
    doc = verb.doc
    heads = [t for t in doc[start:end] if not start <= t.head.i < end or t.head.i == t.i]
    return bool(heads) and all(
        t.head.i == verb.i
        and t.dep_ in _MODIFIER_DEPS
        and not any(c.dep_ in SUBJECT_DEPS for c in t.children)
        for t in heads
        if not (t.is_punct or t.is_space)
    )


def _content_clause(verb: Token, marks: MarkIndex, cuts: list[int]) -> tuple[int, int] | None:
    """The clause ``verb`` reports (or, for "called for ...", its object), cut short of any
    trailing '..., X reported'."""
    # A clause whose verb is inside quotation marks still counts ('said the council would
    # "think again"'); a clause that is all quotation is dropped later as a repeat.
    children = [c for c in verb.children if c.dep_ in CONTENT_DEPS] or _misplaced_that(verb)
    if not children and verb_forms()[verb.lower_] in OBJECT_CONTENT_VERBS:
        children = [c for c in verb.rights if c.dep_ in OBJECT_DEPS and not _circumstance(c)]
    if not children:
        return None
    start, end = _past_the_day(verb.doc, children[0].left_edge.i), children[-1].right_edge.i + 1
    end = min([c for c in cuts if start < c < end] + [end])
    end = min([_other_report(t) for t in verb.doc[start:end] if _other_report(t)] + [end])
    return trimmed(verb.doc, start, end)


def _past_the_day(doc: Doc, start: int) -> int:
    """Past a day the parser put at the head of the clause: 'said on Friday he met ...',
    'said Monday the harbor ...' (not 'on Monday's vote', 'on March sales', 'Friday was')."""
    day = start + 1 if doc[start].lower_ == "on" else start
    if day + 1 >= len(doc) or doc[day].lower_ not in DAY_WORDS:
        return start
    if day == start and doc[day].dep_ != "npadvmod":
        return start
    after = doc[day + 1]
    if after.text == ",":
        return day + 2
    return day + 1 if after.tag_ in _CLAUSE_OPENING_TAGS else start


def _circumstance(child: Token) -> bool:
    """A phrase that says when or where something was said, not what: 'in Paris', 'on
    Friday' (but 'commented on the plan')."""
    if child.dep_ != "prep" or any(t.dep_ in _CLAUSE_DEPS for t in child.subtree):
        return False  # 'warned in a letter that the plant would close', misparsed
    return child.lower_ in CIRCUMSTANCE_PREPOSITIONS or any(
        c.dep_ == "pobj" and c.lower_ in DAY_WORDS for c in child.children
    )


def _misplaced_that(verb: Token) -> list[Token]:
    """A that-clause the parser hung on an adjunct of the verb: 'said in a statement that
    ...', 'telling reporters during a visit on Friday that ...'."""
    for token in verb.rights:
        if token.dep_ not in _ADJUNCT_DEPS:
            continue
        for inner in token.subtree:
            if inner.dep_ in _CLAUSE_DEPS and _has_that(inner) and _through_adjuncts(inner, verb):
                return [inner]
    return []


def _through_adjuncts(clause: Token, verb: Token) -> bool:
    node = clause.head
    while node.i != verb.i:  # spaCy makes a new Token each time: compare positions
        if node.dep_ not in _ADJUNCT_DEPS or node.head.i == node.i:
            return False
        node = node.head
    return True


def _other_report(token: Token) -> int:
    """Where the clause stops being the report: a second report joined to it ('... the
    plan was sound, while other engineers said ...', '... and suggested that ...', but not
    '... if he had told her') or a contrast with a subject of its own ('..., but for the
    council it is ...'), or 0."""
    if token.dep_ not in ("advcl", "conj"):
        return 0
    if is_speech_verb(token) and not any(c.lower_ in _CONDITIONS for c in token.children):
        return token.left_edge.i
    if token.dep_ != "conj" or not any(c.dep_ == "nsubj" for c in token.children):
        return 0
    if _has_that(token):  # '... but that she ...' goes on with the same report
        return 0
    contrasts = [c.i for c in token.children if c.dep_ == "cc" and c.lower_ in _CONTRASTS]
    return min(contrasts) if contrasts else 0


def _withheld(verb: Token) -> bool:
    """A statement not made: 'did not respond to a request for comment', 'declined to say
    whether ...', 'would not say when ...'."""
    if verb.dep_ == "xcomp" and verb.head.lower_ in _WITHHOLDING:
        return True
    if not any(c.dep_ == "neg" for c in verb.children):
        return False
    # 'would not say whether ...' withholds; 'did not say that ...' still reports.
    clauses = [c for c in verb.children if c.dep_ in CONTENT_DEPS]
    return not clauses or any(_asks(c) for c in clauses)


def _put_to_speaker(verb: Token) -> bool:
    """A question put to the speaker by someone unnamed: 'Asked whether he would stay, Reyes
    said ...' ('Asked by the host whether ...' names the asker)."""
    return (
        verb.tag_ == "VBN"
        and verb.lower_ == "asked"
        and verb.i == verb.sent.start
        and not any(c.dep_ == "agent" for c in verb.children)
    )


def _asks(clause: Token) -> bool:
    """A clause that asks rather than states: 'whether ...', 'when ...'."""
    first = clause.left_edge
    return first.lower_ in ("whether", "if") or first.tag_ in ("WRB", "WP", "WDT")


def _reports_a_clause(verb: Token, direct_cues: set[int]) -> bool:
    """A verb that attributes a quotation reports a clause of its own only when the clause
    says so with "that"; otherwise its "clause" is the parser's misreading of the text
    after the attribution."""
    if verb.i not in direct_cues:
        return True
    return any(c.dep_ in CONTENT_DEPS and c.i > verb.i and _has_that(c) for c in verb.children)


def _has_that(clause: Token) -> bool:
    return any(c.dep_ == "mark" and c.lower_ == "that" for c in clause.children)


def indirect_quotes(doc: Doc, marks: MarkIndex, direct_cues: set[int]) -> list[Found]:
    """Clauses governed by reporting verbs outside quotation marks."""
    verbs = [
        t
        for t in doc
        if is_speech_verb(t)
        and marks.token_quote[t.i] < 0
        and verb_forms()[t.lower_] not in DIRECT_ONLY_VERBS
        and _reports_a_clause(t, direct_cues)
        and not _withheld(t)
    ]
    around = {v.i: r for v in verbs if (r := _parenthetical_report(v, marks)) is not None}
    cuts = sorted(ranges[0][1] for ranges in around.values())
    found: list[Found] = []
    for verb in verbs:
        if verb.i in around:
            pieces = [b for a, z in around[verb.i] if (b := trimmed(doc, a, z, 1)) is not None]
            if sum(z - a for a, z in around[verb.i]) < MIN_CONTENT_TOKENS:
                pieces = []
        else:
            pieces = [b for b in [_content_clause(verb, marks, cuts)] if b is not None]
        head = speaker_head(verb)
        if not pieces or head is None or marks.inside(head.idx):
            continue
        pieces = [with_closing_mark(marks, b) for b in pieces]
        quoted = [n for a, z in pieces for n in quoted_within(marks, a, z)]
        kind: QuoteKind = "partial" if quoted else "indirect"
        mention = None if _put_to_speaker(verb) else mention_of(head)
        found.append(Found(pieces, kind, verb, verb.text, mention, CONFIDENCE[kind], quoted))
    return found


def according_to(doc: Doc, marks: MarkIndex) -> list[Found]:
    """'According to X, ...': X is the speaker, the rest of the sentence the content."""
    found: list[Found] = []
    for token in doc[:-1]:
        if token.lower_ != "according" or doc[token.i + 1].lower_ != "to":
            continue
        if marks.token_quote[token.i] >= 0:
            continue
        objects = [c for c in doc[token.i + 1].children if c.dep_ == "pobj"]
        if not objects:
            continue
        source = objects[0]
        sent = token.sent
        left = trimmed(doc, sent.start, token.i)
        right = trimmed(doc, source.right_edge.i + 1, sent.end)
        sides = [b for b in (left, right) if b is not None]
        if not sides:
            continue
        bounds = max(sides, key=lambda b: b[1] - b[0])
        confidence = CONFIDENCE["according"]
        cue = "according to"
        found.append(Found([bounds], "indirect", token, cue, mention_of(source), confidence))
    return found


_STATEMENT_NOUN = re.compile(r"\b(?:" + "|".join(sorted(STATEMENT_NOUNS)) + r")s?\b", re.IGNORECASE)
# A possessive pronoun as the speaker: read as its subject form is read.
_POSSESSIVE_PRONOUNS = {"his": "he", "her": "she", "their": "they", "its": "it", "our": "we"}


def nominal_reports(doc: Doc, marks: MarkIndex) -> list[Found]:
    """The clause a report noun governs, with its owner as the speaker: "his insistence that
    ...", "Clinton's claim that ...", "warnings from economists that ...", "he made the
    suggestion that ...". A report no one is named for ("the claim that ...") is left out."""
    found: list[Found] = []
    # Found in the text first: reading every token of the Doc costs more than the rule.
    for match in _STATEMENT_NOUN.finditer(marks.text):
        index = token_at_or_after(marks, match.start())
        if index >= len(doc) or doc[index].idx != match.start():
            continue
        noun = doc[index]
        if not _used_as_noun(noun) or marks.token_quote[noun.i] >= 0 or noun.dep_ == "ROOT":
            continue  # a noun the parser made the root has swallowed the sentence's verb
        clause = _noun_content(noun)
        source = _noun_source(noun) if clause is not None else None
        if clause is None or source is None or marks.inside(source.idx):
            continue
        end = clause.right_edge.i + 1
        if noun.head.i > noun.i:  # 'Her warning that the dam would burst went unheeded'
            end = min(end, noun.head.i)
        bounds = trimmed(doc, clause.left_edge.i, end)
        if bounds is None:
            continue
        bounds = with_closing_mark(marks, bounds)
        quoted = quoted_within(marks, *bounds)
        kind: QuoteKind = "partial" if quoted else "indirect"
        mention = _possessive_mention(source) or mention_of(source)
        found.append(Found([bounds], kind, noun, noun.text, mention, CONFIDENCE[kind], quoted))
    return found


def _used_as_noun(token: Token) -> bool:
    """A noun, also where the tagger took one for a verb ('her warning that')."""
    return token.tag_ in ("NN", "NNS") or (
        token.tag_ == "VBG" and any(c.dep_ in ("poss", "det") for c in token.children)
    )


def _noun_content(noun: Token) -> Token | None:
    """The that-clause or infinitive a report noun governs: 'the claim that ...', 'his
    promise to build ...', 'his statement on Wednesday that ...' (not 'the claim that he
    made', a relative clause)."""
    for child in noun.rights:
        if child.dep_ in ("acl", "ccomp") and (
            _has_that(child) or any(c.dep_ == "aux" and c.lower_ == "to" for c in child.children)
        ):
            return child
    misplaced = _misplaced_that(noun)
    return misplaced[0] if misplaced else None


def _noun_source(noun: Token) -> Token | None:
    """Whose report a noun is: its owner ('his', "Clinton's"), 'from X', or the subject of
    the verb that makes it ('he made the suggestion')."""
    for child in noun.children:
        if child.dep_ == "poss":
            return child
    for child in noun.children:
        if child.dep_ == "prep" and child.lower_ == "from":
            return next((c for c in child.children if c.dep_ == "pobj"), None)
    if noun.dep_ == "dobj" and noun.head.lower_ in LIGHT_VERBS:
        return speaker_head(noun.head)
    return None


def _possessive_mention(token: Token) -> Mention | None:
    """'his', 'her' as the mention of a pronoun speaker, for the resolver."""
    subject = _POSSESSIVE_PRONOUNS.get(token.lower_)
    if subject is None or token.tag_ != "PRP$":
        return None
    kind: SpeakerKind = "person" if subject in ("he", "she") else "unknown"
    return Mention(token.text, token.idx, token.idx + len(token), None, None, kind, True, subject)
