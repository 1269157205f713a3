"""The index as a store: generations, incremental updates, filters; fast fake model."""

from __future__ import annotations

import re
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from index import engine as engine_module
from index.embedder import HashEmbedder
from index.engine import Whosaid, checked_date
from index.errors import IndexMismatchError, IndexMissingError, QuestionError, WhosaidError
from index.search import LONG_STORY, Vocabulary, tokenize
from tests.conftest import fake_attribute

ALPHA = (
    "date 2020-03-01\ntitle: Alpha\n\n"
    "“Taxes will fall next year,” Maria Lopez said. Lopez runs the treasury.\n"
)
BETA = (
    "date 2021-06-10\ntitle: Beta\n\n"
    "“The bridge opens in June,” Tom Berg said. Berg is the mayor.\n"
)


def test_update_is_incremental(fake_engine: Whosaid, articles_dir: Path) -> None:
    (articles_dir / "alpha.txt").write_text(ALPHA)
    first = fake_engine.update(articles_dir)
    assert (first.added, first.generation, first.quotes, first.speakers) == (
        ("alpha.txt",),
        1,
        1,
        1,
    )

    again = fake_engine.update(articles_dir)
    assert (again.embedded, again.generation, again.unchanged) == (0, 1, 1)

    (articles_dir / "beta.txt").write_text(BETA)
    (articles_dir / "alpha.txt").write_text(ALPHA.replace("next year", "soon"))
    second = fake_engine.update(articles_dir)
    assert (second.added, second.changed, second.generation) == (("beta.txt",), ("alpha.txt",), 2)
    assert second.embedded == 2

    (articles_dir / "beta.txt").unlink()
    third = fake_engine.update(articles_dir)
    assert third.removed == ("beta.txt",)
    assert [a.id for a in fake_engine.articles()] == ["alpha.txt"]
    assert [s.name for s in fake_engine.speakers()] == ["Maria Lopez"]
    assert fake_engine.quotes()[0].quote.text == "Taxes will fall soon,"


def test_a_speaker_is_found_by_a_name_typed_without_accents(
    fake_engine: Whosaid, articles_dir: Path
) -> None:
    (articles_dir / "rents.txt").write_text(
        "date 2020-03-01\ntitle: Rents\n\n“Rents will rise,” Ana Peña said.\n"
    )
    fake_engine.update(articles_dir)
    assert [s.name for s in fake_engine.speakers("pena")] == ["Ana Peña"]
    assert [r.quote.text for r in fake_engine.speaker_quotes("Ana Pena")] == ["Rents will rise,"]
    assert fake_engine.ask("rents", speaker="ana pena").answers


def test_bad_file_does_not_stop_the_build(fake_engine: Whosaid, articles_dir: Path) -> None:
    (articles_dir / "alpha.txt").write_text(ALPHA)
    (articles_dir / "broken.txt").write_bytes(b"\xff\xfe bad")
    report = fake_engine.update(articles_dir)
    assert report.articles == 1
    assert [s.path for s in report.skipped] == ["broken.txt"]


def test_speaker_filter_and_dates(fake_engine: Whosaid, articles_dir: Path) -> None:
    (articles_dir / "alpha.txt").write_text(ALPHA)
    (articles_dir / "beta.txt").write_text(BETA)
    fake_engine.update(articles_dir)
    result = fake_engine.ask("bridge opens June", speaker="Berg")
    assert result.speaker_filter == "Tom Berg"
    assert [a.article.article_id for a in result.answers] == ["beta.txt"]
    assert result.answers[0].quotes[0].speaker == "Tom Berg"
    # A date in the question puts that month's articles first; other articles may follow,
    # since the date may name an earlier event the later article tells of.
    dated = fake_engine.ask("taxes bridge treasury mayor in March 2020")
    assert dated.date_filter == ("2020-03-01", "2020-03-31")
    assert dated.answers[0].article.article_id == "alpha.txt"
    # So is a date saying when a named person spoke: "what X told the Times in May" may be
    # in a June article, and an earlier time is told of in later articles.
    for month in ("March 2020", "May 2019"):
        spoke = fake_engine.ask(f"What did Tom Berg say about the bridge in {month}?")
        assert spoke.answers[0].article.article_id == "beta.txt"
        assert spoke.answers[0].quotes[0].speaker == "Tom Berg"
    # Asked only who and when, the time is what is asked: it filters.
    when = fake_engine.ask("What did Tom Berg say in June 2021?")
    assert [q.speaker for a in when.answers for q in a.quotes] == ["Tom Berg"]
    earlier = fake_engine.ask("What did Tom Berg say in May 2019?")
    assert earlier.no_answer and earlier.reason == (
        "No article from 2019-05-01 to 2019-05-31 quotes Tom Berg."
    )
    later = fake_engine.ask("What did Tom Berg say in March 2022?")
    assert later.no_answer and later.answers == ()
    assert later.reason == (
        "The newest article is from 2021-06-10: the articles cannot tell what happened after it."
    )
    # Dates given as options filter.
    only = fake_engine.ask("taxes bridge treasury mayor", since="2020-03-01", until="2020-03-31")
    assert {a.article.article_id for a in only.answers} == {"alpha.txt"}
    unknown = fake_engine.ask("bridge", speaker="Nobody Atall")
    assert unknown.no_answer and unknown.answers == ()
    assert unknown.reason == "No speaker called Nobody Atall is quoted in the articles."


