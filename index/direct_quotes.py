"""Direct quotes: quotations with a reporting verb right after or right before them.

'"...," he said', '"...," said Anita Dunn', 'He said: "..."', a colon closing the paragraph
before a quotation, and quotations nothing reports: joined to the direct quote just before
them in the paragraph (interrupted or continued quotes), or floating quotes of the previous
speaker when they stand alone as a sentence.
"""

from __future__ import annotations

from bisect import bisect_right

from spacy.tokens import Doc, Token

from index.cues import CONTENT_DEPS, SUBJECT_DEPS
from index.mentions import mention_of, subject_of
from index.quote_marks import QuotedSpan
from index.quote_parts import (
    CONFIDENCE,
    SENTENCE_END,
    Found,
    MarkIndex,
    is_speech_verb,
    previous_word,
    speaker_head,
    token_at_or_after,
)

# How many tokens after a closing mark (or before an opening one) the reporting verb may be.
MAX_CUE_AFTER = 14
MAX_CUE_BEFORE = 10
MAX_CUE_BEFORE_COLON = 30
# Words that may sit between a quotation and its reporting verb besides the subject.
_BETWEEN_DEPS = frozenset({"advmod", "aux", "neg", "npadvmod"})
# Words before a quotation that make it part of a name ("the network's "Morning Report"").
_NAME_MODIFIER_TAGS = frozenset({"POS", "IN", "DT", "PRP$", "JJ", "NNP", "NNPS"})
# How a parser may hang a quoted clause on the name after it.
_MISHUNG_CLAUSE = frozenset({"ccomp", "parataxis", "dep", "advcl"})


def _has_own_content(verb: Token, quote: QuotedSpan, marks: MarkIndex) -> bool:
    """'"...." He said that ...': the verb governs a clause outside quotation marks and the
    quotation ended its sentence, so the verb reports the clause, not the quote. (After
    '"...,"' the verb is the attribution, whatever the parser hangs on it.)"""
    inner = marks.text[quote.start : quote.end].rstrip("\"'\u201d\u2019\u00bb ")
    if not inner.endswith((".", "!", "?")):
        return False
    return any(
        c.dep_ in CONTENT_DEPS and c.i > verb.i and not marks.inside(c.idx) for c in verb.children
    )


def _inside_phrase(doc: Doc, quote: QuotedSpan, marks: MarkIndex) -> bool:
    """The quotation is part of a phrase, after a word on its line: 'on the network's
    "Morning Report," Berg said ...' names a show, it is not what Berg said."""
    first = token_at_or_after(marks, quote.start)
    previous = previous_word(doc, first)
    return (
        previous is not None
        and "\n" not in marks.text[previous.idx : quote.start]
        and previous.tag_ in _NAME_MODIFIER_TAGS
        and marks.token_quote[previous.i] < 0
    )


def _cue_after(doc: Doc, quote: QuotedSpan, marks: MarkIndex) -> Token | None:
    if _inside_phrase(doc, quote, marks):
        return None
    first = token_at_or_after(marks, quote.end)
    for token in doc[first : first + MAX_CUE_AFTER]:
        if marks.token_quote[token.i] >= 0 or "\n" in token.text or token.text in SENTENCE_END:
            return None
        if is_speech_verb(token):
            # '"...," adding, "..."': the participle reports what follows, not this quote.
            if token.tag_ == "VBG" or _has_own_content(token, quote, marks):
                return None
            if not _adjacent_after(token, first):
                return None
            return token
    return None


def _adjacent_after(verb: Token, first: int) -> bool:
    """Only the verb's subject, adverbs and punctuation lie between the quote and the verb,
    and the subject does not hold the quote ('the "Save the Dam" campaign continues')."""
    subject = speaker_head(verb)
    # Parsers hang the closing mark on the subject: its words, not its punctuation, count;
    # and sometimes the quoted clause itself ('"That's fair," Berg, 69, told ...').
    if subject is not None and any(
        t.i < first and t.head.i >= first and t.dep_ not in _MISHUNG_CLAUSE and not t.is_punct
        for t in subject.subtree
    ):
        return False
    subjects = [c for c in verb.children if c.dep_ in SUBJECT_DEPS]
    allowed = {t.i for s in subjects for t in s.subtree}
    return all(
        t.i in allowed or t.is_punct or t.is_space or t.dep_ in _BETWEEN_DEPS
        for t in verb.doc[first : verb.i]
    )


