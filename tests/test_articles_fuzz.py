"""Hostile input: the loader never raises out of a build; bad files are reported, good ones kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.articles import load_articles, parse_article_lenient

NAMES = st.sampled_from(["a.txt", "b.md", "c.jsonl"])


@settings(max_examples=400, deadline=None)
@given(NAMES, st.binary(max_size=2000))
def test_random_bytes_never_raise(name: str, data: bytes) -> None:
    articles, skipped = parse_article_lenient(name, data)
    assert articles or skipped
    assert all(s.reason for s in skipped)


@settings(max_examples=400, deadline=None)
@given(NAMES, st.text(max_size=2000))
def test_random_unicode_never_raises(name: str, text: str) -> None:
    articles, _ = parse_article_lenient(name, text.encode("utf-8", "surrogatepass"))
    for article in articles:
        assert article.text.strip()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("nested.md", b"---\n" + b"a: " * 1 + b"[" * 5000 + b"]" * 5000 + b"\n---\nBody"),
        ("deep.jsonl", b'{"id": "x", "text": ' + b"[" * 100000 + b"]" * 100000 + b"}\n"),
        ("trunc.jsonl", b'{"id": "x", "text": "cut her'),
        ("utf16.txt", "Hello there".encode("utf-16")),
        ("nul.md", b"Title\x00\x00"),
        ("cp1252.md", "\u201cQuoted\u201d".encode("cp1252")),
    ],
)
def test_hostile_files_are_reported(name: str, data: bytes) -> None:
    articles, skipped = parse_article_lenient(name, data)
    assert not articles and skipped and skipped[0].path == name


@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=1, deadline=None
)
@given(st.just(None))
def test_huge_line_and_big_file_are_read(tmp_path: Path, _: None) -> None:
    (tmp_path / "huge.txt").write_text("word " * 2_000_000)  # one 10 MB line
    (tmp_path / "big.jsonl").write_text(
        "\n".join(json.dumps({"id": f"n{i}", "text": "x " * 50_000}) for i in range(500))
    )  # 50 MB
    articles, skipped = load_articles(tmp_path)
    assert len(articles) == 501 and not skipped


def test_a_file_that_disappears_while_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "gone.txt").write_text("Soon gone.")
    (tmp_path / "kept.txt").write_text("Still here.")
    real = Path.read_bytes

    def vanish(self: Path) -> bytes:
        if self.name == "gone.txt":
            self.unlink()
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", vanish)
    articles, skipped = load_articles(tmp_path)
    assert [a.id for a in articles] == ["kept.txt"]
    assert skipped[0].path == "gone.txt" and "cannot read" in skipped[0].reason