def test_questions_are_checked(fake_engine: Whosaid, articles_dir: Path) -> None:
    with pytest.raises(IndexMissingError, match="whosaid index"):
        fake_engine.ask("anything")
    (articles_dir / "alpha.txt").write_text(ALPHA)
    fake_engine.update(articles_dir)
    with pytest.raises(QuestionError, match="empty"):
        fake_engine.ask("   ")
    with pytest.raises(QuestionError, match="characters"):
        fake_engine.ask("why " * 3000)
    for k in (0, -3, 26):
        with pytest.raises(QuestionError, match="1 to 25 answers"):
            fake_engine.ask("What did Lopez say?", k=k)
    for bad in ("banana", "2016/01/31", "2016-13-01", "2016-02-30", "2021-13", "2016-00"):
        with pytest.raises(QuestionError, match="YYYY-MM-DD"):
            fake_engine.ask("What did Lopez say?", until=bad)
    with pytest.raises(QuestionError, match="after until"):
        fake_engine.ask("What did Lopez say?", since="2020-05-01", until="2020-04-01")


@pytest.mark.parametrize(
    ("value", "last", "day"),
    [
        ("2016-3-5", False, "2016-03-05"),
        ("2016-02", False, "2016-02-01"),
        ("2016-02", True, "2016-02-29"),
        ("2016-12", True, "2016-12-31"),
        ("2015", True, "2015-12-31"),
        ("2015", False, "2015-01-01"),
    ],
)
def test_a_date_option_may_name_a_month_or_a_year(value: str, last: bool, day: str) -> None:
    assert checked_date(value, "until" if last else "since", last=last) == day


def test_another_model_is_refused_until_rebuild(tmp_path: Path, articles_dir: Path) -> None:
    (articles_dir / "alpha.txt").write_text(ALPHA)
    Whosaid(tmp_path / "d", embedder=HashEmbedder(64), attribute=fake_attribute).update(
        articles_dir
    )
    other = Whosaid(tmp_path / "d", embedder=HashEmbedder(32), attribute=fake_attribute)
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        other.ask("taxes")
    with pytest.raises(IndexMismatchError):
        other.update(articles_dir)
    report = other.update(articles_dir, rebuild=True)
    assert report.embedded == 1 and other.ask("taxes fall").answers


def test_a_reader_picks_up_a_new_generation(tmp_path: Path, articles_dir: Path) -> None:
    (articles_dir / "alpha.txt").write_text(ALPHA)
    writer = Whosaid(tmp_path / "d", embedder=HashEmbedder(), attribute=fake_attribute)
    writer.update(articles_dir)
    reader = Whosaid(tmp_path / "d", embedder=HashEmbedder(), attribute=fake_attribute)
    assert reader.status().articles == 1 and len(reader.articles()) == 1
    (articles_dir / "beta.txt").write_text(BETA)
    writer.update(articles_dir)
    assert {a.id for a in reader.articles()} == {"alpha.txt", "beta.txt"}
    assert reader.ask("bridge opens June").answers[0].article.article_id == "beta.txt"


