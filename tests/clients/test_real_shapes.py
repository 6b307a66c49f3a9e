"""Answers shaped as real servers send them, read without a network.

The shapes are those of Sonarr v4 and v3, Radarr, Lidarr, Jellyfin 10.10 and
10.11 and Jellyseerr (written here from their documented and served forms):
season packs listed once per episode, imported downloads, decimal sizes,
0 to 7 fractional digits, dates that are no dates, root folders without
`accessible`, with trailing separators or on Windows, music sessions, items
without watch data, disabled users and null request fields.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from custom_components.lcars.clients import LidarrClient, RadarrClient, SonarrClient
from custom_components.lcars.clients.arr import (
    QueueNames,
    _root_folder,
    merge_disk_space,
)
from custom_components.lcars.clients.convert import (
    clean_path,
    parse_datetime,
    path_key,
)
from custom_components.lcars.clients.jellyfin import (
    _ItemMerger,
    session_from_json,
    user_from_json,
)
from custom_components.lcars.clients.jellyseerr import media_ref
from custom_components.lcars.clients.models import DiskSpace, RootFolder
from custom_components.lcars.clients.radarr import movie_from_json
from custom_components.lcars.clients.sonarr import series_from_json


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A session the clients are made with; nothing is sent."""
    async with aiohttp.ClientSession() as session:
        yield session


def sonarr_record(record_id: int, episode: int, **extra: Any) -> dict[str, Any]:
    """A Sonarr v4 `/queue/details` record of a season pack (includeEpisode)."""
    return {
        "seriesId": 12,
        "episodeId": 400 + episode,
        "seasonNumber": 2,
        "episode": {"seriesId": 12, "seasonNumber": 2, "episodeNumber": episode},
        "languages": [{"id": 1, "name": "English"}],
        "quality": {"quality": {"id": 3, "name": "WEBDL-1080p"}},
        "customFormats": [],
        "customFormatScore": 0,
        "size": 12884901888,
        "title": "Some.Show.S02.1080p.WEB.h264-GRP",
        "sizeleft": 4294967296,
        "timeleft": "00:41:05",
        "estimatedCompletionTime": "2025-03-01T21:41:05.1234567Z",
        "added": "2025-03-01T19:02:11.57Z",
        "status": "downloading",
        "trackedDownloadStatus": "ok",
        "trackedDownloadState": "downloading",
        "statusMessages": [],
        "downloadId": "0123456789ABCDEF0123456789ABCDEF01234567",
        "protocol": "torrent",
        "downloadClient": "qBittorrent",
        "downloadClientHasPostImportCategory": False,
        "indexer": "Some Indexer",
        "outputPath": "/downloads/Some.Show.S02.1080p.WEB.h264-GRP",
        "episodeHasFile": False,
        "id": record_id,
        **extra,
    }


