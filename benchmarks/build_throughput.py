"""Build throughput: the whole index build and each embedding backend against torch fp32.

    .venv/bin/python benchmarks/build_throughput.py --gold ../shared/data/polnear-train

1. Embedding backends on a fixed sample of the development passages, alternated in each of
   5 rounds: sentence-transformers fp32 (the baseline), the same under bf16 autocast, and onnx
   fp32 (2 threads); passages/s (median of the rounds), GFLOP/s and the share of the machine's
   fp32 peak (measured as torch's 4096x4096 matrix product on every core).
2. Agreement with fp32 over every development passage: cosine per passage, and the share of
   each development question's dense top-10 that is the same as with fp32 vectors.
3. The whole build (loading, attribution, embedding, FAISS, SQLite) of the first N articles
   into a fresh folder, with the torch and the onnx backend, against fp32 encoding of the
   same passages in the same run; attribution and embedding seconds reported apart.

Writes benchmarks/results/build.json.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import devcorpus  # noqa: E402
from benchmarks.devcorpus import dev_index, dev_passages, questions, write_results  # noqa: E402
from benchmarks.timing import machine, median_seconds  # noqa: E402
from index.embedder import Embedder, make_embedder, resolve_model_path  # noqa: E402
from index.engine import Whosaid, default_attributor  # noqa: E402
from index.models import Article, Quote  # noqa: E402
from index.onnx_embedder import OnnxEmbedder  # noqa: E402
from index.vectors import VectorIndex  # noqa: E402

BATCH = 32
Encode = Callable[[list[str]], np.ndarray]


def encoders(model: str, work: Path) -> dict[str, Encode]:
    """The embedding variants, each texts -> unit float32 vectors."""
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)
    st = SentenceTransformer(resolve_model_path(model), device="cpu")
    onnx = OnnxEmbedder(model, work / "onnx", batch_threads=2)

    def fp32(texts: list[str]) -> np.ndarray:
        return st.encode(texts, batch_size=BATCH, normalize_embeddings=True)

    def bf16(texts: list[str]) -> np.ndarray:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out = st.encode(
                texts, batch_size=BATCH, normalize_embeddings=True, convert_to_tensor=True
            )
        out = out.float()
        return (out / out.norm(dim=1, keepdim=True)).numpy()

    return {
        "torch fp32": fp32,
        "torch bf16 (autocast)": bf16,
        "onnx fp32": lambda texts: onnx.embed(texts, batch_size=BATCH),
    }


def flops_per_passage(model: str, texts: Sequence[str], max_len: int = 256) -> float:
    """Mean multiply-add FLOPs a passage: the encoder's matrix products at its token count."""
    from tokenizers import Tokenizer

    folder = Path(resolve_model_path(model))
    config = json.loads((folder / "config.json").read_text())
    hidden, layers = config["hidden_size"], config["num_hidden_layers"]
    inner = config["intermediate_size"]
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_len)
    lengths = np.array([len(e.ids) for e in tokenizer.encode_batch(list(texts))])
    # Per token and layer: Q, K, V and output projections, the two feed-forward products, and
    # attention scores and mixing over the passage's tokens; 2 FLOPs a multiply-add.
    per_token = 2 * layers * (4 * hidden * hidden + 2 * hidden * inner + 2 * lengths * hidden)
    return float(np.mean(per_token * lengths))


def nominal_peak_gflops() -> float:
    """Cores x clock x 32 fp32 FLOPs a cycle (two 256-bit FMA units, as on AMD Zen 2 to 4,
    which runs AVX-512 on them in two halves): the arithmetic peak on paper."""
    mhz = max(
        float(line.split(":")[1]) for line in open("/proc/cpuinfo") if line.startswith("cpu MHz")
    )
    return (os.cpu_count() or 1) * mhz / 1000 * 32


def fp32_peak_gflops() -> float:
    """What torch's fp32 matrix product reaches on every core: the practical arithmetic peak."""
    import torch

    a, b = torch.randn(4096, 4096), torch.randn(4096, 4096)
    seconds, _ = median_seconds(lambda: a @ b, runs=5)
    return 2 * 4096**3 / seconds / 1e9


def throughput(
    encode: dict[str, Encode], texts: list[str], rounds: int, flops: float, peak: float
) -> dict:
    """Passages/s of each variant on ``texts``, alternating variants within each round."""
    times: dict[str, list[float]] = {name: [] for name in encode}
    names = list(encode)
    for round_no in range(rounds):
        for name in names[round_no % len(names) :] + names[: round_no % len(names)]:
            started = time.perf_counter()
            encode[name](texts)
            times[name].append(time.perf_counter() - started)
    out = {}
    for name, seconds in times.items():
        rate = len(texts) / float(np.median(seconds))
        out[name] = {
            "passages/s": round(rate, 1),
            "vs torch fp32": round(rate * float(np.median(times["torch fp32"])) / len(texts), 2),
            "GFLOP/s": round(rate * flops / 1e9, 1),
            "share of fp32 peak": round(rate * flops / 1e9 / peak, 2),
            "seconds per round": [round(s, 2) for s in seconds],
        }
    return out


def top10(passages: np.ndarray, queries: np.ndarray) -> np.ndarray:
    index = VectorIndex(passages.shape[1])
    index.add(np.arange(len(passages)), passages)
    return np.array([[i for i, _ in index.search(q, 10)] for q in queries])


