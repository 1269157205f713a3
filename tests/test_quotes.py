"""Quote extraction and speaker attribution over the real spaCy pipeline.

Every sentence here is the project's own, except the seed article (seeds/), whose full gold
is spelled out at the end. The pipeline is loaded once per session.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.articles import parse_article
from index.errors import ModelLoadError
from index.mentions import clean_name, role_or_none
from index.models import Quote
from index.nlp import attribute, attribute_many, load_nlp
from index.quote_marks import find_quoted_spans
from index.quotes import extract_quotes

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_8652565bec4607e8.txt"


@pytest.fixture(scope="session")
def nlp():
    return load_nlp()


def quotes_of(nlp, text: str) -> list[Quote]:
    return attribute(text, "t", nlp=nlp)


def only(quotes: list[Quote]) -> Quote:
    assert len(quotes) == 1, [(q.kind, q.speaker, q.text) for q in quotes]
    return quotes[0]


# (text, kind, speaker, resolved, words the quoted content holds)
SINGLE_QUOTES = [
    (
        "\u201cWe will rebuild every bridge,\u201d Mayor Anna Berg said on Monday.",
        "direct", "Anna Berg", True, "rebuild every bridge",
    ),
    (
        '"Prices will fall next year," said Tom Reyes, an economist at the central bank.',
        "direct", "Tom Reyes", True, "Prices will fall",
    ),
    ('Anna Berg said: "The budget is balanced."', "direct", "Anna Berg", True, "budget"),
    (
        'Anna Berg said the council was "deeply divided" over the plan.',
        "partial", "Anna Berg", True, "deeply divided",
    ),
    (
        "Tom Reyes said the bank would raise interest rates in June.",
        "indirect", "Tom Reyes", True, "raise interest rates",
    ),
    (
        "According to Tom Reyes, the bank will raise interest rates in June.",
        "indirect", "Tom Reyes", True, "raise interest rates",
    ),
    (
        "Anna Berg told reporters that the bridge would reopen in May.",
        "indirect", "Anna Berg", True, "reopen in May",
    ),
    (
        "Anna Berg added that the dam had been inspected twice.",
        "indirect", "Anna Berg", True, "inspected twice",
    ),
    (
        "Tom Reyes noted that inflation had slowed for three months.",
        "indirect", "Tom Reyes", True, "inflation had slowed",
    ),
    (
        "The steel plant closed last week, the Northern Gazette reported.",
        "indirect", "Northern Gazette", True, "steel plant closed",
    ),
    (
        '"The talks have stalled," a senior official said.',
        "direct", "a senior official", False, "talks have stalled",
    ),
    ('"We are ready," he said.', "direct", "he", False, "We are ready"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "kind", "speaker", "resolved", "words"), SINGLE_QUOTES)
def test_one_quote_per_sentence(nlp, text, kind, speaker, resolved, words) -> None:
    quote = only(quotes_of(nlp, text))
    assert (quote.kind, quote.speaker, quote.resolved) == (kind, speaker, resolved)
    assert words in quote.text
    for start, end in quote.spans:
        assert text[start:end] in quote.text


def test_role_from_the_title_before_the_name(nlp) -> None:
    quote = only(quotes_of(nlp, "\u201cWe are ready,\u201d Mayor Anna Berg said."))
    assert quote.role == "Mayor"
    assert quote.speaker_mention == "Mayor Anna Berg"


def test_role_from_an_apposition(nlp) -> None:
    text = '"Prices will fall," said Tom Reyes, an economist at the central bank.'
    assert only(quotes_of(nlp, text)).role == "economist at the central bank"


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ('"We are not done," said Tom Reyes, 69.', None),  # an age is no role
        ("Tom Reyes, 69, said the harbor would reopen.", None),
        (
            '"Prices will fall," said Tom Reyes, an economist who has studied the harbor.',
            "economist",
        ),
        (
            "Anna Berg, a harbor pilot who lost her job last spring, said the port was failing.",
            "harbor pilot",
        ),
    ],
)
def test_a_role_is_the_description_without_ages_or_relative_clauses(
    nlp, text: str, role: str | None
) -> None:
    assert only(quotes_of(nlp, text)).role == role


def test_markup_names_nobody() -> None:
    assert clean_name('datetime="2016') == ""
    assert clean_name("Mr. Berg's") == "Berg"


def test_a_role_is_never_markup_nor_holds_an_open_quotation() -> None:
    assert role_or_none('author="@someone" date="March 10">Sanders aide') == "Sanders aide"
    assert role_or_none("\u2018Not Fit To Serve") is None
    show = "host of the reality show \u201cThe Harbor"
    assert role_or_none(show) == "host of the reality show"
    assert role_or_none("left)") is None
    assert role_or_none("professor of history\n\n") == "professor of history"


def test_a_relative_named_by_first_name_takes_the_family_name(nlp) -> None:
    text = "Mayor Tom Reyes spoke first. Reyes's wife, Anna, said the bridge would reopen in May."
    assert only(quotes_of(nlp, text)).speaker == "Anna Reyes"
    # A first name before the relative says nothing of the family name.
    text = "Tom Reyes spoke first. Tom's wife, Anna, said the bridge would reopen in May."
    assert only(quotes_of(nlp, text)).speaker == "Anna"


@pytest.mark.parametrize("name", ["Rahm Brandt", "Tashfeen Qureshi", "Ilya Sorokin"])
def test_a_full_name_the_recogniser_missed_names_the_surname(nlp, name: str) -> None:
    surname = name.split()[1]
    text = (
        f"HARBORTON - {name} may have thought the worst was over.\n\nThe review was ordered "
        f'on Monday. {surname} said Thursday that the city "welcomes" a review of the port '
        f'deal.\n\n"We have a process," Mr. {surname} said.'
    )
    quotes = quotes_of(nlp, text)
    assert [(q.speaker, q.speaker_kind) for q in quotes] == [(name, "person")] * 2


def test_a_show_named_after_someone_is_no_full_name(nlp) -> None:
    text = 'The senator spoke on The Kelly File on Monday.\n\n"It is over," Kelly told viewers.'
    assert only(quotes_of(nlp, text)).speaker == "Kelly"


@pytest.mark.parametrize(
    ("text", "speakers"),
    [
        (  # a company named after someone whose surname never stands alone
            'Philip Morris said on Tuesday that sales fell. "We expected it," Philip Morris said.',
            [("Philip Morris", "organisation")] * 2,
        ),
        (  # a title, not a first name
            'Detective Malloy reopened the case.\n\n"We owed them," Mr. Malloy said.',
            [("Malloy", "person")],
        ),
        (  # a middle name that is a given name is not a surname
            'Robert Lee Jones chaired the hearing.\n\nLee spoke first. "We will win," he said.',
            [("Lee", "person")],
        ),
    ],
)
def test_what_looks_like_a_missed_full_name_but_is_not(
    nlp, text: str, speakers: list[tuple[str, str]]
) -> None:
    assert [(q.speaker, q.speaker_kind) for q in quotes_of(nlp, text)] == speakers


def test_a_double_surname_answers_to_its_first_half(nlp) -> None:
    text = (
        "The bank's president, Lucia Ortega Ramos, spoke on Monday.\n\n"
        '"We have many failed ventures," Ms. Ortega said.'
    )
    assert only(quotes_of(nlp, text)).speaker == "Lucia Ortega Ramos"


def test_a_spaced_dash_parts_two_names(nlp) -> None:
    text = (
        "In an interview, Deborah Lane Hollis - Santilli's partner and co-host - told "
        "reporters the show would go on.\n\nHollis said the two met in an online forum."
    )
    hollis = next(q for q in quotes_of(nlp, text) if "online forum" in q.text)
    assert (hollis.speaker, hollis.speaker_kind) == ("Deborah Lane Hollis", "person")


def test_a_quoted_show_name_is_not_what_the_speaker_said(nlp) -> None:
    text = (
        "Harbor Plan Is Dead.\n\nMonday on the network\u2019s \u201cMorning Report,\u201d Senator "
        "Anna Berg said the harbor plan was dead because of the city's handling of the port deal."
    )
    quote = only(quotes_of(nlp, text))
    assert (quote.kind, quote.speaker) == ("indirect", "Anna Berg")
    assert quote.text.startswith("the harbor plan was dead")


@pytest.mark.parametrize(
    ("text", "speaker", "mention", "quoted"),
    [
        (  # the parser hangs the quote on the name after it
            "\u201cThat is a fair concern, because they are very loyal,\u201d Tom Reyes, 69, "
            "told the station on Monday.",
            "Tom Reyes",
            "Tom Reyes",
            "\u201cThat is a fair concern, because they are very loyal,\u201d",
        ),
        (  # a quotation after a verb is what the speaker said, not a name
            'Residents are "fed up and frightened," Police Chief Ron Hale said Monday the '
            "department would add patrols.",
            "Ron Hale",
            "Police Chief Ron Hale",
            '"fed up and frightened,"',
        ),
    ],
)
def test_a_direct_quote_before_its_speaker(nlp, text, speaker, mention, quoted) -> None:
    quote = next(q for q in quotes_of(nlp, text) if q.kind == "direct")
    assert (quote.speaker, quote.speaker_mention, quote.text) == (speaker, mention, quoted)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "On the network's 'Morning Report', Mr Reyes said: 'We need answers.'",
            [("direct", "'We need answers.'")],
        ),
        (
            "Speaking on the network's 'Morning Report,' Ms Berg said the council had 'lost "
            "the plot'.",
            [("partial", "the council had 'lost the plot'")],
        ),
    ],
)
def test_a_quoted_show_name_is_no_statement(nlp, text: str, said: list[tuple[str, str]]) -> None:
    assert [(q.kind, q.text) for q in quotes_of(nlp, text)] == said


@pytest.mark.parametrize(
    ("text", "asker"),
    [
        ("Asked whether he would stay on as chairman, Tom Reyes said he had not decided.", None),
        (
            "Asked by Anna Berg whether he would stay on as chairman, Tom Reyes said he had "
            "not decided.",
            "Anna Berg",
        ),
    ],
)
def test_a_question_put_to_a_speaker_is_not_theirs(nlp, text: str, asker: str | None) -> None:
    quotes = quotes_of(nlp, text)
    assert [(q.speaker, q.text) for q in quotes] == [
        (asker, "whether he would stay on as chairman"),
        ("Tom Reyes", "he had not decided"),
    ]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("Her daughter, Siobhan Kearney, said the family was devastated.", "Siobhan Kearney"),
        ("The spokesman, Eoin Brady, said the hospital would reopen.", "Eoin Brady"),
    ],
)
def test_a_name_the_recogniser_missed_after_a_relative_or_title(nlp, text, speaker) -> None:
    assert only(quotes_of(nlp, text)).speaker == speaker


def test_a_report_inside_a_condition_is_part_of_the_clause(nlp) -> None:
    text = (
        "Tom Reyes said that he had \u201cno idea\u201d if he would have told the mayor to sell "
        "the port if he had known about the debt."
    )
    assert only(quotes_of(nlp, text)).text.endswith("known about the debt")


@pytest.mark.parametrize(
    ("text", "end"),
    [
        (  # "but" with no comma: still the speaker's words
            "Police said the driver was injured but his passengers were unhurt.",
            "were unhurt",
        ),
        (  # "but that ...": the same report goes on
            "Anna Berg said the harbor was safe, but that the old bridge needed repairs "
            "before winter.",
            "before winter",
        ),
    ],
)
def test_where_a_report_with_but_ends(nlp, text: str, end: str) -> None:
    assert only(quotes_of(nlp, text)).text.endswith(end)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (  # a transcript
            "BERG: Do you think the harbor will reopen this year?\n\n"
            "OKAFOR: I think it will, if the council votes for the repairs.",
            [("Berg", "Do you think the harbor"), ("Okafor", "I think it will")],
        ),
        (  # a headline naming by surname someone the article names in full
            "Okafor: I Still Believe The Harbor Deal Can\u2019t Be Trusted.\n\nOne month after "
            "the vote, Senator Chidi Okafor still believes the harbor deal is a mistake.",
            [("Chidi Okafor", "I Still Believe The Harbor Deal")],
        ),
        (  # a name that is also a reporting verb
            "AHMED SAID: Thank you. It is good to be here.",
            [("Ahmed Said", "Thank you.")],
        ),
        (  # a reporting verb before the label
            '"We are close," Anna Berg said on Monday.\n\nContinued Berg: "Pay is one. '
            'Pensions are the other."',
            [("Anna Berg", '"We are close,"'), ("Anna Berg", '"Pay is one.')],
        ),
        (  # a section heading and a label are no statements
            "The harbor opened in May.\n\nOkafor: A closing surge.\n\nUPDATE: The council "
            "voted on Monday.\n\nSenator Chidi Okafor spoke last at the debate on Monday.",
            [],
        ),
    ],
)
def test_a_name_and_a_colon_introduce_a_statement(
    nlp, text: str, said: list[tuple[str, str]]
) -> None:
    quotes = quotes_of(nlp, text)
    assert [q.speaker for q in quotes] == [speaker for speaker, _ in said]
    assert all(q.text.startswith(words) for q, (_, words) in zip(quotes, said, strict=True))


def test_a_report_keeps_the_closing_mark_of_the_words_it_quotes(nlp) -> None:
    text = 'Anna Berg said on Monday that the talks with the port were "very difficult."'
    quote = only(quotes_of(nlp, text))
    assert quote.kind == "partial"
    assert quote.text == 'that the talks with the port were "very difficult."'


@pytest.mark.parametrize(
    "text",
    [
        "The ministry did not respond to a request for comment.",
        "A spokesman for the port declined to comment on the strike.",
        "Tom Reyes would not comment on the council's plans for the harbor.",
        "A spokesman for the port declined to say whether the harbor would close.",
        "The company would not say when the plant would reopen.",
    ],
)
def test_a_statement_not_made_is_no_quote(nlp, text: str) -> None:
    assert quotes_of(nlp, text) == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (  # what comes before the speaker only says when and how: the object is the report
            "Addressing the strike on Monday, the harbor board urged the dockers to return "
            "to work.",
            "the dockers to return to work",
        ),
        (  # a that-clause the parser hangs on the words between it and the verb
            "Anna Berg told reporters during a visit to the port on Friday that the new crane "
            "would arrive in June.",
            "that the new crane would arrive in June",
        ),
        (  # nor the day the parser put at the head of the clause
            "Anna Berg said on Friday the harbor would stay open all winter.",
            "the harbor would stay open all winter",
        ),
        (  # but a day that is what was talked of stays
            "Peter Smith commented on Monday's vote in the council chamber.",
            "on Monday's vote in the council chamber",
        ),
        (
            "Peter Smith said Friday was the deadline for the bids.",
            "Friday was the deadline for the bids",
        ),
        (  # a that-clause the parser hung on the phrase before it
            "Peter Smith warned in a letter that the plant would close.",
            "in a letter that the plant would close",
        ),
        (  # where and when are not what was announced
            "The harbor board announced on Friday a ban on night shifts during the meeting.",
            "a ban on night shifts",
        ),
    ],
)
def test_a_report_is_what_was_said_not_when_or_where(nlp, text: str, words: str) -> None:
    assert only(quotes_of(nlp, text)).text == words


@pytest.mark.parametrize(
    ("text", "speaker", "words"),
    [
        # "as X said" reports the clause around it
        (
            "As Anna Berg said on Monday, the harbor will not reopen this year.",
            "Anna Berg",
            "the harbor will not reopen this year",
        ),
        (
            "The harbor will not reopen this year, as the Daily Harbor reported.",
            "Daily Harbor",
            "The harbor will not reopen this year",
        ),
        (
            "As Mayor Tom Reyes told reporters, the harbor will not reopen this year.",
            "Tom Reyes",
            "the harbor will not reopen this year",
        ),
        # a report noun reports the clause it governs, its owner the speaker
        (
            "Tom Reyes spoke first. Part of his pitch is his insistence that the harbor "
            "will pay for itself.",
            "Tom Reyes",
            "that the harbor will pay for itself",
        ),
        (
            "Anna Berg's claim that the port lost money last year was checked by the council.",
            "Anna Berg",
            "that the port lost money last year",
        ),
        (
            "Anna Berg repeated her warning that the harbor would flood by winter.",
            "Anna Berg",
            "that the harbor would flood by winter",
        ),
        (
            "Tom Reyes made the suggestion that the council should sell the old ferry.",
            "Tom Reyes",
            "that the council should sell the old ferry",
        ),
    ],
)
def test_a_report_around_as_or_a_report_noun(nlp, text: str, speaker: str, words: str) -> None:
    quote = only(quotes_of(nlp, text))
    assert (quote.speaker, quote.text) == (speaker, words)


@pytest.mark.parametrize(
    "text",
    [
        "The rule, as it is currently written, adds another number to the mix.",
        "The story was not as violent as he suggested.",
        "As he announced his run, the crowd cheered for a long time.",
        "As she testified, her husband watched from the gallery.",
    ],
)
def test_as_that_tells_when_or_how_much_reports_nothing(nlp, text: str) -> None:
    assert [q for q in quotes_of(nlp, text) if q.cue in ("written", "suggested")] == []
    assert all("crowd" not in q.text and "husband" not in q.text for q in quotes_of(nlp, text))


@pytest.mark.parametrize(
    "text",
    [
        "The claim that he made about the harbor was false.",  # a relative clause
        "The claim that the harbor lost money was checked by the council.",  # no one's
        # the parser made the noun the root: its clause would swallow the sentence's verb
        "Her warning that the dam could burst went unheeded for years.",
    ],
)
def test_a_report_noun_without_a_claimant_or_a_clause_is_no_quote(nlp, text: str) -> None:
    assert quotes_of(nlp, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "The council could split the vote. That said, the harbor plan cannot pass this year.",
        "The council denied Anna Berg a hearing before the harbor committee.",
    ],
)
def test_a_reporting_verb_in_another_sense_reports_nothing(nlp, text: str) -> None:
    assert quotes_of(nlp, text) == []


@pytest.mark.parametrize(
    ("text", "speakers"),
    [
        (  # a son is not his father
            "Tom Reyes spoke first. His son, Tom Reyes Jr., told reporters the harbor would "
            'reopen. "My father is a fighter," Tom Reyes Jr. said.',
            ["Tom Reyes Jr", "Tom Reyes Jr"],
        ),
        (  # one apostrophe for all
            'Martin O\u2019Hara said the race was not over. "We keep going," O\'Hara said.',
            ["Martin O'Hara", "Martin O'Hara"],
        ),
    ],
)
def test_names_that_differ_in_a_suffix_or_an_apostrophe(nlp, text, speakers) -> None:
    assert [q.speaker for q in quotes_of(nlp, text)] == speakers


def test_a_description_naming_a_party_skips_someone_of_the_other(nlp) -> None:
    text = (
        "Tom Reyes spoke in Dover on Monday. Anna Berg, the Democratic nominee, answered him in "
        'Salem. "She will lose," the Republican nominee said.'
    )
    assert [q.speaker for q in quotes_of(nlp, text)] == ["Tom Reyes"]


def test_whoever_was_warned_did_not_warn(nlp) -> None:
    text = "Tom Reyes asked the interns to draw up plans, even though he was warned against it."
    assert [q.cue for q in quotes_of(nlp, text)] == ["asked"]


def test_a_negation_inside_the_report_is_part_of_it(nlp) -> None:
    text = "Tom Reyes said the council would not vote on the harbor plan this year."
    assert only(quotes_of(nlp, text)).text.endswith("would not vote on the harbor plan this year")


def test_a_speaker_the_parser_hung_on_a_name_before_it(nlp) -> None:
    text = (
        "On Tuesday in Harborton, while on the campaign trail for his wife Democratic "
        "front-runner Anna Berg, former governor Tom Reyes said his wife was uniquely "
        "qualified to lead the city."
    )
    quote = only(quotes_of(nlp, text))
    assert (quote.speaker, quote.role) == ("Tom Reyes", "former governor")


def test_organisation_speaker(nlp) -> None:
    text = "The steel plant closed last week, the Associated Press reported."
    quote = only(quotes_of(nlp, text))
    assert (quote.speaker, quote.speaker_kind) == ("Associated Press", "organisation")
    assert quote.speaker_mention == "the Associated Press"


def test_the_author_of_a_report_is_the_source(nlp) -> None:
    text = "The mayor now has 40 votes, according to a count by the Northern Gazette."
    quote = only(quotes_of(nlp, text))
    assert (quote.speaker, quote.cue, quote.resolved) == ("Northern Gazette", "according to", True)
    assert quote.speaker_kind == "organisation"
    assert quote.text == "The mayor now has 40 votes"


def test_interrupted_quote_is_one_quote_in_two_pieces(nlp) -> None:
    text = "\u201cThe river is rising,\u201d Anna Berg said, \u201cbut the dam will hold.\u201d"
    quote = only(quotes_of(nlp, text))
    assert quote.kind == "direct" and quote.speaker == "Anna Berg"
    assert [text[s:e] for s, e in quote.spans] == [
        "\u201cThe river is rising,\u201d",
        "\u201cbut the dam will hold.\u201d",
    ]
    assert (quote.start, quote.end) == (quote.spans[0][0], quote.spans[-1][1])


def test_quote_over_two_paragraphs(nlp) -> None:
    text = (
        "Anna Berg said:\n\n\u201cThe first thing is the river.\n\n"
        "\u201cThe second thing is the money.\u201d"
    )
    quote = only(quotes_of(nlp, text))
    assert quote.speaker == "Anna Berg"
    assert len(quote.spans) == 2


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        ("Mayor Anna Berg visited the dam. \u201cWe are ready,\u201d she said.", "she"),
        ("Anna Berg visited the dam. \u201cIt is safe,\u201d Berg said.", "Berg"),
        ("Mayor Anna Berg visited the dam. \u201cIt is safe,\u201d the mayor said.", "the mayor"),
        ("Anna Berg visited the dam. \u201cIt is safe,\u201d Ms. Berg said.", "Ms. Berg"),
    ],
)
def test_pronouns_short_names_and_titles_resolve(nlp, text: str, mention: str) -> None:
    quote = only(quotes_of(nlp, text))
    assert (quote.speaker, quote.resolved, quote.speaker_mention) == ("Anna Berg", True, mention)


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # the person with the title, not the nearest one ("Sen." is "senator")
        (
            "Sen. Anna Berg toured the dam on Monday. Tom Reyes followed her. "
            "\u201cIt is safe,\u201d the senator told reporters.",
            "Anna Berg",
        ),
        # a description of someone just named, title or not
        (
            "Tom Reyes met the council on Monday. \u201cIt was a good meeting,\u201d "
            "the shipping tycoon said.",
            "Tom Reyes",
        ),
        (
            "Gov. Tom Reyes spoke first. Anna Berg answered him. "
            "\u201cWe will win the state,\u201d the Ohio governor said.",
            "Tom Reyes",
        ),
    ],
)
def test_descriptions_resolve_to_the_person_described(nlp, text: str, speaker: str) -> None:
    quote = only(quotes_of(nlp, text))
    assert (quote.speaker, quote.resolved) == (speaker, True)


@pytest.mark.parametrize(
    "said",
    ["\u201cThe plan works,\u201d Mrs. Clinton said.", "\u201cThe plan works,\u201d she said."],
)
def test_a_surname_two_people_share_goes_to_the_one_of_the_mentions_gender(nlp, said) -> None:
    text = (
        "Hillary Clinton arrived in Ohio with her husband, former President Bill Clinton. "
        "Mr. Clinton spoke first and Clinton thanked him. " + said
    )
    quote = only(quotes_of(nlp, text))
    assert (quote.speaker, quote.resolved) == ("Hillary Clinton", True)


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        (
            "Judge Letitia James ruled. James said it was late. \u201cWe wait,\u201d she said.",
            "Letitia James",
        ),
        (
            "Senator Mark Kelly spoke. Kelly said it was late. \u201cWe wait,\u201d he said.",
            "Mark Kelly",
        ),
    ],
)
def test_a_surname_that_is_also_a_first_name_has_no_gender_of_its_own(
    nlp, text: str, speaker: str
) -> None:
    said = [q for q in quotes_of(nlp, text) if q.speaker_mention in ("she", "he")]
    assert [(q.speaker, q.resolved) for q in said] == [(speaker, True)]


def test_a_title_outweighs_the_usual_gender_of_a_first_name(nlp) -> None:
    text = (
        "Lee Epstein teaches law in St. Louis. "
        "\u201cThe court will wait,\u201d Ms. Epstein said on Monday."
    )
    quote = only(quotes_of(nlp, text))
    assert (quote.speaker, quote.resolved) == ("Lee Epstein", True)


@pytest.mark.parametrize(
    ("text", "speaker", "role"),
    [
        (  # the parser takes "state" into the name here
            '"The harbor will reopen next spring," said former secretary of state Hillary '
            "Clinton, who thanked the dock workers.",
            "Hillary Clinton",
            "former secretary of state",
        ),
        (
            "\u201cIt is over,\u201d The Herald\u2019s Tom Reyes wrote.",
            "Tom Reyes",
            "Herald\u2019s",
        ),
        (
            "\u201cWe will wait,\u201d the Riverside Party\u2019s Nadia Kosta told reporters.",
            "Nadia Kosta",
            None,
        ),
        ("\u201cIt is over,\u201d said Majority Whip Anna Berg.", "Anna Berg", "Majority Whip"),
        ("\u201cWe lost,\u201d Biden\u2019s Ron Klain said.", "Ron Klain", "Biden\u2019s"),
    ],
)
def test_a_name_leaves_out_the_words_before_it(
    nlp, text: str, speaker: str, role: str | None
) -> None:
    quote = only(quotes_of(nlp, text))
    assert quote.speaker == speaker
    assert role is None or quote.role == role


def test_a_description_skips_a_person_holding_another_office(nlp) -> None:
    text = "Gov. Tom Reyes spoke first. \u201cWe will win,\u201d the Florida senator said."
    quote = only(quotes_of(nlp, text))
    assert (quote.speaker, quote.resolved) == ("the Florida senator", False)


def test_a_title_nobody_holds_stays_unresolved(nlp) -> None:
    text = "Anna Berg visited the dam. \u201cIt is safe,\u201d the engineer said."
    quote = only(quotes_of(nlp, text))
    assert (quote.speaker, quote.resolved) == ("the engineer", False)


def test_one_of_a_title_is_somebody_new(nlp) -> None:
    text = "Pastor Tom Reyes led the service.\n\n{} pastor said the church would reopen in May."
    assert only(quotes_of(nlp, text.format("The"))).speaker == "Tom Reyes"
    quote = only(quotes_of(nlp, text.format("One")))
    assert (quote.speaker, quote.resolved) == ("One pastor", False)


def test_floating_quote_belongs_to_the_previous_speaker(nlp) -> None:
    text = "\u201cThe river is rising,\u201d Anna Berg said.\n\n\u201cWe have sandbags ready.\u201d"
    quotes = quotes_of(nlp, text)
    assert [q.speaker for q in quotes] == ["Anna Berg", "Anna Berg"]
    assert quotes[1].confidence < quotes[0].confidence


def test_two_speakers_in_one_sentence(nlp) -> None:
    text = "Anna Berg said the bridge was safe, but Tom Reyes said it needed repairs."
    quotes = quotes_of(nlp, text)
    assert [(q.speaker, q.kind) for q in quotes] == [
        ("Anna Berg", "indirect"),
        ("Tom Reyes", "indirect"),
    ]
    assert "bridge was safe" in quotes[0].text and "needed repairs" in quotes[1].text


def test_nested_quotes_stay_inside_the_outer_quote(nlp) -> None:
    text = "\u201cHe told me \u2018never again\u2019 and left,\u201d Anna Berg said."
    quote = only(quotes_of(nlp, text))
    assert quote.text == "\u201cHe told me \u2018never again\u2019 and left,\u201d"


def test_quotes_at_the_very_start_and_end(nlp) -> None:
    text = '"Yes," Anna Berg said. Tom Reyes said: "No."'
    quotes = quotes_of(nlp, text)
    assert [(q.text, q.speaker) for q in quotes] == [
        ('"Yes,"', "Anna Berg"),
        ('"No."', "Tom Reyes"),
    ]
    assert quotes[-1].end == len(text)


def test_odd_number_of_marks_yields_no_broken_quote(nlp) -> None:
    text = 'Anna Berg said "the bridge is safe. Tom Reyes disagreed.'
    for quote in quotes_of(nlp, text):
        assert quote.kind != "direct"
        assert 0 <= quote.start < quote.end <= len(text)


@pytest.mark.parametrize(
    "text",
    [
        "The bridge opened on Monday. Traffic was light.",
        "The committee will meet on Tuesday to discuss the budget.",
        'The "smart" meters were installed in May.',
        "He is known as a man called Smith.",
        "",
        "   \n\n  ",
    ],
)
def test_sentences_without_quotes(nlp, text: str) -> None:
    assert quotes_of(nlp, text) == []


def test_quote_marks_pair_curly_straight_and_doubled_apostrophes() -> None:
    text = "\u201cA,\u201d b. \"C\" d. ''E'' f. \u201cmixed\" g."
    assert [text[q.start : q.end] for q in find_quoted_spans(text)] == [
        "\u201cA,\u201d",
        '"C"',
        "''E''",
        '\u201cmixed"',
    ]


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        (  # British style: single marks quote, apostrophes do not
            "\u2018The students\u2019 union is strong,\u2019 she said. It\u2019s the "
            "Smiths\u2019 best year since the \u201980s. \u2018We won,\u2019 he said.",
            ["\u2018The students\u2019 union is strong,\u2019", "\u2018We won,\u2019"],
        ),
        (
            "'It's over,' said Tom Reyes. 'The workers' pensions come first.'",
            ["'It's over,'", "'The workers' pensions come first.'"],
        ),
        (  # elisions and dropped letters are no marks
            "'We'll give 'em a game,' he said. 'We were just talkin', like, then he hit me,' "
            "she said. 'It protects the workers', the managers' and the owners' interests.'",
            [
                "'We'll give 'em a game,'",
                "'We were just talkin', like, then he hit me,'",
                "'It protects the workers', the managers' and the owners' interests.'",
            ],
        ),
        (  # a quote may open with a digit, a currency sign, a bracket or a capitalised word
            "'\u00a340bn is a lot,' she said. '2025 will be the year.' '[The plan] failed,' "
            "he said. 'Cause of death was never found,' she said.",
            [
                "'\u00a340bn is a lot,'",
                "'2025 will be the year.'",
                "'[The plan] failed,'",
                "'Cause of death was never found,'",
            ],
        ),
        (  # a year is no mark
            "The '66 squad met again. 'It was magic,' said Tom Reyes.",
            ["'It was magic,'"],
        ),
        (  # single-quoted headlines do not make an American article British
            "Senator: 'We won't back down' on budget\n\nWhy 'shutdown season' is back\n\n"
            '"This bill spends money we do not have," Ellery said.',
            ['"This bill spends money we do not have,"'],
        ),
        (  # double scare quotes do not make a British article American
            'The "sophisticated" attack hit the hospital "in phases". \'Patient safety '
            "comes first,' Ms Berg said. 'Care goes on as normal.'",
            [
                '"sophisticated"',
                '"in phases"',
                "'Patient safety comes first,'",
                "'Care goes on as normal.'",
            ],
        ),
        (  # a possessive after the quote, a quoted word before a word
            "'We want our money back', said Mr Reyes, one of the investors' representatives. "
            "The union called the offer 'derisory' on Tuesday. Its members' ballot closes soon.",
            ["'We want our money back'", "'derisory'"],
        ),
        (  # a possessive inside a quote that the next paragraph reopens
            "\u2018We were told that the residents\u2019 concerns had been heard.\n\n"
            "\u2018Nobody came,\u2019 she said.",
            [
                "\u2018We were told that the residents\u2019 concerns had been heard.\n\n"
                "\u2018Nobody came,\u2019"
            ],
        ),
        (  # American style: single marks are a quote inside a quote
            "\u201cHe told me \u2018no\u2019 twice,\u201d she said. The \u2018deal\u2019 "
            "is \u201cdead.\u201d",
            ["\u201cHe told me \u2018no\u2019 twice,\u201d", "\u201cdead.\u201d"],
        ),
    ],
)
def test_an_article_quotes_with_double_or_single_marks(text: str, quoted: list[str]) -> None:
    assert [text[q.start : q.end] for q in find_quoted_spans(text)] == quoted


def test_a_british_article_is_attributed_like_an_american_one(nlp) -> None:
    text = (
        "Harbor talks stall\n\nThe harbour minister, Anna Berg, said on Monday that the talks "
        "had stalled.\n\n'We are not going to accept a bad deal,' Ms Berg told reporters. "
        "'The door is open, but it won't stay open forever.'\n\n'It's a disgrace,' said Tom "
        "Reyes, the union's leader."
    )
    direct = [(q.speaker, q.text) for q in quotes_of(nlp, text) if q.kind == "direct"]
    assert direct == [
        (
            "Anna Berg",
            "'We are not going to accept a bad deal,' "
            "'The door is open, but it won't stay open forever.'",
        ),
        ("Tom Reyes", "'It's a disgrace,'"),
    ]


def test_missing_pipeline_says_how_to_install_it(monkeypatch) -> None:
    import index.nlp

    monkeypatch.setattr(index.nlp, "PIPELINE_PACKAGES", ("whosaid_no_such_pipeline",))
    with pytest.raises(ModelLoadError, match="pip install"):
        index.nlp.load_nlp.__wrapped__()


def test_text_over_the_parser_limit_is_read_up_to_it(nlp, monkeypatch) -> None:
    monkeypatch.setattr(nlp, "max_length", 40)
    quotes = attribute('"Yes," Anna Berg said. ' * 5, "t", nlp=nlp)
    assert quotes and all(q.end <= 40 for q in quotes)


def test_attribute_many_keeps_order(nlp) -> None:
    articles = [("a", '"Yes," Anna Berg said.'), ("b", "No quotes here."), ("c", '"No," he said.')]
    results = list(attribute_many(articles, nlp=nlp))
    assert [[q.article_id for q in quotes] for quotes in results] == [["a"], [], ["c"]]


_PIECES = list("ab Cd.,:;\n\"'\u201c\u201d\u2018\u2019-") + ["said ", "Anna Berg ", "''", "\n\n"]
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=80).map("".join)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=_TEXT)
def test_random_text_never_raises(nlp, text: str) -> None:
    for quote in extract_quotes(nlp(text), "t"):
        assert 0 <= quote.start < quote.end <= len(text)
        assert all(quote.start <= s < e <= quote.end for s, e in quote.spans)


# The seed article's full gold: every quote, its kind, speaker, and how the text names them.
SEED_GOLD = [
    ("direct", "The only way to achieve peace", "Ukrainian Foreign Minister Dmytro Kuleba"),
    ("indirect", "the process of negotiations", "Kuleba"),
    ("direct", "Yes, at the moment, peace talks", "he"),
    ("indirect", "at the meeting in Istanbul", "him"),
    ("indirect", "Ukraine hopes to receive security assurances", "Kuleba"),
    ("direct", "We propose that China become", "the Ukrainian foreign minister"),
    ("indirect", "his country is in dire need", "He"),
    ("direct", "I take this opportunity", "Kuleba"),
    ("indirect", "Ukrainian President Volodymyr Zelensky switched", "the Associated Press"),
    ("indirect", "on Russian troops to refuse to fight", "Ukrainian President Volodymyr Zelensky"),
    ("indirect", "even their generals expect", "Ukrainian President Volodymyr Zelensky"),
    ("partial", 'Russia was recruiting "poorly motivated', "Zelensky"),
    ("indirect", "Russian commanders were well aware", "He"),
    ("direct", "Russian commanders lie to their soldiers", "Zelensky"),
    ("direct", "Every Russian soldier can still save", "he"),
]


@pytest.fixture(scope="module")
def seed_quotes(nlp) -> list[Quote]:
    (article,) = parse_article(SEED.name, SEED.read_bytes())
    return attribute(article.text, article.id, nlp=nlp)


def test_seed_article_has_every_quote_and_no_other(seed_quotes: list[Quote]) -> None:
    assert len(seed_quotes) == len(SEED_GOLD)
    for quote, (kind, words, mention) in zip(seed_quotes, SEED_GOLD, strict=True):
        assert words in quote.text
        assert (quote.kind, quote.speaker_mention) == (kind, mention)
        assert quote.resolved


def test_seed_speakers_resolve_to_full_names(seed_quotes: list[Quote]) -> None:
    speakers = [q.speaker for q in seed_quotes]
    assert speakers == ["Dmytro Kuleba"] * 8 + ["Associated Press"] + ["Volodymyr Zelensky"] * 6
    kuleba = [q for q in seed_quotes if q.speaker == "Dmytro Kuleba"]
    assert {q.role for q in kuleba} == {"Ukrainian Foreign Minister"}
    added = next(q for q in seed_quotes if q.cue == "added" and q.speaker_mention == "Kuleba")
    assert added.speaker == "Dmytro Kuleba"


def test_seed_report_is_attributed_to_the_news_agency(seed_quotes: list[Quote]) -> None:
    report = next(q for q in seed_quotes if q.speaker == "Associated Press")
    assert report.speaker_kind == "organisation" and report.cue == "reported"
    assert report.text.startswith("Ukrainian President Volodymyr Zelensky switched")
    assert report.text.endswith("tens of thousands of them to die")
