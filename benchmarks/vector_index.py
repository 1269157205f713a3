"""The vector index kinds as whosaid builds them, and the whole question at 100k and 1M passages.

    .venv/bin/python benchmarks/vector_index.py --gold ../shared/data/polnear-train

Section ``kinds``: flat, SQ8 and HNSW (`index.vectors`: M 32, efConstruction 80) over the real
development vectors (14,412) and over the 100k and 1M indexes of benchmarks/incremental.py
(real articles copied, copies' vectors the real ones plus noise); search time at k=100 on one
thread, and recall@10 against flat for the 213 development questions, HNSW at several
efSearch. Section ``ask``: the whole `Whosaid.ask` (onnx embedding, hybrid search, answers)
over the 100k and 1M indexes as `whosaid index` writes them with WHOSAID_VECTOR_INDEX=auto
(HNSW at these sizes), alone and while a second process keeps one core busy, against the
embedding alone; the part of each ask after its question's vector is ready (the search and
everything after the embedding; BM25 runs while the question is embedded); and the ask with
each question's vector cached. Each
figure is the median over rounds of each round's p50 or p95 (benchmarks/timing.py). Section
``filters``: the filtered HNSW searches of those indexes (the questions whose preferred
passages, a speaker's or a period's, are too many to score exactly) at several efSearch:
recall@10 against scoring the preferred passages exactly, time, and whether every answer
stays the same as with efSearch 1024. Writes benchmarks/results/vector_index.json;
``--sections`` measures only some and keeps the rest.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import index.vectors  # noqa: E402
from benchmarks import devcorpus  # noqa: E402
from benchmarks.devcorpus import dev_index, dev_passages, questions, write_results  # noqa: E402
from benchmarks.incremental import base_indexes  # noqa: E402
from benchmarks.synthetic import recall_at  # noqa: E402
from benchmarks.timing import busy_core, interleaved, machine, summarize_ms  # noqa: E402
from index.embedder import make_embedder  # noqa: E402
from index.engine import Whosaid  # noqa: E402
from index.numbering import union  # noqa: E402
from index.query import parse_question  # noqa: E402
from index.search import CANDIDATES, EXACT_UP_TO  # noqa: E402
from index.vectors import VectorIndex, search_many  # noqa: E402

EF_SEARCH = (64, 128, 256, 512, 1024)


def stored_vectors(index: VectorIndex) -> tuple[np.ndarray, np.ndarray]:
    """The ids and vectors held by an HNSW index (its graph keeps them uncompressed)."""
    wrapped = faiss.downcast_index(index._index)  # noqa: SLF001
    storage = faiss.downcast_index(faiss.downcast_index(wrapped.index).storage)
    vectors = faiss.rev_swig_ptr(storage.get_xb(), storage.ntotal * storage.d)
    return index.ids(), np.array(vectors).reshape(storage.ntotal, storage.d)


def kinds(hnsw: VectorIndex, queries: np.ndarray, rounds: int) -> dict:
    """Flat, SQ8 and HNSW over the vectors of ``hnsw``: time at k=100, recall@10 vs flat."""
    ids, vectors = stored_vectors(hnsw)
    flat = VectorIndex.build("flat", ids, vectors, vectors.shape[1])
    sq8 = VectorIndex.build("sq8", ids, vectors, vectors.shape[1])
    del vectors
    exact = search_many(flat, queries, 10)[1]
    recall = {"sq8": recall_at(search_many(sq8, queries, 10)[1], exact)}
    systems = {
        "flat": lambda i: flat.search(queries[i], CANDIDATES),
        "sq8": lambda i: sq8.search(queries[i], CANDIDATES),
    }
    for ef in EF_SEARCH:
        hnsw.ef_search = ef
        recall[f"hnsw ef{ef}"] = recall_at(search_many(hnsw, queries, 10)[1], exact)
        copy = VectorIndex(hnsw.dim, hnsw._index)  # noqa: SLF001 - one efSearch each
        copy.ef_search = ef
        systems[f"hnsw ef{ef}"] = lambda i, c=copy: c.search(queries[i], CANDIDATES)
    return {
        "passages": len(ids),
        "recall@10 vs flat": recall,
        "search k=100, 1 thread": interleaved(systems, range(len(queries)), rounds),
    }


class AfterVector:
    """Times each ask of an engine from the moment the search gets its question's vector (the
    later of the embedding and BM25 with the filters, which run while it is embedded) to the
    answer: the search and everything after."""

    def __init__(self, engine: Whosaid) -> None:
        self.ready: float | None = None
        self.samples: list[float | None] = []  # one a call; None: no vector was fetched
        embed_soon = engine._embed_soon  # noqa: SLF001

        def soon(text: str) -> Callable[[], np.ndarray]:
            wait = embed_soon(text)

            def vector() -> np.ndarray:
                found = wait()
                if self.ready is None:  # the question's; a topic's comes later
                    self.ready = time.perf_counter()
                return found

            return vector

        engine._embed_soon = soon  # type: ignore[method-assign]  # noqa: SLF001
        self.ask = engine.ask

    def __call__(self, text: str) -> None:
        self.ready = None
        self.ask(text)
        done = time.perf_counter()
        self.samples.append(None if self.ready is None else (done - self.ready) * 1000)

    def summary(self, rounds: int) -> dict[str, float]:
        per = len(self.samples) // rounds
        split = [self.samples[i * per : (i + 1) * per] for i in range(rounds)]
        return summarize_ms([[t for t in calls if t is not None] for calls in split])


def ask(data: dict[str, Path], embedder: object, texts: list[str], rounds: int) -> dict:
    """The whole ask over each index, alone and with a busy core (each ask embeds again),
    against the embedding alone, and the part of it after the question's vector is ready;
    then the ask with the question's vector cached."""
    engines = {}
    for size, folder in data.items():
        engines[size] = Whosaid(folder, embedder=embedder)  # type: ignore[arg-type]
        engines[size].ask(texts[0])  # loads the generation
    after = {size: AfterVector(engine) for size, engine in engines.items()}

    def clear(_: str) -> None:
        for engine in engines.values():
            engine.forget()

    def clear_answers(_: str) -> None:
        for engine in engines.values():
            engine.forget(vectors=False)

    systems = {
        "embedding alone": lambda text: embedder.embed([text]),  # type: ignore[attr-defined]
        **{f"ask, {size}": after[size] for size in engines},
    }
    out = {
        "kinds": {size: e.snapshot().searcher.vectors.kind for size, e in engines.items()},
        "alone": interleaved(systems, texts, rounds, before=clear),
    }
    out["alone"].update(
        {f"after the question's vector, {size}": a.summary(rounds) for size, a in after.items()}
    )
    for timer in after.values():
        timer.samples.clear()
    with busy_core():
        out["one core busy"] = interleaved(systems, texts, rounds, before=clear)
    out["one core busy"].update(
        {f"after the question's vector, {size}": a.summary(rounds) for size, a in after.items()}
    )
    for engine in engines.values():
        for text in texts:
            engine.ask(text)  # caches every question's vector
    cached = {f"ask, {size}": engine.ask for size, engine in engines.items()}
    out["question vector cached"] = interleaved(cached, texts, rounds, before=clear_answers)
    for engine in engines.values():
        engine.close()
    return out