def test_questions_are_answered_from_the_old_generation_while_a_new_one_loads(
    tmp_path: Path, articles_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (articles_dir / "alpha.txt").write_text(ALPHA)
    index = Whosaid(tmp_path / "d", embedder=HashEmbedder(), attribute=fake_attribute)
    index.update(articles_dir)
    assert index.ask("taxes fall").answers
    (articles_dir / "beta.txt").write_text(BETA)
    index.update(articles_dir)
    loading, finish = threading.Event(), threading.Event()
    real = engine_module.load_snapshot

    def slow(*args: object, **kwargs: object) -> object:
        loading.set()
        finish.wait(30)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine_module, "load_snapshot", slow)
    loader = threading.Thread(target=index.load)
    loader.start()
    try:
        assert loading.wait(30)
        # Meanwhile every question is answered at once, from generation 1.
        assert [a.id for a in index.articles()] == ["alpha.txt"]
        answer = index.ask("bridge opens June")
        assert all(a.article.article_id == "alpha.txt" for a in answer.answers)
    finally:
        finish.set()
        loader.join(30)
    assert {a.id for a in index.articles()} == {"alpha.txt", "beta.txt"}
    assert index.ask("bridge opens June").answers[0].article.article_id == "beta.txt"


def test_questions_asked_at_once_get_the_answers_asked_one_by_one(
    tmp_path: Path, articles_dir: Path
) -> None:
    """Each question is embedded, and searched among its speaker's passages, on a worker
    thread while the asking thread scores BM25: threads asking together must not mix them."""
    (articles_dir / "alpha.txt").write_text(ALPHA)
    (articles_dir / "beta.txt").write_text(BETA)
    index = Whosaid(tmp_path / "d", embedder=HashEmbedder(), attribute=fake_attribute)
    index.update(articles_dir)
    questions = [
        "taxes fall",
        "bridge opens June",
        "What did Lopez say about taxes?",
        "What did Berg say about the bridge?",
        "Who runs the treasury?",
    ] * 4
    alone = [[a.passage_id for a in index.ask(q).answers] for q in questions]
    index.forget()
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda q: [a.passage_id for a in index.ask(q).answers], questions))
    assert together == alone
    assert any(alone)


def test_an_update_can_load_its_generation(tmp_path: Path, articles_dir: Path) -> None:
    (articles_dir / "alpha.txt").write_text(ALPHA)
    index = Whosaid(tmp_path / "d", embedder=HashEmbedder(), attribute=fake_attribute)
    stages: list[str] = []
    index.update(articles_dir, progress=lambda p: stages.append(p.stage), load=True)
    assert stages[-1] == "loading"
    assert index._snapshot is not None and index._snapshot.gen == 1  # noqa: SLF001
    assert any(p.name.startswith("bm25-1-") for p in (tmp_path / "d").iterdir())
    with pytest.raises(IndexMissingError):
        Whosaid(tmp_path / "empty", embedder=HashEmbedder()).load()


def test_damaged_vector_file_is_rebuilt_from_the_database(
    fake_engine: Whosaid, articles_dir: Path
) -> None:
    (articles_dir / "alpha.txt").write_text(ALPHA)
    fake_engine.update(articles_dir)
    (fake_engine.data_dir / "vectors-1.faiss").write_bytes(b"garbage")
    fresh = Whosaid(fake_engine.data_dir, embedder=HashEmbedder(), attribute=fake_attribute)
    assert fresh.ask("taxes fall next year").answers[0].article.article_id == "alpha.txt"


@pytest.mark.parametrize(
    "question",
    [
        "?!?...",
        "🙂🙂🙂",
        "Что сказал Кулеба?",
        "**bold** `code` <@123> @everyone",
        "a" * 999,
        "taxes\x00fall",
    ],
)
def test_odd_questions_get_an_answer_or_a_clear_no(
    fake_engine: Whosaid, articles_dir: Path, question: str
) -> None:
    (articles_dir / "alpha.txt").write_text(ALPHA)
    fake_engine.update(articles_dir)
    result = fake_engine.ask(question)
    assert result.no_answer or result.answers


