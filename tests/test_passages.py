from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from index.articles import load_articles
from index.models import Article
from index.passages import PassageSettings, split_passages
from tests.conftest import SEEDS


def article(text: str) -> Article:
    return Article(id="t", text=text)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=400),
        st.lists(
            st.sampled_from(["a", "b.", " ", "\n", "\n\n", "“", "”", '"', "!", "Word", "said."]),
            max_size=200,
        ).map("".join),
    ),
    st.integers(min_value=1, max_value=40),
)
def test_passages_lie_in_order_and_cover_every_non_blank_character(
    text: str, max_words: int
) -> None:
    passages = split_passages(article(text), PassageSettings(max_words=max_words))
    covered = [False] * len(text)
    last_end = 0
    for p in passages:
        assert last_end <= p.start < p.end <= len(text)
        assert p.text == text[p.start : p.end]
        covered[p.start : p.end] = [True] * (p.end - p.start)
        last_end = p.end
    assert all(covered[i] or text[i].isspace() for i in range(len(text)))


def test_short_paragraphs_join_and_long_ones_split_between_sentences() -> None:
    text = "One two.\n\nThree four.\n\n" + " ".join(f"Sentence {i} here." for i in range(20))
    passages = split_passages(article(text), PassageSettings(max_words=12))
    assert passages[0].text == "One two.\n\nThree four."
    assert all(p.text.endswith(".") for p in passages)
    assert all(len(p.text.split()) <= 12 for p in passages)


def test_a_quotation_is_not_cut_when_it_fits() -> None:
    quote = "“First part of it. Second part of it. Third part,” she said."
    text = "Intro words here. " + quote
    passages = split_passages(article(text), PassageSettings(max_words=14))
    assert any(quote in p.text for p in passages)


def test_seed_passages_keep_offsets() -> None:
    [seed] = load_articles(SEEDS)[0]
    passages = split_passages(seed)
    assert len(passages) >= 2
    assert all(seed.text[p.start : p.end] == p.text for p in passages)
    assert all(len(p.text.split()) <= PassageSettings().max_words for p in passages)
