"""Retrieval benchmark: whosaid's search against plain BM25 and plain dense search.

    .venv/bin/python benchmarks/retrieval.py --gold ../shared/data/polnear-train

Builds (once, cached under --work) a whosaid index over the gold articles and two baselines over
fixed 200-word chunks of the same articles: BM25 alone (bm25s) and dense alone (the same model,
flat FAISS). Asks every question of benchmarks/questions/ and prints hit@1, hit@5 and MRR at article
and passage level, the share of top-5 answers by the asked speaker on speaker questions, and the
no-answer rates. Writes benchmarks/results/retrieval.json.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import bm25s
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.articles import load_articles  # noqa: E402
from index.embedder import make_embedder  # noqa: E402
from index.engine import Whosaid  # noqa: E402
from index.search import tokenize  # noqa: E402
from index.vectors import VectorIndex  # noqa: E402

QUESTIONS = ROOT / "benchmarks" / "questions"
CHUNK_WORDS = 200
PLAIN_NAME = re.compile(r"^[A-Z][a-z]+(?: [A-Z]\.)?(?: [A-Z][a-z'’-]+){1,2}(?<!['’]s)$")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def chunks(articles: list) -> list[tuple[str, int, int, str]]:
    """Fixed 200-word chunks: (article id, start, end, text)."""
    out = []
    for article in articles:
        words = list(re.finditer(r"\S+", article.text))
        for i in range(0, len(words), CHUNK_WORDS):
            group = words[i : i + CHUNK_WORDS]
            start, end = group[0].start(), group[-1].end()
            out.append((article.id, start, end, article.text[start:end]))
    return out


class Baselines:
    """BM25 alone and dense alone over the same fixed chunks."""

    def __init__(self, articles: list, work: Path, model: str) -> None:
        self.chunks = chunks(articles)
        self.bm25 = bm25s.BM25()
        self.bm25.index([tokenize(c[3]) for c in self.chunks], show_progress=False)
        self.embedder = make_embedder(model)
        cache = work / f"chunks-{len(self.chunks)}.npy"
        if cache.exists():
            vectors = np.load(cache)
        else:
            vectors = self.embedder.embed([c[3] for c in self.chunks])
            np.save(cache, vectors)
        self.dense = VectorIndex(vectors.shape[1])
        self.dense.add(np.arange(len(self.chunks)), vectors)

    def search_bm25(self, question: str, k: int) -> list[tuple[str, int, int]]:
        tokens = tokenize(question)
        if not tokens:
            return []
        scores = self.bm25.get_scores(tokens)
        top = np.argsort(-scores)[:k]
        return [self.chunks[i][:3] for i in top if scores[i] > 0]

    def search_dense(self, question: str, k: int) -> list[tuple[str, int, int]]:
        vector = self.embedder.embed([question])[0]
        return [self.chunks[i][:3] for i, _ in self.dense.search(vector, k)]


def ranks(question: dict, results: list[tuple[str, int, int]]) -> tuple[int | None, int | None]:
    """1-based rank of the first right article, and of the first passage over the expected span."""
    good = {question["article_id"], *question.get("also_ok", [])}
    article_rank = passage_rank = None
    for rank, (article_id, start, end) in enumerate(results, start=1):
        if article_id in good and article_rank is None:
            article_rank = rank
        span = (question.get("start"), question.get("end"))
        if (
            passage_rank is None
            and article_id == question["article_id"]
            and span[0] is not None
            and start < span[1]
            and span[0] < end
        ):
            passage_rank = rank
    return article_rank, passage_rank


def summarize(rows: list[tuple[int | None, int | None]], with_span: list[bool]) -> dict[str, float]:
    def metrics(values: list[int | None]) -> dict[str, float]:
        n = max(len(values), 1)
        return {
            "hit@1": round(100 * sum(v == 1 for v in values) / n, 1),
            "hit@5": round(100 * sum(v is not None and v <= 5 for v in values) / n, 1),
            "mrr": round(sum(1 / v for v in values if v) / n, 3),
        }

    article = metrics([a for a, _ in rows])
    passage = metrics([p for (_, p), has in zip(rows, with_span, strict=True) if has])
    return {
        **{f"article {k}": v for k, v in article.items()},
        **{f"passage {k}": v for k, v in passage.items()},
    }


def speaker_questions(gold: Path, articles: list, limit: int, seed: int) -> list[dict]:
    """'What did <speaker> say?' for named gold speakers quoted in at least three articles."""
    quotes = [
        q
        for q in read_jsonl(gold / "quotes.jsonl")
        if q["speech_cue"] and q["speaker_type"] == "name" and q["speaker"]
    ]
    by_surname: dict[str, set[str]] = {}
    full: Counter[str] = Counter()
    for q in quotes:
        name = q["speaker"].replace("Mr. ", "").replace("Mrs. ", "").replace("Ms. ", "").strip()
        if PLAIN_NAME.match(name):  # gold mentions can be long ("Smith, who worked with ...")
            full[name] += 1
        by_surname.setdefault(name.split()[-1], set()).add(q["article_id"])
    names = [n for n, c in full.most_common() if len(by_surname.get(n.split()[-1], ())) >= 3]
    random.Random(seed).shuffle(names)
    return [
        {"question": f"What did {n} say?", "speaker": n, "type": "speaker"} for n in names[:limit]
    ]


def by_speaker(answer: dict, speaker: str) -> bool:
    surname = speaker.split()[-1].lower()
    return any(q.get("speaker") and surname in q["speaker"].lower() for q in answer["quotes"])


def speaker_share(engine: Whosaid, question: dict) -> float:
    """The share of the answers quoting the asked speaker; 0 when nothing is answered."""
    _, out = run_whosaid(engine, question["question"])
    answers = out["answers"]
    if not answers:
        return 0.0
    return sum(by_speaker(a, question["speaker"]) for a in answers) / len(answers)


def refused(engine: Whosaid, questions: list[dict]) -> float:
    """The percentage of the questions answered 'nothing found'."""
    return round(100 * statistics.mean(engine.ask(q["question"]).no_answer for q in questions), 1)


def run_whosaid(
    engine: Whosaid, question: str, k: int = 5
) -> tuple[list[tuple[str, int, int]], dict]:
    from bot.cli import result_json

    out = result_json(engine.ask(question, k=k))
    return [(a["article_id"], a["start"], a["end"]) for a in out["answers"]], out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, required=True, help="folder with articles.jsonl")
    parser.add_argument(
        "--work", type=Path, default=ROOT / "benchmarks" / ".work", help="cache folder"
    )
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--speaker-questions", type=int, default=60)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    corpus = args.work / "articles"
    corpus.mkdir(exist_ok=True)
    link = corpus / "polnear.jsonl"
    if not link.exists():
        link.symlink_to((args.gold / "articles.jsonl").resolve())
    articles, _ = load_articles(corpus)
    engine = Whosaid(args.work / "index", args.model)
    started = time.perf_counter()
    report = engine.update(corpus)
    print(
        f"whosaid index: {report.articles} articles, {report.passages} passages "
        f"({report.embedded} embedded now, {report.seconds:.0f} s)",
        file=sys.stderr,
    )
    baselines = Baselines(articles, args.work, args.model)
    print(
        f"baselines: {len(baselines.chunks)} chunks ({time.perf_counter() - started:.0f} s)",
        file=sys.stderr,
    )

    answerable = read_jsonl(QUESTIONS / "polnear.jsonl")
    unanswerable = read_jsonl(QUESTIONS / "unanswerable.jsonl")
    # Written after the no-answer rules were tuned on the set above, and never tuned on.
    heldout = read_jsonl(QUESTIONS / "unanswerable_heldout.jsonl")
    systems = {
        "whosaid": lambda q: run_whosaid(engine, q)[0],
        "bm25 (200-word chunks)": lambda q: baselines.search_bm25(q, 5),
        "dense (200-word chunks)": lambda q: baselines.search_dense(q, 5),
    }
    results: dict = {"questions": len(answerable), "unanswerable": len(unanswerable), "systems": {}}
    with_span = [q.get("start") is not None for q in answerable]
    for name, search in systems.items():
        rows = [ranks(q, search(q["question"])) for q in answerable]
        results["systems"][name] = summarize(rows, with_span)
        by_type = {}
        for kind in sorted({q["type"] for q in answerable}):
            picked = [
                (r, h)
                for r, q, h in zip(rows, answerable, with_span, strict=True)
                if q["type"] == kind
            ]
            by_type[kind] = summarize([r for r, _ in picked], [h for _, h in picked])[
                "article hit@5"
            ]
        results["systems"][name]["article hit@5 by type"] = by_type

    # Speaker questions: share of top-5 answers whose quote is by the asked speaker.
    speaker_qs = speaker_questions(args.gold, articles, args.speaker_questions, seed=7)
    shares = [speaker_share(engine, q) for q in speaker_qs]
    # The hand-written questions that name their speaker, with a topic ("What did X say about Y?").
    named = [q for q in answerable if q.get("asks_speaker")]
    results["speaker questions"] = {
        "count": len(speaker_qs),
        "share of top-5 by asked speaker": round(statistics.mean(shares), 3) if shares else None,
        "hand-written questions naming their speaker": len(named),
        "their share of top-5 by the asked speaker": round(
            statistics.mean(speaker_share(engine, q) for q in named), 3
        ),
    }

    # No-answer: the rate on unanswerable questions, and the false rate on answerable ones.
    results["no answer"] = {
        "unanswerable answered 'nothing found' %": refused(engine, unanswerable),
        "held-out unanswerable answered 'nothing found' %": refused(engine, heldout),
        "answerable answered 'nothing found' %": refused(engine, answerable),
        "cosine floor": engine.no_answer_cosine,
        "cosine floor when the question names something no passage mentions": (
            engine.unknown_name_cosine
        ),
        "cosine floor when a question word is in no passage (large collections)": (
            engine.unknown_word_cosine
        ),
    }
    results["held-out sets"] = held_out(engine, baselines)
    results["small collections"] = small_collections(articles, args.work, args.model)
    results["calibration"] = calibration(engine, answerable, unanswerable)
    results["calibration of the unknown-word floor"] = word_floor(engine, answerable, unanswerable)
    results["calibration of the rare-word floor"] = rare_word_floor(engine)
    results["calibration of the topic floor"] = topic_floor(engine, named, unanswerable + heldout)
    latencies = []
    for q in answerable:
        engine.ask(q["question"])  # its vector cached: other sets may have pushed it out
        engine.forget(vectors=False)  # the search, not the answer cache
        t = time.perf_counter()
        engine.ask(q["question"])
        latencies.append((time.perf_counter() - t) * 1000)
    results["ask latency ms (warm, question vector cached, median)"] = round(
        statistics.median(latencies), 2
    )
    out = ROOT / "benchmarks" / "results" / "retrieval.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


# Question sets written after the rules they measure, blind to the engine: (unanswerable,
# answerable questions, when written and what was tuned on them since). Sets 2-4 ask what a
# named person said; sets 5 to 13 mix every kind of question, as the tuning set does.
HELD_OUT = {
    "held-out 2": (
        "unanswerable_heldout2.jsonl",
        "polnear_heldout.jsonl",
        "session 4, before the topic check; its misses then shaped the name and word rules",
    ),
    "held-out 3": (
        "unanswerable_heldout3.jsonl",
        "polnear_heldout3.jsonl",
        "session 4, after the topic check and the name and word rules; measured blind, then "
        "its misses led to reading 'X on Y' and a name first as asking for X's words",
    ),
    "held-out 4": (
        "unanswerable_heldout4.jsonl",
        "polnear_heldout4.jsonl",
        "session 4, a more everyday mix, after every rule above; not tuned on",
    ),
    "held-out 5": (
        "unanswerable_heldout5.jsonl",
        "polnear_heldout5.jsonl",
        "session 5, every kind of question; measured blind on session 4's code, then its "
        "misses led to the rare-word rule",
    ),
    "held-out 6": (
        "unanswerable_heldout6.jsonl",
        "polnear_heldout6.jsonl",
        "session 5, every kind of question, written while the rare-word rule was made; "
        "measured once, blind, on the final code (a303989); not tuned on",
    ),
    "held-out 7": (
        "unanswerable_heldout7.jsonl",
        "polnear_heldout7.jsonl",
        "session 6, every kind of question, like 5 and 6; measured blind on the code of "
        "8d36af6 (accents, gender in coreference, aliases)",
    ),
    "held-out 8": (
        "unanswerable_heldout8.jsonl",
        "polnear_heldout8.jsonl",
        "session 7, every kind of question, like 5 to 7; measured blind on the code of "
        "113a85d, then its refusals led to the date and name-phrase fixes",
    ),
    "held-out 9": (
        "unanswerable_heldout9.jsonl",
        "polnear_heldout9.jsonl",
        "session 7, every kind of question, like 5 to 8; measured blind on the code of 8ef75ad "
        "(session 7's rules) and of 113a85d (the session's start)",
    ),
    "held-out 10": (
        "unanswerable_heldout10.jsonl",
        "polnear_heldout10.jsonl",
        "session 8, every kind of question, like 5 to 9; measured blind on the code of "
        "f96ef57 (names in questions) and of 64b193a (the session's start)",
    ),
    "held-out 11": (
        "unanswerable_heldout11.jsonl",
        "polnear_heldout11.jsonl",
        "session 8, every kind of question, like 5 to 10; measured blind on the code of "
        "dd39543 (session 8's rules) and of 64b193a (the session's start)",
    ),
    "held-out 12": (
        "unanswerable_heldout12.jsonl",
        "polnear_heldout12.jsonl",
        "session 8, every kind of question, like 5 to 11; measured blind on the code of "
        "b3734b8 (session 8's final rules) and of 64b193a (the session's start)",
    ),
    "held-out 13": (
        "unanswerable_heldout13.jsonl",
        "polnear_heldout13.jsonl",
        "session 8, every kind of question, like 5 to 12; measured blind on the code with the "
        "word-match rule (on and off), after every other change of session 8",
    ),
}


# The sets the rare-word rule was chosen on, beside the tuning sets (its floor on sets 1-5 in
# session 5, with its share on sets 1-6 in session 6; set 7 was measured blind before that).
ANSWERABLE_TUNED = tuple(HELD_OUT[f"held-out {n}"][1] for n in (2, 3, 4, 5, 6))
UNANSWERABLE_TUNED = ("unanswerable_heldout.jsonl",) + tuple(
    HELD_OUT[f"held-out {n}"][0] for n in (2, 3, 4, 5, 6)
)
RARE_WORD_SHARES = (1 / 2000, 1 / 500, 1 / 200, 1 / 100)


def held_out(engine: Whosaid, baselines: Baselines) -> dict:
    """No-answer rates, hits (against the baselines') and speaker shares on the held-out sets."""
    out = {}
    for name, (unanswerable_file, answerable_file, history) in HELD_OUT.items():
        unanswerable = read_jsonl(QUESTIONS / unanswerable_file)
        answerable = read_jsonl(QUESTIONS / answerable_file)
        with_span = [q.get("start") is not None for q in answerable]
        rows = [ranks(q, run_whosaid(engine, q["question"])[0]) for q in answerable]
        hits = summarize(rows, with_span)
        named = [q for q in answerable if q.get("asks_speaker")]
        out[name] = {
            "written": history,
            "unanswerable": len(unanswerable),
            "unanswerable answered 'nothing found' %": refused(engine, unanswerable),
            "answerable": len(answerable),
            "answerable by type": dict(Counter(q["type"] for q in answerable)),
            "answerable answered 'nothing found' %": refused(engine, answerable),
            "article hit@1": hits["article hit@1"],
            "article hit@5": hits["article hit@5"],
            "passage hit@5": hits["passage hit@5"],
            "questions naming their speaker": len(named),
            "their share of top-5 by the asked speaker": round(
                statistics.mean(speaker_share(engine, q) for q in named), 3
            ),
        }
        for system, search in (
            ("bm25", baselines.search_bm25),
            ("dense", baselines.search_dense),
        ):
            base = summarize([ranks(q, search(q["question"], 5)) for q in answerable], with_span)
            out[name][f"{system} article hit@1"] = base["article hit@1"]
            out[name][f"{system} article hit@5"] = base["article hit@5"]
    return out


def floors(
    engine: Whosaid,
    setting: str,
    values: Iterable[float],
    answerable: list[dict],
    unanswerable: list[dict],
) -> list[dict]:
    """The no-answer rates with the engine's ``setting`` at each of ``values``."""
    kept = getattr(engine, setting)
    rows = []
    for floor in values:
        setattr(engine, setting, floor)
        engine.forget(vectors=False)  # answers were cached under the other floor
        rows.append(
            {
                "floor": floor,
                "unanswerable caught %": refused(engine, unanswerable),
                "answerable refused %": refused(engine, answerable),
            }
        )
    setattr(engine, setting, kept)
    engine.forget(vectors=False)
    return rows


def word_floor(engine: Whosaid, answerable: list[dict], unanswerable: list[dict]) -> list[dict]:
    """The no-answer rates for floors of the cosine a question with an unknown word needs."""
    values = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75)
    return floors(engine, "unknown_word_cosine", values, answerable, unanswerable)


