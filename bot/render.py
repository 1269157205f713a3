"""Pure: search results and listings -> Discord embeds and messages within Discord's limits.

Nothing here talks to Discord. Article text is escaped (markdown and mentions) before it is
placed, and every cut falls between words, so a quote is never split mid-word: a quote too
long for one field continues in the next field, never losing text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import discord

from index.models import (
    Answer,
    ArticleInfo,
    Progress,
    QuoteRecord,
    SearchResult,
    Speaker,
    Status,
    UpdateReport,
)
from index.quote_marks import without_marks

# Discord's limits, https://discord.com/developers/docs/resources/message#embed-object-embed-limits
MESSAGE_CHARS = 2000
TITLE_CHARS = 256
DESCRIPTION_CHARS = 4096
FIELD_NAME_CHARS = 256
FIELD_VALUE_CHARS = 1024
FIELDS_PER_EMBED = 25
FOOTER_CHARS = 2048
EMBED_CHARS = 6000  # all text of all embeds in one message together
EMBEDS_PER_MESSAGE = 10

NO_MENTIONS = discord.AllowedMentions.none()
COLOUR = discord.Colour.blurple()
ELLIPSIS = "…"
_LAST_SPACE = re.compile(r"\s\S*\Z")  # searched within a window: its last whitespace
LINES_PER_PAGE = 10
LINE_CHARS = 380  # ten listing lines stay well inside one description


@dataclass(frozen=True)
class Reply:
    """One Discord message: optional text and up to ten embeds."""

    content: str | None
    embeds: tuple[discord.Embed, ...] = ()


def escape(text: str) -> str:
    """Make article text inert: no markdown, no mentions (belt and braces with NO_MENTIONS)."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def shorten(text: str, limit: int) -> str:
    """``text`` if it fits, else its longest prefix ending at a word boundary, plus an ellipsis."""
    if len(text) <= limit:
        return text
    return split_words(text, limit - len(ELLIPSIS))[0].rstrip() + ELLIPSIS


def split_words(text: str, limit: int) -> list[str]:
    """Split ``text`` into chunks of at most ``limit`` characters, cutting only at whitespace.

    Only a single word longer than ``limit`` is cut inside, and never right after an escaping
    backslash, so escaped markdown stays escaped.
    """
    limit = max(limit, 1)
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        space = _LAST_SPACE.search(rest, 0, limit + 1)
        cut = space.start() if space else 0
        if cut <= 0 and rest[:1].isspace():
            rest = rest.lstrip()  # leading blanks: no word starts before them
            continue
        if cut <= 0:
            cut = limit - 1 if limit > 1 and rest[limit - 1] == "\\" else limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not chunks:
        chunks.append(rest)
    return chunks


def answer_replies(result: SearchResult, *, header: str | None = None) -> list[Reply]:
    """Messages for one `SearchResult`: a heading, then one embed (or more) per answer."""
    heading = header if header is not None else _question_heading(result)
    if result.no_answer or not result.answers:
        return [Reply(heading, (_no_answer_embed(result),))]
    embeds = [embed for answer in result.answers for embed in answer_embeds(answer)]
    return pack_messages(heading, embeds)


def answer_embeds(answer: Answer) -> list[discord.Embed]:
    """One answer as embeds: the passage with its quotes in bold, one field per quote."""
    ref = answer.article
    title = shorten(escape(ref.title or ref.article_id), TITLE_CHARS)
    first = discord.Embed(
        title=title, url=link(ref.url), description=_highlighted(answer), colour=COLOUR
    )
    footer = _footer(ref.date, ref.source, answer)
    fields = list(_quote_fields(answer))
    if answer.also_in:
        names = ", ".join(escape(a.title or a.article_id) for a in answer.also_in)
        fields.append(("Also in", shorten(names, FIELD_VALUE_CHARS)))
    embeds = [first]
    for name, value in fields:
        current = embeds[-1]
        too_many = len(current.fields) >= FIELDS_PER_EMBED
        if too_many or len(current) + len(name) + len(value) + len(footer) > EMBED_CHARS:
            current = discord.Embed(
                title=shorten(f"{title} (continued)", TITLE_CHARS), colour=COLOUR
            )
            embeds.append(current)
        current.add_field(name=name, value=value, inline=False)
    embeds[-1].set_footer(text=footer)
    return embeds


def pack_messages(content: str | None, embeds: Sequence[discord.Embed]) -> list[Reply]:
    """Put embeds into as few messages as Discord allows (10 embeds, 6,000 characters each)."""
    replies: list[Reply] = []
    batch: list[discord.Embed] = []
    size = 0
    for embed in embeds:
        if batch and (len(batch) == EMBEDS_PER_MESSAGE or size + len(embed) > EMBED_CHARS):
            replies.append(Reply(content if not replies else None, tuple(batch)))
            batch, size = [], 0
        batch.append(embed)
        size += len(embed)
    replies.append(Reply(content if not replies else None, tuple(batch)))
    return replies