def filters(data: dict[str, Path], embedder: object, texts: list[str], rounds: int) -> dict:
    """Filtered HNSW searches among each question's preferred passages, where there are more
    than the searcher scores exactly, at several efSearch; and the answers they lead to."""
    kept = index.vectors.HNSW_FILTERED_EF_SEARCH
    vectors = embedder.embed(texts)  # type: ignore[attr-defined]
    out = {}
    for size, folder in data.items():
        engine = Whosaid(folder, embedder=embedder)  # type: ignore[arg-type]
        snap = engine.snapshot()
        searcher = snap.searcher
        cases = []
        for text, vector in zip(texts, vectors, strict=True):
            query = parse_question(text, snap.matcher, snap.newest)
            dated = snap.dated(query.since, query.until) if query.dates_soft else np.zeros(0)
            prefer = union(snap.size, dated.astype(np.int64), snap.passages_of(query.speaker_ids))
            if len(prefer) > EXACT_UP_TO:
                best = prefer[np.argsort(-searcher.table.cosines(prefer, vector))[:10]]
                cases.append((vector, prefer, set(best.tolist())))
        by_ef: dict = {}
        answers = {}
        for ef in (1024, 512, 256, 128):
            index.vectors.HNSW_FILTERED_EF_SEARCH = ef
            found, times = [], []
            for _ in range(rounds):
                for vector, prefer, exact in cases:
                    started = time.perf_counter()
                    hits = searcher._dense(vector, prefer)  # noqa: SLF001 - what search runs
                    times.append(time.perf_counter() - started)
                    found.append(len({p for p, _ in hits[:10]} & exact) / 10)
            engine.forget(vectors=False)
            answers[ef] = [[a.passage_id for a in engine.ask(t).answers] for t in texts]
            by_ef[f"efSearch {ef}"] = {
                "recall@10 against exact": round(statistics.mean(found), 3) if found else None,
                "p50 ms": round(1000 * statistics.median(times), 2) if times else None,
                "answers the same as with efSearch 1024 %": round(
                    100
                    * statistics.mean(
                        a == b for a, b in zip(answers[ef], answers[1024], strict=True)
                    ),
                    1,
                ),
            }
        out[size] = {"questions with a filtered search": len(cases), **by_ef}
        engine.close()
    index.vectors.HNSW_FILTERED_EF_SEARCH = kept
    return out