def topic_floor(engine: Whosaid, named: list[dict], unanswerable: list[dict]) -> list[dict]:
    """The no-answer rates for floors of the cosine between what a question asks a named
    person about and the best passages (the tuning sets' questions that name a speaker)."""
    values = (0.2, 0.25, 0.3, 0.32, 0.34, 0.36, 0.4, 0.45)
    return floors(engine, "topic_cosine", values, named, unanswerable)


def rare_word_floor(engine: Whosaid) -> dict:
    """The no-answer rates for floors of the cosine a question needs when its rare words (in at
    most a share of the passages) are all in none of the best articles, for several shares; on
    every set they were chosen on (held-out 7 aside), where a floor of -1 turns the rule off."""
    answerable = [
        q for f in ("polnear.jsonl", *ANSWERABLE_TUNED) for q in read_jsonl(QUESTIONS / f)
    ]
    unanswerable = [
        q for f in ("unanswerable.jsonl", *UNANSWERABLE_TUNED) for q in read_jsonl(QUESTIONS / f)
    ]
    values = (-1, 0.45, 0.5, 0.55, 0.6)
    kept = engine.rare_word_share
    rates = []
    for share in RARE_WORD_SHARES:
        engine.rare_word_share = share
        rows = floors(engine, "rare_word_cosine", values, answerable, unanswerable)
        rates += [{"share": f"1/{round(1 / share)}", **row} for row in rows]
    engine.rare_word_share = kept
    engine.forget(vectors=False)
    return {"answerable": len(answerable), "unanswerable": len(unanswerable), "rates": rates}