def _question_heading(result: SearchResult) -> str:
    parts = [f"**Q:** {escape(result.question)}"]
    if result.speaker_filter:
        parts.append(f"(speaker: {escape(result.speaker_filter)})")
    if result.date_filter:
        parts.append(f"({result.date_filter[0]} to {result.date_filter[1]})")
    return shorten(" ".join(parts), MESSAGE_CHARS)


def _no_answer_embed(result: SearchResult) -> discord.Embed:
    lines = [f"• {shorten(escape(lead), LINE_CHARS)}" for lead in result.closest]
    text = result.reason or "No passage answers that closely enough."
    if lines:
        text += "\nThe closest leads:\n" + "\n".join(lines)
    return discord.Embed(
        title="No answer", description=shorten(text, DESCRIPTION_CHARS), colour=COLOUR
    )


def _highlighted(answer: Answer) -> str:
    """The passage, escaped, with each quote span in bold; cut at a word if over the limit."""
    spans = sorted(
        (max(s, answer.start), min(e, answer.end))
        for quote in answer.quotes
        for s, e in quote.spans
        if s < answer.end and e > answer.start
    )
    pieces: list[tuple[str, bool]] = []
    pos = answer.start
    for start, end in spans:
        if start < pos:  # overlapping spans: bold what is left of the later one
            start = pos
        if start >= end:
            continue
        pieces.append((answer.text[pos - answer.start : start - answer.start], False))
        pieces.append((answer.text[start - answer.start : end - answer.start], True))
        pos = end
    pieces.append((answer.text[pos - answer.start :], False))
    return _join_pieces(pieces, DESCRIPTION_CHARS)


def _join_pieces(pieces: Iterable[tuple[str, bool]], limit: int) -> str:
    """Escape and join (text, bold) pieces; if they do not fit, cut at a word and close bold."""
    out = ""
    for text, bold in pieces:
        piece = _styled(text, bold)
        if len(out) + len(piece) <= limit:
            out += piece
            continue
        room = limit - len(out) - len(ELLIPSIS) - (5 if bold else 0)  # " **" and "**"
        body = escape(text.strip() if bold else text)
        part = split_words(body, room)[0].strip() if room > 0 else ""
        if part:
            out += f" **{part}**" if bold else part
        return out.rstrip() + ELLIPSIS
    return out


def _styled(text: str, bold: bool) -> str:
    """Escaped text; bold goes around the words only, as Discord ignores ``** x**``."""
    if not bold or not text.strip():
        return escape(text)
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return f"{lead}**{escape(text.strip())}**{trail}"


def link(url: str | None) -> str | None:
    """``url`` if Discord will accept it as a link, else None (an embed with a bad url fails)."""
    if url and url.startswith(("https://", "http://")) and not any(c.isspace() for c in url):
        return url if len(url) <= 2048 else None
    return None


def _quote_fields(answer: Answer) -> Iterable[tuple[str, str]]:
    """A field per quote, named by its speaker and role; long quotes continue in more fields."""
    for quote in answer.quotes:
        speaker = quote.speaker or "Unattributed"
        role = answer.roles.get(speaker) or quote.role
        name = escape(speaker) + (f", {escape(role)}" if role else "")
        chunks = split_words(escape(without_marks(quote.text)), FIELD_VALUE_CHARS - 2)
        for i, chunk in enumerate(chunks):
            label = name if i == 0 else f"{name} (continued)"
            opening = "“" if i == 0 else ""
            closing = "”" if i == len(chunks) - 1 else ""
            yield shorten(label, FIELD_NAME_CHARS), f"{opening}{chunk}{closing}"


def _footer(date: str | None, source: str | None, answer: Answer) -> str:
    parts = [p for p in (date, source) if p]
    parts.append(f"score {answer.score:.2f}")
    return shorten(" · ".join(parts), FOOTER_CHARS)


def speaker_pages(speakers: Sequence[Speaker], *, title: str = "Speakers") -> list[discord.Embed]:
    """Speakers with quote count, role and number of articles, ten a page."""
    lines = []
    for s in speakers:
        role = f" — {escape(s.roles[0])}" if s.roles else ""
        lines.append(
            f"**{escape(s.name)}**{role} · {_count(s.quote_count, 'quote')}"
            f" · {_count(s.article_count, 'article')}"
        )
    return line_pages(title, lines, empty="No speaker matches.")