def agreement(
    encode: dict[str, Encode], texts: list[str], reference: np.ndarray, asked: list[str]
) -> dict:
    """Cosine with fp32 per passage, and the share of each question's top-10 kept."""
    base = top10(reference, encode["torch fp32"](asked))
    out = {}
    for name, fn in encode.items():
        if name == "torch fp32":
            continue
        vectors = fn(texts)
        cosine = (vectors * reference).sum(axis=1)
        found = top10(vectors, fn(asked))
        kept = [len(set(a) & set(b)) / 10 for a, b in zip(found, base, strict=True)]
        out[name] = {
            "cosine min": round(float(cosine.min()), 5),
            "cosine mean": round(float(cosine.mean()), 6),
            "top-10 same %": round(100 * float(np.mean(kept)), 2),
        }
    return out


class TimedEmbedder:
    """An embedder that adds up the seconds spent embedding."""

    def __init__(
        self, inner: Embedder, lock: contextlib.AbstractContextManager | None = None
    ) -> None:
        self.inner, self.name, self.seconds = inner, inner.name, 0.0
        self.lock = lock or contextlib.nullcontext()

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed(self, texts: list[str], *, batch_size: int = BATCH) -> np.ndarray:
        with self.lock:
            started = time.perf_counter()
            try:
                return self.inner.embed(texts, batch_size=batch_size)
            finally:
                self.seconds += time.perf_counter() - started


def first_articles(gold: Path, count: int, work: Path) -> Path:
    """A folder with the first ``count`` gold articles."""
    folder = work / f"build-{count}"
    folder.mkdir(parents=True, exist_ok=True)
    lines = (gold / "articles.jsonl").read_text().splitlines()[:count]
    (folder / "articles.jsonl").write_text("\n".join(lines) + "\n")
    return folder


def whole_build(
    folder: Path, backend: str, model: str, work: Path, encode: Encode, overlap: bool = True
) -> dict:
    """Build an index of ``folder`` from nothing; fp32 encoding of its passages in the same run.

    Without ``overlap`` a lock keeps attribution and embedding apart, as before the pipeline.
    """
    attribute_inner = default_attributor()
    attributed = [0.0]
    apart = threading.Lock() if not overlap else contextlib.nullcontext()

    def attribute(articles: Sequence[Article]) -> list[list[Quote]]:
        with apart:
            started = time.perf_counter()
            try:
                return attribute_inner(articles)
            finally:
                attributed[0] += time.perf_counter() - started

    embedder = TimedEmbedder(make_embedder(model, backend, work / "onnx"), apart)
    embedder.embed(["warm up", "the batch path"])
    embedder.seconds = 0.0
    data = Path(tempfile.mkdtemp(prefix="whosaid-build-"))
    try:
        engine = Whosaid(data, embedder=embedder, attribute=attribute)
        started = time.perf_counter()
        report = engine.update(folder)
        seconds = time.perf_counter() - started
        texts = dev_passages(data)[1]
        engine.close()
    finally:
        shutil.rmtree(data, ignore_errors=True)
    encode_seconds, _ = median_seconds(lambda: encode(texts), runs=1)
    return {
        "articles": report.articles,
        "passages": report.passages,
        "seconds": round(seconds, 1),
        "attribution seconds": round(attributed[0], 1),
        "embedding seconds": round(embedder.seconds, 1),
        "passages/s": round(report.passages / seconds, 1),
        "embedding alone, passages/s": round(report.passages / embedder.seconds, 1),
        "torch fp32 encode alone, passages/s": round(report.passages / encode_seconds, 1),
        "build vs fp32 encode": round(encode_seconds / seconds, 2),
        "GFLOP a passage": round(flops_per_passage(model, texts) / 1e9, 2),
    }


def main() -> int:
    parser = devcorpus.parser(__doc__)
    parser.add_argument("--sample", type=int, default=256, help="passages timed each round")
    parser.add_argument(
        "--agreement-passages", type=int, default=0, help="compare on the first N (0: all)"
    )
    parser.add_argument("--build-articles", type=int, default=40)
    parser.add_argument("--backends", nargs="*", default=["torch", "onnx"])
    args = parser.parse_args()
    results: dict = {"machine": machine()}
    _, texts, stored = dev_passages(dev_index(args.gold, args.model, args.work))
    encode = encoders(args.model, args.work)
    rng = np.random.default_rng(7)
    sample = [texts[i] for i in rng.choice(len(texts), min(args.sample, len(texts)), replace=False)]
    flops = flops_per_passage(args.model, sample)
    peak = fp32_peak_gflops()
    results["flops"] = {
        "GFLOP a passage (sample mean)": round(flops / 1e9, 2),
        "fp32 peak GFLOP/s": round(peak, 1),
        "nominal fp32 peak GFLOP/s": round(nominal_peak_gflops(), 1),
    }
    results["embedding throughput"] = {
        "passages": len(sample),
        "batch": BATCH,
        "rounds": args.rounds,
        **throughput(encode, sample, args.rounds, flops, peak),
    }
    print(json.dumps(results, indent=2), file=sys.stderr)
    # The stored vectors are torch fp32's, written when the development index was built.
    limit = args.agreement_passages or len(texts)
    results["agreement with torch fp32"] = {
        "passages": min(limit, len(texts)),
        "questions": len(questions()),
        **agreement(encode, texts[:limit], stored[:limit], questions()),
    }
    print(json.dumps(results, indent=2), file=sys.stderr)
    folder = first_articles(args.gold, args.build_articles, args.work)
    results["whole build"] = {
        backend: whole_build(folder, backend, args.model, args.work, encode["torch fp32"])
        for backend in args.backends
    }
    results["whole build"]["onnx, attribution not overlapped"] = whole_build(
        folder, "onnx", args.model, args.work, encode["torch fp32"], overlap=False
    )
    write_results("build", results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
