"""Rendering: answers and listings always fit Discord's limits, quotes are never cut mid-word."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import render
from bot.output import format_answer
from bot.render import (
    DESCRIPTION_CHARS,
    EMBED_CHARS,
    EMBEDS_PER_MESSAGE,
    FIELD_NAME_CHARS,
    FIELD_VALUE_CHARS,
    FIELDS_PER_EMBED,
    MESSAGE_CHARS,
    Reply,
)
from index.models import (
    Answer,
    ArticleRef,
    Progress,
    Quote,
    QuoteRecord,
    SearchResult,
    SkippedFile,
    Speaker,
    UpdateReport,
)

REF = ArticleRef("a1", "Talks stall", "2022-05-01", "Xinhua", "https://example.org/a1")


def make_answer(text: str, quotes: list[tuple[str, str]], *, ref: ArticleRef = REF) -> Answer:
    """An answer whose passage is ``text`` at offset 100, quoting the given (phrase, speaker)."""
    made = []
    for phrase, speaker in quotes:
        start = 100 + text.index(phrase)
        made.append(
            Quote(
                "a1",
                phrase,
                start,
                start + len(phrase),
                ((start, start + len(phrase)),),
                "direct",
                speaker,
                role="Foreign Minister",
            )
        )
    return Answer(ref, 7, text, 100, 100 + len(text), 0.83, tuple(made), {})


def assert_within_limits(replies: list[Reply]) -> None:
    for reply in replies:
        assert reply.content is None or len(reply.content) <= MESSAGE_CHARS
        assert 1 <= len(reply.embeds) <= EMBEDS_PER_MESSAGE
        assert sum(len(e) for e in reply.embeds) <= EMBED_CHARS
        for embed in reply.embeds:
            assert len(embed.description or "") <= DESCRIPTION_CHARS
            assert len(embed.fields) <= FIELDS_PER_EMBED
            for field in embed.fields:
                assert 0 < len(field.name) <= FIELD_NAME_CHARS
                assert 0 < len(field.value) <= FIELD_VALUE_CHARS


def field_text(replies: list[Reply], speaker: str) -> str:
    """All field values for one speaker's quotes, joined as a reader would read them."""
    values = [
        f.value.strip("“”")
        for r in replies
        for e in r.embeds
        for f in e.fields
        if f.name.startswith(speaker)
    ]
    return " ".join(values)


def test_short_answer_cites_speaker_article_and_highlights_quote() -> None:
    text = 'Talks are hard. "Peace needs sovereignty," Kuleba said.'
    result = SearchResult(
        "what did Kuleba say?",
        (make_answer(text, [("Peace needs sovereignty,", "Dmytro Kuleba")]),),
    )
    replies = render.answer_replies(result)
    assert_within_limits(replies)
    [reply] = replies
    assert reply.content == "**Q:** what did Kuleba say?"
    [embed] = reply.embeds
    assert embed.title == "Talks stall" and embed.url == "https://example.org/a1"
    assert "**Peace needs sovereignty,**" in embed.description
    assert embed.fields[0].name == "Dmytro Kuleba, Foreign Minister"
    assert embed.fields[0].value == "“Peace needs sovereignty,”"
    assert embed.footer.text == "2022-05-01 · Xinhua · score 0.83"


def test_article_text_cannot_format_or_ping() -> None:
    text = "**Bold** claim @everyone and <@&123> said __x__ ~~y~~ `z`."
    answer = make_answer(text, [("@everyone and <@&123>", "X")])
    [reply] = render.answer_replies(SearchResult("q @here", (answer,)))
    embed = reply.embeds[0]
    assert "\\*\\*Bold\\*\\*" in embed.description
    assert "@everyone" not in embed.description.replace("@\u200beveryone", "")
    assert "@here" not in (reply.content or "").replace("@\u200bhere", "")
    assert "\\_\\_x\\_\\_" in embed.description


def test_bad_url_is_left_out() -> None:
    ref = ArticleRef("a1", "T", None, None, "javascript:alert(1)")
    embed = render.answer_embeds(make_answer("said he.", [], ref=ref))[0]
    assert embed.url is None


def test_answer_longer_than_every_limit_is_split_without_losing_a_word() -> None:
    words = [f"w{i}ord" for i in range(3000)]
    quotes = []
    text_parts = []
    for q in range(30):
        phrase = " ".join(words[q * 100 : q * 100 + 100]) + f" *mark{q}*"
        text_parts.append(f'"{phrase}" said Speaker{q:02d}.')
        quotes.append((phrase, f"Speaker{q:02d}"))
    text = " ".join(text_parts)
    answers = tuple(make_answer(text, quotes) for _ in range(3))
    replies = render.answer_replies(SearchResult("long " * 600, answers))
    assert_within_limits(replies)
    assert len(replies) > 1
    for phrase, speaker in quotes:
        got = field_text(replies, speaker)
        expected = render.escape(phrase)
        assert expected.split() == got.split()[: len(expected.split())]
    description = replies[0].embeds[0].description
    assert description.endswith("…") and description.count("**") % 2 == 0


