"""Reading a lookup's term: ids of each kind, titles with a year, bad terms."""

from __future__ import annotations

import pytest

from custom_components.lcars.library.kinds import MediaKind, ServiceKind
from custom_components.lcars.library.terms import (
    IdTerm,
    InvalidIdError,
    InvalidTermError,
    TitleTerm,
    WrongIdKindError,
    parse_term,
    to_arr_term,
)

MBID = "5b11f4ce-a62d-471e-81fc-a69a8278c7da"
MOVIE, SERIES, ARTIST, ALBUM = (
    MediaKind.MOVIE,
    MediaKind.SERIES,
    MediaKind.ARTIST,
    MediaKind.ALBUM,
)


@pytest.mark.parametrize(
    ("kind", "text", "term"),
    [
        (MOVIE, "tmdb:438631", IdTerm("tmdb", 438631)),
        (MOVIE, "TMDbId: 438631 ", IdTerm("tmdb", 438631)),
        (MOVIE, "imdb:tt1160419", IdTerm("imdb", "tt1160419")),
        (MOVIE, "ImdbID:TT1160419", IdTerm("imdb", "tt1160419")),
        (MOVIE, "tt1160419", IdTerm("imdb", "tt1160419")),
        (SERIES, "tvdb:81189", IdTerm("tvdb", 81189)),
        (SERIES, "tvdbid:81189", IdTerm("tvdb", 81189)),
        (SERIES, "tmdb:1396", IdTerm("tmdb", 1396)),
        (SERIES, "imdb:tt0903747", IdTerm("imdb", "tt0903747")),
        (ARTIST, f"mbid:{MBID}", IdTerm("mbid", MBID)),
        (ARTIST, f"lidarr:{MBID.upper()}", IdTerm("mbid", MBID)),
        (ALBUM, f"lidarrid:{MBID}", IdTerm("mbid", MBID)),
        (MOVIE, "tmdb:2147483647", IdTerm("tmdb", 2**31 - 1)),
    ],
)
def test_ids(kind: MediaKind, text: str, term: IdTerm) -> None:
    assert parse_term(kind, text) == term


@pytest.mark.parametrize(
    ("kind", "text", "id_kind"),
    [
        (MOVIE, "tvdb:81189", "tvdb"),
        (MOVIE, f"mbid:{MBID}", "mbid"),
        (SERIES, f"lidarr:{MBID}", "mbid"),
        (ARTIST, "tmdb:1", "tmdb"),
        (ALBUM, "tt1160419", "imdb"),
        # The kind is refused before the value is read.
        (MOVIE, "tvdb:abc", "tvdb"),
    ],
)
def test_wrong_id_kind(kind: MediaKind, text: str, id_kind: str) -> None:
    with pytest.raises(WrongIdKindError) as err:
        parse_term(kind, text)
    assert err.value.id_kind == id_kind
    assert err.value.kind == kind
    assert id_kind not in err.value.valid


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        (MOVIE, "tmdb:abc", "abc"),
        (MOVIE, "tmdb:0", "0"),
        (MOVIE, "tmdb:2147483648", "2147483648"),
        (MOVIE, "tmdb:-5", "-5"),
        (MOVIE, "tmdb:", ""),
        (MOVIE, "imdb:1160419", "1160419"),
        (MOVIE, "imdb:tt", "tt"),
        (SERIES, "tvdb:12 34", "12 34"),
        (ARTIST, "mbid:nope", "nope"),
        (ALBUM, f"mbid:{MBID}x", f"{MBID}x"),
    ],
)
def test_invalid_ids(kind: MediaKind, text: str, value: str) -> None:
    with pytest.raises(InvalidIdError) as err:
        parse_term(kind, text)
    assert err.value.value == value


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Dune", TitleTerm("Dune")),
        ("  Dune 2021 ", TitleTerm("Dune", 2021)),
        ("Dune (2021)", TitleTerm("Dune", 2021)),
        ("Dune(1984)", TitleTerm("Dune", 1984)),
        # A number alone, or one too far ahead or behind, is the title.
        ("2001", TitleTerm("2001")),
        ("(2001)", TitleTerm("(2001)")),
        ("Blade Runner 2049", TitleTerm("Blade Runner 2049")),
        ("Metropolis 1869", TitleTerm("Metropolis 1869")),
        ("Metropolis 1870", TitleTerm("Metropolis", 1870)),
        ("Future 2030", TitleTerm("Future", 2030)),
        ("Future 2031", TitleTerm("Future 2031")),
        # A colon that is not an id's.
        ("Mission: Impossible", TitleTerm("Mission: Impossible")),
        ("Star Wars: 1977", TitleTerm("Star Wars:", 1977)),
        ("Shōgun 2024", TitleTerm("Shōgun", 2024)),
        ("El laberinto del fauno", TitleTerm("El laberinto del fauno")),
        ("tt12", TitleTerm("tt12")),
        ("!!! 2020", TitleTerm("!!! 2020")),
    ],
)
def test_titles(text: str, term: TitleTerm) -> None:
    assert parse_term(MOVIE, text, this_year=2025) == term


def test_the_current_year_bounds_a_trailing_year() -> None:
    assert parse_term(MOVIE, "Future 1999") == TitleTerm("Future", 1999)
    assert parse_term(MOVIE, "Future 9999") == TitleTerm("Future 9999")


@pytest.mark.parametrize(
    "text", ["", "   ", "!!!", "-- (?) --", "a" * 256, "Dune\x00", "Dune\nx", "…"]
)
def test_invalid_terms(text: str) -> None:
    with pytest.raises(InvalidTermError) as err:
        parse_term(MOVIE, text)
    assert err.value.term == text


def test_longest_term() -> None:
    assert parse_term(MOVIE, "a" * 255) == TitleTerm("a" * 255)


@pytest.mark.parametrize(
    ("term", "service", "text"),
    [
        (IdTerm("tmdb", 438631), ServiceKind.RADARR, "tmdb:438631"),
        (IdTerm("imdb", "tt1160419"), ServiceKind.RADARR, "imdb:tt1160419"),
        (IdTerm("tvdb", 81189), ServiceKind.SONARR, "tvdb:81189"),
        (IdTerm("mbid", MBID), ServiceKind.LIDARR, f"lidarr:{MBID}"),
        (TitleTerm("Dune", 2021), ServiceKind.RADARR, "Dune 2021"),
        (TitleTerm("Dune"), ServiceKind.RADARR, "Dune"),
        (TitleTerm("Shōgun", 2024), ServiceKind.SONARR, "Shōgun"),
        (TitleTerm("Homogenic", 1997), ServiceKind.LIDARR, "Homogenic"),
    ],
)
def test_arr_terms(term: IdTerm | TitleTerm, service: ServiceKind, text: str) -> None:
    assert to_arr_term(term, service) == text
