"""The speaker registry: merging spellings across articles, keeping namesakes apart."""

from __future__ import annotations

import pytest

from index.models import Quote, SpeakerKind
from index.speakers import SpeakerRegistry, build_registry, canonical_key, merge_speakers


def quote(
    speaker: str | None,
    article: str = "a1",
    *,
    kind: SpeakerKind = "person",
    role: str | None = None,
    mention: str | None = None,
    resolved: bool = True,
) -> Quote:
    return Quote(
        article_id=article,
        text="We will rebuild the bridge.",
        start=0,
        end=26,
        spans=((0, 26),),
        kind="direct",
        speaker=speaker,
        speaker_mention=mention or speaker,
        role=role,
        speaker_kind=kind,
        resolved=resolved,
    )


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Dmytro Kuleba", "dmytro kuleba"),
        ("Ukrainian Foreign Minister Dmytro Kuleba", "dmytro kuleba"),
        ("Mr. Donald J. Trump", "donald trump"),
        ("Martin Luther King Jr.", "martin king"),
        ("Kuleba's", "kuleba"),
        ("Volodymyr Zelenskyy", "volodymyr zelenskyy"),
        ("Zelénsky", "zelensky"),
        ("Joe Okafor", "joseph okafor"),  # a short form of a given name
        ("Bill Reyes", "william reyes"),
    ],
)
def test_canonical_key_ignores_titles_middle_names_and_accents(name: str, key: str) -> None:
    assert canonical_key(name) == key


def test_canonical_key_keeps_every_word_of_an_organisation() -> None:
    assert canonical_key("the Federal Bureau of Investigation", "organisation") == (
        "federal bureau of investigation"
    )


def test_spellings_of_one_person_merge_with_aliases_and_roles() -> None:
    groups = merge_speakers(
        [
            quote("Dmytro Kuleba", "a1", role="Ukrainian Foreign Minister"),
            quote("Kuleba", "a2"),
            quote("Dmytro Kuleba", "a3", mention="Foreign Minister Kuleba"),
        ]
    )
    assert len(groups) == 1
    group = groups[0]
    assert group.name == "Dmytro Kuleba"
    assert group.quotes == 3
    assert set(group.aliases) == {"Dmytro Kuleba", "Kuleba", "Foreign Minister Kuleba"}
    assert list(group.roles) == ["Ukrainian Foreign Minister"]
    assert sorted(group.articles) == ["a1", "a2", "a3"]


def test_a_short_given_name_merges_with_the_long_one() -> None:
    groups = merge_speakers([quote("Joe Okafor", "a1"), quote("Joseph R. Okafor Jr.", "a2")])
    assert [(g.name, g.quotes) for g in groups] == [("Joseph R. Okafor Jr.", 2)]


def test_a_word_before_a_known_full_name_is_dropped() -> None:
    groups = merge_speakers(
        [
            quote("Anna Berg", "a1"),
            quote("Anna Berg", "a2"),
            quote("Entrusting Anna Berg", "a3"),  # a headline's verb taken into the name
        ]
    )
    assert [(g.name, g.quotes, sorted(g.articles)) for g in groups] == [
        ("Anna Berg", 3, ["a1", "a2", "a3"])
    ]
    # A given name before it is another person, and so is a word before a surname of two.
    groups = merge_speakers([quote("Anne Reyes", "a1"), quote("Mary Anne Reyes", "a2")])
    assert sorted(g.name for g in groups) == ["Anne Reyes", "Mary Anne Reyes"]
    groups = merge_speakers([quote("de Vos", "a1"), quote("Ines de Vos", "a2")])
    assert "Ines de Vos" in [g.name for g in groups]


def test_a_record_is_named_as_its_quotes_name_it() -> None:
    quotes = [quote("Joe Reyes", f"a{n}") for n in range(5)] + [quote("Joseph Allen Reyes", "b")]
    assert [(g.name, g.quotes) for g in merge_speakers(quotes)] == [("Joe Reyes", 6)]
    # Quotes by surname alone, however many, never take the first name away.
    quotes = [quote("Kuleba", f"a{n}") for n in range(5)] + [quote("Dmytro Kuleba", "b")]
    assert [(g.name, g.quotes) for g in merge_speakers(quotes)] == [("Dmytro Kuleba", 6)]