@pytest.mark.parametrize("limit", [1, 5, 40, 1024])
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=3000))
def test_split_words_never_loses_or_breaks_a_word(limit: int, text: str) -> None:
    chunks = render.split_words(text, limit)
    assert all(len(c) <= limit for c in chunks)
    if all(len(w) <= limit for w in text.split(" ")) and "\n" not in text:
        assert " ".join(chunks).split() == text.split()


@given(st.text(max_size=500), st.integers(min_value=2, max_value=300))
def test_shorten_cuts_between_words(text: str, limit: int) -> None:
    short = render.shorten(text, limit)
    assert len(short) <= limit
    if short != text:
        assert short.endswith("…")
        kept = short[:-1].split()
        if kept and len(text.split()[0]) < limit - 1:
            assert kept == text.split()[: len(kept)]


@given(st.text(min_size=1, max_size=2000))
def test_any_passage_renders_within_limits(text: str) -> None:
    quote_end = len(text) // 2
    answer = make_answer(text, [(text[:quote_end], "S")] if quote_end else [])
    assert_within_limits(render.answer_replies(SearchResult(text, (answer,))))


def test_no_answer_lists_closest_leads() -> None:
    result = SearchResult("who said x?", (), no_answer=True, closest=("Zelensky on talks", "*"))
    [reply] = render.answer_replies(result)
    assert "No passage answers" in reply.embeds[0].description
    assert "Zelensky on talks" in reply.embeds[0].description
    # The engine's reason, when it gives one, replaces the general sentence.
    why = 'No article mentions "Macron".'
    [reply] = render.answer_replies(replace(result, reason=why))
    assert reply.embeds[0].description.startswith(why)


def test_speaker_pages_paginate_with_counts() -> None:
    speakers = [
        Speaker(i, f"Person {i}", "person", roles=("mayor",), quote_count=i, article_count=1)
        for i in range(23)
    ]
    pages = render.speaker_pages(speakers)
    assert len(pages) == 3
    assert pages[0].footer.text == "Page 1/3 · 23 in all"
    assert "**Person 1** — mayor · 1 quote · 1 article" in pages[0].description
    assert render.speaker_pages([])[0].description == "No speaker matches."


def test_update_summary_fits_one_message_with_many_skipped_files() -> None:
    skipped = tuple(
        SkippedFile(f"bad{i}.txt", "not UTF-8 text; save the file as UTF-8", 3) for i in range(200)
    )
    report = UpdateReport(added=("a",), skipped=skipped, seconds=1.5)
    text = render.update_summary(report)
    assert len(text) <= MESSAGE_CHARS
    assert text.startswith(
        "Re-index done in 1.5s: 1 added, 0 changed, 0 removed, 0 unchanged, 200 skipped."
    )
    assert "Skipped bad0.txt:3: not UTF-8 text" in text
    assert re.search(r"…and \d+ more$", text)


def test_progress_text_names_articles_quotes_speakers_and_time() -> None:
    text = render.progress_text(
        Progress("embedding", 3, 10, quotes=41, new_speakers=1), elapsed=12.4
    )
    assert (
        text == "Re-indexing (embedding): 3 of 10 articles · 41 quotes found · 1 new speaker · 12s"
    )


def test_quote_pages_keep_links_whole_and_lines_short() -> None:
    quote = Quote("a1", "“" + "word " * 300 + "”", 0, 1, ((0, 1),), "direct", "S")
    record = QuoteRecord(
        quote, 1, "T" * 500, "2024-01-02", "Src", "https://example.org/" + "p" * 150
    )
    [page] = render.quote_pages("S", [record] * 3)
    lines = page.description.split("\n")
    assert len(lines) == 3
    for line in lines:
        assert len(line) <= render.LINE_CHARS
        assert "(https://example.org/" + "p" * 150 + "), 2024-01-02" in line
        assert line.startswith("“word word") and "””" not in line


@pytest.mark.parametrize("limit", [-5, 0, 1, 2])
def test_tiny_limits_do_not_hang(limit: int) -> None:
    assert len(render.shorten("a few words here", limit)) <= max(limit, 1) + 1
    assert render.split_words("a few words", limit)


@pytest.mark.parametrize("marked", ['"Peace needs sovereignty,"', "'Peace needs sovereignty,'"])
def test_a_quote_shows_between_marks_of_its_own_in_either_style(marked: str) -> None:
    text = f"Talks are hard. {marked} Kuleba said."
    result = SearchResult("q", (make_answer(text, [(marked, "Dmytro Kuleba")]),))
    [reply] = render.answer_replies(result)
    assert reply.embeds[0].fields[0].value == "\u201cPeace needs sovereignty,\u201d"
    assert "   \u201cPeace needs sovereignty,\u201d" in format_answer(1, result.answers[0])
