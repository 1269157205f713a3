from __future__ import annotations

import numpy as np
import pytest

from index.models import Speaker
from index.numbering import Numbering, intersection, members, union
from index.query import SpeakerMatcher, find_dates, names_person, parse_question
from index.search import (
    TOP_SAMPLE,
    Searcher,
    Vocabulary,
    bm25_scores,
    build_bm25,
    collapse_duplicates,
    convex,
    name_phrases,
    phrase_key,
    quoted_phrases,
    rrf,
    tokenize,
    top_positions,
    unknown_words,
)
from index.snapshot import Snapshot
from index.speakers import canonical_key
from index.vectors import VectorIndex

SPEAKERS = [
    Speaker(1, "Dmytro Kuleba", "person", ("Kuleba", "Foreign Minister Kuleba"), quote_count=5),
    Speaker(2, "Volodymyr Zelensky", "person", ("Zelensky",), quote_count=4),
    Speaker(3, "Bill Clinton", "person", quote_count=2),
    Speaker(4, "Hillary Clinton", "person", quote_count=9),
    Speaker(5, "the Associated Press", "organisation", quote_count=1),
    Speaker(6, "Tomás Ávila", "person", ("Ávila",), quote_count=3),
    Speaker(7, "Paul Manafort", "person", ("Mr. Manafort", "a candidate"), quote_count=2),
    Speaker(8, "Abdel Fattah el-Sisi", "person", ("Mr. Sisi",), quote_count=2),
]


def test_rrf_rewards_agreement() -> None:
    fused = rrf([[(1, 0.9), (2, 0.8), (3, 0.1)], [(3, 9.0), (1, 5.0)]])
    assert [i for i, _ in fused] == [1, 3, 2]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 62)


def test_convex_mixes_cosine_and_normalised_bm25() -> None:
    fused = convex({1: 0.9, 2: 0.5}, {2: 10.0, 3: 5.0}, alpha=0.5)
    assert [i for i, _ in fused] == [2, 1, 3]
    assert dict(fused) == pytest.approx({2: 0.75, 1: 0.45, 3: 0.25})


def test_bm25_scores_are_bm25s_scores() -> None:
    texts = ["the talks in Geneva", "Geneva talks, Geneva again", "a ceasefire", "nothing"]
    index = build_bm25(texts)
    assert index is not None
    for tokens in (["geneva"], ["geneva", "talks", "geneva"], ["ceasefire", "unknown"], ["zzz"]):
        expected = index.get_scores(tokens) if set(tokens) & set(index.vocab_dict) else 0.0
        assert bm25_scores(index, tokens) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("size", [500, 4 * TOP_SAMPLE + 123])
def test_top_positions_are_the_best_positive_scores(size: int) -> None:
    rng = np.random.default_rng(size)
    scores = np.where(rng.random(size) < 0.3, rng.random(size), 0.0).astype(np.float32)
    best = np.argsort(-scores, kind="stable")
    assert top_positions(scores, 100).tolist() == best[:100].tolist()
    within = rng.choice(size, 300, replace=False)
    expected = sorted((p for p in within.tolist() if scores[p] > 0), key=lambda p: -scores[p])
    assert top_positions(scores, 50, within).tolist() == expected[:50]
    assert top_positions(np.zeros(size, dtype=np.float32), 10).tolist() == []


def test_containing_finds_passages_with_every_word() -> None:
    texts = ["talks in Geneva", "Geneva again", "talks, Geneva, a ceasefire", "talks"]
    ids = np.array([10, 20, 30, 40])
    searcher = Searcher(VectorIndex.build("flat", ids, np.eye(4, dtype=np.float32), 4), ids, texts)
    assert searcher.containing(["geneva", "talks"]).tolist() == [10, 30]
    assert searcher.containing(["talks", "ceasefire", "geneva"]).tolist() == [30]
    assert searcher.containing(["talks", "unknown"]).tolist() == []


def test_union_and_intersection_of_positions() -> None:
    assert union(10, np.array([7, 1]), np.array([1, 3])).tolist() == [1, 3, 7]
    assert intersection(10, np.array([7, 1, 3]), np.array([3, 2, 7])).tolist() == [3, 7]
    assert members(np.array([1, 3, 7]), np.array([7, 2, 1, 9])).tolist() == [
        True,
        False,
        True,
        False,
    ]


