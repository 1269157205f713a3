"""Question latency, warm, in one process: embedding, FAISS search and the whole `Whosaid.ask`.

    .venv/bin/python benchmarks/latency.py --gold ../shared/data/polnear-train

On the development index (the one benchmarks/retrieval.py caches in benchmarks/.work/index, read
only): embedding alone with torch (sentence-transformers, 2 threads as shipped and 1) and onnx
(1 thread); FAISS flat search alone; `Searcher.search` (dense + BM25 + fusion); the whole `ask`
with a torch and an onnx engine; then the question path again while a second process keeps one
core busy. On synthetic corpora of 100k and 1M passages (real passage vectors replicated with
noise, see benchmarks/synthetic.py): FAISS flat, SQ8 and HNSW32 at several efSearch, with
recall@10 against flat, and `Searcher.search` at 100k over replicated passage texts.

Systems compared are timed call by call in alternation over the same rounds (5 by default); each
figure is the median over rounds of that round's p50 or p95. Writes benchmarks/results/latency.json;
``--sections faiss`` (or question, load, searcher) measures only those and keeps the rest.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import faiss
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import devcorpus, synthetic  # noqa: E402
from benchmarks.devcorpus import dev_index, dev_passages, questions, write_results  # noqa: E402
from benchmarks.timing import busy_core, interleaved, machine  # noqa: E402
from index.embedder import SentenceTransformerEmbedder  # noqa: E402
from index.engine import Whosaid  # noqa: E402
from index.onnx_embedder import OnnxEmbedder  # noqa: E402
from index.query import parse_question  # noqa: E402
from index.search import CANDIDATES, Searcher  # noqa: E402
from index.vectors import VectorIndex  # noqa: E402

EF_SEARCH = (64, 128, 256)


def embedding(
    texts: list[str], torch_model: SentenceTransformerEmbedder, onnx: OnnxEmbedder, rounds: int
) -> dict:
    """One question at a time: torch with 2 threads (as shipped) and 1, onnx with 1."""
    import torch

    def torch_threads(n: int) -> Callable[[str], object]:
        def run(text: str) -> object:
            torch.set_num_threads(n)  # process-wide; about a microsecond
            return torch_model.embed([text])

        return run

    timings = interleaved(
        {
            "torch 2 threads": torch_threads(2),
            "torch 1 thread": torch_threads(1),
            "onnx 1 thread": lambda t: onnx.embed([t]),
        },
        texts,
        rounds,
    )
    torch.set_num_threads(1)
    cosines = (torch_model.embed(texts) * onnx.embed(texts)).sum(axis=1)
    return {
        **timings,
        "onnx vs torch cosine": {
            "min": round(float(cosines.min()), 6),
            "mean": round(float(cosines.mean()), 6),
        },
    }


def question_path(engines: dict[str, Whosaid], texts: list[str], rounds: int) -> dict:
    """FAISS, `Searcher.search`, onnx embedding and the whole `ask`, all in the same rounds.

    The whole `ask` is timed with each embedding, and with the question's vector cached.
    """
    onnx_engine = engines["onnx"]
    snap = onnx_engine.snapshot()
    vectors = {t: onnx_engine.embedder.embed([t])[0] for t in texts}
    queries = {t: parse_question(t, snap.speakers, snap.newest) for t in texts}
    cached = Whosaid(onnx_engine.data_dir, embedder=onnx_engine.embedder)
    for t in texts:  # this engine keeps every question's vector: its asks skip the embedding
        cached.ask(t)

    def clear(_: str) -> None:
        for engine in engines.values():
            engine.forget()  # each ask embeds its question again
        cached.forget(vectors=False)  # ... and this one only skips the embedding

    systems: dict[str, Callable[[str], object]] = {
        "faiss flat alone (k=100)": lambda t: snap.searcher.vectors.search(vectors[t], CANDIDATES),
        "Searcher.search (dense + bm25 + fusion)": lambda t: snap.searcher.search(
            queries[t], vectors[t], None, 5
        ),
        "onnx embedding alone": lambda t: onnx_engine.embedder.embed([t]),
        "ask after the embedding (cached vector)": cached.ask,
    }
    systems.update({f"ask, {name} embedding": e.ask for name, e in engines.items()})
    timings = interleaved(systems, texts, rounds, before=clear)
    cached.close()
    return {"passages": len(snap.searcher.row_ids), **timings}


def worker_thread(engine: Whosaid, texts: list[str], rounds: int) -> dict:
    """FAISS flat search from a worker thread, as the bot asks: OpenMP's default against one.

    OpenMP keeps its thread count per thread, so a setting made at start-up does not reach the
    threads that answer questions; `VectorIndex.search` sets it on the asking thread.
    """
    snap = engine.snapshot()
    base = next(iter(snap.searcher.vectors.segments.values()))  # type: ignore[attr-defined]
    flat = base._index  # noqa: SLF001 - the raw index, without the setting
    vectors = engine.embedder.embed(texts)
    pool = ThreadPoolExecutor(1)
    default = pool.submit(faiss.omp_get_max_threads).result()

    def search(threads: int) -> Callable[[int], object]:
        def run(i: int) -> object:
            faiss.omp_set_num_threads(threads)
            return flat.search(vectors[i : i + 1], CANDIDATES)

        return lambda i: pool.submit(run, i).result()

    timings = interleaved(
        {f"OpenMP default ({default} threads)": search(default), "1 thread": search(1)},
        range(len(texts)),
        rounds,
    )
    pool.shutdown()
    return {"passages": len(snap.searcher.row_ids), **timings}


def under_load(
    engines: dict[str, Whosaid],
    torch_model: SentenceTransformerEmbedder,
    texts: list[str],
    rounds: int,
) -> dict:
    """The whole ask and torch's 2-thread embedding while another process keeps a core busy."""
    import torch

    def clear(_: str) -> None:
        for engine in engines.values():
            engine.forget()

    def torch_two(text: str) -> object:
        torch.set_num_threads(2)
        out = torch_model.embed([text])
        torch.set_num_threads(1)
        return out

    systems: dict[str, Callable[[str], object]] = {
        f"ask, {n} embedding": e.ask for n, e in engines.items()
    }
    systems["torch 2 threads embedding alone"] = torch_two
    with busy_core():
        return interleaved(systems, texts, rounds, before=clear)


