"""A sentence-transformers model on ONNX Runtime: the question path without torch.

The model's transformer is exported once with ``torch.onnx.export`` from the local model folder
into a cache folder and reused afterwards; only that export imports torch. Tokenisation uses the
``tokenizers`` library and pooling and normalisation follow the model's own sentence-transformers
configuration, so the vectors agree with `SentenceTransformerEmbedder`
(tests/test_onnx_embedder.py).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.embedder import DEFAULT_MODEL, TokenVectors, resolve_model_path, unit_rows
from index.errors import ModelLoadError

log = logging.getLogger(__name__)

INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
# The `tokenizers` Encoding attribute that feeds each input.
_ENCODING_FIELDS = dict(zip(INPUT_NAMES, ("ids", "attention_mask", "type_ids"), strict=True))
OPSET = 17
# Bumped when the export itself changes, so that older cached files are not reused.
EXPORT_VERSION = 1
DEFAULT_CACHE = Path.home() / ".cache" / "whosaid" / "onnx"
_POOLING_MODES = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls"}
# A fresh export is compared with sentence-transformers on these before it is used: short and
# long, plain and accented, so that tokenisation, padding and pooling are all exercised.
VERIFY_TEXTS = (
    "What did the foreign minister say about China?",
    "“We will not give up a single inch,” the president said on Tuesday.",
    "Résumé: naïve café owners protest über-high rents.",
    "Inflation fell to 2.1% in March, the central bank said, " * 12,
)
VERIFY_COSINE = 0.999


@dataclass(frozen=True)
class Layout:
    """What the model folder's sentence-transformers files say about its input and output."""

    max_seq_length: int
    pooling: str
    normalize: bool


def read_layout(model_dir: Path) -> Layout:
    """Maximum length, pooling and normalisation from modules.json and the module configs."""
    modules = json.loads((model_dir / "modules.json").read_text())
    kinds = {m["type"].rsplit(".", 1)[-1]: m.get("path", "") for m in modules}
    if set(kinds) - {"Transformer", "Pooling", "Normalize"} or "Pooling" not in kinds:
        raise ModelLoadError(
            f"the onnx backend handles Transformer, Pooling and Normalize modules; {model_dir} "
            f"has {', '.join(kinds)}: use WHOSAID_EMBEDDING_BACKEND=torch for this model"
        )
    pooling_config = json.loads((model_dir / kinds["Pooling"] / "config.json").read_text())
    modes = [mode for key, mode in _POOLING_MODES.items() if pooling_config.get(key)]
    others = [k for k, v in pooling_config.items() if k.startswith("pooling_mode") and v]
    if len(modes) != 1 or len(others) != 1:
        raise ModelLoadError(
            f"the onnx backend handles mean or CLS pooling; {model_dir} asks for {others}: "
            "use WHOSAID_EMBEDDING_BACKEND=torch for this model"
        )
    config = model_dir / "sentence_bert_config.json"
    max_len = json.loads(config.read_text()).get("max_seq_length") if config.exists() else None
    return Layout(int(max_len or 512), modes[0], "Normalize" in kinds)


def onnx_file(name: str, model_dir: Path, cache_dir: Path) -> Path:
    """Where the export of a model lives: keyed by its folder and its weights' size and time."""
    weights = sorted(model_dir.glob("*.safetensors")) or sorted(model_dir.glob("*.bin"))
    stamp = [str(model_dir.resolve()), str(EXPORT_VERSION), str(OPSET)]
    stamp += [f"{w.name}:{w.stat().st_size}:{w.stat().st_mtime_ns}" for w in weights]
    digest = hashlib.blake2b("|".join(stamp).encode(), digest_size=8).hexdigest()
    return cache_dir / f"{re.sub(r'[^A-Za-z0-9.]+', '-', name).strip('-')}-{digest}.onnx"


def export_onnx(model_dir: Path, target: Path) -> None:
    """Export the transformer (token ids -> last hidden state) to ``target``, atomically."""
    import torch
    import transformers
    from transformers import AutoModel

    transformers.utils.logging.disable_progress_bar()

    class Encoder(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    # Eager attention traces to plain matrix products; the SDPA path bakes in shape checks.
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    sample = torch.ones((2, 8), dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUT_NAMES, "hidden")}
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    os.close(handle)
    try:
        # The tracer warns about Python-level shape checks in transformers; the eager path has
        # none that matter, and the test checks the result against sentence-transformers.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Encoder(model),
                (sample, sample, torch.zeros_like(sample)),
                tmp,
                input_names=list(INPUT_NAMES),
                output_names=["hidden"],
                dynamic_axes=axes,
                opset_version=OPSET,
                dynamo=False,
            )
        os.chmod(tmp, 0o644)  # mkstemp makes it private; other processes read it too
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def pool(hidden: np.ndarray, mask: np.ndarray, layout: Layout) -> np.ndarray:
    """Sentence vectors from token vectors, pooled and normalised as the layout says."""
    if layout.pooling == "cls":
        vectors = hidden[:, 0, :]
    else:
        weights = mask[:, :, None].astype(np.float32)
        vectors = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    return unit_rows(vectors) if layout.normalize else np.ascontiguousarray(vectors, np.float32)