def test_numbering_finds_ids_among_keys() -> None:
    assert Numbering(np.array([30, 10, 20])).locate(np.array([20, 5, 30])).tolist() == [2, -1, 0]
    assert Numbering(np.zeros(0)).locate(np.array([1])).tolist() == [-1]


def test_collapse_groups_near_duplicates() -> None:
    a = np.array([1.0, 0.0], dtype=np.float32)
    b = np.array([0.0, 1.0], dtype=np.float32)
    groups = collapse_duplicates([1, 2, 3], {1: a, 2: b, 3: a})
    assert groups == [(1, [3]), (2, [])]


def test_tokenize_drops_stop_words() -> None:
    assert tokenize("What did Kuleba say about China?") == ["kuleba", "china"]


def test_tokenize_folds_accents_as_a_question_typed_without_them() -> None:
    assert tokenize("Tomás Ávila visited Zürich and the café") == tokenize(
        "Tomas Avila visited Zurich and the cafe"
    )
    assert tokenize("Apple™ ﬁnance") == ["apple", "finance"]  # a symbol is no letter
    # UTF-8 read as Latin-1, as some scraped articles carry it: the name is still found.
    assert tokenize("TomÃ¡s Regalado, FranÃ§ois") == ["tomas", "regalado", "francois"]


def test_folding_keeps_names_in_other_scripts_apart() -> None:
    # Arabic vowel marks go, but the letters stay words: two names stay two.
    assert canonical_key("مُحَمَّد مُرْسِي") == "محمد مرسي"
    assert canonical_key("مُحَمَّد مُرْسِي") != canonical_key("مُصْطَفَى عَلِي")


@pytest.mark.parametrize(
    ("question", "name", "subject"),
    [
        ("What did Kuleba say about China?", "Dmytro Kuleba", True),
        ("what did kuleba say", "Dmytro Kuleba", True),
        ("Zelensky's view on the troops", "Volodymyr Zelensky", True),
        ("Who criticised Zelensky?", None, False),  # what was said of him, not by him
        ("What did Clinton say about trade?", "Hillary Clinton", True),
        ("What did Bill Clinton say about trade?", "Bill Clinton", True),
        ("according to the Associated Press, what happened?", "the Associated Press", True),
        # Typed like a search: "X on Y", or the name first.
        ("kuleba on china", "Dmytro Kuleba", True),
        ("Is China helping, in Kuleba's view?", "Dmytro Kuleba", True),
        ("Zelensky troops", "Volodymyr Zelensky", True),
        ("Who criticised Zelensky on Monday?", None, False),
        ("Why did the troops leave before Zelensky spoke?", "Volodymyr Zelensky", False),
        # A name written with accents is found typed without them, and the other way round.
        ("What did Tomas Avila say about rents?", "Tomás Ávila", True),
        ("what did avila say", "Tomás Ávila", True),
        ("What did Dmytró Kulebá say?", "Dmytro Kuleba", True),
    ],
)
def test_speaker_in_question(question: str, name: str | None, subject: bool) -> None:
    query = parse_question(question, SPEAKERS, "2022-05-01")
    assert (query.speaker_name, query.speaker_is_subject) == (name, subject)


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("What did Green say about Iran?", "Grant Green"),
        ("Where did the Green Party meet?", None),  # another name goes on after the surname
        ("Why did Stewart Verdery leave?", None),
        ("What did Nancy Reagan say?", None),  # another first name before it
        ("What did Billy Clinton say?", "Bill Clinton"),  # the one whose first name it is
        ("How cold is it in South America?", None),
        ("What did President Reagan say?", "Ronald Reagan"),  # a title
        ("Did Reagan veto it?", "Ronald Reagan"),  # a sentence's first word
        ("Taxes. Did Reagan veto it?", "Ronald Reagan"),
        ("What did Reagan's White House say?", "Ronald Reagan"),
        ("Reagan Soviet Union", "Ronald Reagan"),  # typed like a search, the name first
        ("What Did Reagan Say About Taxes?", "Ronald Reagan"),  # title case says nothing
        ("Did Bob Dylan sing at a rally?", None),  # a one-word name with more after it
        ("Bill de Blasio on the subway", None),
        ("What did Bob say at the rally?", "Bob"),
    ],
)
def test_a_surname_inside_another_name_names_nobody(question: str, name: str | None) -> None:
    speakers = [
        *SPEAKERS,
        Speaker(9, "Grant Green", "person", quote_count=3),
        Speaker(10, "Ronald Reagan", "person", quote_count=5),
        Speaker(11, "Deja Stewart", "person", quote_count=1),
        Speaker(12, "White America", "person", quote_count=1),  # a misread name
        Speaker(13, "Bob", "person", quote_count=1),
        Speaker(14, "Bill", "person", quote_count=1),
    ]
    assert parse_question(question, speakers, None).speaker_name == name


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("What did kuleba say about China?", "Dmytro Kuleba"),  # lower case, asked what it said
        ("What did hillary clinton say?", "Hillary Clinton"),  # a whole name
        ("What did young voters say?", None),  # a lower-case word is no name
        ("What did Hillary say?", "Hillary Clinton"),  # the first name of one much quoted
        ("According to Hillary, who is winning?", "Hillary Clinton"),
        ("Hillary on China", "Hillary Clinton"),
        ("What did German voters say?", None),  # a word the registry has as a first name
        ("What did the Pope say about the talks?", None),  # a title, not Amy Pope
        ("What did the Pope campaign say?", "Amy Pope"),  # someone of Amy Pope
        ("What did the president say?", None),  # nor "Sirius Vice President"
        ("May I ask what Kuleba said?", "Dmytro Kuleba"),  # "May" opening a question
        ("May on trade", "Theresa May"),  # but a name asked about
        ("May's view of trade", "Theresa May"),
        ("Will Kuleba go to Beijing?", "Dmytro Kuleba"),  # a first name only when asked of
        ("What did Maria say?", None),  # two Marias quoted alike
        ("What did Tom say?", "Tom"),  # one quoted by that one name about as often
    ],
)
def test_lower_case_names_and_first_names(question: str, name: str | None) -> None:
    speakers = [
        *SPEAKERS,
        Speaker(9, "Will Young", "person", quote_count=20),
        Speaker(10, "Maria Lopez", "person", quote_count=4),
        Speaker(11, "Maria Berg", "person", quote_count=3),
        Speaker(12, "Tom Reyes", "person", quote_count=6),
        Speaker(13, "Tom", "person", quote_count=4),
        Speaker(14, "German Ortega", "person", quote_count=30),
        Speaker(15, "Amy Pope", "person", quote_count=5),
        Speaker(17, "George Will", "person", quote_count=50),  # "Will" opens questions
        Speaker(18, "Theresa May", "person", quote_count=6),
        Speaker(16, "Sirius Vice President", "person", ("Vice President",), quote_count=2),
    ]
    assert parse_question(question, speakers, None).speaker_name == name


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("What did Kuleba say about China?", True),
        ("Kuleba's view on China", True),
        ("How much money did Kuleba have left?", False),  # something he did
        ("Who told Kuleba about China?", False),  # who said it is asked
    ],
)
def test_whether_a_question_asks_for_a_speakers_words(question: str, asks: bool) -> None:
    assert parse_question(question, SPEAKERS, None).asks_words is asks


