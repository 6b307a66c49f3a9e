"""What a person sees of the library, alone: kinds, files, missing, watch data, paging."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from custom_components.lcars.clients.models import Artist, Movie, Series
from custom_components.lcars.library import JellyfinIndex, MediaKind
from custom_components.lcars.library.views import (
    Found,
    LibraryItem,
    LibraryQuery,
    LibraryStatus,
    Watch,
    has_file,
    has_status,
    is_missing,
    kind_of,
    page_of,
    title_of,
    watch_of,
)

EARLY = datetime(2026, 1, 1, tzinfo=UTC)
LATE = datetime(2026, 3, 1, tzinfo=UTC)

MOVIE = Movie(
    id=1,
    title="The Matrix",
    year=1999,
    tmdb_id=603,
    imdb_id="tt0133093",
    path="/movies/The Matrix (1999)",
    root_folder="/movies",
    monitored=True,
    has_file=True,
    is_available=True,
    size_on_disk=1000,
    added=EARLY,
)
SERIES = Series(
    id=2,
    title="Andor",
    year=2022,
    tvdb_id=393189,
    tmdb_id=83867,
    imdb_id="tt9253284",
    path="/tv/Andor",
    root_folder="/tv",
    monitored=True,
    series_type="standard",
    size_on_disk=500,
    episode_file_count=12,
    episode_count=12,
    total_episode_count=24,
    added=EARLY,
)
ARTIST = Artist(
    id=3,
    name="Daft Punk",
    musicbrainz_id="056e4f3e-d505-4dad-8ec1-d04f521cbb56",
    path="/music/Daft Punk",
    root_folder="/music",
    monitored=True,
    size_on_disk=300,
    album_count=4,
    track_file_count=40,
    total_track_count=40,
    added=EARLY,
)


def jellyfin_row(
    item_id: str, jellyfin_type: str, *users: tuple[Any, ...], **ids: str
) -> tuple[Any, ...]:
    """A Jellyfin item row as the client keeps it, with each counted user's watch data."""
    flat = tuple(part for provider, value in ids.items() for part in (provider, value))
    return (item_id, item_id, jellyfin_type, flat, None, None, *users)


def test_titles_and_kinds_in_the_users_words() -> None:
    assert [title_of(item) for item in (MOVIE, SERIES, ARTIST)] == [
        "The Matrix",
        "Andor",
        "Daft Punk",
    ]
    assert [kind_of(item) for item in (MOVIE, SERIES, ARTIST)] == [
        MediaKind.MOVIE,
        MediaKind.SERIES,
        MediaKind.ARTIST,
    ]


@pytest.mark.parametrize(
    ("item", "on_disk"),
    [
        (MOVIE, True),
        (replace(MOVIE, has_file=False), False),
        (SERIES, True),
        (replace(SERIES, episode_file_count=0), False),
        (ARTIST, True),
        (replace(ARTIST, track_file_count=0), False),
    ],
)
def test_has_file_counts_any_file_on_disk(item: LibraryItem, on_disk: bool) -> None:
    assert has_file(item) is on_disk


@pytest.mark.parametrize(
    ("item", "missing"),
    [
        # A movie is missing once released, without a file, while monitored.
        (replace(MOVIE, has_file=False), True),
        (replace(MOVIE, has_file=False, is_available=False), False),
        (MOVIE, False),
        (replace(MOVIE, has_file=False, monitored=False), False),
        # A series or an artist while any episode or track is wanted.
        (replace(SERIES, episode_file_count=11), True),
        (SERIES, False),
        (replace(SERIES, episode_file_count=0, monitored=False), False),
        (replace(ARTIST, track_file_count=39), True),
        (ARTIST, False),
        (replace(ARTIST, track_file_count=0, monitored=False), False),
    ],
)
def test_missing_is_what_a_monitored_item_still_wants(
    item: LibraryItem, missing: bool
) -> None:
    assert is_missing(item) is missing
    assert has_status(item, LibraryStatus.MISSING) is missing


def test_each_status_finds_its_items() -> None:
    unmonitored = replace(MOVIE, monitored=False, has_file=False)
    wanted = replace(SERIES, episode_file_count=3)
    items: list[LibraryItem] = [MOVIE, unmonitored, wanted, ARTIST]

    def having(status: LibraryStatus) -> list[LibraryItem]:
        return [item for item in items if has_status(item, status)]

    assert having(LibraryStatus.MONITORED) == [MOVIE, wanted, ARTIST]
    assert having(LibraryStatus.UNMONITORED) == [unmonitored]
    assert having(LibraryStatus.AVAILABLE) == [MOVIE, wanted, ARTIST]
    assert having(LibraryStatus.MISSING) == [wanted]
    assert [str(status) for status in LibraryStatus] == [
        "missing",
        "available",
        "monitored",
        "unmonitored",
    ]


