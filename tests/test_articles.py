from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.articles import load_articles, parse_article
from index.errors import ArticleError
from tests.conftest import SEEDS


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def test_seed_date_prefix_is_stripped_and_kept_as_date() -> None:
    articles, skipped = load_articles(SEEDS)
    assert skipped == []
    [seed] = articles
    assert seed.date == "2022-05-01"
    assert seed.text.startswith("“The only way to achieve peace")
    assert seed.id == "000_8652565bec4607e8.txt"


def test_txt_headers(articles_dir: Path) -> None:
    write(
        articles_dir,
        "a.txt",
        "date 2021-03-04\ntitle: Hello\nsource: Wire\nurl: http://x/a\n\nBody text.",
    )
    [article] = load_articles(articles_dir)[0]
    assert (article.title, article.date, article.source, article.url) == (
        "Hello",
        "2021-03-04",
        "Wire",
        "http://x/a",
    )
    assert article.text == "Body text."


def test_md_front_matter(articles_dir: Path) -> None:
    write(
        articles_dir, "sub/b.md", "---\ntitle: T\ndate: 2020-01-02\nsource: S\n---\n\nThe body.\n"
    )
    [article] = load_articles(articles_dir)[0]
    assert article.id == "sub/b.md"
    assert (article.title, article.date, article.source, article.text) == (
        "T",
        "2020-01-02",
        "S",
        "The body.",
    )


def test_jsonl_keeps_text_exactly_and_reports_bad_lines(articles_dir: Path) -> None:
    good = {"id": "x1", "text": "  Spaced text. ", "date": "2019-05-06", "title": "X"}
    write(
        articles_dir,
        "c.jsonl",
        json.dumps(good) + "\n{not json\n" + json.dumps({"id": "x2"}) + "\n",
    )
    articles, skipped = load_articles(articles_dir)
    assert [a.id for a in articles] == ["x1"]
    assert articles[0].text == "  Spaced text. "
    assert [(s.path, s.line) for s in skipped] == [("c.jsonl", 2), ("c.jsonl", 3)]
    assert "bad JSON" in skipped[0].reason and "text" in skipped[1].reason


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bad.txt", b"\xff\xfe\x00binary", "binary"),
        ("latin.txt", "caf\xe9 au lait".encode("latin-1"), "UTF-8"),
        ("empty.md", b"   \n", "empty"),
        ("date.txt", b"date 2021-13-45 Body.", "bad date"),
        ("front.md", b"---\n- a list\n---\nBody", "mapping"),
    ],
)
def test_bad_files_are_skipped_with_a_reason(
    articles_dir: Path, name: str, content: bytes, reason: str
) -> None:
    write(articles_dir, name, content)
    write(articles_dir, "ok.txt", "A good article.")
    articles, skipped = load_articles(articles_dir)
    assert [a.id for a in articles] == ["ok.txt"]
    assert len(skipped) == 1 and skipped[0].path == name and reason in skipped[0].reason


def test_parse_article_is_strict() -> None:
    with pytest.raises(ArticleError, match="bad JSON"):
        parse_article("x.jsonl", b'{"id": "a", "text": "t"}\n{oops\n')


def test_content_hash_changes_with_text(articles_dir: Path) -> None:
    path = write(articles_dir, "a.txt", "One.")
    first = load_articles(articles_dir)[0][0].content_hash
    path.write_text("Two.")
    assert load_articles(articles_dir)[0][0].content_hash != first