def test_a_group_is_a_speaker_only_when_asked_what_it_said() -> None:
    speakers = [*SPEAKERS, Speaker(9, "Republican", "organisation", quote_count=8)]
    for question in ("Who spoke at the Republican convention?", "Where was the Republican one?"):
        assert parse_question(question, speakers, None).speaker_ids == ()
    query = parse_question("What did the Associated Press report?", speakers, None)
    assert query.speaker_name == "the Associated Press"


@pytest.mark.parametrize(
    "question",
    [
        "What did the Zelensky campaign say?",
        "What did Zelensky's spokesman say about the talks?",
        "Kuleba's aides on China",
    ],
)
def test_someone_of_a_speaker_is_not_that_speaker(question: str) -> None:
    query = parse_question(question, SPEAKERS, None)
    assert query.speaker_ids and not query.speaker_is_subject


def test_a_description_a_person_was_once_called_names_nobody() -> None:
    assert (
        parse_question("what did a candidate say about taxes", SPEAKERS, None).speaker_name is None
    )
    query = parse_question("what did mr. manafort say about taxes", SPEAKERS, None)
    assert query.speaker_name == "Paul Manafort"
    query = parse_question("What did Mr. Sisi say about Gaza?", SPEAKERS, None)
    assert query.speaker_name == "Abdel Fattah el-Sisi"


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("What did Kuleba say about China?", "What did say about China?"),
        ("What did Dmytro Kuleba say about China?", "What did say about China?"),
        ("Zelensky's view on the troops", "view on the troops"),
        ("What is Zelensky’s position on the talks?", "What is position on the talks?"),
        ("what did kuleba say", "what did say"),
        ("Who criticised Zelensky?", None),  # not asked what Zelensky said
        ("according to the Associated Press, what happened?", None),  # a group's name is the topic
    ],
)
def test_topic_is_the_question_without_the_person_asked_about(
    question: str, topic: str | None
) -> None:
    assert parse_question(question, SPEAKERS, None).topic == topic
    # A speaker given as an option leaves the whole question as the topic.
    assert parse_question(question, SPEAKERS, None, speaker="Kuleba").topic is None


