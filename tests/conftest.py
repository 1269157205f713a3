"""Shared fixtures: a fast fake embedder and attributor for unit tests, the seed folder."""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from index.embedder import HashEmbedder
from index.engine import Whosaid
from index.models import Article, Quote

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

_SAID = re.compile(r"“([^”]+)”,? (?:said )?([A-Z][^\W\d_]+(?: [A-Z][^\W\d_]+)*) said")


def fake_attribute(articles: Sequence[Article]) -> list[list[Quote]]:
    """Quotes of the form “...,” Name said: enough to exercise storage and search."""
    out = []
    for article in articles:
        quotes = []
        for m in _SAID.finditer(article.text):
            quotes.append(
                Quote(
                    article.id,
                    m.group(1),
                    m.start(1),
                    m.end(1),
                    ((m.start(1), m.end(1)),),
                    "direct",
                    m.group(2),
                    m.group(2),
                    resolved=True,
                    speaker_kind="person",
                    cue="said",
                    confidence=0.9,
                )
            )
        out.append(quotes)
    return out


@pytest.fixture(scope="session")
def onnx_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the default model's ONNX export, made (and checked) once a session."""
    from index.onnx_embedder import OnnxEmbedder

    folder = tmp_path_factory.mktemp("onnx")
    OnnxEmbedder(cache_dir=folder).prepare()
    return folder


def copy_onnx_export(export: Path, data_dir: Path) -> None:
    """Put the session's export where an index in ``data_dir`` looks for it."""
    shutil.copytree(export, data_dir / "onnx", dirs_exist_ok=True)


@pytest.fixture
def articles_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    return folder


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture
def fake_engine(tmp_path: Path) -> Whosaid:
    # The hash embedder's cosines mean little, so no question is judged unanswerable here.
    return Whosaid(
        tmp_path / "data",
        embedder=HashEmbedder(),
        attribute=fake_attribute,
        no_answer_cosine=-1,
        unknown_name_cosine=-1,
        unknown_word_cosine=-1,
        topic_cosine=-1,
    )
