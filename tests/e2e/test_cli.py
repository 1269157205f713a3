"""The `whosaid` command line end to end: real model, real spaCy, real SQLite and FAISS."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from index.articles import load_articles
from tests.conftest import ROOT, SEEDS, copy_onnx_export
from tests.e2e.watch_imports import MARK

COMMANDS = ["index", "ask", "speakers", "quotes", "articles", "status", "check", "run"]


def whosaid(
    *args: str, env: dict[str, str], check: bool = True, watch_imports: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run the command line; with ``watch_imports``, stderr ends saying which heavy libraries
    it imported (tests/e2e/watch_imports.py)."""
    program = [str(ROOT / "tests/e2e/watch_imports.py")] if watch_imports else ["-m", "bot"]
    return subprocess.run(
        [sys.executable, *program, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=check,
        timeout=600,
    )


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory, onnx_export: Path) -> dict[str, str]:
    root = tmp_path_factory.mktemp("cli")
    shutil.copytree(SEEDS, root / "articles")
    copy_onnx_export(onnx_export, root / "data")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WHOSAID_")}
    env.update(
        WHOSAID_ARTICLES_DIR=str(root / "articles"),
        WHOSAID_DATA_DIR=str(root / "data"),
        HF_HUB_OFFLINE="1",
        DISCORD_TOKEN="",
    )
    return env


@pytest.fixture(scope="module")
def indexed(cli_env: dict[str, str]) -> dict:
    return json.loads(whosaid("index", "--json", env=cli_env).stdout)


def test_index_counts_and_second_run_does_no_work(indexed: dict, cli_env: dict[str, str]) -> None:
    assert indexed["articles"] == 1 and indexed["passages"] >= 2
    assert indexed["quotes"] >= 10 and indexed["speakers"] >= 2
    again = json.loads(whosaid("index", "--json", env=cli_env).stdout)
    assert again["embedded"] == 0 and again["unchanged"] == 1


def test_ask_json_gives_attributed_verbatim_quotes(indexed: dict, cli_env: dict[str, str]) -> None:
    out = json.loads(
        whosaid("ask", "What did Kuleba say about China?", "--json", env=cli_env).stdout
    )
    [seed] = load_articles(SEEDS)[0]
    assert not out["no_answer"] and out["speaker_filter"] == "Dmytro Kuleba"
    top = out["answers"][0]
    assert top["date"] == "2022-05-01" and top["article_id"] == seed.id
    assert seed.text[top["start"] : top["end"]] == top["text"]
    assert "guarantors" in top["text"]
    for answer in out["answers"]:
        for quote in answer["quotes"]:
            assert seed.text[quote["start"] : quote["end"]] == quote["text"]
    speakers = {q["speaker"] for a in out["answers"] for q in a["quotes"]}
    assert "Dmytro Kuleba" in speakers


def test_ask_unrelated_question_says_nothing_found(indexed: dict, cli_env: dict[str, str]) -> None:
    out = json.loads(
        whosaid("ask", "Which team won the baseball World Series?", "--json", env=cli_env).stdout
    )
    assert out["no_answer"] and out["answers"] == []
    assert out["reason"]  # why, for the user


def test_ask_on_an_exported_index_imports_no_torch(indexed: dict, cli_env: dict[str, str]) -> None:
    result = whosaid(
        "ask", "What did Kuleba say about China?", "--json", env=cli_env, watch_imports=True
    )
    assert json.loads(result.stdout)["answers"]
    assert f"{MARK} []" in result.stderr.splitlines()


def test_listings(indexed: dict, cli_env: dict[str, str]) -> None:
    speakers = json.loads(whosaid("speakers", "--json", env=cli_env).stdout)
    names = {s["name"] for s in speakers}
    assert {"Dmytro Kuleba", "Volodymyr Zelensky"} <= names
    quotes = json.loads(whosaid("quotes", "--json", env=cli_env).stdout)
    assert all(
        {"article_id", "speaker", "speaker_mention", "text", "start", "end", "cue", "kind"}
        <= q.keys()
        for q in quotes
    )
    added = [q for q in quotes if q["cue"] == "added" and "opportunity" in q["text"]]
    assert added and added[0]["speaker"] == "Dmytro Kuleba"
    articles = json.loads(whosaid("articles", "--json", env=cli_env).stdout)
    assert [a["date"] for a in articles] == ["2022-05-01"]


def test_check_finds_a_damaged_vector_file(indexed: dict, cli_env: dict[str, str]) -> None:
    assert json.loads(whosaid("check", "--json", env=cli_env).stdout) == {
        "ok": True,
        "problems": [],
    }
    data = Path(cli_env["WHOSAID_DATA_DIR"])
    vectors = data / f"vectors-{indexed['generation']}.faiss"
    saved = vectors.read_bytes()
    vectors.write_bytes(saved[: len(saved) // 2])
    try:
        result = whosaid("check", env=cli_env, check=False)
        assert result.returncode == 1 and "--rebuild" in result.stdout
    finally:
        vectors.write_bytes(saved)


def test_questions_file_gives_one_json_line_each(
    indexed: dict, cli_env: dict[str, str], tmp_path: Path
) -> None:
    questions = tmp_path / "q.txt"
    questions.write_text(
        "How are the peace talks going?\n\nWhat did Zelensky say about Russian soldiers?\n"
    )
    lines = whosaid("ask", "--questions", str(questions), env=cli_env).stdout.splitlines()
    results = [json.loads(line) for line in lines]
    assert [r["question"] for r in results] == [
        "How are the peace talks going?",
        "What did Zelensky say about Russian soldiers?",
    ]
    assert all(r["latency_ms"] > 0 and r["answers"] for r in results)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["ask", "Kuleba?", "-k", "0"], "1 to 25 answers"),
        (["ask", "Kuleba?", "--until", "2022/05/31"], "YYYY-MM-DD"),
        (["ask", "--questions", "no-such-file.txt"], "cannot read the questions file"),
        (["ask", "Kuleba?", "--questions", "no-such-file.txt"], "one of them"),
        (["ask"], "one of them"),
        (["quotes", "--speaker", "Zorro"], "no speaker called Zorro"),
    ],
)
def test_bad_input_gets_a_message_not_a_traceback(
    indexed: dict, cli_env: dict[str, str], args: list[str], says: str
) -> None:
    result = whosaid(*args, env=cli_env, check=False)
    assert result.returncode in (1, 2) and says in result.stderr
    assert "Traceback" not in result.stderr


def test_a_speaker_is_found_for_quotes_as_for_ask(indexed: dict, cli_env: dict[str, str]) -> None:
    quotes = json.loads(whosaid("quotes", "--speaker", "Mr. Kuleba", "--json", env=cli_env).stdout)
    assert quotes and {q["speaker"] for q in quotes} == {"Dmytro Kuleba"}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    out = whosaid(command, "--help", env=dict(os.environ)).stdout
    assert "usage: whosaid" in out and "--json" in out


def test_bad_setting_stops_with_its_name(cli_env: dict[str, str]) -> None:
    result = whosaid("status", env={**cli_env, "WHOSAID_ADMIN_USER_IDS": "12,abc"}, check=False)
    assert result.returncode == 2
    assert "WHOSAID_ADMIN_USER_IDS" in result.stderr and "abc" in result.stderr


def test_run_without_token_says_what_to_do(cli_env: dict[str, str]) -> None:
    result = whosaid("run", env=cli_env, check=False)
    assert result.returncode != 0 and "DISCORD_TOKEN" in result.stderr