def index_sizes(real: np.ndarray, qvecs: np.ndarray, n: int, rounds: int, work: Path) -> dict:
    """Flat, SQ8 and HNSW32 over ``n`` vectors: latency at k=100 and recall@10 against flat."""
    vectors, sources = synthetic.replicate(real, n)
    cache = work / "synthetic" / f"hnsw32-{synthetic.cache_key(real, n)}.faiss"
    built = {
        kind: synthetic.build_index(kind, vectors, cache if kind == "hnsw32" else None)
        for kind in ("flat", "sq8", "hnsw32")
    }
    flat, sq8, hnsw = (built[k][0] for k in ("flat", "sq8", "hnsw32"))
    exact = synthetic.search_ids(flat, qvecs, 10)

    def recall(found: np.ndarray) -> dict[str, float]:
        # Copies of one passage differ only by noise, so the exact top-10 at 1M is often a
        # near-tie among copies; recall by source passage counts any copy of the right one.
        return {
            "ids": synthetic.recall_at(found, exact),
            "source passages": synthetic.recall_at(sources[found], sources[exact]),
        }

    out: dict = {
        "passages": n,
        "vectors": "real"
        if n == len(real)
        else f"real replicated with noise (copy cosine {synthetic.COPY_COSINE})",
        "median nearest-neighbour cosine": synthetic.neighbour_cosine(vectors),
        "build seconds": {k: round(s, 1) for k, (_, s) in built.items() if s == s},
        "recall@10 vs flat": {"sq8": recall(synthetic.search_ids(sq8, qvecs, CANDIDATES))},
    }

    def threads(count: int, index: faiss.Index, **params: object) -> Callable[[int], object]:
        # FAISS's OpenMP setting sticks to the thread, so every system sets its own.
        search_params = faiss.SearchParametersHNSW(**params) if params else None

        def run(i: int) -> object:
            faiss.omp_set_num_threads(count)
            return index.search(qvecs[i : i + 1], CANDIDATES, params=search_params)

        return run

    systems = {"flat 1 thread": threads(1, flat), "flat 2 threads": threads(2, flat)}
    systems["sq8"] = threads(1, sq8)
    for ef in EF_SEARCH:
        systems[f"hnsw32 ef{ef}"] = threads(1, hnsw, efSearch=ef)
        hnsw.hnsw.efSearch = ef
        found = synthetic.search_ids(hnsw, qvecs, CANDIDATES)
        out["recall@10 vs flat"][f"hnsw32 ef{ef}"] = recall(found)
    out["search k=100"] = interleaved(systems, range(len(qvecs)), rounds)
    faiss.omp_set_num_threads(1)
    return out