@pytest.mark.parametrize(
    ("phrase", "person"),
    [
        ("Dmytro Kuleba", True),
        ("Foreign Minister Dmytro Kuleba", True),  # a title before the whole name
        ("Secretary Kuleba", True),
        ("Bill Clinton", True),
        ("Billy Clinton", True),
        ("William Clinton", True),  # the familiar form in the articles, the full one asked
        ("Chelsea Clinton", False),  # another person by the same surname
        ("Kuleba Street", False),
        ("the Associated Press", False),  # not a person
    ],
)
def test_names_person_allows_titles_and_familiar_first_names(phrase: str, person: bool) -> None:
    assert names_person(phrase, SpeakerMatcher(SPEAKERS)) is person


def test_no_speaker_and_who_questions() -> None:
    query = parse_question("Who wants China to guarantee Ukraine's security?", SPEAKERS, None)
    assert query.speaker_ids == () and query.who
    # Who said something of a person: their own quotes are not what is asked for.
    query = parse_question("Who said Kuleba sounded tired?", SPEAKERS, None)
    assert query.speaker_ids == () and query.who
    query = parse_question("Which minister did Kuleba call a friend?", SPEAKERS, None)
    assert query.speaker_name == "Dmytro Kuleba" and query.who
    query = parse_question("Who said it?", SPEAKERS, None, speaker="Kuleba")
    assert query.speaker_name == "Dmytro Kuleba"
    # "Who is X?" asks about X: X's own words tell.
    query = parse_question("Who is Kuleba, and what has he said about China?", SPEAKERS, None)
    assert query.speaker_name == "Dmytro Kuleba"


@pytest.mark.parametrize(
    ("question", "newest", "expected"),
    [
        ("What did Trump say about the wall in March 2016?", None, ("2016-03-01", "2016-03-31")),
        ("news from Feb. 2020", None, ("2020-02-01", "2020-02-29")),
        ("What happened last March?", "2016-11-08", ("2016-03-01", "2016-03-31")),
        ("What happened last November?", "2016-11-08", ("2015-11-01", "2015-11-30")),
        ("What was said in 2015?", None, ("2015-01-01", "2015-12-31")),
        ("How are the peace talks going?", "2022-05-01", None),
        # a span of months, a day (and the two days it may be reported in), ISO forms
        ("What was said between January and March 2016?", None, ("2016-01-01", "2016-03-31")),
        ("from Jan. to March 2016", None, ("2016-01-01", "2016-03-31")),
        ("What did Kuleba say on March 15, 2016?", None, ("2016-03-15", "2016-03-17")),
        ("What did Kuleba say on 15 March 2016?", None, ("2016-03-15", "2016-03-17")),
        ("What did Kuleba say on 2016-03-15?", None, ("2016-03-15", "2016-03-17")),
        ("news of 2016-03", None, ("2016-03-01", "2016-03-31")),
        ("What did Kuleba say in Sept. 2016?", None, ("2016-09-01", "2016-09-30")),
        # part of a year
        ("What happened in early 2016?", None, ("2016-01-01", "2016-04-30")),
        ("What happened in the summer of 2015?", None, ("2015-06-01", "2015-08-31")),
        ("late 2015", None, ("2015-09-01", "2015-12-31")),
        ("What was said on February 30, 2016?", None, None),  # no such day
        ("between December 2015 and January 2016", None, ("2015-12-01", "2016-01-31")),
        ("from November to February 2016", None, ("2015-11-01", "2016-02-29")),
    ],
)
def test_dates_in_question(
    question: str, newest: str | None, expected: tuple[str, str] | None
) -> None:
    assert find_dates(question, newest) == expected