def test_people_sharing_a_surname_stay_apart() -> None:
    groups = merge_speakers([quote("Hillary Clinton", "a1"), quote("Bill Clinton", "a2")])
    assert sorted(g.name for g in groups) == ["Bill Clinton", "Hillary Clinton"]


def test_a_bare_surname_shared_by_two_people_is_not_guessed() -> None:
    registry = SpeakerRegistry(
        [quote("Hillary Clinton", "a1"), quote("Bill Clinton", "a2"), quote("Clinton", "a3")]
    )
    assert len(registry.groups()) == 3
    assert registry.resolve("clinton") is None
    assert len(registry.candidates("clinton")) == 3


def test_a_bare_surname_follows_the_role_that_matches() -> None:
    registry = SpeakerRegistry(
        [
            quote("Andriy Kuleba", "a1", role="mayor"),
            quote("Dmytro Kuleba", "a2", role="Foreign Minister"),
            quote("Kuleba", "a3", role="Foreign Minister"),
        ]
    )
    assert {g.name: g.quotes for g in registry.groups()} == {
        "Dmytro Kuleba": 2,
        "Andriy Kuleba": 1,
    }


def test_unresolved_speakers_get_no_record() -> None:
    registry = SpeakerRegistry([quote("he", resolved=False), quote(None, resolved=False)])
    assert registry.groups() == []


def test_organisations_are_their_own_kind() -> None:
    registry = SpeakerRegistry(
        [quote("Associated Press", kind="organisation", mention="the Associated Press")]
    )
    (speaker,) = registry.speakers()
    assert speaker.kind == "organisation"
    assert registry.resolve("the Associated Press") is not None


@pytest.mark.parametrize("text", ["kuleba", "Dmytro Kuleba", "KULEBA", "Foreign Minister Kuleba"])
def test_resolve_free_text_names(text: str) -> None:
    registry = SpeakerRegistry([quote("Dmytro Kuleba"), quote("Volodymyr Zelensky")])
    found = registry.resolve(text)
    assert found is not None and found.name == "Dmytro Kuleba"


def test_speakers_named_in_a_question() -> None:
    registry = SpeakerRegistry(
        [
            quote("Dmytro Kuleba"),
            quote("Associated Press", kind="organisation"),
            quote("Volodymyr Zelensky"),
        ]
    )
    found = registry.speakers_in("What did kuleba tell the Associated Press about talks?")
    assert sorted(g.name for g in found) == ["Associated Press", "Dmytro Kuleba"]
    assert registry.speakers_in("what happened in the talks?") == []


def test_build_registry_assigns_every_resolved_quote_row() -> None:
    rows = [
        (10, quote("Dmytro Kuleba")),
        (11, quote("Kuleba", "a2")),
        (12, quote("he", resolved=False)),
    ]
    speakers, assignment = build_registry(rows)
    assert [s.name for s in speakers] == ["Dmytro Kuleba"]
    assert speakers[0].id == 1 and speakers[0].quote_count == 2
    assert assignment == [(10, 1), (11, 1)]


def test_names_resolve_against_stored_speaker_rows() -> None:
    speakers, _ = build_registry(
        [(1, quote("Dmytro Kuleba", role="Foreign Minister")), (2, quote("Hillary Clinton"))]
    )
    registry = SpeakerRegistry.from_speakers(speakers)
    found = registry.resolve("kuleba")
    assert found is not None and found.speaker_id == speakers[0].id
    assert [g.speaker_id for g in registry.speakers_in("did Clinton answer?")] == [speakers[1].id]


def test_bare_surnames_with_different_titles_stay_apart() -> None:
    registry = SpeakerRegistry(
        [
            quote("Smith", "a1", role="Judge"),
            quote("Smith", "a2", role="Senator"),
            quote("Smith", "a3", role="Judge"),
        ]
    )
    assert sorted(g.quotes for g in registry.groups()) == [1, 2]


def test_a_bare_surname_joins_the_only_titled_namesake() -> None:
    registry = SpeakerRegistry([quote("Smith", "a1", role="Judge"), quote("Smith", "a2")])
    (group,) = registry.groups()
    assert group.quotes == 2 and list(group.roles) == ["Judge"]