def test_a_query_finds_by_kind_status_and_a_word_of_the_title() -> None:
    items: list[LibraryItem] = [
        MOVIE,
        replace(MOVIE, id=4, title="The Matrix Reloaded", has_file=False),
        SERIES,
        ARTIST,
    ]

    def found(query: LibraryQuery) -> list[int]:
        return [item.id for item in items if query.finds(item)]

    assert found(LibraryQuery()) == [1, 4, 2, 3]
    assert found(LibraryQuery(kind=MediaKind.MOVIE)) == [1, 4]
    assert found(LibraryQuery(kind=MediaKind.ARTIST)) == [3]
    assert found(LibraryQuery(status=LibraryStatus.MISSING)) == [4]
    # The search ignores case, on both sides.
    assert found(LibraryQuery(search="MATRIX")) == [1, 4]
    assert found(LibraryQuery(search="daft")) == [3]
    assert LibraryQuery(search="Straße").search == "strasse"
    assert found(LibraryQuery(search="matrix", status=LibraryStatus.AVAILABLE)) == [1]
    assert found(LibraryQuery(kind=MediaKind.SERIES, search="matrix")) == []


def test_a_page_is_in_a_stable_order() -> None:
    """By title ignoring case, then service, instance and id; then sliced."""

    def one(service: str, instance: str, item: LibraryItem) -> Found[str]:
        return Found(service, instance, item, f"{instance}:{item.id}")

    found = [
        one("radarr", "Radarr 4K", replace(MOVIE, id=9)),
        one("radarr", "Radarr", replace(MOVIE, id=9)),
        one("radarr", "Radarr", replace(MOVIE, id=8)),
        one("sonarr", "Sonarr", replace(SERIES, title="the matrix")),
        one("lidarr", "Lidarr", ARTIST),
        one("sonarr", "Sonarr", SERIES),
    ]
    everything = page_of(found, offset=0, limit=100)
    assert [f.source for f in everything] == [
        "Sonarr:2",
        "Lidarr:3",
        "Radarr:8",
        "Radarr:9",
        "Radarr 4K:9",
        "Sonarr:2",
    ]
    assert everything[-1].item.title == "the matrix"  # type: ignore[union-attr]
    assert [f.source for f in page_of(found, offset=2, limit=2)] == [
        "Radarr:8",
        "Radarr:9",
    ]
    assert page_of(found, offset=6, limit=2) == []
    # What was found is left as it was.
    assert found[0].source == "Radarr 4K:9"


def test_watch_data_sums_every_user_of_every_copy() -> None:
    """Played by anyone, plays added, the latest play, a favourite of anyone."""
    index = JellyfinIndex(
        [
            jellyfin_row(
                "matrix",
                "Movie",
                ("anna", True, 2, EARLY, False),
                ("ben", False, 0, None, False),
                Tmdb="603",
            ),
            # A copy: another edition with the same id.
            jellyfin_row(
                "matrix 4k", "Movie", ("ben", True, 1, LATE, True), Tmdb="603"
            ),
            jellyfin_row("other", "Movie", ("anna", True, 9, LATE, True), Tmdb="604"),
        ]
    )
    watch = watch_of([index], MOVIE)
    assert watch == Watch(played=True, play_count=3, last_played=LATE, favorite=True)
    assert watch is not None
    assert watch.as_dict() == {
        "played": True,
        "play_count": 3,
        "last_played": "2026-03-01T00:00:00+00:00",
        "favorite": True,
    }


def test_an_earlier_play_keeps_the_latest() -> None:
    index = JellyfinIndex(
        [
            jellyfin_row(
                "andor",
                "Series",
                ("anna", True, 1, LATE, False),
                ("ben", True, 1, EARLY, False),
                ("carl", False, 0, None, False),
                Tvdb="393189",
            )
        ]
    )
    assert watch_of([index], SERIES) == Watch(
        played=True, play_count=2, last_played=LATE, favorite=False
    )


def test_unwatched_matches_are_not_unknown() -> None:
    """A match nobody played answers zeros; no match at all answers None."""
    index = JellyfinIndex(
        [
            jellyfin_row(
                "album",
                "MusicAlbum",
                MusicBrainzAlbumArtist=ARTIST.musicbrainz_id or "",
            )
        ]
    )
    watch = watch_of([index], ARTIST)
    assert watch == Watch()
    assert watch is not None
    assert watch.as_dict() == {
        "played": False,
        "play_count": 0,
        "last_played": None,
        "favorite": False,
    }
    assert watch_of([index], MOVIE) is None
    assert watch_of([], MOVIE) is None


def test_one_jellyfin_item_counts_once_across_servers() -> None:
    """Two indexes holding the same item id (one server read twice) count it once."""
    row = jellyfin_row("matrix", "Movie", ("anna", True, 1, EARLY, False), Tmdb="603")
    first = JellyfinIndex([row])
    second = JellyfinIndex([row])
    assert watch_of([first, second], MOVIE) == Watch(
        played=True, play_count=1, last_played=EARLY, favorite=False
    )
