"""Quotes and their speakers in one parsed article: pure functions over a spaCy ``Doc``.

Three kinds of attribution are found, as the best rule-based extractors do:
- direct: a span in quotation marks with a reporting verb right after it ("..., he said") or
  right before it ("He said: ..."); quotes interrupted by the attribution, or continued in
  the next sentence, become one quote with several pieces;
- indirect and partial: the clause a reporting verb governs ("Kuleba said the process ..."),
  partial when it holds quoted words; and "according to X";
- floating: a quotation that is a sentence of its own, with nothing reporting it, belongs to
  the speaker of the attribution just before it (lower confidence).
Speakers are then resolved within the article by ``coref.py``.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from spacy.tokens import Doc, Token

from index.coref import ArticlePeople, collect_people, resolve_in_order
from index.cues import (
    CONTENT_DEPS,
    DIRECT_ONLY_VERBS,
    OBJECT_CONTENT_VERBS,
    OBJECT_DEPS,
    REQUIRED_CHILD,
    SUBJECT_DEPS,
    verb_forms,
)
from index.mentions import Mention, mention_of, subject_of
from index.models import Quote, QuoteKind
from index.quote_marks import QuotedSpan, find_quoted_spans, paragraph_bounds

# How many tokens after a closing mark (or before an opening one) the reporting verb may be.
MAX_CUE_AFTER = 14
MAX_CUE_BEFORE = 10
MAX_CUE_BEFORE_COLON = 30
# An indirect clause shorter than this is a fragment ("he said so"), not a statement.
MIN_CONTENT_TOKENS = 3
# Most of an indirect clause already inside a found quotation: the same statement.
OVERLAP_SAME = 0.5
# Words that may sit between a quotation and its reporting verb besides the subject.
_BETWEEN_DEPS = frozenset({"advmod", "aux", "neg", "npadvmod"})
_SENTENCE_END = frozenset({".", "!", "?"})
_TRIM = frozenset({",", ".", ";", ":", "-", "\u2014", "\u2013", "(", ")"})
CONFIDENCE = {"direct": 0.9, "indirect": 0.75, "partial": 0.8, "according": 0.7, "floating": 0.5}
UNRESOLVED_PENALTY = 0.2


@dataclass
class _Found:
    """An attribution while it is being assembled."""

    pieces: list[tuple[int, int]]
    kind: QuoteKind
    cue: Token | None
    cue_text: str | None
    mention: Mention | None
    confidence: float
    quoted: list[int] = field(default_factory=list)  # indices of the QuotedSpans used


class _Marks:
    """Which token lies inside which quotation."""

    def __init__(self, doc: Doc, spans: list[QuotedSpan]) -> None:
        self.spans = spans
        pieces = sorted((s, e, n) for n, q in enumerate(spans) for s, e in q.pieces)
        self._starts = [p[0] for p in pieces]
        self._pieces = pieces
        self.token_quote = [self.at(t.idx) for t in doc]

    def at(self, char: int) -> int:
        """Index of the quotation containing ``char``, or -1."""
        i = bisect_right(self._starts, char) - 1
        if i >= 0 and self._pieces[i][0] <= char < self._pieces[i][1]:
            return self._pieces[i][2]
        return -1

    def inside(self, char: int) -> bool:
        return self.at(char) >= 0


def is_speech_verb(token: Token) -> bool:
    """A reporting verb used as a verb ("said", "pointed out"), not a noun ("says" as NNS)."""
    lemma = verb_forms().get(token.lower_)
    if lemma is None or not token.tag_.startswith("VB"):
        return False
    required = REQUIRED_CHILD.get(lemma)
    if required is None:
        return True
    words, deps = required
    return any(c.lower_ in words or c.dep_ in deps for c in token.children)


def _speaker_head(verb: Token) -> Token | None:
    subject = subject_of(verb)
    # "Smith, who said ...": the speaker is the noun the relative clause hangs off.
    if subject is not None and subject.tag_ in ("WP", "WDT") and verb.dep_ == "relcl":
        return verb.head
    return subject


def _has_own_content(verb: Token, marks: _Marks) -> bool:
    """The verb governs a clause outside quotation marks: it reports that, not the quote."""
    return any(
        c.dep_ in CONTENT_DEPS and c.i > verb.i and not marks.inside(c.idx) for c in verb.children
    )


def _cue_after(doc: Doc, quote: QuotedSpan, marks: _Marks) -> Token | None:
    first = _token_at_or_after(doc, quote.end)
    for token in doc[first : first + MAX_CUE_AFTER]:
        if marks.token_quote[token.i] >= 0 or "\n" in token.text or token.text in _SENTENCE_END:
            return None
        if is_speech_verb(token):
            if _has_own_content(token, marks) or not _adjacent_after(token, first):
                return None
            return token
    return None


def _adjacent_after(verb: Token, first: int) -> bool:
    """Only the verb's subject, adverbs and punctuation lie between the quote and the verb,
    and the subject does not hold the quote ('the "Never Trump" movement continues')."""
    subject = _speaker_head(verb)
    if subject is not None and subject.left_edge.i < first:
        return False
    subjects = [c for c in verb.children if c.dep_ in SUBJECT_DEPS]
    allowed = {t.i for s in subjects for t in s.subtree}
    return all(
        t.i in allowed or t.is_punct or t.is_space or t.dep_ in _BETWEEN_DEPS
        for t in verb.doc[first : verb.i]
    )


def _previous_word(doc: Doc, index: int) -> Token | None:
    while index > 0:
        index -= 1
        if not doc[index].is_space:
            return doc[index]
    return None


def _cue_before(doc: Doc, quote: QuotedSpan, marks: _Marks) -> Token | None:
    """'He said, "..."', 'Trump told reporters: "..."', or a colon ending the paragraph
    before a quotation ('Dr. Ward stated:' then the quote as the next paragraph)."""
    first = _token_at_or_after(doc, quote.start)
    previous = _previous_word(doc, first)
    if previous is None or marks.token_quote[previous.i] >= 0:
        return None
    colon = previous.text == ":"
    if not colon and previous.text != "," and not is_speech_verb(previous):
        return None
    reach = MAX_CUE_BEFORE_COLON if colon else MAX_CUE_BEFORE
    for token in reversed(doc[max(0, previous.i + 1 - reach) : previous.i + 1]):
        if marks.token_quote[token.i] >= 0 or token.text in _SENTENCE_END:
            return None
        if "\n" in token.text and not colon:
            return None
        if is_speech_verb(token):
            return token
    root = previous.sent.root
    if colon and root.tag_.startswith("VB") and subject_of(root) is not None:
        return root  # 'He then listed the qualities he wants:' introduces what follows
    return None


def _token_at_or_after(doc: Doc, char: int) -> int:
    span = doc.char_span(char, char + 1, alignment_mode="expand")
    if span is not None and len(span):
        return span.start
    for token in doc:
        if token.idx >= char:
            return token.i
    return len(doc)


def _direct_quotes(doc: Doc, marks: _Marks) -> list[_Found]:
    """Attributed quotations, joined where one reporting verb covers several."""
    found: list[_Found] = []
    by_cue: dict[int, _Found] = {}
    for n, quote in enumerate(marks.spans):
        before = _cue_before(doc, quote, marks)
        cue = _cue_after(doc, quote, marks) if not _after_colon(doc, quote) else None
        cue = cue or before
        if cue is None:
            continue
        if cue.i in by_cue:
            by_cue[cue.i].pieces.extend(quote.pieces)
            by_cue[cue.i].quoted.append(n)
            continue
        head = _speaker_head(cue)
        mention = mention_of(head) if head is not None and not marks.inside(head.idx) else None
        item = _Found(
            list(quote.pieces), "direct", cue, cue.text, mention, CONFIDENCE["direct"], [n]
        )
        by_cue[cue.i] = item
        found.append(item)
    return found


def _after_colon(doc: Doc, quote: QuotedSpan) -> bool:
    return doc.text[: quote.start].rstrip().endswith(":")


def _trimmed(doc: Doc, start: int, end: int) -> tuple[int, int] | None:
    """Character bounds of tokens ``[start, end)`` without edge punctuation."""
    while start < end and (doc[start].text in _TRIM or doc[start].is_space):
        start += 1
    while end > start and (doc[end - 1].text in _TRIM or doc[end - 1].is_space):
        end -= 1
    if end - start < MIN_CONTENT_TOKENS:
        return None
    return doc[start].idx, doc[end - 1].idx + len(doc[end - 1])


def _trailing_report(verb: Token, marks: _Marks) -> int | None:
    """For "..., the Associated Press reported." the index of the comma before the subject."""
    subjects = [c for c in verb.children if c.dep_ in SUBJECT_DEPS and c.i < verb.i]
    if not subjects or any(c.dep_ in CONTENT_DEPS and c.i > verb.i for c in verb.children):
        return None
    comma = subjects[0].left_edge.i - 1
    sent = verb.sent
    if comma <= sent.start or verb.doc[comma].text != ",":
        return None
    after = verb.doc[verb.right_edge.i + 1 : sent.end]
    if marks.token_quote[comma - 1] >= 0 or not all(t.is_punct or t.is_space for t in after):
        return None  # '"...," the agency reported' is a direct quote, found elsewhere
    return comma


def _content_clause(verb: Token, marks: _Marks, cuts: list[int]) -> tuple[int, int] | None:
    """The clause ``verb`` reports (or, for "called for ...", its object), cut short of any
    trailing '..., X reported'."""
    children = [c for c in verb.children if c.dep_ in CONTENT_DEPS and not marks.inside(c.idx)]
    if not children and verb_forms()[verb.lower_] in OBJECT_CONTENT_VERBS:
        children = [c for c in verb.rights if c.dep_ in OBJECT_DEPS]
    if not children:
        return None
    start, end = children[0].left_edge.i, children[-1].right_edge.i + 1
    end = min([c for c in cuts if start < c < end] + [end])
    return _trimmed(verb.doc, start, end)


def _quoted_within(marks: _Marks, start: int, end: int) -> list[int]:
    return [n for n, q in enumerate(marks.spans) if start <= q.start and q.end <= end]


def _indirect_quotes(doc: Doc, marks: _Marks) -> list[_Found]:
    """Clauses governed by reporting verbs outside quotation marks."""
    verbs = [
        t
        for t in doc
        if is_speech_verb(t)
        and marks.token_quote[t.i] < 0
        and verb_forms()[t.lower_] not in DIRECT_ONLY_VERBS
    ]
    trailing = {v.i: c for v in verbs if (c := _trailing_report(v, marks)) is not None}
    cuts = sorted(trailing.values())
    found: list[_Found] = []
    for verb in verbs:
        if verb.i in trailing:
            bounds = _trimmed(doc, verb.sent.start, trailing[verb.i])
        else:
            bounds = _content_clause(verb, marks, cuts)
        head = _speaker_head(verb)
        if bounds is None or head is None or marks.inside(head.idx):
            continue
        quoted = _quoted_within(marks, *bounds)
        kind: QuoteKind = "partial" if quoted else "indirect"
        mention = mention_of(head)
        found.append(_Found([bounds], kind, verb, verb.text, mention, CONFIDENCE[kind], quoted))
    return found


def _according_to(doc: Doc, marks: _Marks) -> list[_Found]:
    """'According to X, ...': X is the speaker, the rest of the sentence the content."""
    found: list[_Found] = []
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
        left = _trimmed(doc, sent.start, token.i)
        right = _trimmed(doc, source.right_edge.i + 1, sent.end)
        sides = [b for b in (left, right) if b is not None]
        if not sides:
            continue
        bounds = max(sides, key=lambda b: b[1] - b[0])
        confidence = CONFIDENCE["according"]
        cue = "according to"
        found.append(_Found([bounds], "indirect", token, cue, mention_of(source), confidence))
    return found


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _covered(bounds: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    size = max(1, bounds[1] - bounds[0])
    return sum(_overlap(bounds, t) for t in taken) / size >= OVERLAP_SAME


def _drop_repeats(direct: list[_Found], others: list[_Found]) -> list[_Found]:
    """Indirect finds that restate a direct quote or an earlier find are the same statement."""
    taken = [p for f in direct for p in f.pieces]
    kept: list[_Found] = []
    for item in others:
        if _covered(item.pieces[0], taken):
            continue
        taken.extend(item.pieces)
        kept.append(item)
    return kept


def _standalone(text: str, quote: QuotedSpan, paragraph: tuple[int, int]) -> bool:
    """The quotation is a sentence of its own: nothing but other sentences around it."""
    before = text[paragraph[0] : quote.start].rstrip()
    after = text[quote.end : paragraph[1]].lstrip()
    before_ok = not before or before[-1] in ".!?\u201d\"'"
    after_ok = not after or after[0].isupper() or after[0] in "\u201c\"'"
    return before_ok and after_ok


def _paragraph_of(bounds: list[tuple[int, int]], char: int) -> int:
    return max(0, bisect_right([b[0] for b in bounds], char) - 1)


def _attach_unattributed(doc: Doc, marks: _Marks, found: list[_Found]) -> list[_Found]:
    """Join a quotation nothing reports to the direct quote just before it in its paragraph,
    or make it a floating quote of the previous speaker when it stands alone."""
    paragraphs = paragraph_bounds(doc.text)
    used = {n for f in found for n in f.quoted}
    floating: list[_Found] = []
    for n, quote in enumerate(marks.spans):
        if n in used:
            continue
        earlier = [f for f in found + floating if f.pieces[-1][1] <= quote.start]
        if not earlier:
            continue
        prev = max(earlier, key=lambda f: f.pieces[-1][1])
        para = _paragraph_of(paragraphs, quote.start)
        prev_para = _paragraph_of(paragraphs, prev.pieces[-1][1] - 1)
        if not _standalone(doc.text, quote, paragraphs[para]) or para - prev_para > 1:
            continue
        if prev.kind == "direct" and prev_para == para and prev.confidence > CONFIDENCE["floating"]:
            prev.pieces.extend(quote.pieces)
            prev.quoted.append(n)
            continue
        confidence = CONFIDENCE["floating"]
        floating.append(
            _Found(list(quote.pieces), "direct", None, None, prev.mention, confidence, [n])
        )
    return floating


def _to_quote(doc: Doc, people: ArticlePeople, item: _Found, article_id: str) -> Quote:
    pieces = tuple(sorted(item.pieces))
    text = " ".join(doc.text[s:e] for s, e in pieces)
    mention = item.mention
    if mention is None:
        return Quote(
            article_id, text, pieces[0][0], pieces[-1][1], pieces, item.kind, None,
            cue=item.cue_text, confidence=round(item.confidence - UNRESOLVED_PENALTY, 2),
        )  # fmt: skip
    who = resolve_in_order(doc, people, mention)
    confidence = item.confidence - (0 if who.resolved else UNRESOLVED_PENALTY)
    return Quote(
        article_id=article_id,
        text=text,
        start=pieces[0][0],
        end=pieces[-1][1],
        spans=pieces,
        kind=item.kind,
        speaker=who.speaker,
        speaker_mention=mention.text,
        speaker_start=mention.start,
        speaker_end=mention.end,
        role=who.role,
        cue=item.cue_text,
        speaker_kind=who.kind,
        resolved=who.resolved,
        confidence=round(confidence, 2),
    )


def extract_quotes(doc: Doc, article_id: str) -> list[Quote]:
    """Every quote in the parsed article ``doc``, in text order, with its resolved speaker.

    Offsets are into ``doc.text``. Text with unbalanced marks or no parse yields fewer
    quotes, never an error.
    """
    if not len(doc):
        return []
    marks = _Marks(doc, find_quoted_spans(doc.text))
    direct = _direct_quotes(doc, marks)
    others = _drop_repeats(direct, _indirect_quotes(doc, marks) + _according_to(doc, marks))
    found = direct + others
    found += _attach_unattributed(doc, marks, found)
    people = collect_people(doc, marks.inside)
    found.sort(key=lambda f: f.mention.start if f.mention else f.pieces[0][0])
    quotes = [_to_quote(doc, people, item, article_id) for item in found]
    return sorted(quotes, key=lambda q: (q.start, q.end))
