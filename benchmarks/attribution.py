"""Quote attribution against PolNeAR gold: quote P/R/F1, speaker accuracy, speed.

    python benchmarks/attribution.py --gold ../shared/data/polnear-train [--limit N]
        [--split all|even|odd] [--errors] [--style british]

Scored on the speech subset (``speech_cue`` true). A predicted quote matches a gold one when
their content overlaps by at least the threshold share of the longer of the two (0.3 and
0.8); matching is one to one, best overlaps first. A prediction that matches only a
non-speech gold attribution (a belief, "polls show") is neither right nor wrong here and is
left out of precision; the strict precision that counts it wrong is reported too.
Speaker accuracy is over matched quotes: gold ``name`` speakers against the gold mention,
pronoun and nominal ones against the silver ``speaker_name_auto`` (lenient).

``--style british`` rewrites every double quotation mark as a single one, as British papers
quote ('We will win,' she said), one character for one so the gold offsets still hold: the
same articles and gold in another house style.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from index.cues import HONORIFICS, TITLE_WORDS  # noqa: E402
from index.mentions import clean_name, name_parts  # noqa: E402
from index.models import Quote  # noqa: E402
from index.nlp import attribute_many, load_nlp  # noqa: E402

THRESHOLDS = (0.3, 0.8)
RESULTS = Path(__file__).resolve().parent / "results" / "attribution.json"
Spans = list[tuple[int, int]]
# Double marks to single ones, one character each, for --style british.
BRITISH = str.maketrans({"\u201c": "\u2018", "\u201d": "\u2019", '"': "'"})


def load_gold(folder: Path, limit: int | None, split: str) -> tuple[list[dict], dict[str, list]]:
    """Articles (in file order, filtered by split and limit) and their gold attributions."""
    with open(folder / "articles.jsonl", encoding="utf-8") as handle:
        articles = [json.loads(line) for line in handle]
    if split != "all":
        articles = articles[(0 if split == "even" else 1) :: 2]
    articles = articles[:limit] if limit else articles
    wanted = {a["id"] for a in articles}
    gold: dict[str, list] = defaultdict(list)
    with open(folder / "quotes.jsonl", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row["article_id"] in wanted:
                gold[row["article_id"]].append(row)
    return articles, gold


def overlap_ratio(a: Spans, b: Spans) -> float:
    """Characters shared by two piece lists, over the length of the longer."""
    shared = sum(max(0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)
    longest = max(sum(e - s for s, e in a), sum(e - s for s, e in b), 1)
    return shared / longest


def match(gold: list[Spans], predicted: list[Spans], threshold: float) -> dict[int, int]:
    """Gold index -> predicted index, one to one, best overlaps first."""
    pairs = sorted(
        (
            (overlap_ratio(g, p), gi, pi)
            for gi, g in enumerate(gold)
            for pi, p in enumerate(predicted)
        ),
        reverse=True,
    )
    matched: dict[int, int] = {}
    used: set[int] = set()
    for ratio, gi, pi in pairs:
        if ratio < threshold:
            break
        if gi not in matched and pi not in used:
            matched[gi] = pi
            used.add(pi)
    return matched


_RELATIVE = ("who ", "which ", "whose ", "including ", "like ")
_LEADING = frozenset({"but", "and", "as", "so", "or", "then"})


def gold_names(mention: str) -> list[str]:
    """The names inside a gold mention: each run of capitalised words, titles dropped,
    up to a relative clause: "the bank's chief, Tom Reyes," -> [..., "Tom
    Reyes"]; "Senator Anna Berg of Ohio" -> ["Anna Berg", "Ohio"]."""
    runs: list[list[str]] = [[]]
    for part in mention.split(","):
        if part.strip().lower().startswith(_RELATIVE):
            break
        for word in clean_name(part).split():
            if word[:1].isupper() and word.lower() not in _LEADING:
                runs[-1].append(word)
            elif runs[-1]:
                runs.append([])
        runs.append([])
    names = []
    for run in (r for r in runs if r):
        titles = [i for i, w in enumerate(run) if w.lower().strip(".") in TITLE_WORDS]
        if titles and titles[-1] + 1 < len(run):
            run = run[titles[-1] + 1 :]
        names.append(" ".join(w for w in run if w.lower() not in HONORIFICS))
    return [n for n in names if n] or [clean_name(mention)]


def _words(name: str) -> set[str]:
    return {clean_name(w).lower() for w in name.split()} - {""}


def same_person(gold_mention: str | None, predicted: str | None) -> bool:
    """A name in the gold mention and the predicted speaker agree: one's words contain the
    other's, or they share the surname and (where both give one) the first name."""
    if not gold_mention or not predicted:
        return False
    return any(_same_name(name, predicted) for name in gold_names(gold_mention))


def _same_name(gold: str, predicted: str) -> bool:
    gold_words, pred_words = _words(gold), _words(predicted)
    if gold_words and (gold_words <= pred_words or pred_words <= gold_words):
        return True
    gold_first, gold_last = name_parts(gold)
    pred_first, pred_last = name_parts(predicted)
    if not gold_last or gold_last.lower() != pred_last.lower():
        return False
    return not (gold_first and pred_first) or gold_first.split()[0] == pred_first.split()[0]


def _spans(quote: Quote) -> Spans:
    return [tuple(s) for s in quote.spans]  # type: ignore[misc]


def score_article(gold_rows: list[dict], predicted: list[Quote], tally: Counter) -> list[dict]:
    """Add one article's counts to ``tally``; return its errors for ``--errors``."""
    speech = [g for g in gold_rows if g["speech_cue"]]
    other = [[tuple(s) for s in g["quote_spans"]] for g in gold_rows if not g["speech_cue"]]
    gold_spans = [[tuple(s) for s in g["quote_spans"]] for g in speech]
    pred_spans = [_spans(q) for q in predicted]
    errors: list[dict] = []
    for threshold in THRESHOLDS:
        matched = match(gold_spans, pred_spans, threshold)
        unmatched = [p for i, p in enumerate(pred_spans) if i not in set(matched.values())]
        neutral = set(match(other, unmatched, threshold).values()) if other else set()
        tally[f"tp@{threshold}"] += len(matched)
        tally[f"gold@{threshold}"] += len(speech)
        tally[f"pred@{threshold}"] += len(predicted) - len(neutral)
        tally[f"pred_strict@{threshold}"] += len(predicted)
        if threshold == THRESHOLDS[0]:
            errors = _speaker_scores(speech, predicted, matched, tally)
            errors += [{"type": "missed", "gold": speech[g]} for g in range(len(speech))
                       if g not in matched]  # fmt: skip
            kept = [p for i, p in enumerate(unmatched) if i not in neutral]
            errors += [{"type": "spurious", "pred": predicted[pred_spans.index(p)]} for p in kept]
    return errors


def _speaker_scores(
    speech: list[dict], predicted: list[Quote], matched: dict[int, int], tally: Counter
) -> list[dict]:
    errors = []
    for gi, pi in matched.items():
        gold, pred = speech[gi], predicted[pi]
        if gold["speaker_type"] == "name":
            right = same_person(gold["speaker"], pred.speaker)
            tally["named"] += 1
            tally["named_right"] += right
            if not right:
                errors.append({"type": "speaker", "gold": gold, "pred": pred})
        elif gold["speaker_type"] in ("pronoun", "nominal") and gold["speaker_name_auto"]:
            tally["lenient"] += 1
            tally["lenient_right"] += same_person(gold["speaker_name_auto"], pred.speaker)
    return errors


def _ratio(num: float, den: float) -> float:
    return round(100 * num / den, 1) if den else 0.0


def summarise(tally: Counter, articles: int, seconds: float, cpu_seconds: float) -> dict:
    """The figures: P/R/F1 per threshold, speaker accuracies, speed.

    Speed is given per CPU second of this process (what one core does, whatever else the
    machine runs) and per wall-clock second."""
    result: dict = {"articles": articles, "seconds": round(seconds, 1)}
    for t in THRESHOLDS:
        p = _ratio(tally[f"tp@{t}"], tally[f"pred@{t}"])
        r = _ratio(tally[f"tp@{t}"], tally[f"gold@{t}"])
        f1 = round(2 * p * r / (p + r), 1) if p + r else 0.0
        strict = _ratio(tally[f"tp@{t}"], tally[f"pred_strict@{t}"])
        result[f"overlap_{t}"] = {"precision": p, "recall": r, "f1": f1, "strict_precision": strict}
    result["gold_quotes"] = tally[f"gold@{THRESHOLDS[0]}"]
    result["named_speaker_accuracy"] = _ratio(tally["named_right"], tally["named"])
    result["named_matched"] = tally["named"]
    result["lenient_speaker_accuracy"] = _ratio(tally["lenient_right"], tally["lenient"])
    result["lenient_matched"] = tally["lenient"]
    result["articles_per_cpu_second"] = round(articles / cpu_seconds, 2) if cpu_seconds else 0.0
    result["articles_per_second"] = round(articles / seconds, 2) if seconds else 0.0
    return result


def print_table(result: dict) -> None:
    """The figures as a plain table."""
    print(f"{'measure':<42}{'value':>10}")
    for t in THRESHOLDS:
        for key in ("precision", "recall", "f1", "strict_precision"):
            print(f"{f'quote {key} @{t}':<42}{result[f'overlap_{t}'][key]:>10}")
    print(f"{'named-speaker accuracy (%)':<42}{result['named_speaker_accuracy']:>10}")
    print(f"{'lenient pronoun/nominal accuracy (%)':<42}{result['lenient_speaker_accuracy']:>10}")
    print(f"{'articles per CPU second (one core)':<42}{result['articles_per_cpu_second']:>10}")
    print(f"{'articles per wall-clock second':<42}{result['articles_per_second']:>10}")
    print(
        f"{'articles / gold speech quotes':<42}{result['articles']:>5} /{result['gold_quotes']:>5}"
    )


def error_kinds(errors: Iterable[dict]) -> Counter:
    """Count errors by a coarse kind, for the table in docs/attribution.md."""
    kinds: Counter = Counter()
    for error in errors:
        if error["type"] == "missed":
            gold = error["gold"]
            kinds[
                f"missed {gold['kind']} ({gold['cue'].lower()[:12] if gold['cue'] else '-'})"
            ] += 0
            kinds[f"missed {gold['kind']}"] += 1
        elif error["type"] == "spurious":
            kinds[f"spurious {error['pred'].kind}"] += 1
        else:
            pred = error["pred"]
            reason = "unresolved" if not pred.resolved else "other person"
            kinds[f"wrong named speaker: {reason}"] += 1
    return Counter({k: v for k, v in kinds.items() if v})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gold", type=Path, required=True, help="folder with articles.jsonl")
    parser.add_argument("--limit", type=int, default=None, help="score the first N articles")
    parser.add_argument("--split", choices=("all", "even", "odd"), default="all")
    parser.add_argument("--errors", action="store_true", help="print the error kinds")
    parser.add_argument("--no-write", action="store_true", help="do not write the JSON")
    parser.add_argument(
        "--style", choices=("as-is", "british"), default="as-is",
        help="british: quote with single marks, as British papers do (implies --no-write)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    articles, gold = load_gold(args.gold, args.limit, args.split)
    if args.style == "british":
        articles = [{**a, "text": a["text"].translate(BRITISH)} for a in articles]
        args.no_write = True
    nlp = load_nlp()
    tally: Counter = Counter()
    errors: list[dict] = []
    started, cpu_started = time.perf_counter(), time.process_time()
    predictions = list(attribute_many(((a["id"], a["text"]) for a in articles), nlp=nlp))
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    for article, predicted in zip(articles, predictions, strict=True):
        errors += score_article(gold[article["id"]], predicted, tally)
    result = summarise(tally, len(articles), seconds, cpu_seconds)
    result.update(split=args.split, limit=args.limit, error_kinds=dict(error_kinds(errors)))
    print_table(result)
    if args.errors:
        for kind, count in error_kinds(errors).most_common():
            print(f"{count:>6}  {kind}")
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
