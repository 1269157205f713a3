"""Retrieval on the seed article with the real model: the expected passage comes first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.engine import Whosaid
from tests.conftest import ROOT, copy_onnx_export

QUESTIONS = [
    json.loads(line)
    for line in (ROOT / "benchmarks/questions/seed.jsonl").read_text().splitlines()
    if line.strip()
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, onnx_export: Path) -> Whosaid:
    data = tmp_path_factory.mktemp("seed-index")
    copy_onnx_export(onnx_export, data)  # the default backend, without exporting again
    engine = Whosaid(data)
    engine.update(ROOT / "seeds")
    return engine


# Paraphrases neither BM25 nor the small model bridge yet ("Beijing" for "the Chinese country").
HARD = {
    "Is Ukraine asking Beijing to keep helping it?",
    "Who asked Beijing to be one of the countries vouching for Kyiv's safety?",
}


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            q, marks=pytest.mark.xfail(reason="paraphrase the model does not bridge", strict=False)
        )
        if q["question"] in HARD
        else q
        for q in QUESTIONS
    ],
    ids=[q["question"] for q in QUESTIONS],
)
def test_expected_passage_is_first(engine: Whosaid, case: dict) -> None:
    result = engine.ask(case["question"])
    assert not result.no_answer, "an answerable question was refused"
    top = result.answers[0]
    assert top.start < case["end"] and case["start"] < top.end, (top.start, top.end, case)


def test_speaker_option_keeps_only_that_speaker(engine: Whosaid) -> None:
    result = engine.ask("What happened to the soldiers?", speaker="Zelensky")
    assert result.speaker_filter == "Volodymyr Zelensky" and result.answers
    assert all(any(q.speaker == "Volodymyr Zelensky" for q in a.quotes) for a in result.answers)
    assert result.answers[0].quotes[0].speaker == "Volodymyr Zelensky"


@pytest.mark.parametrize(
    "question",
    [
        "Which team won the baseball World Series?",
        "How do I bake sourdough bread?",
        "What did Kuleba say in March 2016?",
        # A known speaker on a topic they never spoke of: their passages match on the name alone.
        "What did Kuleba say about the weather?",
        "What did Zelensky say about tax cuts?",
    ],
)
def test_unrelated_question_finds_nothing(engine: Whosaid, question: str) -> None:
    result = engine.ask(question)
    assert result.no_answer and not result.answers
    assert result.reason, "a no-answer says why"


def test_answers_quote_the_article_verbatim(engine: Whosaid) -> None:
    [article] = engine.articles()
    text = engine.article_text(article.id)
    assert text is not None
    for answer in engine.ask("What did Zelensky say about Russian commanders?").answers:
        assert text[answer.start : answer.end] == answer.text
        for quote in answer.quotes:
            assert all(text[s:e] in quote.text or quote.text in text[s:e] for s, e in quote.spans)
            assert text[quote.start : quote.end].startswith(
                text[quote.spans[0][0] : quote.spans[0][1]]
            )
