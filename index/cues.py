"""Data for quote attribution: reporting verbs, dependency labels, titles and pronouns.

Kept apart from the rules in ``quotes.py`` so that tuning the extractor means editing data,
not code. Words are lower case; verbs are listed by lemma and expanded to their inflected
forms by ``verb_forms`` (the pipeline runs without its lemmatizer, for speed).
"""

from __future__ import annotations

from functools import lru_cache

# Verbs that report speech or writing. A clause they govern is a quote; their subject is
# the speaker.
SPEECH_VERBS: frozenset[str] = frozenset(
    """
    say tell add note report write tweet post state declare announce explain argue
    claim insist stress warn suggest acknowledge admit concede confirm deny reply
    respond ask continue recall remark comment testify predict promise vow assert
    maintain emphasize emphasise reiterate complain joke quip muse urge affirm assure
    accuse criticize criticise praise describe question recount shout speak email call
    contend point put
    """.split()
)

# Verbs that introduce a quotation but whose clause is rarely a statement ("continued to
# fall", "spoke about the economy").
DIRECT_ONLY_VERBS: frozenset[str] = frozenset(
    {"continue", "speak", "shout", "joke", "quip", "muse", "put"}
)

# Verbs whose object, not a clause, is often what was said ("called for a recount",
# "accused him of lying"). "said in a statement" shows why "say" is not among them.
OBJECT_CONTENT_VERBS: frozenset[str] = frozenset(
    """
    announce report ask urge accuse criticize criticise praise describe question deny
    confirm call promise warn predict recall recount acknowledge admit emphasize
    emphasise stress comment complain vow argue respond declare tweet suggest claim insist testify
    """.split()
)
# The children of such a verb that hold its content.
OBJECT_DEPS = frozenset({"dobj", "prep", "xcomp", "advcl", "dative", "oprd", "attr", "ccomp"})
# ... but not a phrase with one of these, which says when, where or how rather than what:
# "confirmed in Paris", "announced during the debate". "responded to the attack" and
# "responded by easing sanctions" stay: PolNeAR counts them, and the phrase often holds what
# was said ("responded to the tweet by calling him ..."); adding "to" and "by" cost 0.2 points
# of recall for as much precision (benchmarks/attribution.py, even half).
CIRCUMSTANCE_PREPOSITIONS = frozenset(
    "in at during after before since from until without amid despite under through via "
    "within".split()
)
# ... nor "on" a day: "announced on Friday a ban ..." (but "commented on the plan").
DAY_WORDS = frozenset(
    """
    monday tuesday wednesday thursday friday saturday sunday today yesterday tonight weekend
    morning afternoon evening night january february march april may june july august
    september october november december jan jan. feb feb. aug aug. sept sept. oct oct. nov
    nov. dec dec.
    """.split()
)

# Nouns that report what someone said when a that-clause or an infinitive follows them: "his
# insistence that ...", "Clinton's claim that ...", "his promise to build a wall".
STATEMENT_NOUNS = frozenset(
    """
    claim assertion insistence warning promise statement suggestion comment remark argument
    allegation accusation announcement pledge vow contention admission denial complaint
    prediction
    """.split()
)
# Verbs whose subject makes the report its object names: "he made the suggestion that ...".
LIGHT_VERBS = frozenset(
    """
    make makes made making issue issues issued issuing repeat repeats repeated repeating
    reiterate reiterates reiterated reiterating offer offers offered offering
    """.split()
)

# Verbs that report speech only with one of these children, by word or by dependency
# label ("pointed out", "called for", "called him a liar"; not "a man called Smith").
REQUIRED_CHILD: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "point": (frozenset({"out"}), frozenset()),
    "put": (frozenset({"it"}), frozenset()),  # 'as the mayor put it: "..."'
    "call": (frozenset({"for", "on"}), frozenset({"oprd", "ccomp", "xcomp"})),
}

# Irregular inflections of the verbs above; regular ones are derived.
IRREGULAR_FORMS: dict[str, tuple[str, ...]] = {
    "say": ("say", "says", "said", "saying"),
    "tell": ("tell", "tells", "told", "telling"),
    "write": ("write", "writes", "wrote", "written", "writing"),
    "tweet": ("tweet", "tweets", "tweeted", "tweeting"),
    "post": ("post", "posts", "posted", "posting"),
    "admit": ("admit", "admits", "admitted", "admitting"),
    "quip": ("quip", "quips", "quipped", "quipping"),
    "speak": ("speak", "speaks", "spoke", "spoken", "speaking"),
    "email": ("email", "emails", "emailed", "emailing"),
    "criticize": ("criticize", "criticizes", "criticized", "criticizing"),
    "put": ("put", "puts", "putting"),
}