def sized_index(args: argparse.Namespace, passages: int, copy_to: Path) -> Path:
    """A private copy of benchmarks/incremental.py's HNSW base of ``passages`` passages."""
    sized = argparse.Namespace(**{**vars(args), "passages": passages})
    base = base_indexes(sized, ("hnsw",))[0]["hnsw"]
    if not (copy_to / "complete").exists():
        shutil.rmtree(copy_to, ignore_errors=True)
        shutil.copytree(base, copy_to)
    return copy_to


def main() -> int:
    parser = devcorpus.parser(__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--sections", nargs="*", default=["kinds", "ask"])
    args = parser.parse_args()
    faiss.omp_set_num_threads(1)
    previous = devcorpus.RESULTS / "vector_index.json"
    results: dict = json.loads(previous.read_text()) if previous.exists() else {}
    results["rounds"] = args.rounds
    data = dev_index(args.gold, args.model, args.work)
    embedder = make_embedder(args.model, "onnx", args.work / "onnx")
    texts = questions()
    queries = embedder.embed(texts)
    work = args.work / "vector_index"
    indexes = {n: sized_index(args, n, work / f"ask-{n}") for n in args.sizes}
    if "kinds" in args.sections:
        results["machine, kinds"] = machine()
        ids, _, real = dev_passages(data)
        real_hnsw = VectorIndex.build("hnsw", ids, real, real.shape[1])
        results["kinds"] = [kinds(real_hnsw, queries, args.rounds)]
        for n, folder in indexes.items():
            results["kinds"].append(
                kinds(VectorIndex.load(folder / "vectors-1.faiss"), queries, args.rounds)
            )
            print(f"kinds at {n} done", file=sys.stderr)
    if "ask" in args.sections:
        results["machine, ask"] = machine()
        results["ask"] = ask(
            {f"{n:,}": f for n, f in indexes.items()}, embedder, texts, args.rounds
        )
    if "filters" in args.sections:
        results["machine, filters"] = machine()
        results["filters"] = filters(
            {f"{n:,}": f for n, f in indexes.items()}, embedder, texts, args.rounds
        )
    write_results("vector_index", results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