async def test_sonarr_season_pack_counts_once(http: aiohttp.ClientSession) -> None:
    """Three records of one download are one item; its bytes left once."""
    client = SonarrClient(http, "http://sonarr.invalid", "k" * 32)
    records = [
        sonarr_record(1834567, 3),
        sonarr_record(834567, 1),
        sonarr_record(1234567, 2),
        # One episode, still downloading: a float size, a stalled message.
        sonarr_record(
            77,
            9,
            downloadId="SABnzbd_nzo_a1b2c3",
            protocol="usenet",
            downloadClient="SABnzbd",
            title="Some.Show.S02E09.1080p.WEB.h264-GRP",
            size=1073741824.0,
            sizeleft=536870912.5,
            status="warning",
            errorMessage="Unpacking failed, write error or disk is full?",
            estimatedCompletionTime="0001-01-01T00:00:00Z",
        ),
        # Imported: listed until the next look at the download client.
        sonarr_record(
            99,
            7,
            downloadId="FEDCBA9876543210FEDCBA9876543210FEDCBA98",
            title="Some.Show.S02E07.720p.HDTV.x264-GRP",
            status="completed",
            trackedDownloadState="imported",
            sizeleft=0,
        ),
        # Waiting to be sent to a client: no download id yet.
        {
            "seriesId": 12,
            "episodeId": 410,
            "seasonNumber": 2,
            "title": "Some.Show.S02E10.1080p.WEB.h264-GRP",
            "size": 2147483648,
            "sizeleft": 2147483648,
            "episode": {"seasonNumber": 2, "episodeNumber": 10},
            "status": "delay",
            "trackedDownloadState": "downloading",
            "protocol": "torrent",
            "id": 5,
        },
    ]
    parsed = [client._queue_record(r) for r in records]
    assert parsed[4] is None
    items = client._downloads(
        [r for r in parsed if r is not None], QueueNames(media={12: "Some Show"})
    )
    assert [(i.id, i.title) for i in items] == [
        (834567, "Some Show S02"),
        (77, "Some Show S02E09"),
        (5, "Some Show S02E10"),
    ]
    pack, single, delayed = items
    assert pack.record_ids == (834567, 1234567, 1834567)
    assert (pack.size, pack.size_left) == (12884901888, 4294967296)
    assert pack.progress == pytest.approx(200 / 3)
    assert pack.release_title == "Some.Show.S02.1080p.WEB.h264-GRP"
    assert pack.estimated_completion == datetime(
        2025, 3, 1, 21, 41, 5, 123456, tzinfo=UTC
    )
    assert (single.size, single.size_left) == (1073741824, 536870912)
    assert single.error_message == "Unpacking failed, write error or disk is full?"
    assert single.estimated_completion is None
    assert delayed.download_id is None
    assert sum(i.size_left for i in items) == 4294967296 + 536870912 + 2147483648


async def test_sonarr_v3_records(http: aiohttp.ClientSession) -> None:
    """Sonarr v3: one language object, no top-level season, decimal sizes."""
    client = SonarrClient(http, "http://sonarr.invalid", "k" * 32)
    record = {
        "seriesId": 3,
        "episodeId": 31,
        "series": {"title": "The Expanse", "id": 3},
        "episode": {"seasonNumber": 1, "episodeNumber": 4, "id": 31},
        "language": {"id": 1, "name": "English"},
        "size": 1566769821.0,
        "title": "The.Expanse.S01E04.720p.HDTV.x264",
        "sizeleft": 0.0,
        "status": "completed",
        "trackedDownloadStatus": "ok",
        "trackedDownloadState": "importPending",
        "downloadId": "ABCDEF",
        "protocol": "torrent",
        "downloadClient": "Transmission",
        "id": 1001,
    }
    parsed = client._queue_record(record)
    assert parsed is not None
    (item,) = client._downloads([parsed], QueueNames())
    assert item.title == "The Expanse S01E04"
    assert (item.size, item.size_left, item.progress) == (1566769821, 0, 100.0)


