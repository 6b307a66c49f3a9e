"""Terms of a Jellyseerr request: ids, titles with years, and which result is meant."""

from __future__ import annotations

import pytest

from custom_components.lcars.library.candidates import Candidate
from custom_components.lcars.library.kinds import MediaKind
from custom_components.lcars.library.request_terms import (
    RequestTerm,
    TermError,
    choose,
    fold,
    parse_term,
    tmdb_id,
)

MOVIE, SERIES = MediaKind.MOVIE, MediaKind.SERIES


@pytest.mark.parametrize(
    ("kind", "text", "term"),
    [
        (MOVIE, "tmdb:438631", RequestTerm("tmdb:438631", "tmdb")),
        (MOVIE, " TMDBID: 0438631 ", RequestTerm("tmdb:438631", "tmdb")),
        (MOVIE, "imdb:TT1160419", RequestTerm("imdb:tt1160419", "imdb")),
        (SERIES, "tvdb:73244", RequestTerm("tvdb:73244", "tvdb")),
        (SERIES, "tmdb:2316", RequestTerm("tmdb:2316", "tmdb")),
        (MOVIE, "Dune", RequestTerm("Dune", title="Dune")),
        (MOVIE, "Dune 2021", RequestTerm("Dune", title="Dune", year=2021)),
        (MOVIE, "Dune (1984)", RequestTerm("Dune", title="Dune", year=1984)),
        (MOVIE, "2001", RequestTerm("2001", title="2001")),
        (
            MOVIE,
            "Blade Runner 2049",
            RequestTerm("Blade Runner 2049", title="Blade Runner 2049"),
        ),
        (MOVIE, "Amélie", RequestTerm("Amélie", title="Amélie")),
        (MOVIE, "!!! 1999", RequestTerm("!!! 1999", title="!!! 1999")),
    ],
)
def test_terms_are_read(kind: MediaKind, text: str, term: RequestTerm) -> None:
    assert parse_term(kind, text) == term


def test_a_year_far_ahead_is_part_of_the_title() -> None:
    assert parse_term(MOVIE, "Dune 2031", this_year=2026).year == 2031
    assert parse_term(MOVIE, "Dune 2032", this_year=2026).title == "Dune 2032"


@pytest.mark.parametrize(
    ("kind", "text", "reason"),
    [
        (MOVIE, "tvdb:73244", "wrong_kind"),
        (MediaKind.ARTIST, "tmdb:1", "wrong_kind"),
        (MOVIE, "tmdb:abc", "bad_id"),
        (MOVIE, "tmdb:0", "bad_id"),
        (MOVIE, "tmdb:99999999999", "bad_id"),
        (MOVIE, "imdb:1160419", "bad_id"),
        (MOVIE, "!!!", "invalid"),
        (MOVIE, "  ", "invalid"),
    ],
)
def test_terms_that_name_nothing(kind: MediaKind, text: str, reason: str) -> None:
    with pytest.raises(TermError) as err:
        parse_term(kind, text)
    assert err.value.reason == reason
    assert err.value.value == text


def test_fold() -> None:
    assert fold("Shōgun") == fold("shogun") == "shogun"
    assert fold("Pan's Labyrinth!") == "pan s labyrinth"
    assert fold("___") == ""


def movie(
    title: str, year: int | None, tmdb: int, original: str | None = None
) -> Candidate:
    return Candidate(MOVIE, title, year, original, {"tmdb": tmdb})


DUNES = [movie("Dune", 2021, 438631), movie("Dune", 1984, 841)]
SHOW = Candidate(SERIES, "Dune", 2000, None, {"tmdb": 10270})


def test_a_title_with_two_results_is_ambiguous_until_a_year_tells() -> None:
    choice = choose(MOVIE, parse_term(MOVIE, "Dune"), [*DUNES, SHOW])
    assert (choice.result, choice.best, len(choice.candidates)) == (
        "ambiguous",
        None,
        2,
    )
    choice = choose(MOVIE, parse_term(MOVIE, "Dune 1984"), [*DUNES, SHOW])
    assert (choice.result, choice.best) == ("clear", 1)
    choice = choose(SERIES, parse_term(SERIES, "Dune"), [*DUNES, SHOW])
    assert (choice.result, choice.candidates) == ("clear", (SHOW,))


def test_an_original_title_counts_and_a_partial_one_does_not() -> None:
    pans = movie("Pan's Labyrinth", 2006, 1417, "El laberinto del fauno")
    assert choose(MOVIE, parse_term(MOVIE, "el laberinto del fauno"), [pans]).best == 0
    choice = choose(MOVIE, parse_term(MOVIE, "Labyrinth"), [pans])
    assert choice.result == "ambiguous"
    assert choose(MOVIE, parse_term(MOVIE, "Nothing"), []).result == "not_found"


def test_an_id_means_its_one_result() -> None:
    term = parse_term(MOVIE, "tmdb:438631")
    assert choose(MOVIE, term, [DUNES[0], SHOW]).result == "clear"
    assert choose(MOVIE, term, DUNES).result == "ambiguous"
    assert choose(MOVIE, term, [SHOW]).result == "not_found"


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        ({"tmdb": 603}, 603),
        ({"tmdb": "603"}, 603),
        ({"tmdb": 0}, None),
        ({"tmdb": True}, None),
        ({"tmdb": "x"}, None),
        ({"tvdb": 1}, None),
    ],
)
def test_the_tmdb_id_of_a_candidate(
    ids: dict[str, object], expected: int | None
) -> None:
    assert tmdb_id(Candidate(MOVIE, "x", ids=ids)) == expected  # type: ignore[arg-type]
