"""`whosaid`: the command line. Parse, call `index`, print; logs go to stderr."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bot.config import Settings, SettingsError, load_settings
from bot.output import format_answers, format_report, progress_bar
from index.errors import WhosaidError
from index.models import SearchResult

log = logging.getLogger("whosaid")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with help on every subcommand."""
    parser = argparse.ArgumentParser(
        prog="whosaid",
        description="Answer questions about news articles, always saying who said what.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        cmd.add_argument("--data", type=Path, help="index folder (default: WHOSAID_DATA_DIR)")
        cmd.add_argument("--json", action="store_true", help="machine-readable output on stdout")
        return cmd

    index = add("index", "Build or update the index from the articles folder.")
    index.add_argument(
        "--articles", type=Path, help="articles folder (default: WHOSAID_ARTICLES_DIR)"
    )
    index.add_argument("--rebuild", action="store_true", help="re-embed everything from scratch")

    ask = add("ask", "Answer a question with attributed passages (builds the index if needed).")
    ask.add_argument("question", nargs="?", help="the question, in plain words")
    ask.add_argument("-k", type=int, help="how many answers (default: WHOSAID_TOP_K)")
    ask.add_argument("--speaker", help="only passages quoting this speaker")
    ask.add_argument("--since", help="only articles dated on or after YYYY-MM-DD")
    ask.add_argument("--until", help="only articles dated on or before YYYY-MM-DD")
    ask.add_argument(
        "--questions", type=Path, help="a file of questions, one a line; JSON lines out"
    )
    ask.add_argument("--articles", type=Path, help="articles folder, if the index must be built")

    add("speakers", "List every speaker with quote count, aliases, roles and articles.")
    quotes = add("quotes", "List every quote with its speaker, cue and offsets.")
    quotes.add_argument("--article", help="only the quotes of this article id")
    quotes.add_argument("--speaker", help="only the quotes of this speaker")
    add("articles", "List the indexed articles.")
    add("status", "Show what the index holds and which model built it.")
    add("check", "Run the index's integrity checks; exit 1 if any fails.")
    add("run", "Start the Discord bot (needs DISCORD_TOKEN).")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `whosaid` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"whosaid: {exc}", file=sys.stderr)
        return 2
    level = logging.DEBUG if args.verbose else getattr(logging, settings.log_level)
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(_quiet_libraries(level))
    try:
        return COMMANDS[args.command](args, settings)
    except WhosaidError as exc:
        print(f"whosaid: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("whosaid: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `whosaid speakers | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


NOISY_LIBRARIES = ("faiss", "sentence_transformers", "httpx", "bm25s", "transformers")


def _quiet_libraries(level: int) -> Callable[[logging.LogRecord], bool]:
    """Libraries speak at WARNING and up unless -v; some set their own loggers' levels."""
    threshold = max(level, logging.WARNING)

    def keep(record: logging.LogRecord) -> bool:
        return record.levelno >= threshold or not record.name.startswith(NOISY_LIBRARIES)

    return keep


def open_engine(args: argparse.Namespace, settings: Settings) -> Any:
    from index.engine import Whosaid

    data = args.data or settings.data_dir
    return Whosaid(
        data,
        settings.embedding_model,
        settings.embedding_backend,
        vector_index=settings.vector_index,
    )


def _emit(args: argparse.Namespace, data: Any, text: str) -> None:
    if args.json:
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        print(text)


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    engine = open_engine(args, settings)
    articles = args.articles or settings.articles_dir
    with progress_bar(enabled=sys.stderr.isatty() or not args.json) as progress:
        # Loaded once here, so the next `ask` or bot reads the saved BM25 index.
        report = engine.update(articles, progress=progress, rebuild=args.rebuild, load=True)
    _emit(args, asdict(report), format_report(report))
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    if bool(args.questions) == bool(args.question):  # checked before any index is built
        print("whosaid ask: give a question or --questions FILE (one of them)", file=sys.stderr)
        return 2
    engine = open_engine(args, settings)
    if not engine.has_index():
        log.info("no index yet: building it first")
        with progress_bar(enabled=True) as progress:
            engine.update(args.articles or settings.articles_dir, progress=progress)
    k = settings.top_k if args.k is None else args.k
    options = dict(k=k, speaker=args.speaker, since=args.since, until=args.until)
    if args.questions:
        return _ask_many(engine, args.questions, options)
    result = engine.ask(args.question, **options)
    _emit(args, result_json(result), format_answers(result))
    return 0


def _ask_many(engine: Any, path: Path, options: dict[str, Any]) -> int:
    """One JSON object a line for each question in the file, each with its latency."""
    from index.errors import QuestionError

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionError(f"cannot read the questions file {path}: {exc}") from None
    for line in lines:
        if not line.strip():
            continue
        started = time.perf_counter()
        try:
            out = result_json(engine.ask(line, **options))
        except QuestionError as exc:
            out = {"question": line, "error": str(exc), "answers": []}
        out["latency_ms"] = round((time.perf_counter() - started) * 1000, 3)
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0


def result_json(result: SearchResult) -> dict[str, Any]:
    """The `ask --json` shape: offsets index the article text."""
    return {
        "question": result.question,
        "no_answer": result.no_answer,
        "closest": list(result.closest),
        "reason": result.reason,
        "speaker_filter": result.speaker_filter,
        "date_filter": list(result.date_filter) if result.date_filter else None,
        "answers": [
            {
                "article_id": a.article.article_id,
                "title": a.article.title,
                "date": a.article.date,
                "source": a.article.source,
                "url": a.article.url,
                "passage_id": a.passage_id,
                "text": a.text,
                "start": a.start,
                "end": a.end,
                "score": a.score,
                "quotes": [
                    {
                        "speaker": q.speaker,
                        "role": a.roles.get(q.speaker or "") or q.role,
                        "speaker_mention": q.speaker_mention,
                        "text": q.text,
                        "start": q.start,
                        "end": q.end,
                        "spans": [list(s) for s in q.spans],
                        "kind": q.kind,
                        "cue": q.cue,
                        "resolved": q.resolved,
                        "confidence": q.confidence,
                    }
                    for q in a.quotes
                ],
                "also_in": [asdict(ref) for ref in a.also_in],
            }
            for a in result.answers
        ],
    }


def cmd_speakers(args: argparse.Namespace, settings: Settings) -> int:
    speakers = open_engine(args, settings).speakers()
    lines = [
        f"{s.quote_count:4d}  {s.name}"
        + (f" ({s.roles[0]})" if s.roles else "")
        + f"  [{s.kind}; {s.article_count} article{'s' if s.article_count != 1 else ''}]"
        + (f"  aka {', '.join(s.aliases)}" if s.aliases else "")
        for s in speakers
    ]
    _emit(args, [asdict(s) for s in speakers], "\n".join(lines) or "no speakers yet")
    return 0


def cmd_quotes(args: argparse.Namespace, settings: Settings) -> int:
    engine = open_engine(args, settings)
    if args.speaker is not None and not args.speaker.strip():
        print("whosaid: --speaker is empty; give a name (see `whosaid speakers`)", file=sys.stderr)
        return 2
    if args.speaker and engine.find_speaker(args.speaker) is None:
        close = engine.close_speakers(args.speaker)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see `whosaid speakers`"
        print(f"whosaid: no speaker called {args.speaker} is quoted{hint}", file=sys.stderr)
        return 1
    records = engine.speaker_quotes(args.speaker) if args.speaker else engine.quotes(args.article)
    if args.speaker and args.article:
        records = [r for r in records if r.quote.article_id == args.article]
    rows = [
        {
            "article_id": r.quote.article_id,
            "speaker": r.quote.speaker,
            "speaker_mention": r.quote.speaker_mention,
            "role": r.quote.role,
            "text": r.quote.text,
            "start": r.quote.start,
            "end": r.quote.end,
            "spans": [list(s) for s in r.quote.spans],
            "cue": r.quote.cue,
            "kind": r.quote.kind,
            "resolved": r.quote.resolved,
            "confidence": r.quote.confidence,
            "date": r.article_date,
        }
        for r in records
    ]
    text = "\n".join(
        f"[{r['kind']}] {r['speaker'] or '?'}: {r['text']}  ({r['article_id']}, {r['cue'] or '-'})"
        for r in rows
    )
    _emit(args, rows, text or "no quotes")
    return 0


def cmd_articles(args: argparse.Namespace, settings: Settings) -> int:
    items = open_engine(args, settings).articles()
    text = "\n".join(
        f"{a.date or '----------'}  {a.id}  {a.title or ''}"
        f"  ({a.passages} passages, {a.quotes} quotes)"
        for a in items
    )
    _emit(args, [asdict(a) for a in items], text or "no articles indexed")
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    status = open_engine(args, settings).status()
    built = (
        time.strftime("%Y-%m-%d %H:%M", time.localtime(status.built_at))
        if status.built_at
        else "never"
    )
    text = (
        f"{status.articles} articles, {status.passages} passages, {status.quotes} quotes, "
        f"{status.speakers} speakers\ngeneration {status.generation}, built {built}, "
        f"model {status.model}, in {status.data_dir}"
    )
    _emit(args, asdict(status), text)
    return 0


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    problems = open_engine(args, settings).check()
    text = "\n".join(f"problem: {p}" for p in problems) or "index OK"
    if problems:
        text += "\nrebuild it from the articles with `whosaid index --rebuild`"
    _emit(args, {"ok": not problems, "problems": problems}, text)
    return 1 if problems else 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        from bot.client import run_bot
    except ImportError as exc:
        print(f"whosaid run: the Discord bot is not available ({exc})", file=sys.stderr)
        return 1
    return run_bot(settings) or 0


COMMANDS = {
    "index": cmd_index,
    "ask": cmd_ask,
    "speakers": cmd_speakers,
    "quotes": cmd_quotes,
    "articles": cmd_articles,
    "status": cmd_status,
    "check": cmd_check,
    "run": cmd_run,
}
