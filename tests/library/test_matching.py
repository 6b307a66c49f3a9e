"""The one matcher of *arr items to Jellyfin items, alone."""

from __future__ import annotations

from typing import Any

from custom_components.lcars.library import JellyfinIndex, MediaKind, id_text
from custom_components.lcars.library.matching import provider_ids


def row(item_id: str, jellyfin_type: str, **ids: str) -> tuple[Any, ...]:
    """A Jellyfin item row as the client keeps it, without users."""
    flat = tuple(part for provider, value in ids.items() for part in (provider, value))
    return (item_id, item_id, jellyfin_type, flat, None, None)


def test_ids_compare_as_trimmed_lowercase_text() -> None:
    assert id_text(" TT0133093 ") == "tt0133093"
    assert id_text(603) == "603"
    assert id_text("") is None
    assert id_text("  ") is None
    assert id_text(None) is None


def test_a_movie_is_found_among_movies_only() -> None:
    """TMDb numbers movies and TV series apart."""
    index = JellyfinIndex(
        [row("series", "Series", Tmdb="603"), row("movie", "Movie", Tmdb="603")]
    )
    found = index.match(MediaKind.MOVIE, provider_ids(MediaKind.MOVIE, 603, None))
    assert found is not None
    assert [r[0] for r in found.rows] == ["movie"]
    found = index.match(
        MediaKind.SERIES, provider_ids(MediaKind.SERIES, None, 603, None)
    )
    assert found is not None
    assert [r[0] for r in found.rows] == ["series"]


def test_copies_are_of_the_same_kind() -> None:
    """Two series with one id are copies; they never join a movie with it."""
    index = JellyfinIndex(
        [
            row("movie", "Movie", Tmdb="7"),
            row("series", "Series", Tmdb="7"),
            row("series 4k", "Series", Tmdb="7"),
            row("movie 4k", "Movie", Tmdb="7"),
        ]
    )
    movie = index.match(MediaKind.MOVIE, provider_ids(MediaKind.MOVIE, 7, None))
    series = index.match(
        MediaKind.SERIES, provider_ids(MediaKind.SERIES, None, 7, None)
    )
    assert movie is not None
    assert series is not None
    assert [r[0] for r in movie.rows] == ["movie", "movie 4k"]
    assert [r[0] for r in series.rows] == ["series", "series 4k"]


def test_providers_in_order_and_conflicts() -> None:
    """The first provider that finds the item wins; another that disagrees is a conflict."""
    index = JellyfinIndex(
        [
            row("by imdb", "Movie", Imdb="tt1"),
            row("by tmdb", "Movie", Tmdb="1", Imdb="tt2"),
        ]
    )
    found = index.match(MediaKind.MOVIE, provider_ids(MediaKind.MOVIE, 1, "TT1"))
    assert found is not None
    assert found.row[0] == "by tmdb"
    assert found.conflict
    found = index.match(MediaKind.MOVIE, provider_ids(MediaKind.MOVIE, None, "TT1"))
    assert found is not None
    assert found.row[0] == "by imdb"
    assert not found.conflict
    # A provider only one side knows is no disagreement.
    found = index.match(MediaKind.MOVIE, provider_ids(MediaKind.MOVIE, 1, None))
    assert found is not None
    assert not found.conflict
    assert index.match(MediaKind.MOVIE, provider_ids(MediaKind.MOVIE, 2, None)) is None


def test_albums_and_artists() -> None:
    """An album by its release group; an artist by its albums in Jellyfin."""
    index = JellyfinIndex(
        [
            row(
                "a1",
                "MusicAlbum",
                MusicBrainzReleaseGroup="rg1",
                MusicBrainzAlbumArtist="ar",
            ),
            row(
                "a2",
                "MusicAlbum",
                MusicBrainzReleaseGroup="rg2",
                MusicBrainzAlbumArtist="ar",
            ),
            row("other", "MusicAlbum", MusicBrainzAlbumArtist="someone"),
            row("artist folder", "MusicArtist", MusicBrainzArtist="ar"),
        ]
    )
    album = index.match(MediaKind.ALBUM, provider_ids(MediaKind.ALBUM, "RG2", "RG2"))
    assert album is not None
    assert [r[0] for r in album.rows] == ["a2"]
    artist = index.match(MediaKind.ARTIST, provider_ids(MediaKind.ARTIST, "ar", "ar"))
    assert artist is not None
    assert [r[0] for r in artist.rows] == ["a1", "a2"]


def test_ids_name_their_first_providers() -> None:
    """Fewer ids than providers pair with the first ones."""
    assert provider_ids(MediaKind.MOVIE, 603) == (("Tmdb", "603"),)
    assert provider_ids(MediaKind.SERIES, 81189, None) == (
        ("Tvdb", "81189"),
        ("Tmdb", None),
    )


def test_a_value_is_never_read_as_a_provider() -> None:
    """Provider ids alternate provider and value, whatever the values say."""
    index = JellyfinIndex([row("odd", "Movie", Imdb="Tmdb", Tvdb="42")])
    assert (
        index.match(MediaKind.MOVIE, provider_ids(MediaKind.MOVIE, "tvdb", None))
        is None
    )
    found = index.match(MediaKind.MOVIE, provider_ids(MediaKind.MOVIE, None, "tmdb"))
    assert found is not None
    # Its Tvdb id is no Tmdb id: no disagreement with a movie's TMDb number.
    found = index.match(
        MediaKind.MOVIE, (("Imdb", "tmdb"), ("Tmdb", "999"), ("Tvdb", "42"))
    )
    assert found is not None
    assert not found.conflict


def test_an_artist_by_its_musicbrainz_artist_id() -> None:
    """Albums that name their artist by MusicBrainzArtist only still count."""
    index = JellyfinIndex(
        [row("a1", "MusicAlbum", MusicBrainzArtist="ar"), row("a2", "MusicAlbum")]
    )
    artist = index.match(MediaKind.ARTIST, provider_ids(MediaKind.ARTIST, "ar", "ar"))
    assert artist is not None
    assert [r[0] for r in artist.rows] == ["a1"]


def test_an_empty_id_claims_nothing() -> None:
    """An item whose Jellyfin id is blank is found by its other ids only."""
    index = JellyfinIndex(
        [row("blank", "Movie", Tmdb=" ", Imdb="tt0133093"), row("other", "Movie")]
    )
    assert (
        index.match(MediaKind.MOVIE, provider_ids(MediaKind.MOVIE, 603, None)) is None
    )
    found = index.match(
        MediaKind.MOVIE, provider_ids(MediaKind.MOVIE, None, "tt0133093")
    )
    assert found is not None
    assert [r[0] for r in found.rows] == ["blank"]
