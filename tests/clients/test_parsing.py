"""Conversion of service JSON into the models, without a network."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
import gc

import pytest

from custom_components.lcars.clients import (
    AuthenticationError,
    BadResponseError,
    CannotConnectError,
)
from custom_components.lcars.clients.arr import merge_disk_space
from custom_components.lcars.clients.convert import (
    format_datetime,
    parent_folder,
    parse_datetime,
)
from custom_components.lcars.clients.http import concurrent_requests
from custom_components.lcars.clients.jellyfin import _ItemMerger, session_from_json
from custom_components.lcars.clients.lidarr import (
    album_from_json,
    album_row,
    artist_from_json,
)
from custom_components.lcars.clients.models import (
    Album,
    DiskSpace,
    Movie,
    RootFolder,
    Rows,
    Series,
)
from custom_components.lcars.clients.radarr import movie_from_json, movie_row
from custom_components.lcars.clients.sonarr import series_from_json, series_row


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-01-21T00:01:59Z", datetime(2020, 1, 21, 0, 1, 59, tzinfo=UTC)),
        (
            "2024-03-01T20:15:31.1234567Z",
            datetime(2024, 3, 1, 20, 15, 31, 123456, tzinfo=UTC),
        ),
        (
            "2024-03-01T20:15:31.1234567+02:00",
            datetime(2024, 3, 1, 18, 15, 31, 123456, tzinfo=UTC),
        ),
        (
            "2024-03-01T20:15:31.5Z",
            datetime(2024, 3, 1, 20, 15, 31, 500000, tzinfo=UTC),
        ),
        ("2024-03-01T20:15:31", datetime(2024, 3, 1, 20, 15, 31, tzinfo=UTC)),
        ("2024-03-01", datetime(2024, 3, 1, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", None),
        ("0001-01-01T00:00:00.0000000Z", None),
        ("not a date", None),
        ("2024-13-45T99:00:00Z", None),
        ("", None),
        (None, None),
        (12345, None),
    ],
)
def test_parse_datetime(text: object, expected: datetime | None) -> None:
    parsed = parse_datetime(text)
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is UTC


def test_format_datetime() -> None:
    aware = datetime(2024, 3, 1, 22, 0, tzinfo=timezone(timedelta(hours=2)))
    assert format_datetime(aware) == "2024-03-01T20:00:00Z"
    assert format_datetime(datetime(2024, 3, 1, 20, 0)) == "2024-03-01T20:00:00Z"


@pytest.mark.parametrize(
    ("path", "parent"),
    [
        ("/movies/Alien (1979)", "/movies"),
        ("/movies/Alien (1979)/", "/movies"),
        ("/data/media/movies/Alien", "/data/media/movies"),
        ("/Alien", "/"),
        ("D:\\Movies\\Alien (1979)", "D:\\Movies"),
        ("Alien", None),
        (None, None),
        ("", None),
    ],
)
def test_parent_folder(path: str | None, parent: str | None) -> None:
    assert parent_folder(path) == parent


def folder(path: str, free: int | None = None, total: int | None = None) -> RootFolder:
    return RootFolder(
        id=1, path=path, accessible=True, free_space=free, total_space=total
    )


def disk(path: str, free: int, total: int) -> DiskSpace:
    return DiskSpace(path=path, label=None, free_space=free, total_space=total)


def test_merge_disk_space_uses_the_longest_containing_mount() -> None:
    disks = [
        disk("/", 1, 10),
        disk("/data", 2, 20),
        disk("/data/movies", 3, 30),
        disk("/data/movies2", 4, 40),
    ]
    merged = merge_disk_space(
        [
            folder("/data/movies/", free=5),
            folder("/data/tv", free=6),
            folder("/database/x", free=7),
            folder("/data/movies2/uhd"),
        ],
        disks,
    )
    assert [(f.free_space, f.total_space) for f in merged] == [
        (5, 30),
        (6, 20),
        (7, 10),
        (4, 40),
    ]
    assert merged[0].free_percent == 5 * 100 / 30


def test_merge_disk_space_windows_and_unknown() -> None:
    merged = merge_disk_space(
        [folder("d:\\Movies\\", free=1), folder("/nowhere", free=2)],
        [disk("D:\\", 3, 100)],
    )
    assert merged[0].total_space == 100
    assert merged[1].total_space is None
    assert merged[1].free_percent is None


def test_merge_disk_space_keeps_totals_the_folder_has() -> None:
    lidarr_folder = folder("/music", free=10, total=1000)
    assert merge_disk_space([lidarr_folder], [disk("/", 1, 2)]) == [lidarr_folder]


RADARR_MOVIE = {
    "id": 7,
    "title": "Alien",
    "year": 1979,
    "tmdbId": 348,
    "imdbId": "tt0078748",
    "path": "/movies/Alien (1979)",
    "rootFolderPath": "/movies/",
    "monitored": True,
    "hasFile": True,
    "isAvailable": True,
    "sizeOnDisk": 123,
    "added": "2021-03-01T20:15:31Z",
    "tags": [1, 3],
    "qualityProfileId": 4,
    "movieFile": {"id": 9, "size": 123, "dateAdded": "2021-03-02T10:00:00Z"},
    "images": [{"coverType": "poster"}],
}


def test_movie_from_json() -> None:
    movie = movie_from_json(RADARR_MOVIE)
    assert movie.id == 7
    assert (movie.title, movie.year, movie.tmdb_id, movie.imdb_id) == (
        "Alien",
        1979,
        348,
        "tt0078748",
    )
    # As `/rootfolder` names it: without the trailing slash Radarr keeps.
    assert movie.root_folder == "/movies"
    assert movie.has_file
    assert movie.monitored
    assert movie.is_available
    assert movie.size_on_disk == 123
    assert movie.added == datetime(2021, 3, 1, 20, 15, 31, tzinfo=UTC)
    assert movie.file_added == datetime(2021, 3, 2, 10, tzinfo=UTC)
    assert movie.tags == (1, 3)
    assert movie.quality_profile_id == 4


def test_movie_from_sparse_json() -> None:
    movie = movie_from_json(
        {
            "id": 8,
            "title": "Unreleased",
            "year": 0,
            "tmdbId": 0,
            "path": "/films/Unreleased",
            "monitored": False,
            "statistics": {"sizeOnDisk": 0, "movieFileCount": 0},
            "added": "0001-01-01T00:00:00Z",
        }
    )
    assert movie.year is None
    assert movie.tmdb_id is None
    assert movie.imdb_id is None
    assert movie.root_folder == "/films"
    assert movie.has_file is False
    assert movie.file_added is None
    assert movie.added is None
    assert movie.tags == ()


def test_movie_has_file_derived_when_the_flag_is_missing() -> None:
    movie = movie_from_json({"id": 1, "movieFileId": 5, "movieFile": {"size": 77}})
    assert movie.has_file is True
    assert movie.size_on_disk == 77


SONARR_V4_SERIES = {
    "id": 3,
    "title": "The Expanse",
    "year": 2015,
    "tvdbId": 280619,
    "tmdbId": 63639,
    "imdbId": "tt3230854",
    "path": "/tv/The Expanse",
    "rootFolderPath": "/tv/",
    "monitored": True,
    "seriesType": "standard",
    "added": "2020-01-21T00:01:59Z",
    "tags": [2],
    "qualityProfileId": 1,
    "statistics": {
        "seasonCount": 2,
        "episodeFileCount": 15,
        "episodeCount": 20,
        "totalEpisodeCount": 22,
        "sizeOnDisk": 1500,
    },
    "seasons": [
        {"seasonNumber": 0, "monitored": False, "statistics": {"totalEpisodeCount": 2}},
        {
            "seasonNumber": 1,
            "monitored": True,
            "statistics": {
                "episodeFileCount": 10,
                "episodeCount": 10,
                "totalEpisodeCount": 10,
                "sizeOnDisk": 1000,
            },
        },
        {
            "seasonNumber": 2,
            "monitored": True,
            "statistics": {
                "episodeFileCount": 5,
                "episodeCount": 10,
                "totalEpisodeCount": 10,
                "sizeOnDisk": 500,
            },
        },
    ],
}


def test_series_from_json() -> None:
    series = series_from_json(SONARR_V4_SERIES)
    assert (series.id, series.title, series.tvdb_id, series.tmdb_id) == (
        3,
        "The Expanse",
        280619,
        63639,
    )
    assert series.root_folder == "/tv"
    assert (
        series.episode_file_count,
        series.episode_count,
        series.total_episode_count,
        series.size_on_disk,
    ) == (15, 20, 22, 1500)
    assert [s.season_number for s in series.seasons] == [0, 1, 2]
    assert series.seasons[2].episode_file_count == 5
    assert series.seasons[0].size_on_disk == 0
    assert series.series_type == "standard"


def test_series_from_sonarr_v3_json() -> None:
    # Sonarr 3.0.x: languageProfileId, no statistics on the seasons, and
    # (for this series) none on the series either.
    series = series_from_json(
        {
            "id": 4,
            "title": "Old Show",
            "tvdbId": 1234,
            "languageProfileId": 1,
            "path": "/tv/Old Show",
            "monitored": True,
            "seasons": [
                {"seasonNumber": 1, "monitored": True},
                {"seasonNumber": 2, "monitored": False},
            ],
        }
    )
    assert series.tmdb_id is None
    assert series.root_folder == "/tv"
    assert series.episode_count == 0
    assert series.size_on_disk == 0
    assert [
        (s.season_number, s.monitored, s.episode_count) for s in series.seasons
    ] == [
        (1, True, 0),
        (2, False, 0),
    ]


def test_series_without_statistics_sums_the_seasons() -> None:
    data = dict(SONARR_V4_SERIES)
    del data["statistics"]
    series = series_from_json(data)
    assert series.episode_file_count == 15
    assert series.total_episode_count == 22
    assert series.size_on_disk == 1500


def test_artist_and_album_from_json() -> None:
    artist = artist_from_json(
        {
            "id": 5,
            "artistName": "Daft Punk",
            "foreignArtistId": "056e4f3e-d505-4dad-8ec1-d04f521cbb56",
            "path": "/music/Daft Punk",
            "monitored": True,
            "statistics": {
                "albumCount": 4,
                "trackFileCount": 40,
                "totalTrackCount": 50,
                "sizeOnDisk": 999,
            },
            "added": "2022-05-05T05:05:05Z",
        }
    )
    assert artist.name == "Daft Punk"
    assert artist.musicbrainz_id == "056e4f3e-d505-4dad-8ec1-d04f521cbb56"
    assert artist.root_folder == "/music"
    assert (artist.album_count, artist.track_file_count, artist.total_track_count) == (
        4,
        40,
        50,
    )
    album = album_from_json(
        {
            "id": 6,
            "artistId": 5,
            "title": "Discovery",
            "foreignAlbumId": "48117b90-a16e-34ca-a514-19c702df1158",
            "monitored": True,
            "releaseDate": "2001-03-12T00:00:00Z",
            "statistics": {
                "trackFileCount": 14,
                "totalTrackCount": 14,
                "sizeOnDisk": 5,
            },
        }
    )
    assert album.artist_id == 5
    assert album.release_date == datetime(2001, 3, 12, tzinfo=UTC)
    assert album.track_file_count == 14
    with pytest.raises(KeyError):
        album_from_json({"id": 7, "title": "no artist"})


async def test_jellyfin_items_of_several_users_merge_by_id() -> None:
    merger = _ItemMerger()
    alice = merger.projection("alice")
    bob = merger.projection("bob")
    base = {
        "Id": "m1",
        "Name": "Alien",
        "Type": "Movie",
        "ProviderIds": {"Tmdb": "348", "Imdb": "tt0078748", "Bad": None},
        "Path": "/movies/Alien (1979)/Alien.mkv",
        "DateCreated": "2024-03-01T20:15:31.1234567Z",
    }
    alice(
        {
            **base,
            "UserData": {
                "Played": True,
                "PlayCount": 2,
                "LastPlayedDate": "2024-05-01T10:00:00.0000000Z",
                "IsFavorite": False,
            },
        }
    )
    alice({"Id": "s1", "Name": "Show", "Type": "Series", "UserData": {"Played": False}})
    bob({**base, "UserData": {"Played": False, "PlayCount": 0, "IsFavorite": True}})
    items = await merger.async_result()
    assert [item.id for item in items] == ["m1", "s1"]
    movie, show = items
    assert movie.provider_ids == {"Tmdb": "348", "Imdb": "tt0078748"}
    assert movie.date_created == datetime(2024, 3, 1, 20, 15, 31, 123456, tzinfo=UTC)
    assert set(movie.user_data) == {"alice", "bob"}
    assert movie.watched
    assert movie.favorite
    assert movie.last_played == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert set(show.user_data) == {"alice"}
    assert not show.watched


def test_rows_build_the_models_when_read() -> None:
    albums = Rows(
        Album,
        [
            album_row({"id": 1, "artistId": 7, "title": "A", "monitored": True}),
            album_row(
                {
                    "id": 2,
                    "artistId": 7,
                    "title": "B",
                    "statistics": {"trackFileCount": 2, "sizeOnDisk": 12},
                }
            ),
        ],
    )
    assert len(albums) == 2
    assert albums[1] == Album(
        id=2,
        artist_id=7,
        title="B",
        musicbrainz_id=None,
        monitored=False,
        release_date=None,
        track_file_count=2,
        total_track_count=0,
        size_on_disk=12,
    )
    assert [album.title for album in albums] == ["A", "B"]
    assert [album.id for album in albums[1:]] == [2]
    assert list(albums.column("title")) == ["A", "B"]
    assert albums.total("size_on_disk") == 12
    assert albums.count_where(monitored=True) == 1
    assert albums.count_where(monitored=False, track_file_count=2) == 1
    assert albums == Rows(Album, list(albums.rows))
    assert albums != Rows(Album, albums.rows[:1])
    assert repr(albums) == "Rows(Album, 2 rows)"
    with pytest.raises(AttributeError):
        albums.total("no_such_field")


async def test_snapshot_rows_are_left_alone_by_the_garbage_collector() -> None:
    movies = Rows(
        Movie,
        [
            movie_row({"id": i, "title": f"M{i}", "tags": [1, i], "hasFile": False})
            for i in range(100)
        ],
    )
    series = Rows(
        Series,
        [
            series_row(
                {
                    "id": 1,
                    "title": "S",
                    "tags": [3],
                    "seasons": [
                        {"seasonNumber": n, "statistics": {"sizeOnDisk": n}}
                        for n in range(3)
                    ],
                }
            )
        ],
    )
    merger = _ItemMerger()
    for user in ("alice", "bob"):
        fold = merger.projection(user)
        for i in range(100):
            fold(
                {
                    "Id": f"i{i}",
                    "Name": "N",
                    "Type": "Movie",
                    "ProviderIds": {"Tmdb": str(i)},
                    "UserData": {
                        "Played": True,
                        "PlayCount": i,
                        "LastPlayedDate": "2024-05-01T10:00:00Z",
                    },
                }
            )
    items = await merger.async_result()
    gc.collect()
    gc.collect()
    for rows in (movies, series, items):
        assert not any(gc.is_tracked(row) for row in rows.rows)
    assert [season.size_on_disk for season in series[0].seasons] == [0, 1, 2]
    assert series[0].tags == (3,)
    item = {item.id: item for item in items}["i5"]
    assert item.provider_ids == {"Tmdb": "5"}
    assert set(item.user_data) == {"alice", "bob"}


def test_jellyfin_idle_session_is_skipped() -> None:
    assert session_from_json({"Id": "s", "UserName": "alice"}) is None
    playing = session_from_json(
        {
            "Id": "s",
            "UserId": "u",
            "UserName": "alice",
            "Client": "Jellyfin Web",
            "DeviceName": "Firefox",
            "NowPlayingItem": {"Id": "m1", "Name": "Alien", "Type": "Movie"},
            "PlayState": {"IsPaused": True},
        }
    )
    assert playing is not None
    assert (playing.item_name, playing.is_paused, playing.user_name) == (
        "Alien",
        True,
        "alice",
    )


async def fail_after(delay: float, error: BaseException) -> None:
    await asyncio.sleep(delay)
    raise error


async def test_concurrent_requests_raise_one_client_error() -> None:
    cancelled = False

    async def long_request() -> None:
        nonlocal cancelled
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled = True
            raise

    async def run() -> None:
        async with concurrent_requests() as group:
            group.create_task(long_request())
            group.create_task(fail_after(0, CannotConnectError("Radarr", "u", "down")))

    with pytest.raises(CannotConnectError):
        await run()
    # The other request stops instead of running on.
    assert cancelled


async def test_concurrent_requests_prefer_the_key_error() -> None:
    async def run() -> None:
        async with concurrent_requests() as group:
            group.create_task(fail_after(0, BadResponseError("Radarr", "u", "html")))
            group.create_task(fail_after(0, AuthenticationError("Radarr", "u", "401")))

    with pytest.raises(AuthenticationError):
        await run()


async def test_concurrent_requests_do_not_hide_bugs() -> None:
    async def run() -> None:
        async with concurrent_requests() as group:
            group.create_task(fail_after(0, ZeroDivisionError()))
            group.create_task(fail_after(0, BadResponseError("Radarr", "u", "html")))

    with pytest.raises(ExceptionGroup) as caught:
        await run()
    assert caught.group_contains(ZeroDivisionError)
