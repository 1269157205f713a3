"""Uploads: what is refused, and how an accepted file lands in the articles folder."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.errors import UploadError, WhosaidError
from index.uploads import MAX_NAME_CHARS, check_upload, check_upload_name, save_upload

GOOD = b'date 2024-03-01 "We will rebuild," the mayor said on Monday.\n'
LIMIT = 10_000


@pytest.mark.parametrize(
    "name",
    [
        "../etc/passwd.txt",
        "..\\boot.txt",
        "a/b.txt",
        "/abs.txt",
        "x..txt",
        ".hidden.txt",
        "-flag.txt",
        "CON.txt",
        "nul.md",
        "com1.tar.txt",
        "LPT9.jsonl",
        "report.exe",
        "report.txt.exe",
        "report",
        "tab\there.txt",
        "new\nline.txt",
        "semi;colon.txt",
        "a" * MAX_NAME_CHARS + ".txt",
        "",
        "   ",
    ],
)
def test_refused_names(name: str) -> None:
    with pytest.raises(UploadError):
        check_upload_name(name)


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("interview.txt", "interview.txt"),
        ("Kyiv talks 2022.md", "Kyiv_talks_2022.md"),
        ("feed.JSONL", "feed.JSONL"),
        ("київ-інтерв'ю.txt".replace("'", ""), "київ-інтервю.txt"),
        ("console.txt", "console.txt"),  # only the exact device names are reserved
    ],
)
def test_accepted_names(name: str, stored: str) -> None:
    assert check_upload_name(name) == stored


@given(st.text(max_size=120))
def test_any_name_is_refused_or_plain(name: str) -> None:
    """Whatever Discord hands over, an accepted name is one plain file in the folder."""
    try:
        safe = check_upload_name(name)
    except UploadError:
        return
    assert os.sep not in safe and "/" not in safe and ".." not in safe
    assert not safe.startswith(".") and len(safe) <= MAX_NAME_CHARS
    assert Path(safe).name == safe


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x00\x01\x02binary\xff", "binary"),
        ("naïve café".encode("latin-1"), "UTF-8"),
        (b"   \n  ", "empty"),
        (b"x" * (LIMIT + 1), "limit"),
    ],
)
def test_refused_content(data: bytes, reason: str) -> None:
    with pytest.raises(UploadError, match=reason):
        check_upload("a.txt", data, LIMIT)


def test_bad_jsonl_line_names_the_line() -> None:
    data = b'{"id": "a", "text": "fine"}\n{"id": "b", "text": \n'
    with pytest.raises(UploadError, match="line 2"):
        check_upload("feed.jsonl", data, LIMIT)


def test_upload_error_is_a_whosaid_error() -> None:
    assert issubclass(UploadError, WhosaidError)


def test_save_writes_file_and_returns_articles(tmp_path: Path) -> None:
    saved = save_upload(tmp_path, "new piece.txt", GOOD, max_bytes=LIMIT)
    assert saved.path == tmp_path / "new_piece.txt"
    assert saved.path.read_bytes() == GOOD
    assert [a.date for a in saved.articles] == ["2024-03-01"]
    assert not saved.replaced
    assert [p.name for p in tmp_path.iterdir()] == ["new_piece.txt"]  # no temporary left


def test_save_never_overwrites_without_replace(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_bytes(b"original text, said nobody.")
    with pytest.raises(UploadError, match="already exists"):
        save_upload(tmp_path, "old.txt", GOOD, max_bytes=LIMIT)
    assert (tmp_path / "old.txt").read_bytes() == b"original text, said nobody."
    saved = save_upload(tmp_path, "old.txt", GOOD, max_bytes=LIMIT, replace=True)
    assert saved.replaced and saved.path.read_bytes() == GOOD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.txt"]


def test_refused_upload_leaves_folder_untouched(tmp_path: Path) -> None:
    with pytest.raises(UploadError):
        save_upload(tmp_path, "bad.txt", b"\xff\xfe\x00", max_bytes=LIMIT)
    assert list(tmp_path.iterdir()) == []


def test_racing_uploads_of_one_name_keep_exactly_one(tmp_path: Path) -> None:
    """Two admins adding the same name at once: one wins, the other is told, none is lost."""
    outcomes: list[str] = []

    def add(i: int) -> None:
        body = GOOD.replace(b"Monday", f"day {i}".encode())
        try:
            save_upload(tmp_path, "same.txt", body, max_bytes=LIMIT)
            outcomes.append("saved")
        except UploadError:
            outcomes.append("refused")

    threads = [threading.Thread(target=add, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("saved") == 1 and outcomes.count("refused") == 7
    assert [p.name for p in tmp_path.iterdir()] == ["same.txt"]