async def test_radarr_and_lidarr_downloads_are_named_after_the_library(
    http: aiohttp.ClientSession,
) -> None:
    """A movie's title; an artist and its albums (one release, two albums)."""
    radarr = RadarrClient(http, "http://radarr.invalid", "k" * 32)
    movie = radarr._queue_record(
        {
            "movieId": 8,
            "title": "Alien.1979.Directors.Cut.1080p.BluRay.x264-GRP",
            "size": 9000000000,
            "sizeleft": 4500000000,
            "status": "downloading",
            "downloadId": "AA",
            "downloadClient": "qBittorrent",
            "id": 1,
        }
    )
    assert movie is not None
    (item,) = radarr._downloads([movie], QueueNames(media={8: "Alien"}))
    assert item.title == "Alien"
    # A movie no longer in the library keeps its release name.
    (item,) = radarr._downloads([movie], QueueNames())
    assert item.title == "Alien.1979.Directors.Cut.1080p.BluRay.x264-GRP"

    lidarr = LidarrClient(http, "http://lidarr.invalid", "k" * 32)
    records = [
        lidarr._queue_record(
            {
                "artistId": 4,
                "albumId": album,
                "title": "Artist - Discography [FLAC]",
                "size": 2000000000.0,
                "sizeleft": 500000000.0,
                "status": "downloading",
                "downloadId": "BB",
                "downloadClient": "Deluge",
                "id": record_id,
            }
        )
        for record_id, album in ((20, 41), (21, 42))
    ]
    (item,) = lidarr._downloads(
        [r for r in records if r is not None],
        QueueNames(
            media={4: "Boards of Canada"},
            parts={41: "Geogaddi", 42: "Tomorrow's Harvest"},
        ),
    )
    assert item.title == "Boards of Canada - Geogaddi, Tomorrow's Harvest"
    assert (item.size, item.size_left) == (2000000000, 500000000)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-01T21:41:05Z", datetime(2025, 3, 1, 21, 41, 5, tzinfo=UTC)),
        ("2025-03-01T21:41:05.1Z", datetime(2025, 3, 1, 21, 41, 5, 100000, tzinfo=UTC)),
        (
            "2025-03-01T21:41:05.12Z",
            datetime(2025, 3, 1, 21, 41, 5, 120000, tzinfo=UTC),
        ),
        (
            "2025-03-01T21:41:05.123Z",
            datetime(2025, 3, 1, 21, 41, 5, 123000, tzinfo=UTC),
        ),
        (
            "2025-03-01T21:41:05.1234Z",
            datetime(2025, 3, 1, 21, 41, 5, 123400, tzinfo=UTC),
        ),
        (
            "2025-03-01T21:41:05.12345Z",
            datetime(2025, 3, 1, 21, 41, 5, 123450, tzinfo=UTC),
        ),
        (
            "2025-03-01T21:41:05.123456Z",
            datetime(2025, 3, 1, 21, 41, 5, 123456, tzinfo=UTC),
        ),
        (
            "2025-03-01T21:41:05.1234567Z",
            datetime(2025, 3, 1, 21, 41, 5, 123456, tzinfo=UTC),
        ),
        (
            "2025-03-01T21:41:05.1234567",
            datetime(2025, 3, 1, 21, 41, 5, 123456, tzinfo=UTC),
        ),
        ("2025-03-01t21:41:05z", datetime(2025, 3, 1, 21, 41, 5, tzinfo=UTC)),
        # .NET's "no date": MinValue (also with a server's offset) and MaxValue.
        ("0001-01-01T00:00:00Z", None),
        ("0001-01-01T00:00:00.0000000+01:00", None),
        ("9999-12-31T23:59:59.9999999Z", None),
        ("2025-02-30T00:00:00Z", None),
        ("2025-03-01T24:00:00Z", None),
        ("never", None),
        ([], None),
    ],
)
def test_dates(text: object, expected: datetime | None) -> None:
    assert parse_datetime(text) == expected


@pytest.mark.parametrize(
    ("path", "clean", "key"),
    [
        ("/tv/", "/tv", "/tv"),
        ("/tv", "/tv", "/tv"),
        ("/", "/", "/"),
        ("D:\\TV\\", "D:\\TV", "d:/tv"),
        ("d:/tv", "d:/tv", "d:/tv"),
        ("D:\\", "D:\\", "d:/"),
        ("\\\\NAS\\Media\\TV\\", "\\\\NAS\\Media\\TV", "//nas/media/tv"),
    ],
)
def test_paths(path: str, clean: str, key: str) -> None:
    assert clean_path(path) == clean
    assert path_key(path) == key


def test_items_name_their_root_folder_as_root_folders_do() -> None:
    """Trailing separators and Windows paths match the root folder list."""
    movie = movie_from_json(
        {
            "id": 1,
            "title": "Alien",
            "path": "D:\\Media\\Movies\\Alien (1979)",
            "rootFolderPath": "D:\\Media\\Movies\\",
        }
    )
    assert movie.root_folder == "D:\\Media\\Movies"
    # Sonarr v3 sends no root folder: the folder above the series.
    series = series_from_json({"id": 2, "title": "Show", "path": "/tv/Show"})
    assert series.root_folder == "/tv"
    folders = merge_disk_space(
        [
            RootFolder(
                id=1,
                path=clean_path("D:\\Media\\Movies\\"),
                accessible=True,
                free_space=None,
                total_space=None,
            )
        ],
        [
            DiskSpace(path="C:\\", label="System", free_space=1, total_space=2),
            DiskSpace(path="d:\\", label="Media", free_space=30, total_space=40),
        ],
    )
    assert [(f.path, f.free_space, f.total_space) for f in folders] == [
        ("D:\\Media\\Movies", 30, 40)
    ]