class OnnxEmbedder:
    """The model on ONNX Runtime; exported on first use if the cache folder has no copy.

    ``threads`` is the intra-op thread count for single texts (one: a second thread only adds
    waiting when another process shares the cores); ``batch_threads`` that for batches, in a second
    session created the first time a batch comes.
    """

    def __init__(
        self,
        name: str = DEFAULT_MODEL,
        cache_dir: Path | None = None,
        *,
        threads: int = 1,
        batch_threads: int | None = None,
    ) -> None:
        self.name = name
        self.cache_dir = Path(cache_dir) if cache_dir is not None else DEFAULT_CACHE
        self.threads = threads
        self.batch_threads = batch_threads or os.cpu_count() or 1
        self._model_dir = Path(resolve_model_path(name))
        self._layout: Layout | None = None
        self._tokenizer: Any = None
        self._sessions: dict[int, Any] = {}
        self._dim: int | None = None
        self._load_lock = threading.Lock()

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self.embed(["dimension"]).shape[1])
        return self._dim

    @property
    def path(self) -> Path:
        """The exported model file in the cache folder."""
        return onnx_file(self.name, self._model_dir, self.cache_dir)

    def prepare(self) -> None:
        """Export (and check) the model if need be, and open it: raise now rather than later."""
        self._loaded()
        self._session(self.threads)

    def _loaded(self) -> tuple[Layout, Any]:
        with self._load_lock:
            if self._tokenizer is None or self._layout is None:
                self._load()
            assert self._layout is not None
            return self._layout, self._tokenizer

    def _load(self) -> None:
        if not (self._model_dir / "modules.json").exists():
            raise ModelLoadError(
                f"the onnx backend needs a local sentence-transformers folder; {self.name!r} is "
                "not one: set WHOSAID_EMBEDDING_MODEL to a folder, or use the torch backend"
            )
        from tokenizers import Tokenizer

        layout = read_layout(self._model_dir)
        tokenizer = Tokenizer.from_file(str(self._model_dir / "tokenizer.json"))
        # tokenizer.json carries its own fixed padding and a 128-token cut; the model reads 256.
        padding = tokenizer.padding or {}
        tokenizer.enable_truncation(max_length=layout.max_seq_length)
        tokenizer.enable_padding(
            pad_id=padding.get("pad_id", 0), pad_token=padding.get("pad_token", "[PAD]")
        )
        path = self.path
        if not path.exists():
            log.info("exporting %s to ONNX in %s (once; 5-15 s, needs torch)", self.name, path)
            try:
                export_onnx(self._model_dir, path)
            except Exception as exc:  # noqa: BLE001 - any export failure gets one clear message
                raise ModelLoadError(f"cannot export {self.name!r} to ONNX: {exc}") from exc
            self._verify(layout, tokenizer)
        self._layout, self._tokenizer = layout, tokenizer

    def _verify(self, layout: Layout, tokenizer: Any) -> None:
        """Compare a fresh export with sentence-transformers; remove it if they disagree."""
        from index.embedder import SentenceTransformerEmbedder

        texts = list(VERIFY_TEXTS)
        reference = SentenceTransformerEmbedder(self.name).embed(texts)
        vectors = self._run(texts, layout, tokenizer, self.threads, batch_size=32)
        cosine = float((vectors * reference).sum(axis=1).min())
        if cosine < VERIFY_COSINE:
            self.path.unlink(missing_ok=True)
            self._sessions.clear()
            raise ModelLoadError(
                f"the ONNX export of {self.name!r} disagrees with sentence-transformers "
                f"(cosine {cosine:.5f} < {VERIFY_COSINE}); it was removed"
            )
        log.info("ONNX export checked against sentence-transformers: cosine >= %.5f", cosine)

    def _session(self, threads: int) -> Any:
        session = self._sessions.get(threads)
        if session is None:
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            # Spinning workers burn a core the other process (or the bot's loop) could use.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            try:
                session = ort.InferenceSession(
                    str(self.path), options, providers=["CPUExecutionProvider"]
                )
            except Exception as exc:  # noqa: BLE001 - a damaged file: export again next time
                self.path.unlink(missing_ok=True)
                raise ModelLoadError(f"cannot load {self.path}: {exc}; it was removed") from exc
            self._sessions[threads] = session
        return session

    def embed(self, texts: list[str], *, batch_size: int = 32) -> np.ndarray:
        """Unit-length float32 vectors, one row a text; batches sorted by length to pad less."""
        layout, tokenizer = self._loaded()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        threads = self.threads if len(texts) == 1 else self.batch_threads
        out = self._run(texts, layout, tokenizer, threads, batch_size)
        self._dim = out.shape[1]
        return out

    def token_vectors(self, texts: list[str]) -> list[TokenVectors]:
        """Each text's tokens in context: offsets and unit vectors, special tokens left out."""
        _, tokenizer = self._loaded()
        session = self._session(self.threads)
        out = []
        for encoding in tokenizer.encode_batch(texts):
            width = sum(encoding.attention_mask)
            feeds = {
                name: np.array([getattr(encoding, field)[:width]], dtype=np.int64)
                for name, field in _ENCODING_FIELDS.items()
            }
            hidden = session.run(["hidden"], feeds)[0][0]
            keep = [
                i for i, special in enumerate(encoding.special_tokens_mask[:width]) if not special
            ]
            out.append(([encoding.offsets[i] for i in keep], unit_rows(hidden[keep])))
        return out

    def _run(
        self, texts: list[str], layout: Layout, tokenizer: Any, threads: int, batch_size: int
    ) -> np.ndarray:
        session = self._session(threads)
        encodings = tokenizer.encode_batch(texts)  # padded per call; re-padded per batch
        lengths = np.array([sum(e.attention_mask) for e in encodings])
        order = np.argsort(-lengths, kind="stable")
        out: np.ndarray | None = None
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            width = int(lengths[rows].max())
            feeds = {
                name: np.array([getattr(encodings[r], field)[:width] for r in rows], dtype=np.int64)
                for name, field in _ENCODING_FIELDS.items()
            }
            hidden = session.run(["hidden"], feeds)[0]
            vectors = pool(hidden, feeds["attention_mask"], layout)
            if out is None:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors
        assert out is not None
        return out
