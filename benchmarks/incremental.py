"""Adding one article to a 100k-passage index, model warm, against the full rewrite it replaced.

    .venv/bin/python benchmarks/incremental.py --gold ../shared/data/polnear-train

The index: the development index's real articles but one, copied until it holds ``--passages``
passages (100,000 by default). Copies keep their article's text and quotes; their passage
vectors are the real vectors plus noise (a cosine of about 0.85 with the source, as in
benchmarks/synthetic.py), so nothing is embedded to build it. It is written once per vector
index kind, through the same `_write` an update uses, into benchmarks/.work/incremental/.

A run copies that index to a fresh folder (not timed) and adds the held-out real article (the
one of median length) with `Whosaid.update`, in a worker process whose model (onnx by
default) and spaCy are loaded and warm (benchmarks/incremental_worker.py). The systems run
alternately, run by run: this code over a flat base and over an HNSW base, and the code at
``--baseline`` (one FAISS file per generation, loaded and rewritten whole, and the speaker
registry recomputed over every quote) over the flat base. This code then loads the new
generation as `whosaid index` and /reindex do (``ready``: until questions are answered from
it), building its BM25 index from the token counts saved with generation 1's (each base is
loaded once first, as an index left by `whosaid index` is), and, as a third system, with no
saved counts (every passage counted again). Figures are medians over ``--runs`` runs. Writes
benchmarks/results/incremental.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import devcorpus, synthetic  # noqa: E402
from benchmarks.devcorpus import dev_index, write_results  # noqa: E402
from benchmarks.timing import machine, median_seconds  # noqa: E402
from index import lexical  # noqa: E402
from index.articles import load_articles  # noqa: E402
from index.build import Prepared, _write  # noqa: E402
from index.embedder import make_embedder  # noqa: E402
from index.engine import Whosaid, default_attributor  # noqa: E402
from index.models import Article, Quote  # noqa: E402
from index.passages import PassageSettings, split_passages  # noqa: E402
from index.segments import load_vectors  # noqa: E402
from index.store import Store, text_hash  # noqa: E402

BASELINE = "956cb07"  # the last commit that rewrote the whole vector file per generation
WORKER = ROOT / "benchmarks" / "incremental_worker.py"
FORMAT = "2"  # bump when the stored base would differ


class _Named:
    """What `_write` needs of an embedder when every vector is given."""

    def __init__(self, name: str, dim: int) -> None:
        self.name, self.dim = name, dim


def dev_corpus(data: Path) -> tuple[list[dict], dict[str, list[Quote]], dict[str, np.ndarray]]:
    """The development index's articles (as jsonl objects), quotes by article, vectors by text."""
    engine = Whosaid(data)
    store, gen = engine.store, engine.store.current_generation()
    rows = store.db.execute(
        "SELECT id, text, title, date, source, url FROM articles"
        " WHERE gen_added <= ? AND (gen_removed IS NULL OR gen_removed > ?) ORDER BY id",
        (gen, gen),
    ).fetchall()
    fields = ("id", "text", "title", "date", "source", "url")
    articles = [dict(zip(fields, r, strict=True)) for r in rows]
    quotes: dict[str, list[Quote]] = {}
    for _, quote in store.live_quotes(gen):
        quotes.setdefault(quote.article_id, []).append(quote)
    _, texts, vectors = store.live_passages(gen)
    engine.close()
    return articles, quotes, {text_hash(t): v for t, v in zip(texts, vectors, strict=True)}