# Dependency labels (spaCy's English ClearNLP scheme).
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
CLAUSE_DEPS = frozenset({"ccomp", "xcomp", "parataxis"})
CONTENT_DEPS = frozenset({"ccomp"})
APPOSITION_DEPS = frozenset({"appos"})
# Verbs whose subject is inherited from the governing verb ("..., adding that ...").
INHERIT_SUBJECT_DEPS = frozenset({"advcl", "conj", "xcomp"})

PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
GROUP_PRONOUNS = frozenset({"they", "we", "it"})
FIRST_PERSON = frozenset({"i", "we"})

# Titles written before a name; stripped for the canonical name, kept as a role when they
# say something (an honorific like "Mr." says nothing).
HONORIFICS = frozenset("mr mr. mrs mrs. ms ms. miss dr dr. sir dame madam mx mx.".split())
TITLE_WORDS = frozenset(
    """
    president vice minister secretary senator sen sen. rep rep. representative governor gov
    gov. mayor chancellor premier prime chairman chairwoman chair director spokesman
    spokeswoman spokesperson ambassador general gen gen. admiral adm adm. colonel col col.
    commander chief judge justice attorney speaker leader king queen prince princess pope
    foreign defence defense deputy former acting candidate nominee adviser advisor aide
    officer official ceo head envoy lt lt. capt capt. sgt sgt. rev rev. professor prof
    prof. coach lawyer congressman congresswoman councilman councilwoman commissioner
    analyst strategist economist manager whip correspondent columnist editor pollster anchor
    treasurer secretary-treasurer detective sheriff pastor captain bishop rabbi cardinal
    sergeant lieutenant inspector
    """.split()
)
# Heads of descriptions that stand for someone already named ("the Florida senator", "the
# gambling tycoon"), unlike "the engineer" or "a spokesman", which bring in somebody new.
# "President" is left out: "the former president" is most often someone else than the person
# just named.
EPITHET_HEADS = frozenset(
    """
    senator governor congressman congresswoman representative lawmaker legislator leader
    candidate nominee frontrunner front-runner hopeful contender challenger incumbent
    tycoon billionaire mogul magnate businessman businesswoman developer politician populist
    mayor secretary chairman chairwoman speaker host star democrat republican independent
    """.split()
)
# Elected or appointed offices: a person titled with one is not "the senator" of another.
OFFICE_WORDS = frozenset(
    """
    senator sen governor gov congressman congresswoman representative rep mayor president
    secretary chairman chairwoman speaker minister ambassador
    """.split()
)
# A title's abbreviations, as articles write them before a name ("Sen. Marco Rubio").
TITLE_ABBREVIATIONS = {
    "senator": {"sen"},
    "governor": {"gov"},
    "representative": {"rep"},
    "congressman": {"rep"},
    "congresswoman": {"rep"},
    "lawmaker": {"sen", "rep", "senator", "representative", "congressman", "congresswoman"},
    "general": {"gen"},
    "professor": {"prof"},
    "secretary": {"sec"},
    "president": {"pres"},
}
NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})

# Common given names, so that "he" and "she" skip people of the other sex. Short on purpose:
# a name not listed only means the gender is unknown, which every rule accepts.
MALE_NAMES = frozenset(
    """
    aaron adam alan albert alex alexander andrew anthony antonio barack ben benjamin bernie
    bill billy bob bobby brad bradley brandon brian bruce bryan carl carlos charles charlie
    chris christopher chuck cory craig dan daniel danny dave david dennis dick don donald
    doug douglas ed eddie edward eric frank fred gary george gerald glenn greg gregory hank
    harold harry henry howard ian jack jacob jake james jared jason jeb jeff jeffrey jeremy
    jerry jim jimmy joe joel john johnny jon jonathan jose joseph josh joshua juan justin
    keith ken kenneth kevin larry lawrence lee leonard lindsey louis marco marcus mark martin
    matt matthew michael mike mitch mitt nathan neil nick nicholas patrick paul pete peter
    phil philip ralph randy ray raymond reince richard rick rob robert roger ron ronald rudy
    russell ryan sam samuel scott sean stephen steve steven ted terry thomas tim timothy tom
    tony travis vladimir walter wayne william willie
    """.split()
)
FEMALE_NAMES = frozenset(
    """
    alice alicia amanda amy andrea angela ann anna anne barbara betsy betty beverly brenda
    carly carol caroline catherine cathy charlotte cheryl christina christine cindy claire
    debbie deborah debra denise diana diane donna dorothy elizabeth ellen emily emma erin
    evelyn frances gloria grace hannah heather helen hillary huma ivanka jackie jane janet
    janice jean jennifer jessica jill joan joanna joyce judith judy julia julie karen kate
    katherine kathleen kathy kelly kelli kimberly kristen laura lauren linda lisa loretta
    lori madeleine margaret maria marie marilyn martha mary megan megyn melania melissa
    michelle monica nancy nicole nikki pamela patricia patty paula rachel rebecca rose ruth
    sandra sara sarah sharon shirley stephanie susan teresa theresa tiffany virginia wendy
    """.split()
)

