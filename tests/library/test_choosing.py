"""Choosing among a lookup's results: folding, scores, clear or not."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.lcars.library.candidates import Candidate
from custom_components.lcars.library.choosing import (
    CLEAR_MARGIN,
    CLEAR_SCORE,
    NOT_FOUND_BELOW,
    YEAR_NEAR,
    YEAR_OTHER,
    YEAR_UNKNOWN,
    Outcome,
    choose,
    fold,
    score,
    title_score,
    year_factor,
)
from custom_components.lcars.library.kinds import MediaKind
from custom_components.lcars.library.terms import IdTerm, TitleTerm

MBID = "5b11f4ce-a62d-471e-81fc-a69a8278c7da"


def movie(
    title: str,
    year: int | None = None,
    *,
    original: str | None = None,
    alternate: tuple[str, ...] = (),
    tmdb: int | None = None,
) -> Candidate:
    return Candidate(
        kind=MediaKind.MOVIE,
        title=title,
        year=year,
        original_title=original,
        alternate_titles=alternate,
        ids={} if tmdb is None else {"tmdb": tmdb},
    )


DUNE_1984 = movie("Dune", 1984, tmdb=841)
DUNE_2021 = movie("Dune", 2021, tmdb=438631)
DUNE_TWO = movie("Dune: Part Two", 2024, tmdb=693134)
PAN = movie(
    "Pan's Labyrinth",
    2006,
    original="El laberinto del fauno",
    alternate=("Le Labyrinthe de Pan",),
    tmdb=1417,
)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Amélie & Nino\u2019s!", "amelie and ninos"),
        ("Pan's Labyrinth", "pans labyrinth"),
        ("The Matrix", "matrix"),
        ("El laberinto del fauno", "laberinto del fauno"),
        ("Die Hard", "hard"),
        # A lone article is the title.
        ("The", "the"),
        ("Shōgun", "shogun"),
        ("STRASSE", "strasse"),
        ("Straße", "strasse"),
        ("x_y", "x y"),
        ("  Dune:   Part  Two ", "dune part two"),
        ("!!!", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_title_score() -> None:
    assert title_score("The Matrix", "matrix") == 1.0
    assert title_score("Dune: Part Two", "Dune") == pytest.approx(0.8 / 3)
    assert title_score("Two Part Dune", "Dune Part Two") == pytest.approx(0.8)
    assert title_score("!!!", "Dune") == 0.0
    assert title_score("Dune", "...") == 0.0


def test_year_factor() -> None:
    assert year_factor(2021, None) == 1.0
    assert year_factor(None, 2021) == YEAR_UNKNOWN
    assert year_factor(2021, 2021) == 1.0
    assert year_factor(2020, 2021) == YEAR_NEAR
    assert year_factor(2022, 2021) == YEAR_NEAR
    assert year_factor(1984, 2021) == YEAR_OTHER


def test_score_takes_the_best_title() -> None:
    term = TitleTerm("El laberinto del fauno")
    assert score(PAN, term) == 1.0
    assert score(PAN, TitleTerm("Le labyrinthe de Pan")) == 1.0
    assert score(PAN, TitleTerm("Pans Labyrinth", 2007)) == pytest.approx(YEAR_NEAR)
    assert score(DUNE_1984, TitleTerm("Dune", 2021)) == YEAR_OTHER


def test_ambiguous_titles() -> None:
    choice = choose([DUNE_1984, DUNE_2021, DUNE_TWO], TitleTerm("Dune"))
    assert choice.outcome is Outcome.AMBIGUOUS
    assert not choice.clear
    assert choice.best is None
    assert choice.confidence == 1.0
    assert choice.margin == 0.0
    assert choice.scores[:2] == (1.0, 1.0)


def test_a_year_decides_between_equal_titles() -> None:
    choice = choose([DUNE_1984, DUNE_2021, DUNE_TWO], TitleTerm("Dune", 2021))
    assert choice.clear
    assert choice.best == 1
    assert choice.confidence == 1.0


def test_a_year_shared_by_two_decides_nothing() -> None:
    other = movie("Dune", 2021, tmdb=1)
    choice = choose([DUNE_2021, other], TitleTerm("Dune", 2021))
    assert choice.outcome is Outcome.AMBIGUOUS


def test_close_scores_with_a_year_but_no_exact_title() -> None:
    # Both near the top, neither exactly the title with that year.
    first = movie("Dune", 2020)
    second = movie("Dune", 2022)
    choice = choose([first, second], TitleTerm("Dune", 2021))
    assert choice.outcome is Outcome.AMBIGUOUS
    assert choice.confidence == YEAR_NEAR


def test_clear_by_margin() -> None:
    choice = choose([DUNE_TWO, PAN], TitleTerm("El laberinto del fauno"))
    assert choice.clear
    assert choice.best == 1
    assert choice.margin == 1.0
    assert choice.margin >= CLEAR_MARGIN


def test_one_candidate() -> None:
    assert choose([PAN], TitleTerm("Pan's Labyrinth")).best == 0
    lone = choose([PAN], TitleTerm("Pans Labyrinth", 2007))
    assert lone.outcome is Outcome.AMBIGUOUS
    assert NOT_FOUND_BELOW <= lone.confidence < CLEAR_SCORE


def test_not_found() -> None:
    assert choose([], TitleTerm("Dune")).outcome is Outcome.NOT_FOUND
    choice = choose([PAN, DUNE_TWO], TitleTerm("Dune"))
    assert choice.outcome is Outcome.NOT_FOUND
    assert choice.best is None
    assert choice.confidence < NOT_FOUND_BELOW


def test_ids() -> None:
    term = IdTerm("tmdb", 438631)
    assert choose([DUNE_2021], term).best == 0
    assert choose([DUNE_1984, DUNE_2021], term).best == 1
    # One result the *arr found by that id, showing other ids.
    assert choose([DUNE_1984], term).clear
    assert choose([DUNE_1984, DUNE_TWO], term).outcome is Outcome.AMBIGUOUS
    assert choose([], term).outcome is Outcome.NOT_FOUND
    artist = Candidate(kind=MediaKind.ARTIST, title="Björk", ids={"musicbrainz": MBID})
    assert choose([artist, artist], IdTerm("mbid", MBID)).outcome is Outcome.AMBIGUOUS
    assert score(artist, IdTerm("mbid", MBID.upper())) == 1.0


# Property tests.

_WORDS = st.text(alphabet="abcdefghij", min_size=1, max_size=6)
_TITLES = st.lists(_WORDS, min_size=1, max_size=4).map(" ".join)
_YEARS = st.one_of(st.none(), st.integers(1990, 2000))
_CANDIDATES = st.lists(st.builds(movie, _TITLES, _YEARS), min_size=0, max_size=6)
_TERMS = st.builds(TitleTerm, _TITLES, _YEARS)


@settings(max_examples=300, deadline=None)
@given(
    _CANDIDATES,
    _TERMS,
    st.lists(st.text("klmnopq", min_size=1, max_size=5), min_size=1, max_size=3),
    st.data(),
)
def test_an_unrelated_candidate_never_makes_a_clear_choice_unclear(
    candidates: list[Candidate], term: TitleTerm, words: list[str], data: st.DataObject
) -> None:
    before = choose(candidates, term)
    unrelated = movie(" ".join(words), data.draw(_YEARS))
    at = data.draw(st.integers(0, len(candidates)))
    after = choose([*candidates[:at], unrelated, *candidates[at:]], term)
    if before.clear:
        assert after.clear
        assert before.best is not None
        assert after.best is not None
        assert (
            candidates[before.best]
            is [*candidates[:at], unrelated, *candidates[at:]][after.best]
        )


@settings(max_examples=300, deadline=None)
@given(_CANDIDATES, _TERMS, st.randoms(use_true_random=False))
def test_the_order_of_the_candidates_never_changes_the_choice(
    candidates: list[Candidate], term: TitleTerm, random: object
) -> None:
    shuffled = list(candidates)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    first, second = choose(candidates, term), choose(shuffled, term)
    assert first.outcome is second.outcome
    assert first.confidence == second.confidence
    if first.best is not None and second.best is not None:
        assert candidates[first.best] is shuffled[second.best]


@settings(max_examples=200, deadline=None)
@given(_CANDIDATES, st.integers(1, 2**31 - 1))
def test_an_exact_id_is_always_clear(candidates: list[Candidate], tmdb: int) -> None:
    others = [c for c in candidates if c.ids.get("tmdb") != tmdb]
    wanted = movie("Anything", tmdb=tmdb)
    choice = choose([*others, wanted], IdTerm("tmdb", tmdb))
    assert choice.clear
    assert choice.best == len(others)
    assert choice.confidence == 1.0


def test_a_year_decides_when_the_margin_does_not() -> None:
    # The remake of the year before scores YEAR_NEAR: too close for the margin.
    near = movie("Dune", 2020, tmdb=2)
    choice = choose([near, DUNE_2021], TitleTerm("Dune", 2021))
    assert choice.margin < CLEAR_MARGIN
    assert choice.clear
    assert choice.best == 1


# Jellyseerr's search answers with movies and series alike; request_media and
# add_media choose among those of the kind asked for with the same rule.
DUNES = [movie("Dune", 2021, tmdb=438631), movie("Dune", 1984, tmdb=841)]


def test_two_titles_alike_are_ambiguous_until_a_year_tells() -> None:
    assert choose(DUNES, TitleTerm("Dune")).outcome is Outcome.AMBIGUOUS
    choice = choose(DUNES, TitleTerm("Dune", 1984))
    assert (choice.outcome, choice.best) == (Outcome.CLEAR, 1)


def test_an_original_title_counts_and_a_word_in_common_finds_nothing() -> None:
    pans = movie("Pan's Labyrinth", 2006, original="El laberinto del fauno")
    assert choose([pans], TitleTerm("el laberinto del fauno")).best == 0
    assert choose([pans], TitleTerm("Labyrinth")).outcome is Outcome.NOT_FOUND


def test_an_id_means_the_one_result_that_carries_it() -> None:
    choice = choose(DUNES, IdTerm("tmdb", 438631))
    assert (choice.outcome, choice.best) == (Outcome.CLEAR, 0)
    assert choose(DUNES, IdTerm("tmdb", 1)).outcome is Outcome.AMBIGUOUS