def test_root_folder_without_accessible() -> None:
    """Older servers leave `accessible` out: a listed folder is accessible."""
    folder = _root_folder({"id": 1, "path": "/tv/", "freeSpace": 5})
    assert (folder.path, folder.accessible, folder.free_space) == ("/tv", True, 5)


def test_jellyfin_music_session_plays_in_its_album() -> None:
    session = session_from_json(
        {
            "Id": "s",
            "UserId": "u",
            "UserName": "bob",
            "Client": "Finamp",
            "NowPlayingItem": {
                "Id": "t1",
                "Name": "Track",
                "Type": "Audio",
                "MediaType": "Audio",
                "Album": "Geogaddi",
                "AlbumId": "a1",
                "AlbumArtist": "Boards of Canada",
                "IndexNumber": 3,
                "ParentIndexNumber": 1,
            },
            "PlayState": {"IsPaused": False},
        }
    )
    assert session is not None
    assert (session.item_type, session.album_id) == ("Audio", "a1")
    assert session.series_id is None
    assert session.season_number is None


def test_jellyfin_disabled_user() -> None:
    user = user_from_json(
        {
            "Name": "guest",
            "Id": "g",
            "Policy": {"IsAdministrator": False, "IsDisabled": True},
        }
    )
    assert user.is_disabled
    assert not user_from_json({"Name": "alice", "Id": "a"}).is_disabled


async def test_jellyfin_items_without_watch_data_are_not_never_watched() -> None:
    """An item a user's list sends without UserData: unknown, not unwatched."""
    merger = _ItemMerger()
    alice = merger.projection("alice")
    alice({"Id": "m1", "Name": "A", "Type": "Movie", "UserData": {"Played": False}})
    alice({"Id": "m2", "Name": "B", "Type": "Movie"})
    alice({"Id": "m3", "Name": "C", "Type": "Movie", "DateCreated": "not a date"})
    alice(
        {
            "Id": "m4",
            "Name": "D",
            "Type": "Movie",
            "UserData": {
                "Played": True,
                "LastPlayedDate": "2025-01-02T03:04:05.123456Z",
            },
        }
    )
    items = {item.id: item for item in await merger.async_result()}
    assert set(items) == {"m1", "m2", "m3", "m4"}
    assert items["m2"].user_data == {}
    assert items["m3"].date_created is None
    assert merger.never_watched == 1
    assert merger.watch_unknown == {"m2", "m3"}


def test_jellyseerr_media_with_null_request_fields() -> None:
    ref = media_ref(
        {
            "id": 5,
            "mediaType": "movie",
            "tmdbId": 348,
            "tvdbId": None,
            "imdbId": None,
            "status": 2,
            "requests": [
                {
                    "id": 9,
                    "status": 1,
                    "serverId": None,
                    "profileId": None,
                    "rootFolder": None,
                    "tags": None,
                    "languageProfileId": None,
                }
            ],
        }
    )
    assert (ref.id, ref.media_type, ref.tmdb_id, ref.tvdb_id) == (5, "movie", 348, None)


async def test_sonarr_episode_from_the_release_name(
    http: aiohttp.ClientSession,
) -> None:
    """Without the episode embedded, a single download's release name tells it."""
    client = SonarrClient(http, "http://sonarr.invalid", "k" * 32)
    names = QueueNames(media={12: "Some Show"})

    def title(**extra: Any) -> str:
        record = sonarr_record(1, 9, **extra)
        del record["episode"]
        parsed = client._queue_record(record)
        assert parsed is not None
        (item,) = client._downloads([parsed], names)
        return item.title

    assert title(title="Some.Show.S02E09.1080p.WEB.h264-GRP") == "Some Show S02E09"
    assert title(title="some show s2e9 720p") == "Some Show S02E09"
    # Another season than the record's: not trusted.
    assert title(title="Some.Show.S03E09.1080p.WEB.h264-GRP") == "Some Show"
    # A daily show's release: no episode to tell.
    assert title(title="Some.Show.2025.03.01.1080p.WEB.h264-GRP") == "Some Show"