def test_unknown_words_are_words_no_passage_has() -> None:
    vocabulary = Vocabulary(["kuleba", "china", "ukraine", "scrutiny", "talks"])
    question = "What did Kuleba say about Macron in May 2022?"
    assert unknown_words(question, vocabulary) == ["macron", "2022"]
    assert unknown_words("Who spoke to China's Xinhua?", vocabulary) == ["spoke", "xinhua"]
    assert unknown_words("what did kuleba say about macron?", vocabulary) == ["macron"]
    # A word whose stem the articles hold is known.
    assert unknown_words("Was Kuleba scrutinized at the talk?", vocabulary) == []
    # A word with no relative among them is unknown, short or long.
    assert unknown_words("Was Kuleba at the gala?", vocabulary) == ["gala"]
    # Names only: capitalised words past the first.
    assert unknown_words("Where did Kuleba meet Macron?", vocabulary, names_only=True) == ["macron"]


@pytest.mark.parametrize(
    ("word", "known"),
    [
        ("hogging", True),  # the articles say "hogged"
        ("hogs", True),
        ("studies", True),  # "study"
        ("scrutinized", True),  # "scrutiny": all but the last letters
        ("hedgehog", False),
        ("hug", False),
        ("studios", False),
        ("wipe", True),  # "wiped": the word inflected
        ("pc", True),  # "pcs"
        ("tele", False),
    ],
)
def test_vocabulary_knows_a_word_by_another_ending(word: str, known: bool) -> None:
    words = ["hogged", "study", "scrutiny", "hedge", "wiped", "pcs", "tell"]
    assert (word in Vocabulary(words)) is known


def test_name_phrases_are_runs_of_capitalised_words() -> None:
    assert name_phrases("What did Bernie Sanders say about the Green New Deal?") == [
        "Bernie Sanders",
        "Green New Deal",
    ]
    assert name_phrases("Why was the Boeing 737 Max grounded?") == ["Boeing 737 Max"]
    # Dates are not names; nor is the capital of a question's first word.
    assert name_phrases("What did Trump tweet about the Super Bowl in February 2016?") == [
        "Super Bowl"
    ]
    assert name_phrases("Which Senate vote failed in Sept. 3, 2015?") == []
    # A possessive ends a name.
    assert name_phrases("What did Trump's America First Committee do?") == [
        "America First Committee"
    ]
    assert phrase_key("Germany's  GREEN-party") == " germany green party"
    assert phrase_key("green party") in phrase_key("The Green Party’s lawmakers")
    assert phrase_key("Tomas Avila") in phrase_key("Mayor Tomás Ávila's office")
    # A comma or a full stop ends a name, and "I" is none; an initial's or a title's stop not,
    # unless a sentence plainly starts after it.
    assert name_phrases("Is it true that in DC, Pence Aides wait?") == ["Pence Aides"]
    assert name_phrases("Is it true that DC I heard Pence Aides wait?") == ["Pence Aides"]
    assert name_phrases("They met in DC. Did Mike Pence come?") == ["Mike Pence"]
    assert name_phrases("Voters said no. Did Green Party members agree?") == ["Green Party"]
    assert name_phrases('He said "Stop". Did Green Party members agree?') == ["Green Party"]
    assert name_phrases("Tariffs hit the U.S. Did Green Party members agree?") == [
        "U S",
        "Green Party",
    ]
    assert name_phrases("What did the Rev. Al Sharpton say?") == ["Rev Al Sharpton"]
    assert name_phrases("Did J. R. Smith fly to St. Louis or the U.S. Virgin Islands?") == [
        "J R Smith",
        "St Louis",
        "U S Virgin Islands",
    ]


def test_snapshot_dates_are_inclusive_and_open_ended() -> None:
    dates = ["2020-03-31T23:00", "2020-04-01", None, "2020-03-01"]  # by position
    snap = Snapshot(1, None, [], SpeakerMatcher([]), {}, dates, "2020-04-01")  # type: ignore[arg-type]
    assert snap.dated("2020-03-01", "2020-03-31").tolist() == [0, 3]
    assert snap.dated(None, "2020-03-01").tolist() == [3]
    assert snap.dated("2020-04-01", None).tolist() == [1]
    assert snap.dated(None, None).tolist() == [0, 1, 3]


def test_quoted_phrases_are_the_questions_own_quotation_marks() -> None:
    assert quoted_phrases("Who said 'low energy'?") == ["low energy"]
    assert quoted_phrases("Who said “the campaign goes on” in Ohio?") == ["the campaign goes on"]
    # An apostrophe opens nothing, and one word is no phrase.
    assert quoted_phrases("What was Trump's 'deal' with Kasich's team?") == []
    assert quoted_phrases("Who said 'he's a loser'?") == ["he's a loser"]
