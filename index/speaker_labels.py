"""Statements introduced by a speaker's name and a colon, with no reporting verb.

Transcripts ("TAPPER: Do you think ..."), headlines ("Kuleba: Talks are going very hard")
and digests ("... - Jeffrey M. Jones: "Gallup's analysis ...""). The name must open its
paragraph (or follow a dash), or be followed directly by a quotation; it must look like a
name: a person or organisation entity, or a word in capitals as transcripts write them.
"""

from __future__ import annotations

from spacy.tokens import Doc, Token

from index.cues import LABEL_STOPWORDS, ORG_LABELS, PERSON_LABEL, inflected_report
from index.mentions import Mention, clean_name
from index.models import QuoteKind, SpeakerKind
from index.quote_parts import CONFIDENCE, Found, MarkIndex, trimmed

MAX_LABEL_TOKENS = 5
_NAME_TAGS = frozenset({"NNP", "NNPS"})
_DASHES = frozenset({"-", "\u2013", "\u2014"})


def _label_start(colon: Token) -> int | None:
    """Index of the first token of the name before ``colon``, if the tokens there are one."""
    doc = colon.doc
    start = colon.i
    while start > 0 and colon.i - start < MAX_LABEL_TOKENS:
        word = doc[start - 1]
        if word.tag_ not in _NAME_TAGS and not (word.is_upper and word.is_alpha):
            break
        if _reporting_word(word) and start < colon.i:  # "Continued Berg: ..."
            break
        start -= 1
    return start if start < colon.i else None


def _reporting_word(word: Token) -> bool:
    """An inflected reporting verb written as in prose ("Continued"; not "AHMED SAID")."""
    return not word.is_upper and inflected_report(word.text)


def _is_name(label: list[Token], surnames: set[str]) -> bool:
    if any(t.lower_.strip(".") in LABEL_STOPWORDS for t in label):
        return False
    if any(t.ent_type_ in ORG_LABELS - {"ORG"} or t.ent_type_ in ("DATE", "TIME") for t in label):
        return False
    entity = any(t.ent_type_ in (PERSON_LABEL, "ORG") for t in label)
    entity = entity or label[-1].lower_ in surnames
    shouted = all(t.is_upper and t.is_alpha and len(t) >= 3 for t in label)
    return entity or shouted


def _opens_paragraph(text: str, start: Token, paragraph_start: int) -> bool:
    before = text[paragraph_start : start.idx].strip()
    return not before or before[-1] in _DASHES


def _mention(label: list[Token]) -> Mention:
    text = label[0].doc[label[0].i : label[-1].i + 1].text
    name = clean_name(text)
    if name.isupper():
        name = name.title()
    kind: SpeakerKind = "organisation" if any(t.ent_type_ == "ORG" for t in label) else "person"
    end = label[-1].idx + len(label[-1])
    return Mention(text, label[0].idx, end, name, None, kind, False, label[-1].lower_)


def labelled_statements(doc: Doc, marks: MarkIndex) -> list[Found]:
    """'NAME: what they said' statements, the content running to the paragraph's end."""
    found: list[Found] = []
    paragraphs = marks.paragraphs
    p = 0
    surnames = {e[-1].lower_ for e in doc.ents if e.label_ == PERSON_LABEL and len(e) > 1}
    for colon in (t for t in doc if t.text == ":" and marks.token_quote[t.i] < 0):
        while p + 1 < len(paragraphs) and paragraphs[p][1] <= colon.idx:
            p += 1
        start = _label_start(colon)
        if start is None:
            continue
        quoted = marks.token_quote[colon.i + 1] if colon.i + 1 < len(doc) else -1
        lead = doc[start - 1] if start and _reporting_word(doc[start - 1]) else doc[start]
        opens = _opens_paragraph(marks.text, lead, paragraphs[p][0])
        if quoted < 0 and not opens:
            continue
        # A surname the recogniser missed counts in a headline ("Berg: ...", the article's
        # Anna Berg) or before a quotation opening a paragraph, not in a section heading.
        known = surnames if opens and (p == 0 or quoted >= 0) else set()
        if not _is_name(list(doc[start : colon.i]), known):
            continue
        end = colon.i + 1
        while end < len(doc) and "\n" not in doc[end].text:
            end += 1
        bounds = trimmed(doc, colon.i + 1, end)
        if bounds is None:
            continue
        pieces = list(marks.spans[quoted].pieces) if quoted >= 0 else [bounds]
        kind: QuoteKind = "direct" if quoted >= 0 else "indirect"
        mention = _mention(list(doc[start : colon.i]))
        used = [quoted] if quoted >= 0 else []
        found.append(Found(pieces, kind, None, ":", mention, CONFIDENCE["label"], used))
    return found
