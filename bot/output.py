"""Pure text for the terminal: answers, update reports, and a progress bar on stderr."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from index.models import Answer, Progress, Quote, SearchResult, UpdateReport
from index.quote_marks import without_marks


def speaker_line(quote: Quote, roles: dict[str, str]) -> str:
    """'Dmytro Kuleba, Ukrainian Foreign Minister' or the unresolved mention, marked."""
    name = quote.speaker or "unknown speaker"
    if not quote.resolved:
        return f"{name} (unresolved)"
    role = roles.get(name) or quote.role
    return f"{name}, {role}" if role else name


def format_answer(number: int, answer: Answer) -> str:
    ref = answer.article
    head = " · ".join(x for x in (ref.title or ref.article_id, ref.date, ref.source) if x)
    lines = [f"{number}. {head}  (score {answer.score:.3f})"]
    for quote in answer.quotes:
        lines.append(f"   “{without_marks(quote.text)}”")
        lines.append(f"      — {speaker_line(quote, answer.roles)} [{quote.kind}]")
    if not answer.quotes:
        lines.append("   (no attributed quote in this passage)")
    body = textwrap.fill(answer.text, width=96, initial_indent="   | ", subsequent_indent="   | ")
    lines.append(body)
    lines.append(
        f"   {ref.article_id} [{answer.start}:{answer.end}]" + (f"  {ref.url}" if ref.url else "")
    )
    for other in answer.also_in:
        lines.append(f"   also in: {other.title or other.article_id} ({other.date or 'undated'})")
    return "\n".join(lines)


def format_answers(result: SearchResult) -> str:
    """A newcomer-readable answer block."""
    filters = []
    if result.speaker_filter:
        filters.append(f"speaker: {result.speaker_filter}")
    if result.date_filter:
        filters.append(f"dates: {result.date_filter[0] or '…'} to {result.date_filter[1] or '…'}")
    head = f"Q: {result.question}" + (f"  [{'; '.join(filters)}]" if filters else "")
    if result.no_answer:
        closest = f" Closest: {', '.join(result.closest)}." if result.closest else ""
        why = f" {result.reason}" if result.reason else ""
        return f"{head}\nThe articles hold nothing on this.{why}{closest}"
    return head + "\n\n" + "\n\n".join(format_answer(i, a) for i, a in enumerate(result.answers, 1))


def format_report(report: UpdateReport) -> str:
    lines = [
        f"{report.articles} articles, {report.passages} passages, {report.quotes} quotes, "
        f"{report.speakers} speakers (generation {report.generation}, {report.seconds:.1f} s)",
        f"added {len(report.added)}, changed {len(report.changed)}, removed {len(report.removed)}, "
        f"unchanged {report.unchanged}; {report.embedded} passages embedded",
    ]
    if report.new_speakers:
        shown = ", ".join(report.new_speakers[:10])
        more = f" and {len(report.new_speakers) - 10} more" if len(report.new_speakers) > 10 else ""
        lines.append(f"new speakers: {shown}{more}")
    for bad in report.skipped:
        where = f"{bad.path}:{bad.line}" if bad.line else bad.path
        lines.append(f"skipped {where}: {bad.reason}")
    return "\n".join(lines)


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Callable[[Progress], None] | None]:
    """A tqdm bar on stderr fed by `Progress` events."""
    if not enabled:
        yield None
        return
    from tqdm import tqdm

    bar = tqdm(total=0, unit="article", file=sys.stderr, desc="indexing", dynamic_ncols=True)

    def update(event: Progress) -> None:
        if event.total and bar.total != event.total:
            bar.total = event.total
        bar.set_description(event.stage, refresh=False)
        postfix: dict[str, object] = {"quotes": event.quotes}
        if event.rate:
            postfix["passages/s"] = f"{event.rate:.1f}"
        if event.eta is not None and event.done < event.total:
            postfix["left"] = tqdm.format_interval(event.eta)
        bar.set_postfix(postfix, refresh=False)
        bar.update(event.done - bar.n)  # update, not assignment: tqdm's own rate follows it

    try:
        yield update
    finally:
        bar.close()