GIVEN_NAMES = MALE_NAMES | FEMALE_NAMES

# Familiar forms of given names, with the long forms they stand for ("Joe" for "Joseph"):
# questions match "Joe Biden" to the quotes of "Joseph R. Biden Jr.", and the registry merges
# the two where the form stands for one long name.
FULL_NAMES: dict[str, tuple[str, ...]] = {
    short: tuple(long.split("/"))
    for short, long in (
        pair.split(":")
        for pair in """
    andy:andrew ben:benjamin bernie:bernard beth:elizabeth betsy:elizabeth bill:william
    billy:william bob:robert bobby:robert charlie:charles chuck:charles dan:daniel danny:daniel
    dave:david dick:richard drew:andrew ed:edward eddie:edward geoff:geoffrey greg:gregory
    hank:henry harry:henry/harold jack:john jeb:john jeff:jeffrey jen:jennifer jenny:jennifer
    jerry:gerald/jerome jim:james jimmy:james joe:joseph kate:katherine/catherine/kathleen
    kathy:katherine/kathleen larry:lawrence liz:elizabeth maggie:margaret matt:matthew
    meg:margaret mike:michael mitt:willard newt:newton nick:nicholas peg:margaret
    peggy:margaret pete:peter rich:richard rick:richard rob:robert sam:samuel stan:stanley
    steve:steven/stephen sue:susan ted:edward/theodore tom:thomas tommy:thomas tony:anthony
    will:william
    """.split()
    )
}

# Head nouns that make a speaker an organisation even without an ORG entity.
ORG_HEADS = frozenset(
    """
    agency press news times post journal network ministry department committee campaign
    party office council commission company corporation government administration
    association union institute foundation bureau service television radio newspaper
    outlet channel group court senate congress house embassy police army gazette tribune
    herald magazine daily center centre university college school board bank fund
    organization organisation federation coalition alliance caucus network
    """.split()
)
# Nouns for a document or a count whose author is the real source ("according to a count
# by the Associated Press", "an analysis from the Pew Research Center").
REPORT_NOUNS = frozenset(
    """
    count analysis poll polls survey study report reports data results figures statement
    review tally estimate estimates documents document release interview website account
    """.split()
)
SOURCE_PREPOSITIONS = frozenset({"by", "from", "of"})
# Relatives named by first name after whose they are ("Clinton's husband, Bill").
KIN_WORDS = frozenset(
    """
    husband wife son daughter brother sister father mother grandson granddaughter grandfather
    grandmother nephew niece cousin uncle aunt stepson stepdaughter
    """.split()
)
ORG_LABELS = frozenset({"ORG", "NORP", "GPE"})
PERSON_LABEL = "PERSON"

# Words before a colon that label something other than a speaker ("UPDATE: ...").
LABEL_STOPWORDS = frozenset(
    """
    update updated note related watch editor photo video source sources read more q a
    breaking exclusive warning correction advertisement
    """.split()
)

# Quotation marks. Single quotes are left out on purpose: they are apostrophes far more
# often than quotes, and nested quotes live inside a double-quoted span anyway.
OPEN_MARKS = frozenset({"\u201c", "\u201e", "\u00ab"})
CLOSE_MARKS = frozenset({"\u201d", "\u00bb"})
AMBIGUOUS_MARKS = frozenset({'"', "''"})


def _regular_forms(lemma: str) -> tuple[str, ...]:
    if lemma.endswith("e"):
        return (lemma, lemma + "s", lemma + "d", lemma[:-1] + "ing")
    if lemma.endswith("y") and lemma[-2:] not in ("ay", "ey", "oy"):
        return (lemma, lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing")
    if lemma.endswith(("sh", "ch", "ss", "x")):
        return (lemma, lemma + "es", lemma + "ed", lemma + "ing")
    return (lemma, lemma + "s", lemma + "ed", lemma + "ing")


@lru_cache(maxsize=1)
def verb_forms() -> dict[str, str]:
    """Map every inflected form of a speech verb to its lemma ("said" -> "say")."""
    forms: dict[str, str] = {}
    for lemma in SPEECH_VERBS:
        for form in IRREGULAR_FORMS.get(lemma) or _regular_forms(lemma):
            forms[form] = lemma
    return forms


def inflected_report(word: str) -> bool:
    """An inflected form of a speech verb ("continued", "said"), not its bare lemma, which
    may be a noun or a name ("Post", "Report")."""
    lower = word.lower()
    return verb_forms().get(lower, lower) != lower