def test_unusable_data_folder_says_which(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    engine = Whosaid(blocker / "data", embedder=HashEmbedder(), attribute=fake_attribute)
    with pytest.raises(WhosaidError, match="WHOSAID_DATA_DIR"):
        engine.has_index() or engine.status()


def test_a_speaker_asked_about_by_name_alone_gets_only_their_words(
    fake_engine: Whosaid, articles_dir: Path
) -> None:
    (articles_dir / "alpha.txt").write_text(ALPHA)
    (articles_dir / "beta.txt").write_text(BETA)
    fake_engine.update(articles_dir)
    result = fake_engine.ask("What did Berg say?")
    assert result.speaker_filter == "Tom Berg" and not result.no_answer
    assert {q.speaker for a in result.answers for q in a.quotes} == {"Tom Berg"}
    # The speaker the question asks about wins over one it only mentions.
    assert fake_engine.ask("What did Lopez say about Berg?").speaker_filter == "Maria Lopez"


def test_a_speaker_named_alone_is_answered_when_passages_naming_them_outrank_theirs(
    fake_engine: Whosaid, articles_dir: Path
) -> None:
    # Thirty passages name Berg, more often than his one quote does; with one answer asked
    # for, the ten best candidates all merely name him, and his words must still be found.
    mentions = "\n\n".join(f"Berg, Berg and Berg again at meeting {n}. " * 6 for n in range(30))
    (articles_dir / "gamma.txt").write_text(
        f"date 2021-07-01\ntitle: Gamma\n\n{mentions}\n\n"
        "“The harbour stays open all winter,” Tom Berg said at the end of a long day.\n"
    )
    fake_engine.update(articles_dir)
    result = fake_engine.ask("What did Berg say?", k=1)
    assert not result.no_answer
    assert [q.text for a in result.answers for q in a.quotes] == [
        "The harbour stays open all winter,"
    ]


def test_asking_for_fewer_answers_keeps_the_first(fake_engine: Whosaid, articles_dir: Path) -> None:
    # Thirty passages name Berg and trade; the one quoting him wins only once boosted.
    talks = "\n\n".join(f"Berg watched the trade talks at pier {n}. " * 5 for n in range(30))
    (articles_dir / "gamma.txt").write_text(
        f"date 2021-07-01\ntitle: Gamma\n\n{talks}\n\n"
        "“Cheap imports hurt the small boats and their trade,” Tom Berg said on a long day.\n"
    )
    fake_engine.update(articles_dir)
    firsts = [fake_engine.ask("What did Berg say about trade?", k=k).answers[0] for k in (1, 5)]
    assert firsts[0] == firsts[1]
    assert [q.speaker for q in firsts[0].quotes] == ["Tom Berg"]


def test_words_a_question_quotes_find_the_passage_holding_them(
    fake_engine: Whosaid, articles_dir: Path
) -> None:
    talk = "\n\n".join(
        f"Harbor news {n}: the harbor opens, stays busy, and open water stays calm. " * 3
        + f"“The harbor stays busy and open water stays calm,” Maria Lopez said on day {n}."
        for n in range(12)
    )
    (articles_dir / "gamma.txt").write_text(
        f"date 2021-07-01\ntitle: Harbor\n\n{talk}\n\n"
        "“The harbor stays open,” Tom Berg said at the end of a long and windy day.\n"
    )
    fake_engine.update(articles_dir)
    for question in ("Who said 'the harbor stays open'?", 'Who said "The harbor stays open"?'):
        first = fake_engine.ask(question).answers[0]
        assert [q.speaker for q in first.quotes] == ["Tom Berg"]


def strict_engine(data: Path, articles: Path, **floors: float) -> Whosaid:
    """Both articles indexed with the hash embedder, no cosine floor but ``floors``."""
    (articles / "alpha.txt").write_text(ALPHA)
    (articles / "beta.txt").write_text(BETA)
    engine = Whosaid(
        data, embedder=HashEmbedder(), attribute=fake_attribute, no_answer_cosine=-1, **floors
    )
    engine.update(articles)
    return engine


def test_a_name_the_articles_never_use_needs_a_close_match(
    tmp_path: Path, articles_dir: Path
) -> None:
    # Nothing is close enough once a name is unknown.
    strict = strict_engine(tmp_path / "data", articles_dir, unknown_name_cosine=1.01)
    assert not strict.ask("What did Tom Berg say about the bridge?").no_answer
    # Every word is in some article, but no passage names a "Treasury Bridge".
    missing = strict.ask("What did Tom Berg say about the Treasury Bridge?")
    assert missing.no_answer and missing.answers == ()
    assert missing.reason == 'No article mentions "Treasury Bridge".'
    assert strict.ask("What did Tom Berg say about Bitcoin?").no_answer
    # So is a hyphenated word no passage holds, though each part is known ...
    bridge_taxes = strict.ask("What did Tom Berg say about bridge-taxes?")
    assert bridge_taxes.reason == 'No article mentions "bridge-taxes".'
    # ... unless it starts with a prefix, or the articles write it as one word.
    assert not strict.ask("What did the ex-mayor Tom Berg say about the bridge?").no_answer
    compounds = engine_module._compounds("A line-up of self-driving cars?", Vocabulary(["lineup"]))
    assert compounds == ["self-driving"]


def test_one_unknown_word_of_a_long_question_is_not_enough(
    tmp_path: Path, articles_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two articles stand for a large collection, where an unknown everyday word counts.
    monkeypatch.setattr(engine_module, "FULL_VOCABULARY", 0)
    floors = {"unknown_word_cosine": 1.01, "rare_word_cosine": -1.0, "topic_cosine": -1.0}
    strict = strict_engine(tmp_path / "data", articles_dir, **floors)
    short = strict.ask("Does the bridge open with a parade?")
    assert short.no_answer and short.reason == 'No article mentions "parade".'
    told = (
        "The mayor, Tom Berg, said the bridge opens in June, and Maria Lopez said taxes will "
        "fall next year at the treasury; will that year open with a parade?"
    )
    assert not strict.ask(told).no_answer
    # So is a name of a thing made of known words, which a short question is refused for.
    short = strict.ask("Does the Treasury Bridge open in June?")
    assert short.reason == 'No article mentions "Treasury Bridge".'
    assert not strict.ask(told.replace("a parade", "the Treasury Bridge")).no_answer
    # Two unknown words, an unknown name or an unknown number still count however long the
    # question.
    assert strict.ask(told.replace("a parade", "a parade and fireworks")).no_answer
    assert strict.ask(told.replace("a parade", "Mardi")).reason == 'No article mentions "mardi".'
    assert strict.ask(told.replace("a parade", "2031")).reason == 'No article mentions "2031".'


def test_a_named_persons_passages_must_match_what_is_asked_without_the_name(
    tmp_path: Path, articles_dir: Path
) -> None:
    # No topic is ever close enough.
    strict = strict_engine(
        tmp_path / "data", articles_dir, unknown_name_cosine=-1, topic_cosine=1.01
    )
    asked = "What did Tom Berg say about the bridge and its tolls?"
    refused = strict.ask(asked)
    assert refused.no_answer and refused.answers == ()
    assert refused.reason == 'None of the passages quoting Tom Berg is about "bridge tolls".'
    # Only questions asking what a named person said are checked.
    assert not strict.ask("What did Tom Berg say?").no_answer
    assert not strict.ask("When does the bridge open?").no_answer
    assert not strict.ask("the bridge", speaker="Tom Berg").no_answer
    lenient = Whosaid(
        tmp_path / "data", embedder=HashEmbedder(), no_answer_cosine=-1, unknown_name_cosine=-1
    )
    assert not lenient.ask(asked).no_answer


def test_a_person_asked_about_what_only_others_spoke_of_gets_no_answer(
    tmp_path: Path, articles_dir: Path
) -> None:
    # Others' passages speak of the weather (and of a Tom); Berg's one quote is on the bridge.
    weather = "\n\n".join(
        f"Storms and weather warnings came with the weather at the harbor on day {n}, and Tom "
        f"watched. “The weather is bad,” Maria Lopez said on day {n}. " * 2
        for n in range(8)
    )
    (articles_dir / "gamma.txt").write_text(f"date 2021-07-01\ntitle: Weather\n\n{weather}\n")
    strict = strict_engine(
        tmp_path / "data", articles_dir, unknown_name_cosine=-1, topic_cosine=1.01
    )
    # Asked by first name, his passages have no word of the question: others' come first.
    refused = strict.ask("What did Tom say about storms and weather warnings?")
    assert refused.no_answer and refused.reason == (
        'None of the passages quoting Tom Berg is about "storms weather warnings".'
    )
    # The same asked of the person who spoke of it is answered.
    assert not strict.ask("What did Maria Lopez say about storms and weather warnings?").no_answer
    # Quoting the topic changes nothing: the passages holding it are not his.
    assert strict.ask("What did Tom say about storms and 'weather warnings'?").no_answer


def test_a_rare_word_no_best_article_holds_needs_a_close_match(
    tmp_path: Path, articles_dir: Path
) -> None:
    # A word in one passage of two is rare when one in two counts as rare.
    floors = {"unknown_word_cosine": -1.0, "topic_cosine": -1.0, "rare_word_share": 0.5}
    strict = strict_engine(tmp_path / "data", articles_dir, rare_word_cosine=1.01, **floors)
    assert not strict.ask("Which bridge opens in June?").no_answer
    # "treasury" is in the other article only: no article answers the question whole.
    refused = strict.ask("Which treasury bridge opens in June?")
    assert refused.no_answer and refused.answers == ()
    assert refused.reason == 'None of the closest articles mentions "treasury".'
    # Told at length, the question's rare words are the asker's own, not the article's.
    story = (
        "A friend told me over dinner last week, while we argued about traffic downtown and "
        "the endless roadworks near the river, about some treasury bridge: which bridge opens "
        "in June?"
    )
    assert len(tokenize(story)) >= LONG_STORY
    assert not strict.ask(story).no_answer
    # A word in no passage is rare too, but only where one passage in so many is one at least.
    unknown = "Which golden bridge opens in June?"
    assert strict.ask(unknown).reason == 'None of the closest articles mentions "golden".'
    few = Whosaid(
        tmp_path / "data",
        embedder=HashEmbedder(),
        no_answer_cosine=-1,
        rare_word_cosine=1.01,
        **{**floors, "rare_word_share": 0.1},
    )
    assert not few.ask(unknown).no_answer
    lenient = Whosaid(
        tmp_path / "data",
        embedder=HashEmbedder(),
        no_answer_cosine=-1,
        rare_word_cosine=-1,
        **floors,
    )
    assert not lenient.ask("Which treasury bridge opens in June?").no_answer


class WordEmbedder(HashEmbedder):
    """Token vectors too: one a word, the same for the same word, orthogonal to any other's."""

    def token_vectors(self, texts: list[str]) -> list[tuple[list[tuple[int, int]], np.ndarray]]:
        out = []
        for text in texts:
            spans = [m.span() for m in re.finditer(r"\w+", text)]
            rows = np.zeros((len(spans), 4096), dtype=np.float32)
            for row, (start, end) in enumerate(spans):
                rows[row, zlib.crc32(text[start:end].lower().encode()) % 4096] = 1.0
            out.append((spans, rows))
        return out


def test_a_word_no_token_of_the_best_passages_comes_close_to_needs_a_close_match(
    tmp_path: Path, articles_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "WORD_MATCH_CHECKED_BELOW", 2.0)  # any match is checked
    (articles_dir / "alpha.txt").write_text(ALPHA)
    (articles_dir / "beta.txt").write_text(BETA)
    off = {"unknown_word_cosine": -1.0, "rare_word_cosine": -1.0, "topic_cosine": -1.0}
    engine = Whosaid(
        tmp_path / "data",
        embedder=WordEmbedder(),
        attribute=fake_attribute,
        no_answer_cosine=-1,
        unknown_name_cosine=-1,
        **off,
    )
    engine.update(articles_dir)
    assert not engine.ask("Which bridge opens in June?").no_answer
    refused = engine.ask("Which golden bridge opens in June?")
    assert refused.no_answer and refused.answers == ()
    assert refused.reason == 'None of the closest passages says anything like "golden".'
    # Without token vectors (or with the floor off) nothing is checked.
    for embedder, floor in ((HashEmbedder(), 0.2), (WordEmbedder(), -1.0)):
        lenient = Whosaid(
            tmp_path / "data",
            embedder=embedder,
            no_answer_cosine=-1,
            unknown_name_cosine=-1,
            word_match_cosine=floor,
            **off,
        )
        assert not lenient.ask("Which golden bridge opens in June?").no_answer


def test_a_time_after_the_newest_article_needs_a_close_match(
    tmp_path: Path, articles_dir: Path
) -> None:
    strict = strict_engine(tmp_path / "data", articles_dir, unknown_word_cosine=1.01)
    assert not strict.ask("Did the bridge open in June 2021?").no_answer
    # The newest article is from June 2021: it cannot say what happened after it.
    later = strict.ask("Did the bridge open in March 2022?")
    assert later.no_answer and later.reason == (
        "The newest article is from 2021-06-10: the articles cannot tell what happened after it."
    )
    lenient = Whosaid(
        tmp_path / "data", embedder=HashEmbedder(), no_answer_cosine=-1, unknown_word_cosine=-1
    )
    assert not lenient.ask("Did the bridge open in March 2022?").no_answer


def test_answers_are_cached_until_a_new_generation(
    fake_engine: Whosaid, articles_dir: Path
) -> None:
    (articles_dir / "alpha.txt").write_text(ALPHA)
    fake_engine.update(articles_dir)
    first = fake_engine.ask("bridge opens June")
    assert fake_engine.ask("bridge  opens June") is first  # the same question, answered once
    assert fake_engine.ask("bridge opens June", k=1) is not first  # other options: asked again
    (articles_dir / "beta.txt").write_text(BETA)
    fake_engine.update(articles_dir)
    again = fake_engine.ask("bridge opens June")
    assert again is not first and again.answers[0].article.article_id == "beta.txt"
    fake_engine.forget()
    assert fake_engine.ask("bridge opens June") is not again