def searcher_at(
    real: np.ndarray,
    texts: list[str],
    questions_: list[str],
    qvecs: np.ndarray,
    n: int,
    rounds: int,
    work: Path,
) -> dict:
    """`Searcher.search` (dense + BM25 + fusion) over ``n`` passages, with flat and HNSW32."""
    vectors, sources = synthetic.replicate(real, n)
    cache = work / "synthetic" / f"hnsw32-{synthetic.cache_key(real, n)}.faiss"
    hnsw = synthetic.build_index("hnsw32", vectors, cache)[0]
    hnsw.hnsw.efSearch = 128
    flat = VectorIndex(real.shape[1])
    flat.add(np.arange(n), vectors)
    del vectors
    repeated = [texts[s] for s in sources]
    flat_searcher = Searcher(flat, np.arange(n), repeated)
    hnsw_searcher = copy.copy(flat_searcher)  # the same BM25 index, built once
    hnsw_searcher.vectors = VectorIndex(real.shape[1], hnsw)
    queries = [parse_question(q, [], None) for q in questions_]

    def run(searcher: Searcher) -> Callable[[int], object]:
        return lambda i: searcher.search(queries[i], qvecs[i], None, 5)

    systems = {
        "Searcher.search, flat": run(flat_searcher),
        "Searcher.search, hnsw32 ef128": run(hnsw_searcher),
    }
    return {"passages": n, **interleaved(systems, range(len(queries)), rounds)}


SECTIONS = ("question", "load", "faiss", "searcher")


def main() -> int:
    parser = devcorpus.parser(__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--searcher-sizes", type=int, nargs="*", default=[100_000])
    parser.add_argument(
        "--sections",
        nargs="*",
        choices=SECTIONS,
        default=list(SECTIONS),
        help="measure only these; the others are kept from the last latency.json",
    )
    args = parser.parse_args()
    faiss.omp_set_num_threads(1)
    previous = devcorpus.RESULTS / "latency.json"
    keep = set(args.sections) != set(SECTIONS) and previous.exists()
    results: dict = json.loads(previous.read_text()) if keep else {"rounds": args.rounds}
    results.setdefault("machine per section", {})
    data = dev_index(args.gold, args.model, args.work)
    texts = questions()
    onnx = OnnxEmbedder(args.model, args.work / "onnx")
    for section in args.sections:
        results["machine per section"][section] = machine()
        measure(section, results, args, data, texts, onnx)
        report(results, section)
    write_results("latency", results)
    return 0


def measure(
    section: str,
    results: dict,
    args: argparse.Namespace,
    data: Path,
    texts: list[str],
    onnx: OnnxEmbedder,
) -> None:
    """Run one section of the benchmark into ``results``."""
    if section in ("question", "load"):
        torch_model = SentenceTransformerEmbedder(args.model, threads=1)
        engines = {
            "torch": Whosaid(data, embedder=torch_model),
            "onnx": Whosaid(data, embedder=onnx),
        }
    if section == "question":
        results["embedding (one question)"] = embedding(texts, torch_model, onnx, args.rounds)
        results["development index"] = question_path(engines, texts, args.rounds)
        results["faiss flat from a worker thread"] = worker_thread(
            engines["onnx"], texts, args.rounds
        )
    elif section == "load":
        results["development index, one core busy"] = under_load(
            engines, torch_model, texts, args.rounds
        )
    elif section == "faiss":
        real, qvecs = dev_passages(data)[2], onnx.embed(texts)
        sizes = [len(real), *args.sizes]
        results["faiss"] = [index_sizes(real, qvecs, n, args.rounds, args.work) for n in sizes]
    elif section == "searcher":
        _, passage_texts, real = dev_passages(data)
        qvecs = onnx.embed(texts)
        results["searcher"] = [
            searcher_at(real, passage_texts, texts, qvecs, n, args.rounds, args.work)
            for n in args.searcher_sizes
        ]


def report(results: dict, stage: str) -> None:
    """Keep what is measured so far, so that a long run stopped early leaves figures behind."""
    print(f"latency: {stage} done", file=sys.stderr)
    devcorpus.WORK.mkdir(parents=True, exist_ok=True)
    (devcorpus.WORK / "latency.partial.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    raise SystemExit(main())