def _cue_before(doc: Doc, quote: QuotedSpan, marks: MarkIndex) -> Token | None:
    """'He said, "..."', 'Berg told reporters: "..."', or a colon ending the paragraph
    before a quotation ('Dr. Ward stated:' then the quote as the next paragraph)."""
    first = token_at_or_after(marks, quote.start)
    previous = previous_word(doc, first)
    if previous is None or marks.token_quote[previous.i] >= 0:
        return None
    colon = previous.text == ":"
    if not colon and previous.text != "," and not is_speech_verb(previous):
        return None
    reach = MAX_CUE_BEFORE_COLON if colon else MAX_CUE_BEFORE
    for token in reversed(doc[max(0, previous.i + 1 - reach) : previous.i + 1]):
        if marks.token_quote[token.i] >= 0 or token.text in SENTENCE_END:
            return None
        if "\n" in token.text and not colon:
            return None
        if is_speech_verb(token):
            return token
    root = previous.sent.root
    ends_paragraph = "\n" in marks.text[previous.idx : quote.start]
    if colon and ends_paragraph and root.tag_.startswith("VB") and subject_of(root) is not None:
        return root  # 'He then listed the qualities he wants:' introduces what follows
    return None


def direct_quotes(doc: Doc, marks: MarkIndex) -> list[Found]:
    """Attributed quotations, joined where one reporting verb covers several."""
    found: list[Found] = []
    by_cue: dict[int, Found] = {}
    for n, quote in enumerate(marks.spans):
        before = _cue_before(doc, quote, marks)
        if before is not None and before.i in by_cue:  # '"...," he said, "..."'
            cue: Token | None = before
        elif _after_colon(marks.text, quote):
            cue = before
        else:
            cue = _cue_after(doc, quote, marks) or before
        if cue is None:
            continue
        if cue.i in by_cue:
            by_cue[cue.i].pieces.extend(quote.pieces)
            by_cue[cue.i].quoted.append(n)
            continue
        head = speaker_head(cue)
        mention = mention_of(head) if head is not None and not marks.inside(head.idx) else None
        item = Found(
            list(quote.pieces), "direct", cue, cue.text, mention, CONFIDENCE["direct"], [n]
        )
        by_cue[cue.i] = item
        found.append(item)
    return found


def _after_colon(text: str, quote: QuotedSpan) -> bool:
    index = quote.start - 1
    while index >= 0 and text[index].isspace():
        index -= 1
    return index >= 0 and text[index] == ":"


def _standalone(text: str, quote: QuotedSpan, paragraph: tuple[int, int]) -> bool:
    """The quotation is a sentence of its own: nothing but other sentences around it."""
    before = text[paragraph[0] : quote.start].rstrip()
    after = text[quote.end : paragraph[1]].lstrip()
    before_ok = not before or before[-1] in ".!?\u201d\u2019\"'"
    after_ok = not after or after[0].isupper() or after[0] in "\u201c\u2018\"'"
    return before_ok and after_ok


def _paragraph_of(bounds: list[tuple[int, int]], char: int) -> int:
    return max(0, bisect_right([b[0] for b in bounds], char) - 1)


def attach_unattributed(doc: Doc, marks: MarkIndex, found: list[Found]) -> list[Found]:
    """Join a quotation nothing reports to the direct quote just before it in its paragraph,
    or make it a floating quote of the previous speaker when it stands alone."""
    paragraphs = marks.paragraphs
    used = {n for f in found for n in f.quoted}
    floating: list[Found] = []
    for n, quote in enumerate(marks.spans):
        if n in used:
            continue
        earlier = [f for f in found + floating if f.pieces[-1][1] <= quote.start]
        if not earlier:
            continue
        prev = max(earlier, key=lambda f: f.pieces[-1][1])
        para = _paragraph_of(paragraphs, quote.start)
        prev_para = _paragraph_of(paragraphs, prev.pieces[-1][1] - 1)
        if not _standalone(marks.text, quote, paragraphs[para]) or para - prev_para > 1:
            continue
        if prev.kind == "direct" and prev_para == para and prev.confidence > CONFIDENCE["floating"]:
            prev.pieces.extend(quote.pieces)
            prev.quoted.append(n)
            continue
        confidence = CONFIDENCE["floating"]
        floating.append(
            Found(list(quote.pieces), "direct", None, None, prev.mention, confidence, [n])
        )
    return floating
