"""Check the hand-written retrieval question sets and print their counts.

Usage (from the repository root)::

    python benchmarks/questions/check_questions.py --gold ../shared/data/polnear-train

Checks every line of ``seed.jsonl``, ``polnear.jsonl``, ``polnear_heldout.jsonl``,
``polnear_heldout3.jsonl``, ``polnear_heldout4.jsonl``, ``polnear_heldout5.jsonl``,
``polnear_heldout6.jsonl``, ``polnear_heldout7.jsonl``, ``polnear_heldout8.jsonl``,
``polnear_heldout9.jsonl``, ``polnear_heldout10.jsonl``, ``polnear_heldout11.jsonl``,
``polnear_heldout12.jsonl``, ``polnear_heldout13.jsonl`` and the fourteen ``unanswerable``
sets: valid JSON, the expected fields and types, article ids that exist, ``[start, end)`` offsets
inside the article text (and not blank), no article title pasted into a question, no long run of
words copied from the answering article, month/year in date questions matching the article date,
and the ``absent_terms`` of unanswerable questions really absent from the corpus. Prints the counts
per file and type and exits non-zero on any error or unmet minimum count.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SEED_ID = "000_8652565bec4607e8.txt"
ANSWER_TYPES = {"who-said", "what-did-x-say", "fact", "date", "paraphrase"}
MINIMUMS = {
    "seed.jsonl": 15,
    "polnear.jsonl": 150,
    "unanswerable.jsonl": 40,
    "unanswerable_heldout.jsonl": 20,
    "polnear_heldout.jsonl": 40,
    "unanswerable_heldout2.jsonl": 40,
    "polnear_heldout3.jsonl": 40,
    "unanswerable_heldout3.jsonl": 40,
    "polnear_heldout4.jsonl": 40,
    "unanswerable_heldout4.jsonl": 40,
    "polnear_heldout5.jsonl": 40,
    "unanswerable_heldout5.jsonl": 40,
    "polnear_heldout6.jsonl": 40,
    "unanswerable_heldout6.jsonl": 40,
    "polnear_heldout7.jsonl": 40,
    "unanswerable_heldout7.jsonl": 40,
    "polnear_heldout8.jsonl": 40,
    "unanswerable_heldout8.jsonl": 40,
    "polnear_heldout9.jsonl": 40,
    "unanswerable_heldout9.jsonl": 40,
    "polnear_heldout10.jsonl": 40,
    "unanswerable_heldout10.jsonl": 40,
    "polnear_heldout11.jsonl": 40,
    "unanswerable_heldout11.jsonl": 40,
    "polnear_heldout12.jsonl": 40,
    "unanswerable_heldout12.jsonl": 40,
    "polnear_heldout13.jsonl": 40,
    "unanswerable_heldout13.jsonl": 40,
}
# answerable sets over polnear-train
POLNEAR_FILES = (
    "polnear.jsonl",
    "polnear_heldout.jsonl",
    "polnear_heldout3.jsonl",
    "polnear_heldout4.jsonl",
    "polnear_heldout5.jsonl",
    "polnear_heldout6.jsonl",
    "polnear_heldout7.jsonl",
    "polnear_heldout8.jsonl",
    "polnear_heldout9.jsonl",
    "polnear_heldout10.jsonl",
    "polnear_heldout11.jsonl",
    "polnear_heldout12.jsonl",
    "polnear_heldout13.jsonl",
)
UNANSWERABLE_FILES = (
    "unanswerable.jsonl",
    "unanswerable_heldout.jsonl",
    "unanswerable_heldout2.jsonl",
    "unanswerable_heldout3.jsonl",
    "unanswerable_heldout4.jsonl",
    "unanswerable_heldout5.jsonl",
    "unanswerable_heldout6.jsonl",
    "unanswerable_heldout7.jsonl",
    "unanswerable_heldout8.jsonl",
    "unanswerable_heldout9.jsonl",
    "unanswerable_heldout10.jsonl",
    "unanswerable_heldout11.jsonl",
    "unanswerable_heldout12.jsonl",
    "unanswerable_heldout13.jsonl",
)
MIN_POLNEAR_ARTICLES = 100
COPY_WORDS = 8  # a question may not share this many consecutive words with its article
_MONTH_NAMES = (
    "january february march april may june july august september october november december"
)
MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES.split(), start=1)}
_MONTH_YEAR = re.compile(r"\b(" + "|".join(MONTHS) + r")\s+(\d{4})\b", re.IGNORECASE)
_DATE_PREFIX = re.compile(r"\A\s*date:?\s+(\S+)[ \t]*(\n|[ \t]+)", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9']+")


def seed_text(path: Path) -> str:
    """The seed's text as the project's loader gives it (date prefix stripped, then trimmed)."""
    try:
        sys.path.insert(0, str(REPO))
        from index.articles import parse_article

        return parse_article(path.name, path.read_bytes())[0].text
    except ImportError:
        raw = path.read_text(encoding="utf-8-sig")
        match = _DATE_PREFIX.match(raw)
        return (raw[match.end() :] if match else raw).strip()


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def copied_run(question: str, text: str, n: int = COPY_WORDS) -> str | None:
    """The first run of ``n`` words of ``question`` that also occurs in ``text``."""
    q = words(question)
    if len(q) < n:
        return None
    body = " " + " ".join(words(text)) + " "
    for i in range(len(q) - n + 1):
        run = " ".join(q[i : i + n])
        if f" {run} " in body:
            return run
    return None


def check_titles(where: str, question: str, titles: dict[str, str], errors: list[str]) -> None:
    """No article title (the headline, up to its first ';') may appear inside a question."""
    lowered = question.lower()
    for tid, title in titles.items():
        head = title.split(";")[0].strip().rstrip(".").lower()
        if len(head) >= 15 and head in lowered:
            errors.append(f"{where}: question contains the title of {tid}")


def read_jsonl(path: Path, errors: list[str]) -> list[dict]:
    rows = []
    if not path.exists():
        errors.append(f"{path.name}: missing")
        return rows
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{path.name}:{number}: bad JSON ({exc.msg})")
            continue
        if not isinstance(row, dict):
            errors.append(f"{path.name}:{number}: not a JSON object")
            continue
        row["_line"] = number
        rows.append(row)
    return rows


def check_answerable(
    name: str,
    rows: list[dict],
    texts: dict[str, str],
    titles: dict[str, str],
    dates: dict[str, str],
    errors: list[str],
    need_span: bool,
) -> None:
    seen: set[str] = set()
    for row in rows:
        where = f"{name}:{row['_line']}"
        question = row.get("question")
        if not isinstance(question, str) or not question.strip():
            errors.append(f"{where}: empty question")
            continue
        if question.strip().lower() in seen:
            errors.append(f"{where}: duplicate question")
        seen.add(question.strip().lower())
        if row.get("type") not in ANSWER_TYPES:
            errors.append(f"{where}: type {row.get('type')!r} not one of {sorted(ANSWER_TYPES)}")
        speaker = row.get("speaker")
        if speaker is not None and (not isinstance(speaker, str) or not speaker.strip()):
            errors.append(f"{where}: speaker must be a name or null")
        if not isinstance(row.get("asks_speaker"), bool) or (row["asks_speaker"] and not speaker):
            errors.append(f"{where}: asks_speaker must be true or false, and false without speaker")
        if row.get("type") in {"who-said", "what-did-x-say"} and not speaker:
            errors.append(f"{where}: {row['type']} question without a speaker")
        aid = row.get("article_id")
        if aid not in texts:
            errors.append(f"{where}: unknown article_id {aid!r}")
            continue
        for other in row.get("also_ok") or []:
            if other not in texts or other == aid:
                errors.append(f"{where}: bad also_ok id {other!r}")
        text = texts[aid]
        start, end = row.get("start"), row.get("end")
        if start is None and end is None:
            if need_span:
                errors.append(f"{where}: start/end required here")
        elif not (
            isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)
        ):
            errors.append(f"{where}: bad span {start!r}-{end!r} (text length {len(text)})")
        elif not text[start:end].strip() or text[start].isspace() or text[end - 1].isspace():
            errors.append(f"{where}: span {start}-{end} is blank or has untrimmed whitespace")
        check_titles(where, question, titles, errors)
        run = copied_run(question, text)
        if run:
            errors.append(f"{where}: question copies {COPY_WORDS} words from its article: {run!r}")
        if row.get("type") == "date":
            found = _MONTH_YEAR.search(question)
            if not found:
                errors.append(f"{where}: date question names no month and year")
            else:
                want = f"{int(found.group(2)):04d}-{MONTHS[found.group(1).lower()]:02d}"
                ok = [t for t in [aid, *(row.get("also_ok") or [])] if dates.get(t, "")[:7] == want]
                if dates.get(aid, "")[:7] != want:
                    errors.append(f"{where}: asks about {want}, the article is from {dates[aid]}")
                elif len(ok) != 1 + len(row.get("also_ok") or []):
                    errors.append(f"{where}: an also_ok article is not from {want}")


def check_unanswerable(
    name: str, rows: list[dict], corpus: str, titles: dict[str, str], errors: list[str]
) -> None:
    seen: set[str] = set()
    for row in rows:
        where = f"{name}:{row['_line']}"
        question = row.get("question")
        if not isinstance(question, str) or not question.strip():
            errors.append(f"{where}: empty question")
            continue
        if question.strip().lower() in seen:
            errors.append(f"{where}: duplicate question")
        seen.add(question.strip().lower())
        check_titles(where, question, titles, errors)
        if row.get("type") != "unanswerable":
            errors.append(f"{where}: type must be 'unanswerable'")
        terms = row.get("absent_terms") or []
        for term in terms:
            if term.lower() in corpus:
                errors.append(f"{where}: absent term {term!r} does occur in the corpus")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gold", type=Path, required=True, help="folder with articles.jsonl")
    parser.add_argument("--questions", type=Path, default=HERE, help="folder of the question sets")
    parser.add_argument("--seeds", type=Path, default=REPO / "seeds", help="folder of the seed")
    args = parser.parse_args(argv)

    errors: list[str] = []
    texts: dict[str, str] = {}
    titles: dict[str, str] = {}
    dates: dict[str, str] = {}
    with open(args.gold / "articles.jsonl", encoding="utf-8") as handle:
        for line in handle:
            art = json.loads(line)
            texts[art["id"]] = art["text"]
            titles[art["id"]] = art.get("title") or ""
            dates[art["id"]] = art.get("date") or ""
    seed_path = args.seeds / SEED_ID
    seed = {SEED_ID: seed_text(seed_path)}
    # unanswerable means unanswerable from the development corpus and the seed together
    corpus = "\n".join([*texts.values(), seed[SEED_ID]]).lower()
    rows = {name: read_jsonl(args.questions / name, errors) for name in MINIMUMS}
    seed_dates = {SEED_ID: "2022-05-01"}
    check_answerable("seed.jsonl", rows["seed.jsonl"], seed, titles, seed_dates, errors, True)
    for name in POLNEAR_FILES:
        check_answerable(name, rows[name], texts, titles, dates, errors, False)
    for name in UNANSWERABLE_FILES:
        check_unanswerable(name, rows[name], corpus, titles, errors)

    for name, minimum in MINIMUMS.items():
        counts = Counter(r.get("type") for r in rows[name])
        detail = ", ".join(f"{t} {n}" for t, n in sorted(counts.items(), key=str))
        print(f"{name}: {len(rows[name])} questions ({detail})")
        if len(rows[name]) < minimum:
            errors.append(f"{name}: {len(rows[name])} questions, at least {minimum} wanted")
    for name in POLNEAR_FILES:
        if any(not isinstance(r.get("hard"), bool) for r in rows[name]):
            errors.append(f"{name}: every line needs hard: true or false")
        hard = sum(1 for r in rows[name] if r.get("hard") is True)
        print(f"{name}: {hard} hard paraphrases (hard)")
    for name in ("seed.jsonl", *POLNEAR_FILES):
        asking = sum(1 for r in rows[name] if r.get("asks_speaker"))
        print(f"{name}: {asking} questions name their speaker (asks_speaker)")
    for name in POLNEAR_FILES:
        polnear = rows[name]
        articles = {r.get("article_id") for r in polnear}
        spans = sum(1 for r in polnear if r.get("start") is not None)
        speakers = sum(1 for r in polnear if r.get("speaker"))
        also = sum(1 for r in polnear if r.get("also_ok"))
        print(
            f"{name}: {len(articles)} distinct articles, {spans} with a span, "
            f"{speakers} with a speaker, {also} with also_ok"
        )
    articles = {r.get("article_id") for r in rows["polnear.jsonl"]}
    if len(articles) < MIN_POLNEAR_ARTICLES:
        wanted = MIN_POLNEAR_ARTICLES
        errors.append(f"polnear.jsonl: {len(articles)} distinct articles, {wanted} wanted")
    for error in errors:
        print("ERROR", error)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