def quote_pages(name: str, records: Sequence[QuoteRecord]) -> list[discord.Embed]:
    """One speaker's quotes, in the order given (newest first), with article and date."""
    lines = []
    for r in records:
        where = shorten(escape(r.article_title or r.quote.article_id), 80)
        url = link(r.article_url)
        if url and len(url) <= 200:  # longer links would crowd out the quote
            where = f"[{where}]({url})"
        when = f", {r.article_date}" if r.article_date else ""
        room = LINE_CHARS - len(where) - len(when) - 6  # quote marks, dash, spaces
        quote = shorten(escape(without_marks(r.quote.text)), room)
        lines.append(f"“{quote}” — {where}{when}")
    return line_pages(f"Quotes by {escape(name)}", lines, empty="No quotes from this speaker.")


def article_pages(articles: Sequence[ArticleInfo]) -> list[discord.Embed]:
    """The indexed articles with date, source and counts."""
    lines = []
    for a in articles:
        head = f"**{escape(a.title or a.id)}**"
        meta = " · ".join(
            p for p in (a.date, a.source and escape(a.source), _count(a.quotes, "quote")) if p
        )
        lines.append(f"{head} · {meta}")
    return line_pages("Articles", lines, empty="No articles are indexed yet.")


def line_pages(
    title: str, lines: Sequence[str], *, empty: str, per_page: int = LINES_PER_PAGE
) -> list[discord.Embed]:
    """Listing lines as embeds of ``per_page`` lines with a page footer."""
    if not lines:
        return [discord.Embed(title=title, description=empty, colour=COLOUR)]
    chunks = [lines[i : i + per_page] for i in range(0, len(lines), per_page)]
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        text = "\n".join(shorten(line, LINE_CHARS) for line in chunk)
        embed = discord.Embed(title=shorten(title, TITLE_CHARS), description=text, colour=COLOUR)
        embed.set_footer(text=f"Page {number}/{len(chunks)} · {len(lines)} in all")
        pages.append(embed)
    return pages


def status_embed(status: Status, *, now: float) -> discord.Embed:
    """Index size, age and model."""
    embed = discord.Embed(title="Index status", colour=COLOUR)
    for name, value in (
        ("Articles", status.articles),
        ("Passages", status.passages),
        ("Quotes", status.quotes),
        ("Speakers", status.speakers),
    ):
        embed.add_field(name=name, value=f"{value:,}")
    age = "never built" if status.built_at is None else _age(now - status.built_at)
    embed.add_field(name="Built", value=age)
    embed.add_field(name="Model", value=escape(status.model))
    embed.set_footer(text=f"generation {status.generation}")
    return embed


def progress_text(progress: Progress | None, *, elapsed: float) -> str:
    """The line a running re-index shows, edited about once a second."""
    if progress is None:
        return f"Re-indexing: starting… ({elapsed:.0f}s)"
    left = f" · about {progress.eta:.0f}s left" if progress.eta and progress.done else ""
    return (
        f"Re-indexing ({progress.stage}): {progress.done} of {progress.total} articles · "
        f"{_count(progress.quotes, 'quote')} found · "
        f"{_count(progress.new_speakers, 'new speaker')} · {elapsed:.0f}s{left}"
    )


def update_summary(report: UpdateReport) -> str:
    """What a finished re-index did, and each skipped file with the reason."""
    lines = [
        f"Re-index done in {report.seconds:.1f}s: {len(report.added)} added, "
        f"{len(report.changed)} changed, {len(report.removed)} removed, "
        f"{report.unchanged} unchanged, {len(report.skipped)} skipped.",
        f"Index: {_count(report.articles, 'article')}, {_count(report.passages, 'passage')}, "
        f"{_count(report.quotes, 'quote')}, {_count(report.speakers, 'speaker')}.",
    ]
    if report.new_speakers:
        names = ", ".join(escape(n) for n in report.new_speakers)
        lines.append(shorten(f"New speakers: {names}", 600))
    for skipped in report.skipped:
        where = f"{skipped.path}:{skipped.line}" if skipped.line else skipped.path
        lines.append(f"Skipped {escape(where)}: {escape(skipped.reason)}")
    return _fit_lines(lines, MESSAGE_CHARS)


def _fit_lines(lines: Sequence[str], limit: int) -> str:
    """Join lines, replacing those that do not fit with a count of how many were left out."""
    out: list[str] = []
    for i, line in enumerate(lines):
        tail = f"…and {len(lines) - i} more"
        if len("\n".join([*out, line])) + len(tail) + 1 > limit:
            out.append(tail)
            break
        out.append(line)
    return "\n".join(out)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _age(seconds: float) -> str:
    delta = dt.timedelta(seconds=max(0, int(seconds)))
    if delta.days:
        return f"{delta.days} days ago" if delta.days != 1 else "1 day ago"
    hours, rest = divmod(delta.seconds, 3600)
    if hours:
        return f"{hours} h {rest // 60} min ago"
    return f"{rest // 60} min {rest % 60} s ago"