def write_corpus(work: Path, articles: list[dict], passages: int) -> tuple[Path, Path, str]:
    """The base corpus (copies until ``passages``) and a folder that adds the held-out article."""
    settings = PassageSettings()
    sizes = [len(split_passages(_article(a), settings)) for a in articles]
    held = int(np.argsort(sizes)[len(sizes) // 2])
    others = [a for i, a in enumerate(articles) if i != held]
    other_sizes = [s for i, s in enumerate(sizes) if i != held]
    base, total, copy = [], 0, 0
    while total < passages:
        for article, size in zip(others, other_sizes, strict=True):
            base.append({**article, "id": article["id"] + (f"~{copy}" if copy else "")})
            total += size
            if total >= passages:
                break
        copy += 1
    folder = work / f"articles-{passages}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "base.jsonl").write_text("".join(json.dumps(a) + "\n" for a in base))
    adding = work / f"with-new-{passages}"
    adding.mkdir(exist_ok=True)
    (adding / "added.jsonl").write_text(json.dumps(articles[held]) + "\n")
    link = adding / "base.jsonl"
    if not link.exists():
        link.symlink_to(folder / "base.jsonl")
    return folder, adding, articles[held]["id"]


def _article(obj: dict) -> Article:
    return Article(obj["id"], obj["text"], obj["title"], obj["date"], obj["source"], obj["url"])


def build_base(
    target: Path,
    folder: Path,
    quotes: dict[str, list[Quote]],
    vectors: dict[str, np.ndarray],
    kind: str,
) -> None:
    """Write the base index (one generation) into ``target`` with ``kind`` vectors."""
    rng = np.random.default_rng(synthetic.SEED)
    dim = len(next(iter(vectors.values())))
    sigma = np.sqrt(1 / synthetic.COPY_COSINE**2 - 1) / np.sqrt(dim)
    articles, _ = load_articles(folder)
    settings = PassageSettings()
    prepared = []
    for article in articles:
        source = article.id.split("~")[0]
        passages = split_passages(article, settings)
        stack = np.stack([vectors[text_hash(p.text)] for p in passages])
        if "~" in article.id:
            stack = stack + rng.normal(0, sigma, stack.shape).astype(np.float32)
            stack /= np.linalg.norm(stack, axis=1, keepdims=True)
        own = [_with_article(q, article.id) for q in quotes.get(source, [])]
        prepared.append(Prepared(article, passages, stack.astype(np.float32), own))
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    store = Store(target / "whosaid.sqlite")
    embedder = _Named("all-MiniLM-L6-v2", dim)
    _write(store, target, 0, {}, prepared, [], embedder, settings, (False, kind))  # type: ignore[arg-type]
    store.set_meta("attribution", str(default_attributor().version))  # type: ignore[attr-defined]
    store.close()
    (target / "complete").write_text(FORMAT)


def _with_article(quote: Quote, article_id: str) -> Quote:
    from dataclasses import replace

    return replace(quote, article_id=article_id)


# The schema the baseline code knows (migrations 1-3): what this code added, taken out again.
DOWNGRADE = """
DROP INDEX speakers_by_bucket;
DROP INDEX quote_speakers_by_quote;
DROP INDEX quotes_by_bucket;
DROP INDEX IF EXISTS articles_live;
DROP INDEX IF EXISTS articles_by_gen_removed;
ALTER TABLE speakers DROP COLUMN gen_removed;
ALTER TABLE speakers DROP COLUMN key;
ALTER TABLE speakers DROP COLUMN bucket;
ALTER TABLE quote_speakers DROP COLUMN gen_removed;
ALTER TABLE quotes DROP COLUMN speaker_bucket;
DROP TABLE segments;
PRAGMA user_version = 3;
"""


def baseline_base(flat: Path, target: Path) -> None:
    """A copy of the flat base in the baseline's format: the same rows, and its one vector
    file is already what the baseline writes (every vector of the generation, flat)."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(flat, target)
    with sqlite3.connect(target / "whosaid.sqlite") as db:
        db.executescript(DOWNGRADE)


def baseline_code(work: Path, commit: str) -> Path:
    """The ``index/`` package at ``commit``, unpacked under ``work``."""
    target = work / f"code-{commit}"
    if not (target / "index").exists():
        archive = subprocess.run(
            ["git", "archive", commit, "index"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")
    return target


class Worker:
    """A warm worker process (benchmarks/incremental_worker.py) for one copy of the code."""

    def __init__(self, code: Path, model: str, backend: str, onnx_cache: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), str(code), model, backend, str(onnx_cache)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError(f"worker for {code} did not start: {line!r}")

    def update(self, data: Path, articles: Path, options: dict, load: bool = False) -> dict:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        command = {"data": str(data), "articles": str(articles), "options": options, "load": load}
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def summary(runs: list[dict]) -> dict:
    """Medians over the runs, in seconds, and every run's total."""
    out = {
        key: round(float(np.median([r[key] for r in runs])), 3)
        for key in ("seconds", "read", "prepare", "write", "ready")
    }
    out["runs"] = [round(r["seconds"], 3) for r in runs]
    out["embedded passages"] = runs[0]["embedded"]
    out["passages after"] = runs[0]["passages"]
    return out


def saved_bm25(base: Path, embedder: object) -> None:
    """Load generation 1 of a base once, so its BM25 index and token counts are saved in it
    (as `whosaid index` and /reindex leave them) and copies of it start from them."""
    if not any(base.glob(f"{lexical.PREFIX}1-*/{lexical.COUNTS}")):
        engine = Whosaid(base, embedder=embedder)  # type: ignore[arg-type]
        engine.load()
        engine.close()


def base_indexes(
    args: argparse.Namespace, kinds: tuple[str, ...]
) -> tuple[dict[str, Path], Path, str]:
    """The base index of ``args.passages`` passages for each kind (written once and cached),
    the folder that adds the held-out article, and its id."""
    work = args.work / "incremental"
    articles, quotes, vectors = dev_corpus(dev_index(args.gold, args.model, args.work))
    folder, adding, held = write_corpus(work, articles, args.passages)
    bases = {}
    for kind in kinds:
        bases[kind] = work / f"base-{args.passages}-{kind}"
        stamp = bases[kind] / "complete"
        if not stamp.exists() or stamp.read_text() != FORMAT:
            print(f"writing the {kind} base index (once)...", file=sys.stderr)
            build_base(bases[kind], folder, quotes, vectors, kind)
    return bases, adding, held


def pick_up(trial: Path, base: Path, adding: Path, worker: Worker, runs: int) -> dict:
    """A reader holding generation 1 loads the vectors of generation 2: reusing the segments it
    holds, and from nothing (the vector part of `load_snapshot`), median seconds."""
    shutil.rmtree(trial, ignore_errors=True)
    shutil.copytree(base, trial)
    reader = Whosaid(trial)
    store = reader.store
    held = load_vectors(store, trial, 1, store.live_passages(1, with_vectors=False)[0], 384)
    worker.update(trial, adding, {"vector_index": "hnsw"})
    ids = store.live_passages(2, with_vectors=False)[0]
    out = {}
    for name, previous in (("reusing the held segments", held), ("from nothing", None)):
        seconds, _ = median_seconds(
            lambda p=previous: load_vectors(store, trial, 2, ids, 384, p), runs
        )
        out[name] = round(seconds, 4)
    reader.close()
    return out


def main() -> int:
    parser = devcorpus.parser(__doc__)
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--backend", default="onnx", choices=("onnx", "torch"))
    parser.add_argument("--baseline", default=BASELINE, help="commit of the full-rewrite code")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    work = args.work / "incremental"
    work.mkdir(parents=True, exist_ok=True)
    bases, adding, held = base_indexes(args, ("flat", "hnsw"))
    onnx_cache = args.work / "onnx"
    workers = {"this code": Worker(ROOT, args.model, args.backend, onnx_cache)}
    for base in bases.values():
        saved_bm25(base, make_embedder(args.model, args.backend, onnx_cache))
    no_counts = work / f"base-{args.passages}-hnsw-no-counts"
    if not (no_counts / "complete").exists():
        shutil.rmtree(no_counts, ignore_errors=True)
        shutil.copytree(bases["hnsw"], no_counts)
        for counts in no_counts.glob(f"{lexical.PREFIX}*/{lexical.COUNTS}"):
            counts.unlink()
    systems = {
        "segments, flat base": ("this code", bases["flat"], {"vector_index": "flat"}),
        "segments, hnsw base": ("this code", bases["hnsw"], {"vector_index": "hnsw"}),
        "segments, hnsw base, BM25 counted from nothing": (
            "this code",
            no_counts,
            {"vector_index": "hnsw"},
        ),
    }
    if not args.no_baseline:
        code = baseline_code(work, args.baseline)
        workers["baseline"] = Worker(code, args.model, args.backend, onnx_cache)
        old = work / f"base-{args.passages}-{args.baseline}"
        if not (old / "complete").exists() or (old / "complete").read_text() != FORMAT:
            baseline_base(bases["flat"], old)
        systems[f"full rewrite ({args.baseline}), flat"] = ("baseline", old, {})
    results: dict = {
        "machine": machine(),
        "corpus": "the development articles but the added one, copied; copies' vectors are "
        f"the real ones plus noise (copy cosine {synthetic.COPY_COSINE})",
        "added article": held,
        "backend": args.backend,
    }
    runs: dict[str, list[dict]] = {name: [] for name in systems}
    names = list(systems)
    for round_no in range(args.rounds):
        for name in names[round_no % len(names) :] + names[: round_no % len(names)]:
            worker, base, options = systems[name]
            trial = work / "trial"
            shutil.rmtree(trial, ignore_errors=True)
            shutil.copytree(base, trial)
            runs[name].append(
                workers[worker].update(trial, adding, options, load=worker == "this code")
            )
            print(f"{name}: {runs[name][-1]['seconds']:.2f} s", file=sys.stderr)
    results["reader picks up the new generation"] = pick_up(
        work / "trial", bases["hnsw"], adding, workers["this code"], args.rounds
    )
    shutil.rmtree(work / "trial", ignore_errors=True)
    for worker in workers.values():
        worker.close()
    results["systems"] = {name: summary(r) for name, r in runs.items()}
    write_results("incremental", results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