# Held-out sets of the general mix whose articles also stand as a small collection of their own.
SMALL_SETS = (5, 6, 7, 8, 9, 10, 11, 12, 13)
SMALL_OTHERS = 60


def small_collections(articles: list, work: Path, model: str) -> dict:
    """Each general held-out set asked of a collection the size of a held-out split: its 40
    articles and SMALL_OTHERS more drawn at random from the rest (the same whatever sets are
    added later). Beside whosaid as it is, the same index without the rare-word rule, which
    before session 7 was off in collections of fewer than FULL_VOCABULARY words."""
    lines = [a for a in (work / "articles" / "polnear.jsonl").read_text().splitlines() if a]
    line_of = {json.loads(line)["id"]: line for line in lines}
    out = {}
    for n in SMALL_SETS:
        unanswerable_file, answerable_file, _ = HELD_OUT[f"held-out {n}"]
        answerable = read_jsonl(QUESTIONS / answerable_file)
        unanswerable = read_jsonl(QUESTIONS / unanswerable_file)
        chosen = {q["article_id"] for q in answerable}
        rest = sorted(a.id for a in articles if a.id not in chosen)
        chosen |= set(random.Random(n).sample(rest, SMALL_OTHERS))
        folder = work / f"small-{n}"
        corpus = folder / "articles"
        corpus.mkdir(parents=True, exist_ok=True)
        picked = [line for i, line in line_of.items() if i in chosen]
        (corpus / "small.jsonl").write_text("\n".join(picked) + "\n")
        engine = Whosaid(folder / "index", model)
        engine.update(corpus)
        snap = engine.snapshot()
        row: dict = {
            "articles": len(chosen),
            "passages": len(snap.searcher),
            "words": len(snap.searcher.vocabulary),
        }
        for label, floor in (
            ("whosaid", engine.rare_word_cosine),
            ("without the rare-word rule", -1),
        ):
            engine.rare_word_cosine = floor
            engine.forget(vectors=False)
            hits = summarize(
                [ranks(q, run_whosaid(engine, q["question"])[0]) for q in answerable],
                [q.get("start") is not None for q in answerable],
            )
            row[label] = {
                "unanswerable answered 'nothing found' %": refused(engine, unanswerable),
                "answerable answered 'nothing found' %": refused(engine, answerable),
                "article hit@5": hits["article hit@5"],
            }
        engine.close()
        out[f"held-out {n}"] = row
    return out


def calibration(engine: Whosaid, answerable: list[dict], unanswerable: list[dict]) -> list[dict]:
    """The best passage's cosine for both sets, and the rates each threshold would give."""

    def best(question: str) -> float:
        snap = engine.snapshot()
        vector = engine._embed_question(question)  # noqa: SLF001 - a measurement, not an API
        hits = snap.searcher.vectors.search(vector, 1)
        return hits[0][1] if hits else 0.0

    good = [best(q["question"]) for q in answerable]
    bad = [best(q["question"]) for q in unanswerable]
    rows = []
    for threshold in np.arange(0.20, 0.56, 0.05):
        rows.append(
            {
                "threshold": round(float(threshold), 2),
                "unanswerable caught %": round(
                    100 * float(np.mean([b < threshold for b in bad])), 1
                ),
                "answerable refused %": round(
                    100 * float(np.mean([g < threshold for g in good])), 1
                ),
            }
        )
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
